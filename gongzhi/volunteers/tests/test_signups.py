"""Sign-ups through the one action table: slots and the waiting list, QR check-in window,
duplicate scans, hours less travel, no-shows; the scope matrix of volunteers."""

import datetime as dt

import pytest

from gongzhi.core.errors import DomainError
from gongzhi.volunteers import selectors, services, transitions
from gongzhi.volunteers.models import ServiceRecord, Signup


def test_confirming_beyond_the_slots_waitlists_and_a_cancel_lets_one_be_promoted(vol):
    third = services.register_volunteer(
        actor=vol.manager, area=vol.world.a.neighbourhood, name="赵大姐", phone="13800000009"
    )
    signups = [services.apply(volunteer=v, opportunity=vol.opportunity) for v in (vol.alice, vol.bob, third)]
    states = [services.act(actor=vol.manager, signup=s, action="confirm").state for s in signups]
    assert states == ["confirmed", "confirmed", "waitlisted"]
    with pytest.raises(DomainError):
        services.act(actor=vol.manager, signup=signups[2], action="promote")
    services.cancel_own(volunteer=vol.bob, signup=signups[1])
    assert services.act(actor=vol.manager, signup=signups[2], action="promote").state == "confirmed"
    with pytest.raises(DomainError):
        services.apply(volunteer=vol.alice, opportunity=vol.opportunity)  # already signed up


def test_scan_window_duplicate_scans_and_hours(vol):
    signup = services.apply(volunteer=vol.alice, opportunity=vol.opportunity)
    with pytest.raises(DomainError) as caught:
        services.check_in(volunteer=vol.alice, code=vol.opportunity.code, now=vol.start)
    assert "尚未确认" in caught.value.message
    services.act(actor=vol.manager, signup=signup, action="confirm")
    with pytest.raises(DomainError):
        services.check_in(
            volunteer=vol.alice, code=vol.opportunity.code, now=vol.start - dt.timedelta(hours=2)
        )
    with pytest.raises(DomainError) as caught:
        services.check_in(volunteer=vol.bob, code=vol.opportunity.code, now=vol.start)
    assert caught.value.code == "not_signed_up"
    with pytest.raises(DomainError) as caught:
        services.check_in(volunteer=vol.alice, code="nonsense", now=vol.start)
    assert caught.value.code == "bad_code"
    services.check_in(
        volunteer=vol.alice, code=vol.opportunity.code, now=vol.start - dt.timedelta(minutes=10)
    )
    with pytest.raises(DomainError) as caught:
        services.check_in(volunteer=vol.alice, code=vol.opportunity.code, now=vol.start)
    assert "无需重复扫码" in caught.value.message
    services.check_out(
        volunteer=vol.alice,
        code=vol.opportunity.code,
        travel_minutes=15,
        now=vol.start + dt.timedelta(hours=2),
    )
    signup.refresh_from_db()
    assert services.signup_hours(signup) == pytest.approx(1.75)  # 2 h in the period less 15 min travel
    with pytest.raises(DomainError):
        services.act(actor=vol.manager, signup=signup, action="credit")  # verify first
    services.act(actor=vol.manager, signup=signup, action="verify")
    with pytest.raises(DomainError):
        services.act(actor=vol.manager, signup=signup, action="verify")
    assert ServiceRecord.objects.filter(volunteer=vol.alice).count() == 1


def test_no_show_only_after_the_start(vol):
    signup = services.apply(volunteer=vol.alice, opportunity=vol.opportunity)
    services.act(actor=vol.manager, signup=signup, action="confirm")
    with pytest.raises(DomainError):
        services.act(actor=vol.manager, signup=signup, action="no_show")
    services.act(actor=vol.manager, signup=signup, action="no_show", now=vol.start + dt.timedelta(hours=1))
    assert Signup.objects.get(pk=signup.pk).state == "no_show"


def test_every_staff_action_of_the_table_needs_its_permission(vol):
    signup = services.apply(volunteer=vol.alice, opportunity=vol.opportunity)
    for user in (vol.gridworker, vol.world.b.users["neighbourhood"], vol.world.a.users["dispatcher"]):
        with pytest.raises(DomainError):
            services.act(actor=user, signup=signup, action="confirm")
    assert Signup.objects.get(pk=signup.pk).state == "applied"
    assert set(transitions.staff_actions_from("applied")) == {"confirm", "waitlist"}


ROLES = ["auditor", "leader", "dispatcher", "handler", "neighbourhood", "gridworker"]
READERS = {"auditor", "leader", "neighbourhood", "gridworker"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("side", ["a", "b"])
def test_scope_matrix(vol, role, side):
    user = getattr(vol.world, side).users[role]
    listed = set(selectors.volunteers_for(user).values_list("name", flat=True))
    home = {"a": {"张阿姨", "李师傅"}, "b": {"王同学"}}[side]
    # The world's first neighbourhood lies in the first grid: its grid worker sees them too.
    assert listed == (home if role in READERS else set())
