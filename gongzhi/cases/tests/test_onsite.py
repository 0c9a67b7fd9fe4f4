"""现场即办: a problem found and solved on the spot is recorded in one step — reported, handled and
closed at once — counted in the rates as handled on site, and checked by a dispatcher."""

import threading

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.cases import metrics, rollup, services
from gongzhi.cases.actions import available
from gongzhi.cases.models import Action, Attachment, Case, CaseEvent, CaseMonthly, Source, Status
from gongzhi.cases.tests.helpers import public_report
from gongzhi.cases.tests.test_photos import jpeg_upload
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotAllowed


def onsite(world, side="a", role="gridworker", **kwargs):
    target = getattr(world, side)
    params = dict(
        actor=target.users[role],
        category=world.category,
        title="楼道堆物",
        found="3号楼2单元楼道堆放纸箱，堵塞通道。",
        done="联系住户当场清理，通道已畅通。",
        area=target.estate,
        photos_before=[jpeg_upload("before.jpg")],
        photos_after=[jpeg_upload("after.jpg")],
    )
    params.update(kwargs)
    return services.handle_on_site(**params)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["gridworker", "neighbourhood"])
def test_one_step_reports_handles_and_closes(world, role):
    case = onsite(world, role=role)
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.source == Source.ONSITE
    assert case.responded_at == case.replied_at == case.closed_at
    assert case.responded_at <= case.response_due
    assert case.reply_text == "联系住户当场清理，通道已畅通。"
    assert case.tier == (2 if role == "gridworker" else 1)
    assert case.assigned_unit_id == world.a.users[role].unit_id
    actions = list(case.events.order_by("seq").values_list("action", "from_status", "to_status"))
    assert actions == [
        (Action.REPORT, "", Status.REPORTED),
        (Action.ONSITE, Status.REPORTED, Status.CLOSED),
    ]
    report, handled = case.events.order_by("seq")
    assert Attachment.objects.filter(event=report).count() == 1  # before
    assert Attachment.objects.filter(event=handled).count() == 1  # after
    assert not case.messages.exists()  # nobody to tell: the worker found it


@pytest.mark.django_db
def test_counted_in_the_rates_as_handled_on_site(world):
    onsite(world)
    public_report(world)
    board = metrics.dashboard(Case.objects.all(), root=world.a.subdistrict)
    assert board.overall.total == 2
    assert board.overall.onsite == 1
    assert board.overall.closed == 1
    assert board.overall.responded_in_time == board.overall.due_for_response == 1  # on time, at once
    assert board.overall.rated == 0  # no reporter to rate it: the rates by rating are untouched
    # The rollup of finished cases counts it too, and agrees with a rebuild.
    assert sum(CaseMonthly.objects.values_list("onsite", flat=True)) == 1
    assert rollup.check() == []
    via_rollup = metrics.dashboard(Case.objects.all(), root=world.a.subdistrict, use_rollup=True)
    assert via_rollup.from_rollup and via_rollup.overall.onsite == 1
    assert via_rollup.overall.closed == 1


@pytest.mark.django_db
def test_only_grid_and_neighbourhood_workers_in_scope(world):
    for role in ("auditor", "leader", "dispatcher", "handler", "station"):
        assert not permissions.has(world.a.users[role], "case.onsite", world.a.estate), role
        with pytest.raises(NotAllowed):
            onsite(world, role=role)
    with pytest.raises(NotAllowed):
        onsite(world, side="b", area=world.a.estate)  # B's grid worker in A's estate
    assert not Case.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, message",
    [
        ({"done": "  "}, "请填写现场处置情况"),
        ({"photos_after": []}, "请上传处置后的照片"),
        ({"found": ""}, "请填写问题描述"),
        ({"title": "x" * 121}, "标题不能超过"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(world, change, message):
    with pytest.raises(DomainError) as caught:
        onsite(world, **change)
    assert message in caught.value.message
    assert not Case.objects.exists() and not CaseEvent.objects.exists() and not Attachment.objects.exists()


@pytest.mark.django_db
def test_dispatcher_checks_a_sample_once(world):
    case = onsite(world)
    dispatcher = world.a.users["dispatcher"]
    assert "onsite_check" in available(dispatcher, case)
    assert "onsite_check" not in available(world.a.users["gridworker"], case)
    services.check_onsite(case=case, actor=dispatcher, passed=True, note="电话回访住户，楼道已清空。")
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    event = case.events.order_by("-seq").first()
    assert event.action == Action.ONSITE_CHECK and event.data == {"passed": True}
    assert "onsite_check" not in available(dispatcher, case)
    with pytest.raises(DomainError, match="已经抽查过"):
        services.check_onsite(case=case, actor=dispatcher, passed=False, note="再查")
    # An ordinary case needs no spot check.
    other = public_report(world)
    with pytest.raises(DomainError):
        services.check_onsite(case=other, actor=dispatcher, passed=True, note="x")


@pytest.mark.django_db
def test_pages_record_on_a_phone_and_check(world, client):
    worker = world.a.users["gridworker"]
    client.force_login(worker)
    page = client.get("/cases/onsite/")
    assert page.status_code == 200 and "现场即办" in page.content.decode()
    assert 'href="/cases/onsite/"' in client.get("/cases/").content.decode()  # in the menu
    response = client.post(
        "/cases/onsite/",
        {
            "category": world.category.pk,
            "title": "井盖松动",
            "found": "小区东门井盖松动，有绊倒风险。",
            "done": "已联系物业当场复位固定。",
            "area": world.a.estate.pk,
            "photos_after": [jpeg_upload("after.jpg")],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert case.status == Status.CLOSED and case.source == Source.ONSITE
    # Without an after photo: a clear error on the page, nothing written.
    again = client.post(
        "/cases/onsite/",
        {"category": world.category.pk, "title": "t", "found": "f", "done": "d", "area": world.a.estate.pk},
    )
    assert again.status_code == 422 and "请上传处置后的照片" in again.content.decode()
    assert Case.objects.count() == 1
    # The dispatcher does not record on-site work; the page refuses.
    client.force_login(world.a.users["dispatcher"])
    assert client.get("/cases/onsite/").status_code == 403
    response = client.post(
        f"/cases/{case.number}/act/onsite_check/",
        {"onsite_check-passed": "1", "onsite_check-note": "回访居民确认", "version": case.version},
    )
    assert response.status_code == 302
    assert case.events.filter(action=Action.ONSITE_CHECK).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_checking_at_once_one_wins(world):
    case = onsite(world)
    a = world.a.users["dispatcher"]  # two sessions of the dispatchers' desk
    barrier = threading.Barrier(2)
    outcomes = []

    def run():
        try:
            barrier.wait()
            services.check_onsite(case=case, actor=a, passed=True, note="回访")
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes)[-1] == "ok" and outcomes.count("ok") == 1, outcomes
    assert case.events.filter(action=Action.ONSITE_CHECK).count() == 1


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(["onsite", "web", "check"]), min_size=1, max_size=6))
def test_rollup_counts_on_site_cases_exactly(world, steps):
    """Whatever mix of on-site and ordinary cases and checks: the live count, the rollup and a
    rebuild agree, and every on-site case is closed."""
    Case.objects.all().delete()
    CaseMonthly.objects.all().delete()
    made = []
    for step in steps:
        if step == "onsite":
            made.append(onsite(world, photos_before=[], photos_after=[jpeg_upload()]))
        elif step == "web":
            public_report(world)
        elif made:
            case = made.pop()
            services.check_onsite(case=case, actor=world.a.users["dispatcher"], passed=False, note="不合格")
    expected = steps.count("onsite")
    assert Case.objects.filter(source=Source.ONSITE, status=Status.CLOSED).count() == expected
    assert sum(CaseMonthly.objects.values_list("onsite", flat=True)) == expected
    assert rollup.check() == []
    assert metrics.dashboard(Case.objects.all(), root=world.a.subdistrict).overall.onsite == expected
