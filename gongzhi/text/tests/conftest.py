"""Fixtures shared by the text tests: three topics of closed cases to train on."""

from __future__ import annotations

import random

import pytest

from gongzhi.cases.models import Category

from .helpers import make_case, topic_text


@pytest.fixture
def categories(world):
    top = world.parent_category
    return {
        "charging": world.category,
        "rubbish": Category.objects.create(code="0102", name="垃圾堆放", parent=top),
        "noise": Category.objects.create(code="0103", name="噪音扰民", parent=top),
    }


@pytest.fixture
def history(world, categories):
    """Thirty closed cases per topic in subdistrict A, each handled by the topic's usual unit."""
    rng = random.Random(7)
    units = {
        "charging": world.a.department,
        "rubbish": world.a.committee,
        "noise": world.a.grid_station,
    }
    cases = []
    for topic, category in categories.items():
        for _ in range(30):
            title, text = topic_text(topic, rng)
            cases.append(
                make_case(side=world.a, category=category, title=title, description=text, unit=units[topic])
            )
    return cases
