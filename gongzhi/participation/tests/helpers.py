"""Building blocks for the participation tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gongzhi.cases import phonecodes
from gongzhi.participation import services
from gongzhi.participation.models import Campaign, Meeting, Suggestion, Topic

PHONE = "13912345678"


def campaign(world, *, threshold: int = 3, side: str = "a") -> Campaign:
    s = getattr(world, side)
    today = timezone.localdate()
    return services.create_campaign(
        actor=s.users["leader"],
        area=s.subdistrict,
        title="电动自行车“飞线充电”金点子",
        question="您身边哪里需要充电桩？",
        starts_on=today - dt.timedelta(days=5),
        ends_on=today + dt.timedelta(days=25),
        support_threshold=threshold,
    )


def code_for(world, phone: str, purpose: str, side: str = "a", now=None) -> str:
    phonecodes.send_code(phone=phone, purpose=purpose, subdistrict=getattr(world, side).subdistrict, now=now)
    return phonecodes.last_code_for(phone, purpose)


def public_suggestion(
    world, *, side: str = "a", camp: Campaign | None = None, phone: str = PHONE, **kw
) -> Suggestion:
    s = getattr(world, side)
    code = code_for(world, phone, services.SUGGEST_PURPOSE, side)
    return services.submit_suggestion(
        area=kw.pop("area", s.neighbourhood),
        title=kw.pop("title", "3号楼下需要充电桩"),
        body=kw.pop("body", "楼下经常有人飞线充电，联系我 13800138000，希望装充电桩。"),
        phone=phone,
        code=code,
        campaign=camp,
        **kw,
    )


def approved(world, side: str = "a", **kw) -> Suggestion:
    suggestion = public_suggestion(world, side=side, **kw)
    return services.approve_suggestion(
        actor=getattr(world, side).users["neighbourhood"], suggestion=suggestion
    )


def support(world, suggestion: Suggestion, phone: str, now=None) -> bool:
    code = code_for(world, phone, services.support_purpose(suggestion.ref), now=now)
    return services.support_suggestion(suggestion=suggestion, phone=phone, code=code, now=now)


def screened_topic(world, side: str = "a") -> Topic:
    s = getattr(world, side)
    topic = services.propose_topic(
        actor=s.users["neighbourhood"],
        area=s.neighbourhood,
        title="非机动车充电设施增设",
        board="居民区议事会",
    )
    return services.act_on_topic(
        actor=s.users["neighbourhood"], topic=topic, action="screen", note="涉及全体居民安全"
    )


def meeting(world, topic: Topic | None = None, side: str = "a", **spec) -> Meeting:
    s = getattr(world, side)
    defaults = {
        "title": "充电桩选址议事会",
        "starts_at": timezone.now() + dt.timedelta(days=4),
        "eligible": 9,
    }
    return services.schedule_meeting(
        actor=s.users["neighbourhood"],
        area=s.neighbourhood,
        topic=topic,
        spec=services.MeetingSpec(**(defaults | spec)),
    )


def resolved_topic(world, side: str = "a"):
    s = getattr(world, side)
    topic = screened_topic(world, side)
    m = meeting(world, topic, side)
    for name in ["张阿姨", "李师傅", "王老师", "赵先生", "陈女士", "刘阿婆"]:
        services.sign_in(
            meeting=m, name=name, method="worker_tick", actor=s.users["gridworker"] if side else None
        )
    services.record_motion(
        actor=s.users["neighbourhood"], meeting=m, text_="在3号楼东侧增设充电棚", yes=5, no=1
    )
    services.hold_meeting(actor=s.users["neighbourhood"], meeting=m)
    items = services.resolve_topic(
        actor=s.users["neighbourhood"],
        topic=topic,
        resolution="在3号楼东侧增设充电棚，物业负责日常管理。",
        tasks=[
            services.TaskSpec(title="充电棚选址与报批", owner=s.committee, weight=1),
            services.TaskSpec(title="充电棚施工", owner=s.department, weight=3),
        ],
    )
    return topic, m, items
