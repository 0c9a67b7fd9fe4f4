"""Tracking limits (issue 14): wrong guesses of the phone's last four digits lock the case number,
from whatever address they come; look-ups per address are limited only generously."""

import datetime as dt

import time_machine

from gongzhi.cases import public_views
from gongzhi.cases.tests.helpers import public_report

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LOCKED = "输错手机号后四位的次数太多"


def look_up(client, number, last4, address="198.51.100.7"):
    return client.post("/public/track/", {"number": number, "phone_last4": last4}, REMOTE_ADDR=address)


def test_wrong_guesses_from_many_addresses_lock_that_number_only(world, client):
    case, other = public_report(world), public_report(world, side="b")
    for _ in range(10):  # right look-ups are not wrong guesses
        assert look_up(client, case.number, "5678").status_code == 200
    for n in range(4):
        assert look_up(client, case.number, "0000", f"203.0.113.{n}").status_code == 404
    assert look_up(client, case.number, "5678").status_code == 200  # four wrong: still open
    assert look_up(client, case.number, "0000", "203.0.113.4").status_code == 404  # the fifth
    refused = look_up(client, case.number, "5678", "192.0.2.1")
    assert refused.status_code == 429 and LOCKED in refused.content.decode()
    assert case.title not in refused.content.decode()
    assert look_up(client, other.number, "5678", "203.0.113.4").status_code == 200


def test_the_locked_number_opens_again_after_an_hour(world, client):
    case = public_report(world)
    with time_machine.travel(START, tick=False) as clock:
        for n in range(5):
            look_up(client, case.number, "1111", f"203.0.113.{n}")
        assert look_up(client, case.number, "5678").status_code == 429
        clock.shift(dt.timedelta(minutes=59))
        assert look_up(client, case.number, "5678").status_code == 429
        clock.shift(dt.timedelta(minutes=2))
        page = look_up(client, case.number, "5678")
        assert page.status_code == 200 and case.title in page.content.decode()


def test_many_right_look_ups_from_one_address_are_not_blocked(world, client):
    case = public_report(world)
    # Past the old limit of 60 an hour an address (a whole office behind one address).
    for _ in range(61):
        assert look_up(client, case.number, "5678", "203.0.113.9").status_code == 200


def test_unknown_numbers_count_per_address(world, client, monkeypatch):
    monkeypatch.setattr(public_views, "WRONG_GUESSES_PER_ADDRESS", 3)
    case = public_report(world)
    for n in range(3):
        assert look_up(client, f"GZ-NONE-{n}", "1234", "203.0.113.5").status_code == 404
    refused = look_up(client, case.number, "5678", "203.0.113.5")
    assert refused.status_code == 429 and "从您的网络查询错误的次数太多" in refused.content.decode()
    assert look_up(client, case.number, "5678", "198.51.100.7").status_code == 200


def test_look_ups_per_address_still_have_a_ceiling(world, client, monkeypatch):
    monkeypatch.setattr(public_views, "TRACKS_PER_HOUR", 2)
    case = public_report(world)
    for _ in range(2):
        assert look_up(client, case.number, "5678").status_code == 200
    assert look_up(client, case.number, "5678").status_code == 429
