"""The text app wired into the case loop: suggestions recorded at every intake, and merging a
case into a suggested duplicate from the case page."""

from django.urls import reverse

from gongzhi.cases import services as case_services
from gongzhi.cases.models import Case, Source, Status
from gongzhi.text import services
from gongzhi.text.models import Suggestion


def test_public_intake_records_the_suggestion(
    history, categories, world, client, django_capture_on_commit_callbacks
):
    services.train_category_model(actor=world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/public/report/",
            {
                "category": categories["noise"].pk,
                "title": "夜间广场舞噪音",
                "description": "每天夜间广场舞音响声音太大，扰民严重，影响休息",
                "area": world.a.neighbourhood.pk,
                "reporter_phone": "13700002222",
            },
        )
    assert response.status_code == 302
    record = Suggestion.objects.get(case__title="夜间广场舞噪音")
    assert record.chosen == categories["noise"]
    assert record.suggested  # what the model proposed is kept


def test_intake_without_a_model_records_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case_services.create_case(
            actor=None,
            category=world.category,
            title="飞线充电",
            description="楼道飞线充电",
            source=Source.WEB,
            area=world.a.estate,
            reporter_phone="13812345678",
        )
    assert Suggestion.objects.count() == 0


def test_dispatcher_merges_into_a_suggested_duplicate(world, client):
    a = world.a
    kwargs = dict(
        actor=None,
        category=world.category,
        source=Source.WEB,
        area=a.estate,
        lat=31.2005,
        lng=121.4005,
        reporter_phone="13812345678",
    )
    first = case_services.create_case(
        title="5号楼楼道飞线充电", description="5号楼一楼楼道有人拉飞线给电瓶车充电，很危险", **kwargs
    )
    second = case_services.create_case(
        title="5号楼飞线充电", description="5号楼一楼楼道又有人拉飞线给电瓶车充电，危险", **kwargs
    )
    client.force_login(a.users["dispatcher"])
    page = client.get(reverse("cases:detail", args=[second.number])).content.decode()
    assert 'id="case-duplicates"' in page
    query = page.split('hx-get="/text/duplicates/?', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    panel = client.get(f"/text/duplicates/?{query}").content.decode()
    assert first.number in panel and "并入此工单" in panel
    response = client.post(
        reverse("cases:act", args=[second.number, "merge"]),
        {"merge-master": first.number, "merge-note": "同一问题", "version": second.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    second.refresh_from_db()
    assert second.status == Status.MERGED and second.master == first
    # A grid worker may not merge: no buttons for them.
    client.force_login(a.users["gridworker"])
    page = client.get(reverse("cases:detail", args=[first.number])).content.decode()
    assert 'id="case-duplicates"' not in page
    assert Case.objects.count() == 2


def test_intake_suggestion_is_a_dot_product_not_a_scikit_learn_call(
    history, categories, world, monkeypatch, django_capture_on_commit_callbacks
):
    """Issue 19: the suggestion recorded on commit inside the intake request spent 73 ms in
    scikit-learn's input validation (CalibratedClassifierCV.predict_proba); the deployed model's
    one-message path never calls it."""
    import sklearn.utils.validation as validation

    services.train_category_model(actor=world.admin)
    services.active_model()  # loaded (unpickled) once per process, before the request

    def refuse(*args, **kwargs):
        raise AssertionError("scikit-learn input validation inside the intake request")

    monkeypatch.setattr(validation, "check_array", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        case = case_services.create_case(
            actor=None,
            category=categories["charging"],
            title="楼道飞线充电",
            description="楼道里有人私拉电线给电瓶车充电，火灾隐患很大",
            source=Source.WEB,
            area=world.a.estate,
            reporter_phone="13812345678",
        )
    record = Suggestion.objects.get(case=case)
    assert record.accepted and record.suggested[0][0] == categories["charging"].pk
    assert record.model_version.active


def test_the_intake_suggestion_costs_a_fixed_few_statements(history, categories, world):
    """With the active model in memory: the active version's id, the live categories, the live
    units, the insert (issue 19 counts the statements of an intake)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.train_category_model(actor=world.admin)
    services.active_model()
    case = history[0]
    with CaptureQueriesContext(connection) as queries:
        suggested = services.suggest(case.title, case.description, case.subdistrict)
        services.record_choice(case=case, suggested=suggested)
    assert len(queries) == 4


def _fields(record):
    return (
        record.case_id,
        record.model_version_id,
        record.suggested,
        record.suggested_unit,
        record.chosen_id,
        record.accepted,
        record.in_top3,
    )


def test_record_intake_is_suggest_and_record_choice_in_two_statements(history, categories, world):
    """The intake's path (one UNION ALL read, one INSERT) records exactly what suggest() +
    record_choice() record, for cases of every topic, a retired category left out alike."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.train_category_model(actor=world.admin)
    services.active_model()
    categories["rubbish"].active = False
    categories["rubbish"].save(update_fields=["active"])
    for case in history[:6] + history[-3:]:
        with CaptureQueriesContext(connection) as queries:
            lean = services.record_intake(case)
        assert len(queries) == 2
        full = services.record_choice(
            case=case, suggested=services.suggest(case.title, case.description, case.subdistrict)
        )
        assert _fields(lean) == _fields(full)
        assert categories["rubbish"].pk not in [row[0] for row in lean.suggested]
    assert any(r.suggested_unit for r in Suggestion.objects.all())


def test_record_intake_follows_a_new_active_version(history, categories, world):
    """Another process activated another version: the read sees it and the intake loads it."""
    first = services.train_category_model(actor=world.admin).version
    services.active_model()
    second = services.train_category_model(actor=world.admin, now=first.created_at).version
    services.activate_version(version=second, actor=world.admin)
    services._cache.update(pk=first.pk)  # this process still holds the first one
    record = services.record_intake(history[0])
    assert record.model_version_id == second.pk and services._cache["pk"] == second.pk
    second.active = False
    second.save(update_fields=["active"])
    assert services.record_intake(history[1]) is None  # no active version: nothing recorded
