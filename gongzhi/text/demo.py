"""The demo's hook: train a first model version on the demo's closed cases, when there are enough."""

from __future__ import annotations

import random
from typing import TextIO

from gongzhi.cases.models import Case
from gongzhi.core.errors import DomainError
from gongzhi.text import services


def seed(*, rng: random.Random, subdistricts, stdout: TextIO) -> None:
    """Called by the demo after it has generated cases. `rng` and `subdistricts` are accepted for
    the common hook signature; training itself is seeded and needs neither."""
    closed = Case.objects.filter(status__in=services.TRAIN_STATUSES).count()
    if closed < services.MIN_CASES:
        stdout.write(
            f"text: {closed} closed cases, too few to train a category model (need {services.MIN_CASES}).\n"
        )
        return
    try:
        result = services.train_category_model()
    except DomainError as exc:
        stdout.write(f"text: no model trained: {exc.message}\n")
        return
    f1 = result.version.metrics.get("category", {}).get("macro_f1", 0.0)
    stdout.write(
        f"text: model v{result.version.version} trained on {result.version.trained_on} closed cases "
        f"(held-back macro-F1 {f1:.3f}){'' if result.activated else ', not activated'}.\n"
    )
