"""Demo events: a night-school season (夜校) with a per-person cap, courses over-subscribed with
waiting lists and one allocated by lottery; a listening day (10日我倾听) already held with its
attendance and feedback; a learning-season course for party secretaries; an outdoor tea stall
for couriers (户外职工公益茶铺)."""

from __future__ import annotations

import datetime as dt
import random
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.core.errors import DomainError
from gongzhi.events import rooms, services
from gongzhi.events.models import Allocation, Series
from gongzhi.territory.models import Area

FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = [
    "秀英",
    "建国",
    "丽娟",
    "志强",
    "美玲",
    "伟",
    "芳",
    "敏",
    "静",
    "磊",
    "婷婷",
    "浩然",
    "雅琴",
    "国庆",
    "慧",
]

HEARD = [
    ("小区东门非机动车乱停，早高峰出门困难。", "赵阿姨", ""),
    ("3号楼楼道灯坏了半个月。", "钱师傅", ""),
    ("希望社区食堂增加老年人午餐窗口。", "孙老师", "街道已与食堂协商，下月起开设助餐窗口。"),
    ("垃圾箱房傍晚气味大，希望增加清运。", "李先生", ""),
    ("想了解加装电梯的办理流程。", "周女士", "居委会将于本月组织加装电梯政策说明会。"),
]

COURSES = [
    ("沪剧入门", 20, 8, Allocation.FIRST_COME, 34),
    ("茶艺与茶文化", 16, 6, Allocation.FIRST_COME, 25),
    ("手机摄影", 24, 10, Allocation.LOTTERY, 52),
    ("书法（楷书）", 18, 6, Allocation.FIRST_COME, 12),
]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _person(rng: random.Random, n: int) -> tuple[str, str]:
    return rng.choice(FAMILY) + rng.choice(GIVEN), f"1{rng.choice('3589')}{n:09d}"[:11]


def _organisers(subdistrict: Area) -> list[User]:
    users = User.objects.filter(
        is_active=True, groups__name="neighbourhood", scope__path__startswith=subdistrict.path
    )
    return list(users.select_related("scope").distinct().order_by("username"))


def _sign_ups(rng, event, count, start, *, base, ages=(20, 52)):
    year = timezone.localdate().year
    birth = (year - ages[1], year - ages[0])
    for i in range(count):
        name, phone = _person(rng, base + i)
        try:
            services.register(
                event=event,
                name=name,
                phone=phone,
                birth_year=rng.randint(*birth),
                now=start + dt.timedelta(seconds=5 + 7 * i),
            )
        except DomainError:
            continue


@transaction.atomic
def seed(*, rng: random.Random, subdistricts: list[Area], stdout: TextIO | None = None) -> None:
    now = timezone.now()
    today = timezone.localdate()
    for number, subdistrict in enumerate(subdistricts):
        organisers = _organisers(subdistrict)
        if not organisers:
            if stdout:
                stdout.write(f"events: {subdistrict.name} 没有居委账号，跳过\n")
            continue
        organiser = organisers[0]
        area = organiser.scope
        base = 10_000_000 * (number + 1)
        made = 0
        season = Series.objects.create(
            subdistrict_id=area.subdistrict_id, name=f"{today.year}年社区夜校", per_person_cap=2
        )
        opened = now - dt.timedelta(days=3)
        first = _at(today + dt.timedelta(days=4), 19)
        for k, (title, capacity, waitlist, allocation, demand) in enumerate(COURSES):
            event = services.create_event(
                actor=organiser,
                area=area,
                kind="night_school",
                series=season,
                title=f"夜校·{title}",
                description="12 次课，每周一次，出勤 8 次及以上颁发结业证书。",
                venue=f"{area.name}党群服务站二楼活动室",
                capacity=capacity,
                waitlist_limit=waitlist,
                allocation=allocation,
                fee=500,
                min_age=18,
                max_age=55,
                registration_opens_at=opened,
                registration_closes_at=now + dt.timedelta(days=2)
                if allocation == Allocation.FIRST_COME
                else now - dt.timedelta(hours=2),
                sessions=[
                    services.SessionSpec(
                        first + dt.timedelta(weeks=w, days=k), first + dt.timedelta(weeks=w, days=k, hours=2)
                    )
                    for w in range(12)
                ],
                completion_sessions=8,
            )
            services.publish_event(event=event, actor=organiser)
            _sign_ups(rng, event, demand, opened, base=base + 1000 * k)
            if allocation == Allocation.LOTTERY:
                services.draw_lottery(event=event, actor=organiser, seed=f"demo-{today.year}", now=now)
            made += 1
        # A listening day held last week: attendance, no-shows and feedback.
        held_day = today - dt.timedelta(days=7)
        listening = services.create_event(
            actor=organiser,
            area=area,
            kind="listening_day",
            title="10日我倾听·居民面对面",
            description="街道班子成员和居民区书记现场听取居民意见建议。",
            venue=f"{area.name}居民区会客厅",
            capacity=30,
            registration_opens_at=_at(held_day - dt.timedelta(days=10), 9),
            registration_closes_at=_at(held_day - dt.timedelta(days=1), 17),
            sessions=[services.SessionSpec(_at(held_day, 14), _at(held_day, 16))],
        )
        services.publish_event(event=listening, actor=organiser)
        _sign_ups(
            rng, listening, 22, _at(held_day - dt.timedelta(days=9), 10), base=base + 9000, ages=(35, 80)
        )
        for registration in listening.registrations.all():
            if rng.random() < 0.8:
                services.check_in(code=registration.code, actor=organiser, now=_at(held_day, 13, 50))
        services.finish_event(event=listening, actor=organiser, now=_at(held_day, 17))
        for registration in listening.registrations.filter(status="attended"):
            if rng.random() < 0.6:
                services.give_feedback(
                    code=registration.code,
                    rating=rng.choice([5, 5, 4, 4, 3]),
                    comment=rng.choice(
                        ["书记当场答复，很满意。", "希望多办几次。", "停车问题还要跟进。", ""]
                    ),
                )
        # Items are left for the organiser to turn into cases on the page (the demo's cases all
        # carry a point and a story category, which a heard problem does not have).
        for text, who, answer in HEARD:
            services.record_item(event=listening, actor=organiser, text=text, raised_by=who, answer=answer)
        made += 1
        # Open for registration now.
        for kind, title, capacity, days, demand in (
            ("learning_season", "学习季·居民区书记专题培训", 40, 10, 18),
            ("new_groups", "户外职工公益茶铺·骑手夏日关爱", 60, 5, 27),
            ("activity", "党员同过政治生日", 50, 14, 31),
        ):
            day = today + dt.timedelta(days=days)
            event = services.create_event(
                actor=organiser,
                area=area,
                kind=kind,
                title=title,
                venue=f"{area.name}党群服务站",
                capacity=capacity,
                waitlist_limit=10,
                audience_note="快递员、外卖骑手" if kind == "new_groups" else "",
                registration_opens_at=now - dt.timedelta(days=2),
                registration_closes_at=_at(day - dt.timedelta(days=1), 18),
                sessions=[services.SessionSpec(_at(day, 14), _at(day, 16, 30))],
            )
            services.publish_event(event=event, actor=organiser)
            _sign_ups(rng, event, demand, now - dt.timedelta(days=2), base=base + 20000 + 1000 * days)
            made += 1
        _rooms(organiser, area, today, now)
        if stdout:
            stdout.write(f"events: {subdistrict.name} 活动 {made} 个\n")


ROOMS = [
    # name, capacity, opens, closes, slot minutes, equipment
    ("睦邻会客厅", 30, 9, 21, 120, "投影仪、音响、茶水"),
    ("微展厅", 20, 9, 17, 120, "展板、射灯"),
    ("“春天里”照相馆", 8, 9, 17, 60, "背景布、补光灯、相机"),
    ("夜校教室", 40, 18, 22, 120, "电子白板、桌椅40套"),
]
BOOKINGS = [
    # room index, days ahead, start hour, booker, purpose, attendees, approved
    (0, 1, 13, "银发合唱团", "每周排练", 22, True),
    (0, 2, 9, "楼组长议事会", "三驾马车联席会议", 15, True),
    (0, 3, 15, "社区书法社", "书法课", 12, False),
    (1, 1, 9, "街道档案室", "“老弄堂”照片展布展", 6, True),
    (2, 2, 10, "社区志愿者服务队", "为高龄老人拍摄金婚照", 6, False),
    (3, 1, 18, "快递小哥之家", "新就业群体普法讲座", 35, True),
]


def _rooms(organiser: User, area: Area, today: dt.date, now: dt.datetime) -> None:
    """The neighbourhood's community spaces with a week of bookings, some approved."""
    made = [
        rooms.create_room(
            actor=organiser,
            area=area,
            name=name,
            capacity=capacity,
            opens_at=dt.time(opens),
            closes_at=dt.time(closes),
            slot_minutes=minutes,
            equipment=equipment,
        )
        for name, capacity, opens, closes, minutes, equipment in ROOMS
    ]
    for index, ahead, hour, booker, purpose, attendees, approved in BOOKINGS:
        booking = rooms.book(
            actor=organiser,
            room=made[index],
            on=today + dt.timedelta(days=ahead),
            starts_at=dt.time(hour),
            booker=booker,
            purpose=purpose,
            attendees=attendees,
            now=now,
        )
        if approved:
            rooms.decide(actor=organiser, booking=booking, decision="approve", note="同意，请用后恢复原样")
