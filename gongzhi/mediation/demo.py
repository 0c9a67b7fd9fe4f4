"""Demo disputes: a year of people's mediation in each subdistrict — noise, leaks between floors,
shared space, pets, an inherited dwelling — at every step: waiting for acceptance, in mediation
(one overdue), agreed and under follow-up, held after three months (with the signed scan, the
application for judicial confirmation and the court's ruling), broken, failed and referred."""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import TextIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from gongzhi.accounts.models import User
from gongzhi.mediation import agreements, services
from gongzhi.mediation.models import AgreementForm, CourtResult, PartyRole, Performance, Referral, Source
from gongzhi.registry.models import Resident
from gongzhi.territory.models import Area, AreaKind

STORIES = [
    (
        "leak",
        "楼上卫生间漏水致楼下天花板发霉",
        "楼上卫生间防水层老化，楼下天花板渗水发霉，双方对维修费用分担有分歧。",
        "楼上住户于一个月内重做卫生间防水，并承担楼下天花板修复费用 2800 元。",
    ),
    (
        "noise",
        "夜间装修噪声扰民",
        "邻居晚上九点后仍在装修电钻作业，影响老人和孩子休息，多次沟通无果。",
        "装修方承诺仅在工作日 8:00–12:00、14:00–18:00 施工，并向邻居致歉。",
    ),
    (
        "shared_space",
        "楼道堆放杂物占用公共空间",
        "住户在楼道长期堆放旧家具和纸板，邻居担心消防安全，双方发生口角。",
        "堆物方于一周内清理楼道杂物，楼组长每月巡查一次。",
    ),
    (
        "pets",
        "犬只未拴绳惊吓老人",
        "住户遛狗不拴绳，犬只扑向楼下老人致其摔倒擦伤，双方对医药费赔偿有争议。",
        "犬主赔偿医药费 650 元，今后遛狗一律拴绳并及时清理粪便。",
    ),
    (
        "inheritance",
        "父母遗留房屋的继承分配",
        "兄妹三人对父母遗留的公房承租权和居住安排意见不一，老二一家现居住其中。",
        "承租人变更为老二，老二分三年向兄妹各支付补偿款，兄妹放弃居住权。",
    ),
    (
        "neighbours",
        "空调外机噪声和滴水",
        "新装空调外机正对邻居卧室窗户，夜间噪声大且滴水到邻居晾衣架。",
        "外机移位至北侧墙面，加装排水管，费用由安装方承担。",
    ),
    (
        "property",
        "地下车库漏水车辆受损",
        "业主认为物业未及时处理车库漏水导致车辆受损，要求赔偿，物业认为属不可抗力。",
        "物业一次性补偿 1500 元并于两周内完成车库防水维修。",
    ),
    (
        "tenancy",
        "群租退租押金纠纷",
        "租客提前退租，二房东以房屋损坏为由扣留全部押金，租客不认可。",
        "二房东退还押金 3000 元中的 2200 元，双方就损坏部分各自承担一半。",
    ),
]
# The step each demo dispute is left at, and how many days ago it was applied for.
PLAN = [
    ("applied", 1),
    ("applied", 6),
    ("accepted", 8),
    ("mediating", 12),
    ("mediating", 40),  # past its one-month term: on the overdue list
    ("agreed", 25),
    ("agreed", 60),
    ("held", 130),
    ("held", 200),
    ("held", 260),
    ("broken", 150),
    ("failed", 70),
    ("declined", 30),
    ("withdrawn", 45),
]
PLACES = ["居民区人民调解工作室", "党群服务站议事厅", "楼组长家中", "小区物业办公室"]


def _staff(subdistrict: Area, group: str) -> list[User]:
    users = User.objects.filter(is_active=True, groups__name=group, scope__path__startswith=subdistrict.path)
    return list(users.select_related("scope").distinct().order_by("username"))


@transaction.atomic
def seed(*, rng: random.Random, subdistricts: list[Area], stdout: TextIO | None = None) -> None:
    now = timezone.now()
    for subdistrict in subdistricts:
        mediators = _staff(subdistrict, "neighbourhood")
        registrars = _staff(subdistrict, "gridworker") + mediators
        leaders = _staff(subdistrict, "leader")
        if not mediators or not leaders:
            if stdout:
                stdout.write(f"mediation: {subdistrict.name} 没有居委或领导账号，跳过\n")
            continue
        made = 0
        for i, (step, days_ago) in enumerate(PLAN):
            mediator = mediators[i % len(mediators)]
            estates = Area.objects.filter(path__startswith=mediator.scope.path, kind=AreaKind.ESTATE)
            area = rng.choice(list(estates)) if estates.exists() else mediator.scope
            residents = list(
                Resident.objects.filter(area__path__startswith=area.path, moved_out_on=None)[:40]
            )
            kind, title, matter, terms = STORIES[i % len(STORIES)]
            if len(residents) >= 2:
                a, b = rng.sample(residents, 2)
                parties = [
                    services.PartySpec(role=PartyRole.APPLICANT, resident=a),
                    services.PartySpec(role=PartyRole.RESPONDENT, resident=b),
                ]
            else:
                parties = [
                    services.PartySpec(role=PartyRole.APPLICANT, name="周玉芬", phone="13817265544"),
                    services.PartySpec(role=PartyRole.RESPONDENT, name="顾文斌", phone="13601928833"),
                ]
            applied = now - dt.timedelta(days=days_ago, hours=rng.randrange(1, 6))
            registrar = next((u for u in registrars if area.path.startswith(u.scope.path)), mediator)
            dispute = services.register_dispute(
                actor=registrar,
                area=area,
                kind=kind,
                title=title,
                matter=matter,
                parties=parties,
                source=rng.choice([Source.APPLICATION, Source.APPLICATION, Source.INITIATIVE]),
                now=applied,
            )
            made += 1
            if step == "applied":
                continue
            if step == "declined":
                services.decline_dispute(
                    dispute=dispute,
                    actor=mediator,
                    reason="被申请人明确拒绝调解，已告知其他解决途径。",
                    now=applied,
                )
                continue
            accepted = applied + dt.timedelta(hours=20)
            services.accept_dispute(dispute=dispute, actor=mediator, now=accepted)
            if step == "accepted":
                continue
            if step == "withdrawn":
                services.withdraw_dispute(
                    dispute=dispute, actor=mediator, reason="双方已自行和解。", now=accepted
                )
                continue
            session_at = accepted + dt.timedelta(days=3)
            services.record_session(
                dispute=dispute,
                actor=mediator,
                held_at=session_at,
                place=rng.choice(PLACES),
                attendees="双方当事人、调解员、楼组长",
                summary="听取双方陈述，现场查看情况，释法说理，双方初步表达和解意向。",
                now=session_at,
            )
            if step == "mediating":
                continue
            if step == "failed":
                services.fail_dispute(
                    dispute=dispute,
                    actor=mediator,
                    reason="双方对赔偿金额分歧过大，调解不成。",
                    referral=Referral.CIRCUIT_COURT,
                    now=session_at + dt.timedelta(days=7),
                )
                continue
            signed = session_at + dt.timedelta(days=4)
            services.record_session(
                dispute=dispute,
                actor=mediator,
                held_at=signed,
                place=rng.choice(PLACES),
                attendees="双方当事人、调解员",
                summary="双方就协议内容逐条确认。",
                now=signed,
            )
            services.sign_agreement(
                dispute=dispute,
                actor=mediator,
                terms=terms,
                signed_on=timezone.localdate(signed),
                signed_by="双方当事人",
                form=AgreementForm.WRITTEN,
                perform_by=timezone.localdate(signed) + dt.timedelta(days=30),
                now=signed,
            )
            if step == "held":
                _paperwork(dispute, mediator, signed, rng)
            first = signed + dt.timedelta(days=15)
            if first < now:
                services.record_follow_up(
                    dispute=dispute,
                    actor=mediator,
                    on=timezone.localdate(first),
                    performance=Performance.PERFORMING,
                    note="电话回访，协议正在履行。",
                    now=first,
                )
            if step in ("held", "broken"):
                check = signed + dt.timedelta(days=92)
                services.record_follow_up(
                    dispute=dispute,
                    actor=mediator,
                    on=timezone.localdate(check),
                    performance=Performance.PERFORMED if step == "held" else Performance.NOT_PERFORMED,
                    note="上门回访，协议已全部履行，双方关系缓和。"
                    if step == "held"
                    else "上门回访，赔偿款未支付。",
                    now=check,
                )
                if step == "held":
                    services.close_held(dispute=dispute, actor=mediator, now=check)
                else:
                    services.report_broken(
                        dispute=dispute,
                        actor=mediator,
                        reason="一方未按协议支付赔偿款，已引导申请司法确认后强制执行。",
                        referral=Referral.LITIGATION,
                        now=check,
                    )
        if stdout:
            stdout.write(f"mediation: {subdistrict.name} 矛盾纠纷 {made} 件\n")


def _paperwork(dispute, mediator, signed: dt.datetime, rng: random.Random) -> None:
    """The signed page scanned the same day, the joint application for judicial confirmation a
    week later and the court's ruling two weeks after that."""
    agreements.upload_scan(
        dispute=dispute, actor=mediator, upload=_scan(), now=signed + dt.timedelta(hours=1)
    )
    applied = signed + dt.timedelta(days=7)
    services.apply_confirmation(
        dispute=dispute, actor=mediator, applied_on=timezone.localdate(applied), now=applied
    )
    decided = applied + dt.timedelta(days=14)
    agreements.record_court_result(
        dispute=dispute,
        actor=mediator,
        result=CourtResult.CONFIRMED,
        decided_on=timezone.localdate(decided),
        case_number=f"（{decided.year}）沪0101民特{rng.randrange(100, 999)}号",
        now=decided,
    )


def _scan() -> SimpleUploadedFile:
    """A plain page with lines of text and two signatures, as a phone photographs it."""
    image = Image.new("RGB", (420, 594), (252, 252, 248))
    draw = ImageDraw.Draw(image)
    for y in range(60, 460, 24):
        draw.line((40, y, 380, y), fill=(90, 90, 90), width=2)
    draw.line((60, 520, 160, 505), fill=(20, 20, 120), width=3)
    draw.line((260, 515, 360, 500), fill=(20, 20, 120), width=3)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return SimpleUploadedFile("协议签字页.jpg", buffer.getvalue(), content_type="image/jpeg")
