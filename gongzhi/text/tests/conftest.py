"""Fixtures shared by the text tests: three topics of closed cases to train on."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

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
    start = timezone.now() - dt.timedelta(days=400)
    # Topics interleaved in time, a day apart: the newest fifth (the test of a version) holds all.
    for n in range(30):
        for k, (topic, category) in enumerate(categories.items()):
            title, text = topic_text(topic, rng)
            when = start + dt.timedelta(days=3 * n + k)
            cases.append(
                make_case(
                    side=world.a,
                    category=category,
                    title=title,
                    description=text,
                    unit=units[topic],
                    when=when,
                )
            )
    return cases


@pytest.fixture(autouse=True)
def _no_model_from_another_test():
    """The active model is kept in memory by its row id; a rolled-back test's ids come again."""
    from gongzhi.text import services

    services._cache.update(pk=None, bundle=None)
    yield
    services._cache.update(pk=None, bundle=None)
