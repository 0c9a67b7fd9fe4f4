"""Per-household ballots (一户一票, issue 15): the voter's phone is matched to a registry household
of the ballot's area through the registry's keyed phone hash; a second phone of the same
household is refused in Chinese and changes nothing; an unmatched phone is refused; two members
of one household voting at once give exactly one vote."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.cases.models import OutboundMessage, PhoneCode
from gongzhi.core.errors import DomainError
from gongzhi.participation import services
from gongzhi.participation.models import Ballot, BallotChoice, BallotOption, BallotVote
from gongzhi.participation.tests.helpers import code_for
from gongzhi.registry import services as registry
from gongzhi.registry.validators import make_id_number
from gongzhi.territory.services import create_area

NOW = dt.datetime(2026, 11, 18, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 18)

# Household 101 (two members with phones), household 102 (one), and a resident of the other
# subdistrict; a phone that no registry row has.
WANG_XIUYING, WANG_JIANJUN, LI_MIN, B_RESIDENT, STRANGER = (
    "13900001111",
    "13900001112",
    "13900002221",
    "13900003331",
    "13700009999",
)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _resident(dwelling, name, n, phone, relation="其他", label="1"):
    return registry.register_resident(
        actor=None,
        dwelling=dwelling,
        household_label=label,
        data={
            "name": name,
            "id_number": make_id_number("310105", dt.date(1960, 3, 1), n),
            "phone": phone,
            "relation": relation,
        },
    )


@pytest.fixture
def households(world):
    building = create_area(code="A-B9", name="A小区9号楼", kind="building", parent=world.a.estate)
    room_101 = registry.create_dwelling(actor=None, area=building, data={"room": "101", "use": "自住"})
    room_102 = registry.create_dwelling(actor=None, area=building, data={"room": "102", "use": "自住"})
    _resident(room_101, "王秀英", 1, WANG_XIUYING, relation="户主")
    _resident(room_101, "王建军", 2, WANG_JIANJUN, relation="子女")
    _resident(room_102, "李敏", 3, LI_MIN, relation="户主")
    other = create_area(code="B-B9", name="B小区9号楼", kind="building", parent=world.b.estate)
    room_b = registry.create_dwelling(actor=None, area=other, data={"room": "301"})
    _resident(room_b, "张伟", 4, B_RESIDENT, relation="户主")


def household_ballot(world, *, per_household=True):
    leader = world.a.users["leader"]
    ballot = services.create_ballot(
        actor=leader,
        area=world.a.subdistrict,
        title="2027年民生实事项目票决（一户一票）",
        pick=1,
        per_household=per_household,
        opens_on=TODAY,
        closes_on=TODAY + dt.timedelta(days=10),
    )
    for title in ("加装电梯", "口袋公园", "充电桩"):
        services.add_option(actor=leader, ballot=ballot, title=title)
    services.act_on_ballot(actor=leader, ballot=ballot, action="open")
    return Ballot.objects.get(pk=ballot.pk)


def vote(world, ballot, phone, minutes=0):
    at = NOW + dt.timedelta(minutes=minutes)
    code = code_for(world, phone, services.vote_purpose(ballot.ref), now=at)
    option = ballot.options.order_by("position").first()
    return services.cast_vote(ballot=ballot, phone=phone, code=code, option_ids=[option.pk], now=at)


pytestmark = pytest.mark.django_db


def test_one_vote_per_household_and_the_second_member_is_told_in_chinese(world, households):
    ballot = household_ballot(world)
    vote(world, ballot, WANG_XIUYING)
    with pytest.raises(DomainError, match="您家已有家庭成员投过票") as refused:
        vote(world, ballot, WANG_JIANJUN)
    assert refused.value.code == "household_voted"
    vote(world, ballot, LI_MIN)  # another household votes
    ballot.refresh_from_db()
    assert ballot.voters == 2 == BallotVote.objects.filter(ballot=ballot).count()
    assert BallotOption.objects.filter(ballot=ballot).order_by("position").first().votes == 2
    digests = set(BallotVote.objects.filter(ballot=ballot).values_list("household_digest", flat=True))
    assert len(digests) == 2 and "" not in digests


def test_the_same_phone_twice_is_still_already_voted(world, households):
    ballot = household_ballot(world)
    vote(world, ballot, WANG_XIUYING)
    with pytest.raises(DomainError) as refused:
        vote(world, ballot, WANG_XIUYING, minutes=2)
    assert refused.value.code == "already_voted"


@pytest.mark.parametrize("phone", [STRANGER, B_RESIDENT], ids=["unregistered", "other-subdistrict"])
def test_a_phone_of_no_household_in_the_area_is_refused(world, households, phone):
    ballot = household_ballot(world)
    with pytest.raises(DomainError, match="未登记在本辖区的住户中") as refused:
        vote(world, ballot, phone)
    assert refused.value.code == "no_household"
    assert not BallotVote.objects.filter(ballot=ballot).exists()
    assert Ballot.objects.get(pk=ballot.pk).voters == 0


def test_a_member_who_moved_out_no_longer_votes_for_the_household(world, households):
    from gongzhi.registry.models import Resident

    Resident.objects.filter(name="王建军").update(moved_out_on=TODAY - dt.timedelta(days=30))
    ballot = household_ballot(world)
    with pytest.raises(DomainError, match="未登记"):
        vote(world, ballot, WANG_JIANJUN)


def test_a_phone_in_two_households_is_refused_rather_than_guessed(world, households):
    building = create_area(code="A-B8", name="A小区8号楼", kind="building", parent=world.a.estate)
    flat = registry.create_dwelling(actor=None, area=building, data={"room": "501", "use": "出租"})
    _resident(flat, "李敏", 5, LI_MIN, relation="户主")
    ballot = household_ballot(world)
    with pytest.raises(DomainError, match="不止一户") as refused:
        vote(world, ballot, LI_MIN)
    assert refused.value.code == "several_households"


def test_a_per_phone_ballot_is_unchanged(world, households):
    ballot = household_ballot(world, per_household=False)
    vote(world, ballot, WANG_XIUYING)
    vote(world, ballot, WANG_JIANJUN)
    vote(world, ballot, STRANGER)
    assert Ballot.objects.get(pk=ballot.pk).voters == 3
    assert set(BallotVote.objects.filter(ballot=ballot).values_list("household_digest", flat=True)) == {""}


def test_the_pages_and_the_api_show_and_set_per_household(world, households):
    ballot = household_ballot(world)
    page = Client().get(reverse("participation:public_ballot", args=[ballot.ref])).content.decode()
    assert 'id="per-household-note"' in page
    client = Client()
    client.force_login(world.a.users["leader"])
    assert "一户一票" in client.get(reverse("participation:ballot", args=[ballot.pk])).content.decode()
    client.post(
        reverse("participation:ballot_new"),
        {
            "title": "口袋公园选址票决",
            "area": world.a.subdistrict.pk,
            "pick": "1",
            "per_household": "1",
            "opens_on": TODAY.isoformat(),
            "closes_on": (TODAY + dt.timedelta(days=5)).isoformat(),
        },
    )
    assert Ballot.objects.get(title="口袋公园选址票决").per_household is True
    from gongzhi.participation.tests.test_api import auth

    got = client.get(f"/api/participation/ballots/{ballot.pk}", **auth(world.a.users["leader"])).json()
    assert got["per_household"] is True


def test_the_public_page_refuses_a_second_member_with_409(world, households):
    ballot = household_ballot(world)
    vote(world, ballot, WANG_XIUYING)
    client = Client()
    code = code_for(world, WANG_JIANJUN, services.vote_purpose(ballot.ref), now=NOW)
    option = ballot.options.order_by("position").first()
    response = client.post(
        reverse("participation:public_ballot", args=[ballot.ref]),
        {"phone": WANG_JIANJUN, "code": code, "option": [option.pk]},
    )
    assert response.status_code == 409 and "您家已有家庭成员投过票" in response.content.decode()
    assert Ballot.objects.get(pk=ballot.pk).voters == 1


@pytest.mark.django_db(transaction=True)
def test_two_members_of_one_household_voting_at_once_give_exactly_one_vote(world, households):
    ballot = household_ballot(world)
    purpose = services.vote_purpose(ballot.ref)
    phones = [WANG_XIUYING, WANG_JIANJUN]
    codes = [code_for(world, p, purpose) for p in phones]
    option = ballot.options.order_by("position").first()
    barrier = threading.Barrier(2)
    outcomes = []

    def run(phone, code):
        try:
            barrier.wait()
            services.cast_vote(ballot=ballot, phone=phone, code=code, option_ids=[option.pk])
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pc) for pc in zip(phones, codes, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["household_voted", "ok"]
    assert BallotVote.objects.filter(ballot=ballot).count() == 1
    assert BallotOption.objects.get(pk=option.pk).votes == 1 and Ballot.objects.get(pk=ballot.pk).voters == 1


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(voters=st.lists(st.sampled_from([WANG_XIUYING, WANG_JIANJUN, LI_MIN, STRANGER]), max_size=6))
def test_at_most_one_vote_per_household_whatever_the_order(world, households, voters):
    BallotChoice.objects.all().delete()
    BallotVote.objects.all().delete()
    Ballot.objects.all().delete()
    PhoneCode.objects.all().delete()
    OutboundMessage.objects.all().delete()
    ballot = household_ballot(world)
    household_of = {WANG_XIUYING: "101", WANG_JIANJUN: "101", LI_MIN: "102"}
    accepted = set()
    for n, phone in enumerate(voters):
        try:
            vote(world, ballot, phone, minutes=2 * n)
            accepted.add(household_of[phone])
        except DomainError:
            pass
    expected = {household_of[p] for p in voters if p in household_of}
    assert accepted == expected
    ballot.refresh_from_db()
    assert ballot.voters == len(expected) == BallotVote.objects.filter(ballot=ballot).count()


def test_the_demo_opens_a_per_household_ballot(world):
    from gongzhi.participation import demo

    demo._household_ballot(world.a.subdistrict, world.a.users["leader"], NOW)
    ballot = Ballot.objects.get(per_household=True)
    assert ballot.status == "open" and ballot.options.count() == 3
