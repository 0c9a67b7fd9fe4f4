"""Demo 志愿+: per subdistrict, volunteers (residents tagged 志愿者, people from the units, party
members who registered where they live, talents), scenarios, points rules per neighbourhood,
past activities with checked-in, verified and credited sign-ups (and no-shows), upcoming ones
open for sign-up, small good deeds, a points shop with redemptions. Runs after the registry
demo. Each demo volunteer's phone is 1390000xxxx so one can sign in on /volunteers/login/ (the
code is in the outbox)."""

from __future__ import annotations

import datetime as dt
import random
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.core.errors import DomainError
from gongzhi.registry.models import Organization, OrganizationKind, Resident
from gongzhi.territory.models import Area, AreaKind
from gongzhi.volunteers import ledger, services
from gongzhi.volunteers import party as party_summaries
from gongzhi.volunteers.models import CredentialKind, Scenario, Team, Verification
from gongzhi.volunteers.rules import LEDGER_CORRECTORS, VOLUNTEER_MANAGERS

SCENARIOS = [
    ("助老", "为独居、高龄老人送餐、陪医、代购"),
    ("环境", "垃圾分类指导、楼道清理、社区花园"),
    ("文明", "文明引导、交通劝导"),
    ("平安", "平安巡逻、防诈宣传"),
    ("文化", "City Walk 导览、读书会、非遗课堂"),
    ("关爱", "关爱走访、结对陪伴"),
]
SKILLS = [
    "理发",
    "家电维修",
    "法律咨询",
    "心理疏导",
    "摄影",
    "City Walk 导览",
    "中医推拿",
    "书法",
    "英语",
    "急救",
]
ACTIVITIES = [
    ("助老", "为独居老人送餐", "社区食堂"),
    ("助老", "陪伴高龄老人就医", "中山医院门口集合"),
    ("环境", "垃圾分类桶边督导", "小区垃圾箱房"),
    ("环境", "楼道堆物清理", "各楼栋"),
    ("文明", "早高峰文明交通劝导", "路口"),
    ("平安", "夜间平安巡逻", "居委会门口集合"),
    ("文化", "愚园路 City Walk 导览", "愚园路口"),
    ("文化", "社区读书会", "党群服务站"),
    ("关爱", "理发进社区", "居委活动室"),
]
DEEDS = [
    "帮邻居老人搬米上楼",
    "捡到钱包交还失主",
    "雨天帮邻居收衣服",
    "清理楼道小广告",
    "扶摔倒老人回家",
    "帮楼组修好路灯",
]
REWARDS = [
    ("大米5斤", 60, 20),
    ("食用油1桶", 80, 15),
    ("洗衣液", 40, 30),
    ("理发一次", 20, 40),
    ("电影票", 50, 10),
    ("公园年卡", 200, 3),
    ("家电清洗服务", 120, 5),
]
CREDENTIALS = [
    (CredentialKind.TRAINING, "志愿服务通用培训", "区志愿者协会，4学时"),
    (CredentialKind.TRAINING, "急救员培训", "红十字会，取得救护员证"),
    (CredentialKind.TRAINING, "垃圾分类指导员培训", "街道城运中心"),
    (CredentialKind.AWARD, "优秀志愿者", "街道年度表彰"),
    (CredentialKind.AWARD, "最美楼组长", "居民区推荐"),
    (CredentialKind.EVALUATION, "服务对象好评", "独居老人家属来电致谢"),
    (CredentialKind.EVALUATION, "年度服务评价：优秀", "居委会评定"),
]
NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "秀英建国志强丽华玉兰桂芳海燕小明晓燕文杰子涵雨轩思远佳怡俊杰梦瑶"


def _staff(subdistrict: Area, roles) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, scope__path__startswith=subdistrict.path, groups__name__in=roles.codes
        )
        .select_related("scope")
        .distinct()
        .order_by("pk")
    )


def _manager_for(area: Area, managers: list[User]) -> User | None:
    fitting = [u for u in managers if area.path.startswith(u.scope.path)]
    return max(fitting, key=lambda u: len(u.scope.path)) if fitting else None


def _name(rng: random.Random) -> str:
    start = rng.randrange(0, len(GIVEN) - 1, 2)
    return rng.choice(NAMES) + GIVEN[start : start + rng.choice([1, 2])]


@transaction.atomic
def seed(
    *, rng: random.Random, subdistricts: list[Area], stdout: TextIO | None = None, per_subdistrict: int = 60
) -> None:
    now = timezone.now()
    today = timezone.localdate()
    phone_number = 0
    for subdistrict in subdistricts:
        managers = _staff(subdistrict, VOLUNTEER_MANAGERS)
        leaders = _staff(subdistrict, LEDGER_CORRECTORS)
        neighbourhoods = list(
            Area.objects.filter(path__startswith=subdistrict.path, kind=AreaKind.NEIGHBOURHOOD).order_by(
                "path"
            )
        )
        if not managers or not neighbourhoods or not leaders:
            if stdout:
                stdout.write(f"volunteers: {subdistrict.name} 没有居民区或居委账号，跳过\n")
            continue
        leader = leaders[0]
        scenarios = {  # get_or_create: a second run of the seed keeps the scenarios of the first
            name: Scenario.objects.get_or_create(
                subdistrict=subdistrict, name=name, defaults={"description": text}
            )[0]
            for name, text in SCENARIOS
        }
        for neighbourhood in neighbourhoods:
            services.set_points_rule(
                actor=leader,
                area=neighbourhood,
                points_per_hour=rng.choice([10, 10, 12]),
                points_per_deed=rng.choice([5, 5, 10]),
                daily_cap=60,
                monthly_cap=300,
                expiry_days=rng.choice([None, 365]),
            )
        units = list(Organization.objects.filter(subdistrict=subdistrict).order_by("pk"))
        party_units = [o for o in units if o.kind == OrganizationKind.PARTY_ORGANIZATION] or units[:3]
        teams = {
            n.pk: Team.objects.create(subdistrict=subdistrict, area=n, name=f"{n.name}志愿服务队")
            for n in neighbourhoods
        }
        residents = list(
            Resident.objects.filter(
                subdistrict=subdistrict, moved_out_on__isnull=True, birth_date__isnull=False
            )
            .select_related("area")
            .order_by("pk")
        )
        adults = [r for r in residents if 18 <= (r.age(today) or 0) <= 78]
        rng.shuffle(adults)
        volunteers = []
        for index in range(per_subdistrict):
            phone_number += 1
            resident = adults[index] if index < len(adults) and rng.random() < 0.7 else None
            area = next(
                (n for n in neighbourhoods if resident and resident.area.path.startswith(n.path)), None
            )
            area = area or rng.choice(neighbourhoods)
            manager = _manager_for(area, managers)
            if manager is None:
                continue
            party = rng.random() < 0.15
            try:
                volunteer = services.register_volunteer(
                    actor=manager,
                    area=area,
                    name=resident.name if resident else _name(rng),
                    phone=f"1390000{phone_number:04d}",
                    resident=resident,
                    organization=None if resident or not units else rng.choice(units),
                    skills=rng.sample(SKILLS, rng.choice([0, 1, 1, 2])),
                    talent=rng.random() < 0.12,
                    availability=rng.choice(["Sa,Su 09:00-12:00", "Mo-Fr 18:00-20:00", "", "Sa 14:00-17:00"]),
                    party_member=party,
                    party_unit=rng.choice(party_units) if party and party_units else None,
                    joined_on=today - dt.timedelta(days=rng.randrange(20, 1500)),
                )
            except DomainError:
                continue
            if rng.random() < 0.85:
                services.verify_volunteer(actor=manager, volunteer=volunteer, verified=True)
            volunteer.teams.add(teams[area.pk])
            if rng.random() < 0.3:
                for kind, title, note in rng.sample(CREDENTIALS, rng.choice([1, 1, 2])):
                    services.add_credential(
                        actor=manager,
                        volunteer=volunteer,
                        kind=kind,
                        title=title,
                        on=today - dt.timedelta(days=rng.randrange(10, 700)),
                        note=note,
                    )
            volunteers.append(volunteer)
        verified = [v for v in volunteers if v.verification == Verification.VERIFIED] or volunteers
        opportunities = signups = 0
        # Past activities over the last two months: sign-ups confirmed, scanned, verified, credited.
        for week in range(8, 0, -1):
            for scenario_name, title, place in rng.sample(ACTIVITIES, 3):
                area = rng.choice(neighbourhoods)
                manager = _manager_for(area, managers)
                starts = timezone.make_aware(
                    dt.datetime.combine(
                        today - dt.timedelta(days=7 * week + rng.randrange(0, 6)),
                        dt.time(rng.choice([9, 14, 18])),
                    )
                )
                created = starts - dt.timedelta(days=5)
                opportunity = services.create_opportunity(
                    actor=manager,
                    area=area,
                    scenario=scenarios[scenario_name],
                    title=title,
                    place=f"{area.name}{place}",
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(hours=rng.choice([2, 2, 3])),
                    slots=rng.choice([4, 6, 8]),
                    organiser=rng.choice(units) if units and rng.random() < 0.4 else None,
                )
                opportunities += 1
                for volunteer in rng.sample(verified, min(len(verified), rng.randrange(3, 9))):
                    signup = services.apply(volunteer=volunteer, opportunity=opportunity, now=created)
                    signup = services.act(actor=manager, signup=signup, action="confirm", now=created)
                    signups += 1
                    if signup.state != "confirmed":
                        continue
                    if rng.random() < 0.08:
                        services.act(actor=manager, signup=signup, action="no_show", now=opportunity.ends_at)
                        continue
                    arrive = starts + dt.timedelta(minutes=rng.randrange(-20, 15))
                    leave = opportunity.ends_at + dt.timedelta(minutes=rng.randrange(-25, 20))
                    services.check_in(volunteer=volunteer, code=opportunity.code, now=arrive)
                    services.check_out(
                        volunteer=volunteer,
                        code=opportunity.code,
                        travel_minutes=rng.choice([0, 0, 10, 20]),
                        now=leave,
                    )
                    if rng.random() < 0.9:
                        services.act(actor=manager, signup=signup, action="verify", now=leave)
                        services.act(
                            actor=manager, signup=signup, action="credit", now=leave + dt.timedelta(hours=2)
                        )
                opportunity.state = "closed"
                opportunity.save(update_fields=["state"])
        # Upcoming activities, open for sign-up.
        for days, (scenario_name, title, place) in zip(
            [1, 2, 4, 6, 9], rng.sample(ACTIVITIES, 5), strict=False
        ):
            area = rng.choice(neighbourhoods)
            starts = timezone.make_aware(
                dt.datetime.combine(today + dt.timedelta(days=days), dt.time(rng.choice([9, 14])))
            )
            opportunity = services.create_opportunity(
                actor=_manager_for(area, managers),
                area=area,
                scenario=scenarios[scenario_name],
                title=title,
                place=f"{area.name}{place}",
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=2),
                slots=rng.choice([4, 6]),
            )
            opportunities += 1
            for volunteer in rng.sample(verified, min(len(verified), rng.randrange(1, 8))):
                signup = services.apply(volunteer=volunteer, opportunity=opportunity)
                if rng.random() < 0.7:
                    services.act(actor=_manager_for(area, managers), signup=signup, action="confirm")
        # Small good deeds: reported by a worker, most confirmed by a second person.
        reporters = _staff(subdistrict, VOLUNTEER_MANAGERS)
        for volunteer in rng.sample(volunteers, min(len(volunteers), 25)):
            reporter = _manager_for(volunteer.area, reporters)
            happened = today - dt.timedelta(days=rng.randrange(1, 40))
            deed = services.report_deed(
                actor=reporter, volunteer=volunteer, description=rng.choice(DEEDS), happened_on=happened
            )
            if rng.random() < 0.75:
                services.confirm_deed(
                    actor=leader,
                    deed=deed,
                    accept=rng.random() < 0.9,
                    now=timezone.make_aware(
                        dt.datetime.combine(happened + dt.timedelta(days=1), dt.time(10))
                    ),
                )
        # The shop and its redemptions (some handed over, some waiting, one cancelled).
        rewards = [
            services.create_reward(
                actor=leader,
                area=neighbourhoods[0],
                name=name,
                points=points,
                stock=stock,
                provider=rng.choice(units) if units and rng.random() < 0.5 else None,
            )
            for name, points, stock in REWARDS
        ]
        redeemed = 0
        for volunteer in volunteers:
            have = ledger.balance(volunteer)
            affordable = [r for r in rewards if r.points <= have]
            if affordable and rng.random() < 0.45:
                reward = rng.choice(affordable)
                try:
                    redemption = services.redeem(
                        volunteer=volunteer, reward=reward, now=now - dt.timedelta(days=rng.randrange(1, 10))
                    )
                except DomainError:
                    continue
                redeemed += 1
                roll = rng.random()
                if roll < 0.6:
                    services.fulfil_redemption(actor=leader, redemption=redemption)
                elif roll < 0.7:
                    services.cancel_redemption(redemption=redemption, actor=leader, note="居民改换其他物品")
        givers = [v for v in volunteers[:10] if ledger.balance(v) >= 5]
        if givers and len(volunteers) > 10:
            services.gift(giver=givers[0], receiver=volunteers[-1], points=5, note="感谢代班")
        # Last year's 在职党员双报到 summary, to the party organisations with an account here.
        summary = party_summaries.send_party_summaries(actor=leader, year=today.year - 1)
        if stdout:
            stdout.write(
                f"volunteers: {subdistrict.name} 志愿者 {len(volunteers)} 人，活动 {opportunities} 场，"
                f"报名 {signups} 人次，兑换 {redeemed} 次，党员年度汇总发送 {len(summary.sent)} 个党组织"
                f"（无账号 {len(summary.without_account)} 个）\n"
            )
