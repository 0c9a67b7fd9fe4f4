"""Demo participation: the campaigns of the issue with realistic suggestions at every state, two
co-governance committees (风貌街区, 音乐街区) with meetings, minutes and lists (54 items on the
风貌街区 lists, mostly closed, as Hunan Road reports), neighbourhood councils, and community
projects at every stage. Everything goes through the services, dated in the past with `now=`;
supports are written directly (a real one needs a phone's one-time code)."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from typing import TextIO

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gongzhi.accounts.models import Unit, UnitKind, User
from gongzhi.cases import phonecodes
from gongzhi.cases.models import Case, Category
from gongzhi.participation import services
from gongzhi.participation.models import (
    Ballot,
    BallotChoice,
    BallotOption,
    BallotVote,
    Suggestion,
    Support,
)
from gongzhi.territory.models import Area, AreaKind

CAMPAIGNS = {
    "华阳": [
        (
            "电动自行车“飞线充电”金点子",
            "您所在的小区哪里最需要充电设施？怎样杜绝飞线充电？",
            [
                (
                    "3号楼下增设充电棚",
                    "我们楼十几辆电动车，晚上都从窗口拉线充电，很危险，建议在东侧空地建充电棚。",
                ),
                ("充电桩收费希望透明", "现在充电桩一小时收费不一，希望公示收费标准。"),
                ("飞线充电屡劝不改", "5号楼2楼住户一直从家里拉线到楼下充电，联系电话13817261234。"),
                ("地下车库能否装智能充电柜", "车库有空位，可以装带灭火功能的充电柜。"),
                ("老人不会用扫码充电", "希望充电桩保留投币或刷卡方式，方便老年人。"),
                ("充电棚晚上加装监控", "防止电瓶被盗，也能发现违规充电。"),
            ],
        ),
        (
            "“百年武夷邀您发声”",
            "武夷路沿线风貌保护和街区更新，请您提出意见建议。",
            [
                ("武夷路491弄出入口太窄", "快递车和电动车挤在一起，建议分成装卸区和充电区。"),
                ("沿街店招风格不统一", "部分店招过大，与老建筑风貌不协调。"),
                ("人行道树根拱起", "武夷路近定西路人行道树根拱起，老人容易绊倒。"),
                ("增设街区休憩座椅", "沿线缺少座椅，散步的老人没有地方歇脚。"),
                ("老洋房介绍铭牌", "建议给历史建筑加装二维码铭牌，讲好街区故事。"),
            ],
        ),
        (
            "流浪猫治理大家谈",
            "小区流浪猫越来越多，怎样做到科学喂养、绝育管理？",
            [
                ("设立固定喂食点", "有居民在楼道口随意喂猫，气味很大，建议设固定喂食点。"),
                ("组织流浪猫绝育", "联系公益组织开展TNR绝育，控制数量。"),
                ("夜里猫叫影响休息", "每天夜里猫叫，老人睡不好。"),
                ("招募爱猫志愿者", "成立志愿者小组负责喂食点卫生。"),
            ],
        ),
    ],
    "湖南": [
        (
            "反诈安全宣传进楼组",
            "您希望以什么方式了解防诈骗知识？您或家人遇到过哪些骗局？",
            [
                ("楼道张贴反诈海报", "老人不上网，楼道海报最直接。"),
                ("冒充客服退款骗局", "我母亲接到电话说快递丢了要退款，差点被骗，电话 021-64331234。"),
                ("开设反诈小课堂", "在睦邻点每月讲一次，结合真实案例。"),
                ("希望社区民警多来走访", "独居老人容易上当，希望民警多提醒。"),
            ],
        ),
        (
            "风貌街区“对话-共创-共享”",
            "武康路、安福路一带的人流、停车、店招、垃圾，您最关心哪件事？",
            [
                ("武康路周末人流太多", "游客拍照堵塞人行道，希望设引导员。"),
                ("安福路共享单车乱停", "单车堆在人行道上，建议划定停放区。"),
                ("沿街垃圾收运时间", "商户垃圾白天堆在门口，影响风貌。"),
                ("夜间噪声扰民", "酒吧营业到深夜，噪声很大。"),
                ("增设公共厕所指引", "游客经常找不到公厕。"),
            ],
        ),
    ],
}

# 风貌街区: "20+ street discussions → 9 areas, 54 items on the problem and demand lists".
STREETS = ["武康路", "安福路", "复兴西路", "五原路", "永嘉路", "湖南路", "高安路", "淮海中路", "兴国路"]
ITEMS = [
    ("problem", "人行道破损修复", "绿化市容所"),
    ("problem", "架空线入地整治", "社区管理办"),
    ("need", "增设休憩座椅", "绿化市容所"),
    ("task", "店招店牌规范设置", "市场监管所"),
    ("task", "非机动车停放区划设", "城管中队"),
    ("need", "垃圾定时收运", "绿化市容所"),
]
MUSIC = [
    ("task", "音乐主题口袋广场提升", "社区管理办"),
    ("task", "乐器商户联合外摆规范", "市场监管所"),
    ("need", "周末街头音乐会场地保障", "社区服务办"),
    ("problem", "汾阳路夜间停车难", "城管中队"),
    ("task", "音乐街区导览标识", "社区管理办"),
    ("problem", "沿街噪声投诉处理", "城管中队"),
]

PROJECTS = [
    ("idea", "楼道“微客厅”改造"),
    ("incubation", "友邻共益计划·亲子绘本角"),
    ("design", "口袋花园众享空间"),
    ("review", "老年助餐点微更新"),
    ("notice", "屋顶花园共建"),
    ("vote", "小区健身步道"),
    ("build", "非机动车充电棚"),
    ("handover", "睦邻点适老化改造"),
    ("evaluation", "垃圾箱房美化"),
    ("done", "弄堂记忆墙"),
]
STEPS = ["incubate", "design", "review", "publicise", "vote", "build", "hand_over", "evaluate", "finish"]
NAMES = [
    "张阿姨",
    "李师傅",
    "王老师",
    "赵先生",
    "陈女士",
    "刘阿婆",
    "周伯伯",
    "吴经理",
    "徐老板",
    "孙阿姨",
    "马老师",
    "朱师傅",
    "胡先生",
    "郭女士",
    "何阿姨",
]


def _first(subdistrict: Area, role: str, **extra) -> User | None:
    return (
        User.objects.filter(
            is_active=True, groups__name=role, scope__path__startswith=subdistrict.path, **extra
        )
        .order_by("pk")
        .first()
    )


def _unit(subdistrict: Area, name: str) -> Unit:
    return (
        Unit.objects.filter(subdistrict=subdistrict, name=name).first()
        or Unit.objects.filter(subdistrict=subdistrict, kind=UnitKind.DEPARTMENT).order_by("pk").first()
    )


def _point(area: Area) -> tuple[float | None, float | None]:
    """A point known to lie in `area` (where an earlier demo case was reported), or none."""
    case = Case.objects.filter(area__path__startswith=area.path).exclude(lat=None).order_by("pk").first()
    return (case.lat, case.lng) if case else (None, None)


def _fake_supports(suggestion: Suggestion, n: int) -> None:
    for i in range(n):
        digest = hashlib.sha256(f"demo:{suggestion.ref}:{i}".encode()).hexdigest()
        Support.objects.create(suggestion=suggestion, phone_digest=digest)
    Suggestion.objects.filter(pk=suggestion.pk).update(supports_count=F("supports_count") + n)


@transaction.atomic
def seed(*, rng: random.Random, subdistricts: list[Area], stdout: TextIO | None = None) -> None:
    now = timezone.now()
    for subdistrict in subdistricts:
        short = "湖南" if "湖南" in subdistrict.name else "华阳"
        leader = _first(subdistrict, "leader")
        dispatcher = _first(subdistrict, "dispatcher")
        neighbourhoods = list(
            Area.objects.filter(subdistrict=subdistrict, kind=AreaKind.NEIGHBOURHOOD).order_by("code", "name")
        )
        if leader is None or dispatcher is None or not neighbourhoods:
            if stdout:
                stdout.write(f"participation: {subdistrict.name} 缺少账号或居民区，跳过\n")
            continue
        counts = _campaigns(rng, subdistrict, short, leader, dispatcher, neighbourhoods, now)
        committee_items = _committees(rng, subdistrict, short, leader, now)
        projects = _projects(rng, subdistrict, leader, neighbourhoods, now)
        _ballots(rng, subdistrict, short, leader, now)
        if stdout:
            stdout.write(
                f"participation: {subdistrict.name} {counts} 条建议、{committee_items} 项清单事项、{projects} 个社区项目\n"
            )


def _campaigns(rng, subdistrict, short, leader, dispatcher, neighbourhoods, now) -> int:
    today = timezone.localdate(now)
    category = Category.objects.filter(active=True, parent__isnull=False).order_by("sort", "code").first()
    made = 0
    hidden_one = False
    for index, (title, question, ideas) in enumerate(CAMPAIGNS[short]):
        campaign = services.create_campaign(
            actor=leader,
            area=subdistrict,
            title=title,
            question=question,
            rules="实名提交（手机验证），审核后公开；每个手机号对每条建议可附议一次；附议满 5 人进入分办。",
            starts_on=today - dt.timedelta(days=30 + 10 * index),
            ends_on=today + dt.timedelta(days=20 - 5 * index),
            support_threshold=5,
        )
        moderator = None
        for n, (idea_title, body) in enumerate(ideas):
            area = rng.choice(neighbourhoods)
            moderator = _first(subdistrict, "neighbourhood", scope=area) or leader
            at = now - dt.timedelta(days=20 - n, hours=rng.randint(0, 8))
            worker = _first(subdistrict, "gridworker", scope=area.parent)
            if n == 3 and worker is not None:
                suggestion = services.enter_suggestion(
                    actor=worker,
                    area=area,
                    title=idea_title,
                    body=body,
                    author_name=rng.choice(NAMES),
                    consent="verbal_recorded",
                    campaign=campaign,
                    now=at,
                )
            else:
                phone = f"139{rng.randint(10000000, 99999999)}"
                lat, lng = _point(area)
                phonecodes.send_code(
                    phone=phone, purpose=services.SUGGEST_PURPOSE, subdistrict=subdistrict, now=at
                )
                suggestion = services.submit_suggestion(
                    area=area,
                    campaign=campaign,
                    title=idea_title,
                    body=body,
                    phone=phone,
                    code=phonecodes.last_code_for(phone, services.SUGGEST_PURPOSE),
                    lat=lat,
                    lng=lng,
                    now=at,
                )
            made += 1
            # Cycle through every outcome: topic, answer, case, referral, triage, declined,
            # still pending, published and collecting supports.
            outcome = made % 8
            if outcome == 6:
                continue  # still waiting for moderation
            if outcome == 5:
                services.decline_suggestion(
                    actor=moderator, suggestion=suggestion, reason="内容与征集主题无关", now=at
                )
                continue
            services.approve_suggestion(
                actor=moderator, suggestion=suggestion, now=at + dt.timedelta(hours=3)
            )
            # Below the threshold (5) unless it went to triage or became a topic.
            _fake_supports(suggestion, rng.randint(5, 12) if outcome in (0, 4) else rng.randint(1, 4))
            later = at + dt.timedelta(days=2)
            if outcome == 0:
                services.suggestion_to_topic(actor=leader, suggestion=suggestion, now=later)
            elif outcome == 1:
                services.draft_answer(
                    actor=dispatcher,
                    suggestion=suggestion,
                    answer="感谢建议。已纳入本年度民生实事项目，预计下季度完成，届时在公示栏公布。",
                    now=later,
                )
                services.publish_answer(
                    actor=leader, suggestion=suggestion, now=later + dt.timedelta(hours=4)
                )
            elif outcome == 2 and category is not None and suggestion.lat is not None:
                services.suggestion_to_case(
                    actor=dispatcher, suggestion=suggestion, category=category, now=later
                )
            elif outcome == 3:
                manager = Unit.objects.filter(subdistrict=subdistrict, kind=UnitKind.PROPERTY_MANAGER).first()
                if manager:
                    services.refer_suggestion(
                        actor=dispatcher, suggestion=suggestion, unit=manager, days=10, now=later
                    )
            elif outcome == 4:
                services.triage_suggestion(actor=dispatcher, suggestion=suggestion, now=later)
            elif outcome == 7 and not hidden_one:
                # Three residents report it: hidden, waiting for the moderators' review.
                _reports(subdistrict, suggestion, later)
                hidden_one = True
    return made


REPORT_REASONS = ["内容涉及邻居隐私", "与事实不符", "有广告嫌疑"]


def _reports(subdistrict: Area, suggestion: Suggestion, at) -> None:
    purpose = services.support_purpose(suggestion.ref)
    for i, reason in enumerate(REPORT_REASONS):
        # One phone per suggestion and reason: a second run of the seed (the query walk) must not
        # meet the codes the first run sent to the same numbers.
        phone = f"137{suggestion.pk % 10**6:06d}{i:02d}"
        phonecodes.send_code(phone=phone, purpose=purpose, subdistrict=subdistrict, now=at)
        services.report_suggestion(
            suggestion=suggestion,
            phone=phone,
            code=phonecodes.last_code_for(phone, purpose),
            reason=reason,
            now=at + dt.timedelta(minutes=i),
        )


def _meeting(
    rng, leader, area, topic, title, kind, at, attendees: int, eligible: int, *, board: str, motion: str = ""
):
    meeting = services.schedule_meeting(
        actor=leader,
        area=area,
        topic=topic,
        spec=services.MeetingSpec(
            title=title,
            starts_at=at,
            kind=kind,
            place="街道党群服务中心二楼会议室",
            notice_days=3,
            notice_to=f"{board}全体成员、居民代表",
            agenda="一、通报问题清单；二、逐项协商；三、表决；四、形成任务清单",
            eligible=eligible,
        ),
        now=at - dt.timedelta(days=5),
    )
    for name in rng.sample(NAMES, min(attendees, len(NAMES))):
        services.sign_in(
            meeting=meeting,
            name=name,
            capacity=rng.choice(["居民代表", "驻区单位", "商户代表", "楼组长"]),
            method=rng.choice(["qr", "worker_tick", "paper_photo"]),
            actor=leader,
            now=at,
        )
    yes = max(1, attendees - rng.randint(0, 2))
    services.record_motion(
        actor=leader,
        meeting=meeting,
        text_=motion or f"同意“{topic.title}”的实施方案",
        yes=yes,
        no=attendees - yes,
        now=at,
    )
    services.hold_meeting(actor=leader, meeting=meeting, now=at + dt.timedelta(hours=2))
    services.publish_minutes(
        actor=leader,
        meeting=meeting,
        minutes=(
            f"{at:%Y年%m月%d日}，{board}召开{title}。应到 {eligible} 人，实到 {attendees} 人，达到法定人数。"
            "主持人说明议事规则：每人每次发言不超过 3 分钟，同一议题发言不超过 2 次。"
            f"与会人员逐项讨论后举手表决，赞成 {yes} 票，通过实施方案并形成任务清单，明确责任单位和完成时限。"
        ),
        now=at + dt.timedelta(days=1),
    )
    return meeting


def _committees(rng, subdistrict, short, leader, now) -> int:
    boards = (
        [("风貌街区共治委员会", STREETS, ITEMS), ("音乐街区共治委员会", ["汾阳路", "复兴中路"], MUSIC)]
        if short == "湖南"
        else [("华阳智汇巷议事会", ["武夷路", "定西路"], ITEMS[:4])]
    )
    total = 0
    for board, places, templates in boards:
        start = now - dt.timedelta(days=200)
        topic = services.propose_topic(
            actor=leader,
            area=subdistrict,
            title=f"{board}问题清单与需求清单",
            description="“对话-共创-共享”：街区对话收集问题和需求，分片区形成清单，逐项销项。",
            board=board,
            now=start,
        )
        services.act_on_topic(
            actor=leader, topic=topic, action="screen", note="涉及街区公共空间和多方主体", now=start
        )
        meeting = _meeting(
            rng,
            leader,
            subdistrict,
            topic,
            f"{board}第一次全体会议",
            "council",
            start + dt.timedelta(days=10),
            attendees=13,
            eligible=15,
            board=board,
        )
        at = meeting.starts_at + dt.timedelta(days=1)
        specs = [
            services.TaskSpec(
                title=f"{place}{title}",
                owner=_unit(subdistrict, unit),
                kind=kind,
                due_days=rng.randint(30, 120),
                funding=rng.choice(["department", "practical", "cobuilding", "self_governance"]),
            )
            for place in places
            for kind, title, unit in templates
        ]
        items = services.resolve_topic(
            actor=leader,
            topic=topic,
            resolution=f"通过{board}清单共 {len(specs)} 项，逐项明确责任单位和时限。",
            tasks=specs,
            now=at,
        )
        services.act_on_topic(actor=leader, topic=topic, action="execute", now=at)
        for n, item in enumerate(items):
            when = at + dt.timedelta(days=rng.randint(5, 60))
            fate = 0.0 if n == 7 else rng.random()  # one blocked item on every list at least
            services.act_on_item(actor=leader, item=item, action="start", now=when)
            if fate < 0.04:
                services.act_on_item(
                    actor=leader, item=item, action="block", note="涉及产权单位，需进一步协调", now=when
                )
                continue
            if fate < 0.10:
                services.update_progress(actor=leader, item=item, progress=rng.choice([30, 50, 70]), now=when)
                continue
            services.act_on_item(actor=leader, item=item, action="finish", now=when + dt.timedelta(days=3))
            if fate < 0.14:
                continue
            services.act_on_item(
                actor=leader,
                item=item,
                action="verify",
                note="居民代表和商户代表现场验收",
                now=when + dt.timedelta(days=5),
            )
            if fate < 0.2:
                continue
            services.act_on_item(actor=leader, item=item, action="close", now=when + dt.timedelta(days=6))
        total += len(items)
        _meeting(
            rng,
            leader,
            subdistrict,
            None,
            f"{board}清单推进评议会",
            "evaluation",
            now - dt.timedelta(days=20),
            attendees=12,
            eligible=15,
            board=board,
            motion="对清单推进情况的评议意见",
        )
    return total


def _projects(rng, subdistrict, leader, neighbourhoods, now) -> int:
    owner = (
        Unit.objects.filter(subdistrict=subdistrict, kind=UnitKind.NEIGHBOURHOOD_COMMITTEE)
        .order_by("pk")
        .first()
    )
    for index, (stage, title) in enumerate(PROJECTS):
        at = now - dt.timedelta(days=120)
        area = neighbourhoods[index % len(neighbourhoods)]
        project = services.create_project(
            actor=leader, area=area, title=title, summary=f"居民提出、共同设计、共同维护的{title}。", now=at
        )
        for step in STEPS:
            if project.stage == stage:
                break
            at += dt.timedelta(days=10)
            data = {
                "incubate": {"planner": rng.choice(["社区规划师 周工", "社工 李琳", "同济大学社区规划团队"])},
                "design": {
                    "budget": rng.choice([12000, 18000, 20000]),
                    "funding": "self_governance",
                    "cofunding": 3057,
                    "cofunding_households": 10,
                },
                "review": {"scores": {k: rng.randint(7, 10) for k in services.RUBRIC}},
                "publicise": {"notice_days": 7},
                "build": {"owner": owner, "due_days": 40, "yes": 70, "no": 11},
                "hand_over": {"maintainer": "小区业委会和楼组长志愿队"},
                "finish": {"evaluation": "建成一年使用率高，居民满意，管护到位。"},
            }.get(step, {})
            if step == "hand_over" and project.task_id:
                services.act_on_item(actor=leader, item=project.task, action="finish", now=at)
            project = services.advance_project(actor=leader, project=project, action=step, data=data, now=at)
    return len(PROJECTS)


BALLOT_CANDIDATES = [
    ("老旧小区加装电梯（第二批）", 2400000),
    ("口袋公园改造", 600000),
    ("非机动车集中充电棚", 350000),
    ("适老化改造（扶手、防滑）100户", 300000),
    ("社区食堂助餐点", 800000),
    ("雨污混接改造", 1200000),
    ("弄堂路面翻修", 500000),
    ("楼道照明更新", 150000),
    ("社区微型消防站", 200000),
    ("居民区智能门禁", 450000),
    ("垃圾厢房升级", 280000),
    ("少儿托管点", 320000),
]


def _fake_votes(rng: random.Random, ballot: Ballot, n: int, weights: list[float], at: dt.datetime) -> None:
    """The demo's online votes, written directly (like _fake_supports): n phones, each choosing
    1..pick candidates by the weights, without sending n one-time codes through the outbox."""
    options = list(ballot.options.order_by("position"))
    for i in range(n):
        digest = hashlib.sha256(f"demo:{ballot.ref}:{i}".encode()).hexdigest()
        vote = BallotVote.objects.create(ballot=ballot, phone_digest=digest, created_at=at)
        k = rng.randint(max(1, ballot.pick - 3), ballot.pick)
        chosen: set[int] = set()
        while len(chosen) < k:
            chosen.add(rng.choices(range(len(options)), weights=weights)[0])
        BallotChoice.objects.bulk_create(BallotChoice(vote=vote, option=options[j]) for j in chosen)
        BallotOption.objects.filter(pk__in=[options[j].pk for j in chosen]).update(votes=F("votes") + 1)
    Ballot.objects.filter(pk=ballot.pk).update(voters=F("voters") + n)


def _ballots(rng: random.Random, subdistrict: Area, short: str, leader: User, now: dt.datetime) -> None:
    """Last year's 民生实事票决 (12 选 10, online and paper votes, published) and this year's, open."""
    today = timezone.localdate(now)
    for year_back, status in ((1, "published"), (0, "open")):
        opens = today - dt.timedelta(days=365 * year_back + 5)
        at = timezone.make_aware(dt.datetime.combine(opens, dt.time(9)))
        ballot = services.create_ballot(
            actor=leader,
            area=subdistrict,
            title=f"{today.year - year_back + 1}年{short}街道民生实事项目票决",
            question="从下列候选项目中选出明年办理的民生实事，每人最多选 10 项。结果报街道居民代表会议。",
            pick=10,
            opens_on=opens,
            closes_on=opens + dt.timedelta(days=14),
            now=at,
        )
        for title, budget in BALLOT_CANDIDATES:
            services.add_option(actor=leader, ballot=ballot, title=title, budget=budget, now=at)
        ballot = services.act_on_ballot(actor=leader, ballot=ballot, action="open", now=at)
        weights = [rng.uniform(0.4, 1.0) for _ in BALLOT_CANDIDATES]
        _fake_votes(rng, ballot, 180 if status == "published" else 60, weights, at + dt.timedelta(days=2))
        if status == "published":
            closed = at + dt.timedelta(days=15)
            ballot = services.act_on_ballot(actor=leader, ballot=ballot, action="close", now=closed)
            paper = 90
            counts = {
                o.pk: min(paper, int(paper * 0.8 * w))
                for o, w in zip(ballot.options.order_by("position"), weights, strict=True)
            }
            services.record_paper_votes(
                actor=leader, ballot=ballot, ballots_counted=paper, counts=counts, now=closed
            )
            services.act_on_ballot(
                actor=leader, ballot=ballot, action="publish", now=closed + dt.timedelta(days=1)
            )
    _household_ballot(subdistrict, leader, now)
    _budget_ballot(subdistrict, leader, now)


def _household_ballot(subdistrict: Area, leader: User, now: dt.datetime) -> None:
    """An open 一户一票 ballot of one neighbourhood: the phone must be a registered household's."""
    area = (
        Area.objects.filter(subdistrict=subdistrict, kind=AreaKind.NEIGHBOURHOOD)
        .order_by("code", "name")
        .first()
    )
    if area is None:
        return
    today = timezone.localdate(now)
    ballot = services.create_ballot(
        actor=leader,
        area=area,
        title=f"{area.name}微更新项目票决（一户一票）",
        question="居民区自治金今年可办一件微更新，请每户选一项。以住户登记的手机号投票，同户只计一票。",
        pick=1,
        per_household=True,
        opens_on=today - dt.timedelta(days=2),
        closes_on=today + dt.timedelta(days=12),
        now=now,
    )
    for title, budget in (("楼道扶手加装", "36000"), ("非机动车棚改造", "58000"), ("宅间绿地补种", "22000")):
        services.add_option(actor=leader, ballot=ballot, title=title, budget=budget, now=now)
    services.act_on_ballot(actor=leader, ballot=ballot, action="open", now=now)


def _budget_ballot(subdistrict: Area, leader: User, now: dt.datetime) -> None:
    """An open 预算票决 of the subdistrict: 自治金 50 万元, residents pick projects within it."""
    today = timezone.localdate(now)
    ballot = services.create_ballot(
        actor=leader,
        area=subdistrict,
        title=f"{today.year + 1}年{subdistrict.name}自治金项目预算票决",
        question="明年街道自治金共 50 万元。请在总额之内选出您支持的项目，所选项目预算合计不能超过 50 万元。",
        budget_limit="500000",
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=13),
        now=now,
    )
    for title, budget in (
        ("老旧小区加装电梯补贴", "300000"),
        ("口袋公园改造", "200000"),
        ("非机动车充电桩", "150000"),
        ("适老化改造", "100000"),
        ("楼道照明更新", "60000"),
    ):
        services.add_option(actor=leader, ballot=ballot, title=title, budget=budget, now=now)
    services.act_on_ballot(actor=leader, ballot=ballot, action="open", now=now)
