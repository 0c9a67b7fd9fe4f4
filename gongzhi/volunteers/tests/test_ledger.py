"""The points ledger: append-only entries, balance = sum, no overdraft, refunds, gifts, expiry."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.core.errors import DomainError
from gongzhi.volunteers import ledger, services
from gongzhi.volunteers.models import EntryKind, PointsEntry, PointsRule, Redemption, Reward


def test_entries_cannot_be_changed_or_deleted(vol):
    entry = vol.give(vol.alice, 50)
    entry.points = 500
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        PointsEntry.objects.filter(pk=entry.pk).update(points=1)
    with pytest.raises(TypeError):
        PointsEntry.objects.all().delete()
    assert ledger.balance(vol.alice) == 50


def test_redemption_beyond_the_balance_is_refused_and_changes_nothing(vol):
    vol.give(vol.alice, 20)
    with pytest.raises(ledger.NotEnoughPoints) as caught:
        services.redeem(volunteer=vol.alice, reward=vol.reward)
    assert "积分不足" in caught.value.message
    vol.reward.refresh_from_db()
    assert vol.reward.stock == 3 and not Redemption.objects.exists()
    assert ledger.balance(vol.alice) == 20


def test_redeem_then_cancel_refunds_points_and_stock(vol):
    vol.give(vol.alice, 40)
    redemption = services.redeem(volunteer=vol.alice, reward=vol.reward)
    assert ledger.balance(vol.alice) == 10
    vol.reward.refresh_from_db()
    assert vol.reward.stock == 2
    services.cancel_redemption(redemption=redemption, actor=vol.manager, note="不需要了")
    assert ledger.balance(vol.alice) == 40
    vol.reward.refresh_from_db()
    assert vol.reward.stock == 3
    kinds = list(PointsEntry.objects.filter(volunteer=vol.alice).values_list("kind", "points"))
    assert kinds == [("correction", 40), ("redeem", -30), ("refund", 30)]
    with pytest.raises(DomainError):
        services.cancel_redemption(redemption=redemption, actor=vol.manager)
    assert ledger.balance(vol.alice) == 40


def test_last_item_out_of_stock(vol):
    Reward.objects.filter(pk=vol.reward.pk).update(stock=1)
    vol.give(vol.alice, 100)
    services.redeem(volunteer=vol.alice, reward=vol.reward)
    with pytest.raises(DomainError) as caught:
        services.redeem(volunteer=vol.alice, reward=vol.reward)
    assert caught.value.code == "out_of_stock" and ledger.balance(vol.alice) == 70


def test_gift_is_two_entries_summing_to_zero(vol):
    vol.give(vol.alice, 25)
    transfer = services.gift(giver=vol.alice, receiver=vol.bob, points=10, note="谢谢帮忙")
    entries = PointsEntry.objects.filter(transfer=transfer)
    assert entries.count() == 2 and sum(e.points for e in entries) == 0
    assert ledger.balance(vol.alice) == 15 and ledger.balance(vol.bob) == 10
    with pytest.raises(ledger.NotEnoughPoints):
        services.gift(giver=vol.bob, receiver=vol.alice, points=11)
    with pytest.raises(DomainError):
        services.gift(giver=vol.alice, receiver=vol.other, points=1)  # another subdistrict
    assert ledger.balance(vol.bob) == 10


def test_correction_is_a_new_entry_and_needs_a_leader(vol):
    wrong = vol.give(vol.alice, 50)
    fix = services.correct(
        actor=vol.leader, volunteer=vol.alice, points=-20, reason="多记了2小时", entry=wrong
    )
    assert fix.corrects == wrong and ledger.balance(vol.alice) == 30
    with pytest.raises(DomainError):
        services.correct(actor=vol.manager, volunteer=vol.alice, points=5, reason="x")
    with pytest.raises(DomainError):
        services.correct(actor=vol.world.b.users["leader"], volunteer=vol.alice, points=5, reason="x")


def test_expired_points_leave_by_one_entry_each_first_in_first_out(vol):
    PointsRule.objects.create(
        subdistrict=vol.world.a.subdistrict, area=vol.world.a.neighbourhood, expiry_days=30
    )
    now = timezone.now()
    deed = services.report_deed(
        actor=vol.gridworker, volunteer=vol.alice, description="帮邻居搬米", happened_on=timezone.localdate()
    )
    services.confirm_deed(actor=vol.manager, deed=deed, now=now - dt.timedelta(days=40))
    entry = PointsEntry.objects.get(kind=EntryKind.DEED)
    assert entry.points == 5 and entry.expires_on is not None
    vol.give(vol.alice, 2)
    services.gift(
        giver=vol.alice, receiver=vol.bob, points=3, now=now - dt.timedelta(days=20)
    )  # uses the old lot
    assert services.expire_points(today=timezone.localdate()) == 1
    assert services.expire_points(today=timezone.localdate()) == 0  # idempotent
    assert ledger.balance(vol.alice) == 2  # 5 - 3 used = 2 expired, the 2 given later stay


def test_daily_cap_clips_earnings(vol):
    PointsRule.objects.create(
        subdistrict=vol.world.a.subdistrict, area=vol.world.a.neighbourhood, points_per_deed=30, daily_cap=50
    )
    for text in ("扶老人过马路", "捡到钱包归还"):
        deed = services.report_deed(
            actor=vol.gridworker, volunteer=vol.alice, description=text, happened_on=timezone.localdate()
        )
        services.confirm_deed(actor=vol.manager, deed=deed)
    assert ledger.balance(vol.alice) == 50


def test_deed_needs_a_second_person(vol):
    deed = services.report_deed(
        actor=vol.manager, volunteer=vol.alice, description="清理楼道", happened_on=timezone.localdate()
    )
    with pytest.raises(DomainError) as caught:
        services.confirm_deed(actor=vol.manager, deed=deed)
    assert caught.value.code == "same_person" and ledger.balance(vol.alice) == 0
    services.confirm_deed(actor=vol.leader, deed=deed)
    assert ledger.balance(vol.alice) == 5
    with pytest.raises(DomainError):
        services.confirm_deed(actor=vol.leader, deed=deed)
    assert ledger.balance(vol.alice) == 5


def test_remaining_lots_overdraft_is_taken_from_later_lots():
    day = dt.date(2026, 1, 1)
    lots = ledger.remaining_lots([(1, -5, None, day, None), (2, 3, None, day, None), (3, 4, None, day, None)])
    assert [lot.remaining for lot in lots] == [0, 2]


operations = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(1, 60)),
        st.tuples(st.just("redeem"), st.integers(0, 1)),
        st.tuples(st.just("cancel"), st.integers(0, 5)),
        st.tuples(st.just("gift"), st.integers(1, 40)),
        st.tuples(st.just("correct"), st.integers(-30, 30)),
    ),
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_ledger_invariants_hold_for_any_sequence(vol, ops):
    """Whatever happens: balance = sum of entries, never negative, a refund restores the
    balance, a gift sums to zero, stock + live redemptions = what was stocked."""
    with transaction.atomic():  # each example starts from the same rows
        _run_ledger_example(vol, ops)
        transaction.set_rollback(True)


def _run_ledger_example(vol, ops):
    rewards = [
        vol.reward,
        services.create_reward(
            actor=vol.manager, area=vol.world.a.neighbourhood, name="毛巾", points=8, stock=2
        ),
    ]
    stocked = sum(r.stock for r in rewards)
    redemptions = []
    for op, value in ops:
        before = {v.pk: ledger.balance(v) for v in (vol.alice, vol.bob)}
        try:
            if op == "earn":
                services.correct(actor=vol.leader, volunteer=vol.alice, points=value, reason="活动")
            elif op == "redeem":
                redemptions.append(services.redeem(volunteer=vol.alice, reward=rewards[value]))
            elif op == "cancel" and redemptions:
                redemption = redemptions[value % len(redemptions)]
                services.cancel_redemption(redemption=redemption, actor=vol.manager)
                assert ledger.balance(vol.alice) == before[vol.alice.pk] + redemption.points
            elif op == "gift":
                transfer = services.gift(giver=vol.alice, receiver=vol.bob, points=value)
                assert (
                    sum(PointsEntry.objects.filter(transfer=transfer).values_list("points", flat=True)) == 0
                )
                assert ledger.balance(vol.alice) + ledger.balance(vol.bob) == sum(before.values())
            elif op == "correct" and value:
                services.correct(actor=vol.leader, volunteer=vol.alice, points=value, reason="更正")
        except DomainError:
            assert {
                v.pk: ledger.balance(v) for v in (vol.alice, vol.bob)
            } == before  # refused: nothing changed
        for v in (vol.alice, vol.bob):
            total = sum(PointsEntry.objects.filter(volunteer=v).values_list("points", flat=True))
            assert ledger.balance(v) == total >= 0
        live = Redemption.objects.filter(state="requested", reward__in=rewards).count()
        assert (
            sum(Reward.objects.filter(pk__in=[r.pk for r in rewards]).values_list("stock", flat=True)) + live
            == stocked
        )
