"""Random sequences of actions by random staff never break the case invariants."""

import datetime as dt

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gongzhi.cases import rollup, selectors, services
from gongzhi.cases.models import Case, CaseEvent, Category, Rating, Status
from gongzhi.cases.tests.helpers import public_report
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError

ROLES = ["leader", "dispatcher", "handler", "neighbourhood", "gridworker", "station", "auditor"]
ACTIONS = [
    "accept",
    "reject",
    "assign1",
    "assign3",
    "escalate",
    "consult",
    "coordinate",
    "reply",
    "verify_ok",
    "verify_fail",
    "close",
    "rate_good",
    "rate_bad",
    "reopen",
    "suspend_request",
    "suspend_approve",
    "resume",
    "note",
    "reclassify",
    "reclassify_request",
]


def perform(world, case, action, actor):
    a = world.a
    today = dt.date.today()
    match action:
        case "accept":
            services.accept_case(case=case, actor=actor)
        case "reject":
            services.reject_case(case=case, actor=actor, reason="不属于受理范围")
        case "assign1":
            services.assign_case(case=case, actor=actor, tier=1, unit=a.committee)
        case "assign3":
            services.assign_case(case=case, actor=actor, tier=3, unit=a.department)
        case "escalate":
            services.escalate_case(case=case, actor=actor, reason="需要更高层级协调")
        case "consult" | "coordinate":
            record = services.record_consultation if action == "consult" else services.record_coordination
            record(
                case=case,
                actor=actor,
                held_on=today,
                participants=[a.committee, a.department],
                decision="会商决定",
                lead_unit=a.department,
                co_units=[a.committee],
            )
        case "reply":
            services.reply_case(case=case, actor=actor, text="已处理")
        case "verify_ok" | "verify_fail":
            services.verify_case(case=case, actor=actor, passed=action == "verify_ok", note="现场核查")
        case "close":
            services.close_case(case=case, actor=actor)
        case "rate_good":
            services.rate_case(case=case, rating=Rating.SATISFIED, solved=True)
        case "rate_bad":
            services.rate_case(case=case, rating=Rating.UNSATISFIED, solved=False, comment="没解决")
        case "reopen":
            services.reopen_case(case=case, actor=actor, reason="复查发现问题仍在")
        case "suspend_request":
            services.request_suspension(case=case, actor=actor, reason="等待施工队")
        case "suspend_approve":
            services.approve_suspension(case=case, actor=actor, approved=True)
        case "resume":
            services.resume_case(case=case, actor=actor)
        case "note":
            services.add_note(case=case, actor=actor, note="电话联系反映人")
        case "reclassify" | "reclassify_request":
            other = world.category.parent.children.exclude(pk=case.category_id).first() or world.category
            service = (
                services.reclassify_case if action == "reclassify" else services.request_reclassification
            )
            service(case=case, actor=actor, category=other, reason="类别选错")


def check_invariants(world, case: Case) -> None:
    events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert all(x.created_at <= y.created_at for x, y in zip(events, events[1:], strict=False))
    assert events[0].action == "report"
    assert events[-1].to_status == case.status  # the state matches the last event
    for before, after in zip(events, events[1:], strict=False):
        assert after.from_status == before.to_status  # no step skipped
    if case.status in (Status.CLOSED, Status.RATED):
        # A closed case was replied to and verified since it was last (re)opened.
        since_open = [
            e.action
            for e in events[[i for i, e in enumerate(events) if e.action in ("reopen", "report")][-1] :]
        ]
        assert "reply" in since_open and "verify" in since_open
        assert case.replied_at and case.verified_at and case.closed_at
    if case.status == Status.RATED:
        assert case.rating in (Rating.SATISFIED, Rating.BASICALLY)
    # Scope never leaks: B's staff never see it, in lists or by permission.
    for user in world.b.users.values():
        assert not selectors.cases_for(user).filter(pk=case.pk).exists()
        assert not permissions.has(user, "case.view", case)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(
    steps=[
        ("assign1", "dispatcher"),
        ("escalate", "neighbourhood"),
        ("consult", "dispatcher"),
        ("reply", "handler"),
        ("verify_fail", "dispatcher"),
        ("reply", "handler"),
        ("verify_ok", "dispatcher"),
        ("close", "dispatcher"),
        ("rate_bad", "auditor"),
        ("reply", "handler"),
        ("verify_ok", "dispatcher"),
        ("close", "dispatcher"),
        ("rate_good", "auditor"),
    ]
)
@given(steps=st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(ROLES)), min_size=1, max_size=14))
def test_random_actions_keep_invariants(world, steps):
    Category.objects.get_or_create(
        code="0199", defaults={"name": "其他市容", "parent": world.parent_category}
    )
    case = public_report(world)
    for action, role in steps:
        actor = world.a.users[role]
        version = Case.objects.get(pk=case.pk).version
        try:
            perform(world, case, action, actor)
        except DomainError:
            # A refused action changes nothing.
            assert Case.objects.get(pk=case.pk).version == version
        case.refresh_from_db()
        check_invariants(world, case)
        assert rollup.check([case.subdistrict_id]) == []  # the dashboards' rollup stays exact
