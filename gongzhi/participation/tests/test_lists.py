"""Lists: roll-up by weight, verification before closure, reopen, overdue sweeps, and a property
test of the list invariants."""

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.accounts.models import Notice
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.participation import selectors, services
from gongzhi.participation.models import Entry, ItemStatus, ListItem

pytestmark = pytest.mark.django_db


def tree(world):
    lead = world.a.users["neighbourhood"]
    root = services.add_item(
        actor=lead, area=world.a.neighbourhood, title="风貌道路微更新", owner=world.a.committee
    )
    children = [
        services.add_item(
            actor=lead, area=world.a.neighbourhood, title=t, owner=world.a.department, parent=root, weight=w
        )
        for t, w in [("人行道修补", 1), ("店招整治", 3)]
    ]
    return root, children


def test_a_parent_progress_is_the_weighted_sum_of_its_children(world):
    root, (a, b) = tree(world)
    lead = world.a.users["neighbourhood"]
    services.update_progress(actor=lead, item=a, progress=40)
    services.update_progress(actor=lead, item=b, progress=80)
    root.refresh_from_db()
    assert root.rolled_progress == 70  # (40×1 + 80×3) / 4
    with pytest.raises(DomainError, match="子事项"):
        services.update_progress(actor=lead, item=root, progress=50)


def test_equal_weights_of_zero_give_the_plain_mean():
    assert services.weighted_progress([(10, 0), (50, 0)]) == 30
    assert services.weighted_progress([(33, 1), (34, 1)]) == 34  # 33.5 rounds half up


def test_closing_needs_the_residents_check_and_reopen_clears_it(world):
    lead = world.a.users["neighbourhood"]
    item = services.add_item(
        actor=lead, area=world.a.neighbourhood, title="垃圾箱房改造", owner=world.a.committee
    )
    services.act_on_item(actor=lead, item=item, action="finish")
    with pytest.raises(DomainError):
        services.act_on_item(actor=lead, item=item, action="close")
    with pytest.raises(DomainError, match="验收意见"):
        services.act_on_item(actor=lead, item=item, action="verify", note="")
    services.act_on_item(actor=lead, item=item, action="verify", note="楼组长验收通过")
    item = services.act_on_item(actor=lead, item=item, action="close")
    assert item.status == ItemStatus.CLOSED and item.verified_at and item.closed_at
    item = services.act_on_item(actor=lead, item=item, action="reopen", note="雨后又积水")
    assert item.status == ItemStatus.IN_PROGRESS and item.verified_at is None


def test_a_task_needs_an_owner_in_the_subdistrict(world):
    lead = world.a.users["neighbourhood"]
    with pytest.raises(DomainError, match="责任单位"):
        services.add_item(actor=lead, area=world.a.neighbourhood, title="t")
    with pytest.raises(DomainError, match="本街道"):
        services.add_item(actor=lead, area=world.a.neighbourhood, title="t", owner=world.b.department)
    assert not ListItem.objects.exists()


def test_the_owner_unit_updates_progress_but_cannot_verify(world):
    lead = world.a.users["neighbourhood"]
    item = services.add_item(actor=lead, area=world.a.neighbourhood, title="t", owner=world.a.department)
    handler = world.a.users["handler"]
    services.update_progress(actor=handler, item=item, progress=30)
    services.act_on_item(actor=handler, item=item, action="finish")
    with pytest.raises(NotAllowed):
        services.act_on_item(actor=handler, item=item, action="verify", note="ok")
    station = world.a.users["station"]  # a handler of another unit
    with pytest.raises(NotAllowed):
        services.update_progress(actor=station, item=item, progress=10)


def test_milestones_set_progress(world):
    lead = world.a.users["neighbourhood"]
    item = services.add_item(actor=lead, area=world.a.neighbourhood, title="t", owner=world.a.department)
    m1 = services.add_milestone(actor=lead, item=item, title="方案确定", percent=30)
    m2 = services.add_milestone(actor=lead, item=item, title="完工", percent=100)
    assert services.complete_milestone(actor=lead, milestone=m1).progress == 30
    assert services.complete_milestone(actor=lead, milestone=m2).status == ItemStatus.DONE


def test_the_overdue_sweep_tells_the_owner_once_and_escalates_later(world):
    lead = world.a.users["neighbourhood"]
    item = services.add_item(
        actor=lead, area=world.a.neighbourhood, title="t", owner=world.a.department, due_days=2
    )
    assert services.sweep_overdue(now=timezone.now()) == 0
    later = item.due_at + dt.timedelta(hours=1)
    made = services.sweep_overdue(now=later)
    assert made == 2  # the handler of the owner unit and the neighbourhood secretary
    assert services.sweep_overdue(now=later) == 0
    assert (
        Notice.objects.filter(user=world.a.users["handler"], kind="participation.task_overdue").count() == 1
    )
    much_later = item.due_at + dt.timedelta(days=14)
    services.sweep_overdue(now=much_later)
    assert Notice.objects.filter(user=world.a.users["leader"], kind="participation.task_overdue").count() == 1
    assert Entry.objects.filter(subject="item", subject_id=item.pk, action="overdue").count() == 1


def test_the_board_reports_the_share_closed(world):
    lead = world.a.users["neighbourhood"]
    items = [
        services.add_item(actor=lead, area=world.a.neighbourhood, title=f"t{i}", owner=world.a.committee)
        for i in range(4)
    ]
    services.act_on_item(actor=lead, item=items[0], action="finish")
    summary = selectors.board_summary(selectors.public_items(world.a.subdistrict))
    assert (summary.total, summary.closed, summary.closed_share) == (4, 1, 25)


ACTIONS = ["start", "progress", "block", "unblock", "finish", "verify", "close", "reopen"]
ROLES = ["neighbourhood", "handler", "gridworker", "leader"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(ACTIONS), st.sampled_from(ROLES), st.integers(0, 99)),
        min_size=1,
        max_size=15,
    )
)
def test_random_actions_keep_the_list_invariants(world, steps):
    ListItem.objects.filter(parent__isnull=False).delete()
    ListItem.objects.all().delete()
    root, children = tree(world)
    items = [root, *children]
    for index, action, role, value in steps:
        item = ListItem.objects.get(pk=items[index].pk)
        actor = world.a.users[role]
        before = ListItem.objects.filter(pk=item.pk).values().get()
        try:
            if action == "progress":
                services.update_progress(actor=actor, item=item, progress=value)
            else:
                services.act_on_item(actor=actor, item=item, action=action, note="理由说明")
        except DomainError:
            assert ListItem.objects.filter(pk=item.pk).values().get() == before  # a refusal changes nothing
        for row in ListItem.objects.all():
            if row.status == ItemStatus.CLOSED:
                assert row.verified_at and row.closed_at  # a closed item was verified
            kids = list(ListItem.objects.filter(parent=row).values_list("rolled_progress", "weight"))
            if kids:
                assert row.rolled_progress == services.weighted_progress(kids)
            else:
                assert row.rolled_progress == row.progress
