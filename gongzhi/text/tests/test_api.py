"""The text API router (mounted by the project's NinjaAPI)."""

from __future__ import annotations

from ninja.testing import TestClient

from gongzhi.text.api import router


def test_suggest_without_a_model_answers_with_no_version(world):
    response = TestClient(router).get("/suggest?title=路灯坏了&description=好几天不亮")
    assert response.status_code == 200
    assert response.json() == {
        "model_version": None,
        "categories": [],
        "unit_id": None,
        "unit_name": "",
        "unit_confidence": None,
    }
