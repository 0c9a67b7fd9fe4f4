"""Matching: for an open need, the resources that could serve it, ranked.

score = 0.35·category + 0.20·nearness + 0.15·capacity + 0.10·availability + 0.20·text
- category: 1 when the resource's category is the need's, else 0;
- nearness: by the territory tree — the same area or one inside the other 1.0, sharing the
  neighbourhood 0.9, the grid 0.7, the subdistrict 0.4, else 0.1;
- capacity: what the resource has left over what the need still lacks, at most 1;
- availability: 1 when the resource is available on the need's due date (or today), else 0.3;
- text: the overlap (Jaccard) of the jieba words of the two titles and descriptions.
Only resources open to use (active, or partly used) are candidates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.cobuilding.models import Need, Resource, ResourceState
from gongzhi.cobuilding.selectors import resources_for
from gongzhi.text.classify import Words, normalise

WEIGHTS = {"category": 0.35, "nearness": 0.20, "capacity": 0.15, "availability": 0.10, "text": 0.20}
_words = Words()


@dataclass
class Match:
    resource: Resource
    score: float
    parts: dict[str, float] = field(default_factory=dict)

    @property
    def percent(self) -> int:
        return round(100 * self.score)


def words(value: str) -> set[str]:
    return {w for w in _words(normalise(value or "")) if len(w) >= 2 or w.isalnum()}


def nearness(need_path: str, resource_path: str) -> float:
    if need_path.startswith(resource_path) or resource_path.startswith(need_path):
        return 1.0
    a = need_path.strip("/").split("/")
    b = resource_path.strip("/").split("/")
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    # paths: district / subdistrict / grid / neighbourhood / estate / building
    if common >= 4:
        return 0.9
    if common == 3:
        return 0.7
    if common == 2:
        return 0.4
    return 0.1


def score(
    need: Need, resource: Resource, *, need_words: set[str] | None = None, on: dt.date | None = None
) -> Match:
    on = need.due_on or on or timezone.localdate()
    need_words = need_words if need_words is not None else words(f"{need.title} {need.description}")
    resource_words = words(f"{resource.title} {resource.description} {resource.for_whom}")
    union = need_words | resource_words
    available = (resource.available_from is None or resource.available_from <= on) and (
        resource.available_until is None or resource.available_until >= on
    )
    parts = {
        "category": 1.0 if resource.category == need.category else 0.0,
        "nearness": nearness(need.area.path, resource.area.path),
        "capacity": min(1.0, resource.remaining / max(1, need.remaining)),
        "availability": 1.0 if available else 0.3,
        "text": len(need_words & resource_words) / len(union) if union else 0.0,
    }
    total = sum(WEIGHTS[k] * v for k, v in parts.items())
    return Match(resource=resource, score=round(total, 4), parts=parts)


def rank(need: Need, resources, *, on: dt.date | None = None) -> list[Match]:
    need_words = words(f"{need.title} {need.description}")
    matches = [score(need, r, need_words=need_words, on=on) for r in resources if r.remaining > 0]
    return sorted(matches, key=lambda m: (-m.score, m.resource.pk))


def matches_for(user: User, need: Need, *, limit: int = 5, on: dt.date | None = None) -> list[Match]:
    """The best resources in the user's scope for the need (the same subdistrict)."""
    candidates = (
        resources_for(user)
        .filter(subdistrict_id=need.subdistrict_id, state__in=[ResourceState.ACTIVE, ResourceState.COMMITTED])
        .select_related("area", "organization")
    )
    return rank(need, candidates, on=on)[:limit]
