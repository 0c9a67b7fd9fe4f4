"""Test helpers: the shared data (skipped when absent) and cases written straight to the table."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import random
from pathlib import Path

from django.utils import timezone

from gongzhi.cases.models import Case, Category, Status
from gongzhi.core.tests.shared_data import shared_data

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared"
MESSAGES = SHARED / "data" / "messages"
_numbers = itertools.count(1)


def shared_file(name: str) -> Path:
    return shared_data("messages", name)


def read_rows(name: str) -> list[dict]:
    with open(shared_file(name), encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def write_rows(path: Path, rows: list[dict], fields: list[str]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def make_case(
    *,
    side,
    category: Category,
    title: str,
    description: str,
    status: str = Status.CLOSED,
    when: dt.datetime | None = None,
    lat: float | None = None,
    lng: float | None = None,
    unit=None,
    area=None,
) -> Case:
    """A case row as the case loop would have left it (the loop itself is tested in cases/)."""
    when = when or timezone.now()
    case = Case.objects.create(
        number=f"T{next(_numbers):08d}",
        subdistrict=side.subdistrict,
        area=area or side.neighbourhood,
        category=category,
        source="patrol",
        title=title[:120],
        description=description,
        lat=lat,
        lng=lng,
        status=status,
        assigned_unit=unit,
        closed_at=when if status in (Status.CLOSED, Status.RATED) else None,
    )
    Case.objects.filter(pk=case.pk).update(created_at=when)
    case.created_at = when
    return case


TOPICS = {
    "charging": (
        ["电动车", "飞线充电", "楼道", "充电线", "电瓶车", "私拉电线", "火灾隐患", "窗口拉线"],
        "楼道里有人{0}，{1}从{2}拉下来，{3}很大，请尽快处理。",
    ),
    "rubbish": (
        ["垃圾", "堆放", "清运", "臭味", "垃圾桶", "建筑垃圾", "苍蝇", "满溢"],
        "小区门口{0}{1}好几天没有{2}，{3}严重，请安排处理。",
    ),
    "noise": (
        ["噪音", "广场舞", "施工", "夜间", "音响", "扰民", "装修", "喇叭"],
        "每天{0}{1}声音太大，{2}{3}，影响休息，希望管一管。",
    ),
}


def topic_text(topic: str, rng: random.Random) -> tuple[str, str]:
    words, template = TOPICS[topic]
    pick = rng.sample(words, 4)
    return f"{pick[0]}{pick[1]}问题", template.format(*pick)
