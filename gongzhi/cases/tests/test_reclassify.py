"""A wrong category can be corrected: the dispatcher reclassifies with a reason on the timeline;
the unit handling the case may ask for it; what follows the category is re-derived before
dispatch and left alone after it."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from gongzhi.accounts.models import Notice
from gongzhi.accounts.tokens import issue_token
from gongzhi.cases import rollup, services
from gongzhi.cases.models import Action, Case, CaseEvent, Category, Rating, Status
from gongzhi.cases.tests.helpers import assigned_case, public_report
from gongzhi.cases.views import _bound_form, available_actions
from gongzhi.core.errors import DomainError

# A Tuesday morning in working hours (no holiday near it).
MORNING = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC).astimezone(timezone.get_current_timezone())


@pytest.fixture
def streetlight(world):
    """The category a street-light report belongs to: another unit, a longer response limit."""
    return Category.objects.create(
        code="0102",
        name="路灯不亮",
        parent=world.parent_category,
        default_unit_name="A城管中队",
        default_tier=3,
        response_hours=16,
        reply_days=5,
        close_days=10,
    )


def test_dispatcher_reclassifies_a_new_case_and_its_limits_follow(world, streetlight):
    with time_machine.travel(MORNING, tick=False):
        case = public_report(world, title="路灯不亮", description="小区门口路灯坏了三天。")
        before_due = case.response_due
        case = services.reclassify_case(
            case=case,
            actor=world.a.users["dispatcher"],
            category=streetlight,
            reason="反映的是路灯，不是飞线",
        )
    case.refresh_from_db()
    assert case.category == streetlight and case.status == Status.REPORTED
    assert case.response_due > before_due  # 16 working hours instead of 4, from the report
    event = CaseEvent.objects.get(case=case, action=Action.RECLASSIFY)
    assert event.note == "反映的是路灯，不是飞线"
    assert event.data["from_name"] == "市容环境 / 飞线充电" and event.data["to_name"] == "市容环境 / 路灯不亮"
    assert event.data["rederived"] is True
    # The dispatch form now suggests the new category's tier and unit.
    form = _bound_form("assign", case)
    assert form.initial == {"tier": 3, "unit": world.a.department.pk}


def test_a_dispatched_case_keeps_its_unit_tier_and_deadlines(world, streetlight):
    case = assigned_case(world)
    kept = (case.assigned_unit_id, case.tier, case.reply_due, case.close_due)
    services.reclassify_case(
        case=case, actor=world.a.users["dispatcher"], category=streetlight, reason="类别选错"
    )
    case.refresh_from_db()
    assert case.category == streetlight
    assert (case.assigned_unit_id, case.tier, case.reply_due, case.close_due) == kept
    assert CaseEvent.objects.get(case=case, action=Action.RECLASSIFY).data["rederived"] is False


@pytest.mark.parametrize(
    ("category", "reason", "message"),
    [
        ("same", "类别选错", "新类别与现在的类别相同"),
        ("top", "类别选错", "二级类别"),
        ("new", "  ", "请填写改类理由"),
    ],
)
def test_bad_reclassification_is_refused_and_changes_nothing(world, streetlight, category, reason, message):
    case = public_report(world)
    target = {"same": world.category, "top": world.parent_category, "new": streetlight}[category]
    with pytest.raises(DomainError, match=message):
        services.reclassify_case(case=case, actor=world.a.users["dispatcher"], category=target, reason=reason)
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.category_id, fresh.version) == (world.category.pk, case.version)
    assert not CaseEvent.objects.filter(case=case, action=Action.RECLASSIFY).exists()


def test_only_dispatchers_of_the_scope_reclassify(world, streetlight):
    case = assigned_case(world)
    for user in (world.a.users["gridworker"], world.a.users["neighbourhood"], world.b.users["dispatcher"]):
        with pytest.raises(DomainError):
            services.reclassify_case(case=case, actor=user, category=streetlight, reason="类别选错")
    assert Case.objects.get(pk=case.pk).category_id == world.category.pk


def test_the_handling_unit_asks_and_the_dispatcher_is_told_and_offered_it(
    world, streetlight, django_capture_on_commit_callbacks
):
    case = assigned_case(world)
    worker = world.a.users["neighbourhood"]  # the committee the case is assigned to
    assert "reclassify_request" in available_actions(worker, case)
    assert "reclassify" not in available_actions(worker, case)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_reclassification(case=case, actor=worker, category=streetlight, reason="是路灯问题")
    case.refresh_from_db()
    assert case.category == world.category  # asking changes nothing yet
    dispatcher = world.a.users["dispatcher"]
    assert Notice.objects.filter(user=dispatcher, title__contains="申请改类").exists()
    assert _bound_form("reclassify", case).initial == {"category": streetlight.pk}
    services.reclassify_case(case=case, actor=dispatcher, category=streetlight, reason="同意承办单位意见")
    case.refresh_from_db()
    assert services.pending_reclassification(case) is None
    with pytest.raises(DomainError):  # another unit's handler may not ask
        services.request_reclassification(
            case=case, actor=world.a.users["handler"], category=world.category, reason="x"
        )


def test_a_closed_case_is_corrected_and_the_rollup_stays_exact(world, streetlight):
    case = assigned_case(world)
    dispatcher = world.a.users["dispatcher"]
    services.reply_case(case=case, actor=world.a.users["neighbourhood"], text="已修复")
    services.verify_case(case=case, actor=dispatcher, passed=True, note="现场已亮")
    services.close_case(case=case, actor=dispatcher)
    services.rate_case(case=case, rating=Rating.SATISFIED, solved=True)
    case.refresh_from_db()
    services.reclassify_case(case=case, actor=dispatcher, category=streetlight, reason="结案复核发现类别错")
    case.refresh_from_db()
    assert case.status == Status.RATED and case.category == streetlight
    assert rollup.check([case.subdistrict_id]) == []


def test_the_case_page_reclassifies_and_shows_it_on_the_timeline(world, streetlight, client):
    case = public_report(world)
    client.force_login(world.a.users["dispatcher"])
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'id="action-reclassify"' in page
    response = client.post(
        f"/cases/{case.number}/act/reclassify/",
        {"version": case.version, "reclassify-category": streetlight.pk, "reclassify-note": "是路灯"},
        follow=True,
    )
    body = response.content.decode()
    assert response.status_code == 200, body
    assert "类别由“市容环境 / 飞线充电”改为“市容环境 / 路灯不亮”" in body
    assert Case.objects.get(pk=case.pk).category == streetlight


def test_the_api_reclassifies_through_the_same_service(world, streetlight, client):
    case = public_report(world)
    _token, secret = issue_token(user=world.a.users["dispatcher"], name="test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    url = f"/api/cases/{case.number}/reclassify"
    bad = client.post(
        url, {"category": streetlight.pk, "reason": ""}, content_type="application/json", **auth
    )
    assert bad.status_code in (400, 422) and "code" in bad.json()
    response = client.post(
        url, {"category": streetlight.pk, "reason": "是路灯"}, content_type="application/json", **auth
    )
    assert response.status_code == 200, response.content
    assert response.json()["timeline"][-1]["action"] == "reclassify"
