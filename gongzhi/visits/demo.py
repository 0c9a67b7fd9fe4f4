"""Demo visits: a 四百走访 campaign per subdistrict and visits by the demo's grid workers and
neighbourhood secretaries to part of the households and units, some raising cases. Runs after
the registry demo (it visits the households that demo created)."""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import TextIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.cases.models import Category
from gongzhi.core.errors import DomainError
from gongzhi.registry.models import Household, Organization
from gongzhi.territory.models import Area
from gongzhi.visits import services
from gongzhi.visits.models import Campaign, Mode, Target

try:  # Pillow is a dependency of the case photos; the demo's pictures are drawn with it.
    from PIL import Image, ImageDraw
except ImportError:  # pragma: no cover
    Image = None

FINDINGS = [
    ("老人身体状况良好，子女每周探望。", ""),
    ("独居老人，行动不便，希望有人定期上门。", "助餐、助浴服务"),
    ("家中电线老化，已提醒注意用电安全。", "线路改造咨询"),
    ("租户新搬入，已登记联系方式。", ""),
    ("反映楼道堆物，影响通行。", "清理楼道堆物"),
    ("反映夜间广场舞噪声扰民。", "协调活动时间"),
    ("家庭和睦，无特殊需求。", ""),
    ("孩子放学无人照看。", "课后托管信息"),
]
# (title, description, the category's code in cases/data/categories.csv)
PROBLEMS = [
    ("楼道堆物", "楼道内堆放杂物，影响消防通道。", "1602"),
    ("电动车飞线充电", "楼下有电动车从窗口拉线充电。", "1601"),
    ("路灯不亮", "小区内路灯损坏多日未修。", "1614"),
    ("垃圾分类点满溢", "垃圾箱房周边有溢出。", "1612"),
]
ORG_FINDINGS = [
    "经营正常，消防器材在有效期内。",
    "门前三包落实较好。",
    "员工多为外卖骑手，希望有休息点。",
    "希望社区提供招聘信息。",
]


def _photo(rng: random.Random) -> SimpleUploadedFile:
    """A drawn stand-in for a photo taken on the visit (a corridor with something in it)."""
    image = Image.new("RGB", (320, 240), tuple(rng.randrange(150, 210) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    draw.polygon([(0, 240), (110, 90), (210, 90), (320, 240)], fill=(120, 120, 115))
    for _ in range(3):
        x, y = rng.randrange(60, 240), rng.randrange(110, 200)
        draw.rectangle(
            [x, y, x + rng.randrange(20, 60), y + rng.randrange(15, 40)],
            fill=(rng.randrange(40, 220), rng.randrange(40, 120), rng.randrange(20, 90)),
        )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return SimpleUploadedFile("visit.jpg", buffer.getvalue(), content_type="image/jpeg")


def _visitors(subdistrict: Area) -> list[User]:
    staff = User.objects.filter(
        is_active=True,
        scope__path__startswith=subdistrict.path,
        groups__name__in=["gridworker", "neighbourhood"],
    ).select_related("scope")
    return list(staff.distinct())


def _visitor_for(area: Area, visitors: list[User], rng: random.Random) -> User | None:
    fitting = [u for u in visitors if area.path.startswith(u.scope.path)]
    return rng.choice(fitting) if fitting else None


@transaction.atomic
def seed(
    *, rng: random.Random, subdistricts: list[Area], stdout: TextIO | None = None, share: float = 0.45
) -> None:
    today = timezone.localdate()
    categories = Category.objects.in_bulk([code for _t, _d, code in PROBLEMS], field_name="code")
    problems = [(t, d, categories[code]) for t, d, code in PROBLEMS if code in categories]
    for subdistrict in subdistricts:
        visitors = _visitors(subdistrict)
        if not visitors:
            if stdout:
                stdout.write(f"visits: {subdistrict.name} 没有网格员或居委账号，跳过\n")
            continue
        campaign = Campaign.objects.create(
            subdistrict=subdistrict,
            area=subdistrict,
            name=f"{today.year}年“四百”大走访",
            target=Target.BOTH,
            starts_on=today - dt.timedelta(days=60),
            ends_on=today + dt.timedelta(days=30),
            note="走百家门、知百家情、解百家难、暖百家心",
        )
        Campaign.objects.create(
            subdistrict=subdistrict,
            area=subdistrict,
            name=f"{today.year - 1}年冬季独居老人走访",
            starts_on=today - dt.timedelta(days=330),
            ends_on=today - dt.timedelta(days=240),
        )
        count = cases = 0
        households = list(
            Household.objects.filter(subdistrict=subdistrict).select_related("area", "dwelling")
        )
        organizations = list(Organization.objects.filter(subdistrict=subdistrict).select_related("area"))
        targets = [("h", h) for h in households] + [("o", o) for o in organizations]
        for kind, target in targets:
            if rng.random() > share:
                continue
            visitor = _visitor_for(target.area, visitors, rng)
            if visitor is None:
                continue
            visited_on = today - dt.timedelta(days=rng.randrange(0, 58))
            now = timezone.make_aware(
                dt.datetime.combine(visited_on, dt.time(9 + rng.randrange(8), rng.randrange(60)))
            )
            specs = []
            if problems and rng.random() < 0.12:
                title, description, category = rng.choice(problems)
                specs.append(services.CaseSpec(category, title, description))
            if kind == "h":
                findings, needs = rng.choice(FINDINGS)
                met = target.members.first()
                kwargs = {"household": target, "met": met}
            else:
                findings, needs = rng.choice(ORG_FINDINGS), ""
                kwargs = {"organization": target}
            try:
                services.record_visit(
                    photos=[_photo(rng)] if specs else [],
                    actor=visitor,
                    visited_on=visited_on,
                    mode=rng.choices(list(Mode.values), weights=[75, 20, 5])[0],
                    findings=findings,
                    needs=needs,
                    campaign=campaign,
                    cases=specs,
                    now=now,
                    **kwargs,
                )
            except DomainError:
                continue
            count += 1
            cases += len(specs)
        if stdout:
            stdout.write(f"visits: {subdistrict.name} 走访 {count} 次，发起工单 {cases} 张\n")
