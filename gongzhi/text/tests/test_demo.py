"""The demo hook trains a first version when the demo has closed enough cases."""

from __future__ import annotations

import io
import random

from gongzhi.text import demo
from gongzhi.text.models import ModelVersion

from .helpers import make_case, topic_text


def test_demo_hook_skips_training_with_too_few_cases(world):
    out = io.StringIO()
    demo.seed(rng=random.Random(1), subdistricts=[world.a.subdistrict], stdout=out)
    assert not ModelVersion.objects.exists()
    assert "too few" in out.getvalue()


def test_demo_hook_trains_an_active_version(world):
    from gongzhi.cases.models import Category

    rng = random.Random(2)
    other = Category.objects.create(code="0102", name="垃圾堆放", parent=world.parent_category)
    for topic, category in (("charging", world.category), ("rubbish", other)):
        for _ in range(25):
            title, text = topic_text(topic, rng)
            make_case(side=world.a, category=category, title=title, description=text)
    demo.seed(rng=random.Random(1), subdistricts=[world.a.subdistrict], stdout=io.StringIO())
    assert ModelVersion.objects.filter(active=True, version=1).exists()
