"""Training model versions from closed cases, activation, suggestions and their record."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse

from gongzhi.cases.models import Case
from gongzhi.text import services
from gongzhi.text.models import ModelVersion, Suggestion


def test_too_little_history_is_refused_clearly(world):
    from gongzhi.core.errors import DomainError

    with pytest.raises(DomainError, match="太少"):
        services.train_category_model()


def test_first_version_is_trained_evaluated_and_activated(history):
    result = services.train_category_model()
    assert result.activated
    version = ModelVersion.objects.get(active=True)
    assert version.version == 1
    assert version.trained_on + version.held_back == len(history)
    assert version.metrics["category"]["macro_f1"] > 0.9


def test_a_worse_version_is_not_activated(history, categories):
    services.train_category_model()
    # Scramble the labels of the cases the next version trains on: it learns nonsense.
    rng = random.Random(3)
    cats = list(categories.values())
    learned_from, _judged_by = services.time_split(services._history())
    for row in learned_from:
        Case.objects.filter(pk=row.pk).update(category=rng.choice(cats))
    result = services.train_category_model()
    assert not result.activated
    assert ModelVersion.objects.get(active=True).version == 1
    assert result.version.metrics["baseline"]["version"] == 1


def test_training_refuses_a_user_without_the_permission(history, world):
    from gongzhi.core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.train_category_model(actor=world.a.users["dispatcher"])


def test_suggest_returns_three_categories_best_first_and_a_unit(history, categories, world):
    services.train_category_model()
    result = services.suggest(
        "电动车飞线充电", "楼道里有人私拉电线给电瓶车充电，火灾隐患很大", world.a.subdistrict
    )
    assert [c for c, _ in result.categories][0] == categories["charging"]
    assert len(result.categories) == 3
    assert result.categories[0][1] >= result.categories[1][1] >= result.categories[2][1]
    assert result.unit[0] == world.a.department


def test_suggest_endpoint_renders_top_three_with_use_buttons(history, client, world):
    services.train_category_model()
    client.force_login(world.a.users["dispatcher"])
    response = client.get(
        reverse("text:suggest"),
        {"title": "垃圾堆放好几天", "description": "小区门口建筑垃圾没有清运，臭味严重"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("data-category=") == 3
    assert "垃圾堆放" in body
    assert "id_category" in body


def test_suggest_endpoint_without_a_model_says_so(client, world):
    response = client.get(reverse("text:suggest"), {"title": "路灯坏了", "description": "好几天不亮"})
    assert response.status_code == 200
    assert "还没有训练好的模型" in response.content.decode()


def test_record_choice_marks_a_correction(history, categories, world):
    services.train_category_model()
    suggested = services.suggest("夜间施工噪音", "每天夜间施工声音太大，影响休息", world.a.subdistrict)
    case = history[0]
    record = services.record_choice(case=case, suggested=suggested, chosen=categories["rubbish"])
    assert Suggestion.objects.get(pk=record.pk).accepted is False
    assert record.suggested[0][0] == categories["noise"].pk


def test_models_page_lists_versions_for_admin_only(history, client, world):
    services.train_category_model()
    client.force_login(world.a.users["leader"])
    assert client.get(reverse("text:models")).status_code == 403
    client.force_login(world.admin)
    response = client.get(reverse("text:models"))
    assert response.status_code == 200
    assert "v1" in response.content.decode()


def test_admin_trains_from_the_models_page(history, client, world):
    client.force_login(world.admin)
    response = client.post(reverse("text:train"), {"now": "1"})
    assert response.status_code == 302
    assert ModelVersion.objects.filter(active=True, trained_by=world.admin).exists()


def test_background_training_is_queued_as_a_task(client, world):
    from django_tasks_db.models import DBTaskResult

    client.force_login(world.admin)
    client.post(reverse("text:train"), {"now": "0"})
    assert DBTaskResult.objects.filter(task_path__endswith="train_category_model_task").exists()


# ------------------------------------------------------------ routing across renamed units (issue 21)


def test_time_split_judges_a_version_on_the_newest_cases(history):
    learned_from, judged_by = services.time_split(services._history())
    assert len(judged_by) == round(len(history) * services.TEST_SHARE)
    assert max(r.closed_at for r in learned_from) < min(r.closed_at for r in judged_by)


def test_a_renamed_units_history_routes_to_its_successor(history, world):
    import datetime as dt

    from gongzhi.accounts.models import Unit
    from gongzhi.accounts.services import retire_unit

    renamed = Unit.objects.create(name="A街道城运中心", kind="department", area=world.a.subdistrict)
    retire_unit(unit=world.a.department, successor=renamed, on=dt.date(2026, 1, 1), actor=world.admin)
    services.train_category_model()
    result = services.suggest(
        "电动车飞线充电", "楼道里有人私拉电线给电瓶车充电，火灾隐患很大", world.a.subdistrict
    )
    assert result.unit[0] == renamed
    assert services.answering_units()[world.a.department.pk] == renamed.pk


def test_a_dissolved_unit_is_never_suggested(history, world):
    import datetime as dt

    from gongzhi.accounts.services import retire_unit

    retire_unit(unit=world.a.department, successor=None, on=dt.date(2026, 1, 1), actor=world.admin)
    services.train_category_model()
    result = services.suggest(
        "电动车飞线充电", "楼道里有人私拉电线给电瓶车充电，火灾隐患很大", world.a.subdistrict
    )
    assert result.unit is None or result.unit[0] != world.a.department


def test_retiring_a_unit_is_scoped_and_checked(world):
    import datetime as dt

    from gongzhi.accounts.models import AuditEvent, Role
    from gongzhi.accounts.services import retire_unit
    from gongzhi.core.errors import DomainError, NotAllowed
    from gongzhi.testing import make_user

    admin_b = make_user("admin_b", roles=[Role.ADMIN], scope=world.b.subdistrict)
    with pytest.raises(NotAllowed):
        retire_unit(unit=world.a.department, successor=None, on=dt.date(2026, 1, 1), actor=admin_b)
    with pytest.raises(NotAllowed):
        retire_unit(
            unit=world.a.department, successor=None, on=dt.date(2026, 1, 1), actor=world.a.users["leader"]
        )
    with pytest.raises(DomainError, match="同一街道"):
        retire_unit(
            unit=world.a.department,
            successor=world.b.department,
            on=dt.date(2026, 1, 1),
            actor=world.admin,
        )
    world.a.department.refresh_from_db()
    assert world.a.department.active and AuditEvent.objects.filter(action="unit.retire").count() == 0
    retire_unit(unit=world.a.department, successor=None, on=dt.date(2026, 1, 1), actor=world.admin)
    assert AuditEvent.objects.filter(action="unit.retire").count() == 1
    with pytest.raises(DomainError, match="已经撤并"):
        retire_unit(unit=world.a.department, successor=None, on=dt.date(2026, 1, 2), actor=world.admin)
