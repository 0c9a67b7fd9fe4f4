"""Demo insight: this week's and last week's grid meeting reports (last week's frozen, with a
decision), the interaction index of the last three months. Runs after every other app's demo
(insight is the top layer), reading what they made."""

from __future__ import annotations

import datetime as dt
import random
from typing import TextIO

from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.insight import index, reports
from gongzhi.insight.models import WeeklyReport
from gongzhi.insight.periods import monday_of
from gongzhi.territory.models import Area, AreaKind


def _editor(grid: Area) -> User | None:
    """The grid's own worker, else the subdistrict's dispatcher (whoever runs the meeting)."""
    for role, scope in (("gridworker", grid), ("dispatcher", grid.subdistrict)):
        user = (
            User.objects.filter(groups__name=role, scope=scope, is_active=True).order_by("username").first()
        )
        if user is not None:
            return user
    return None


def seed(*, rng: random.Random, subdistricts: list[Area], stdout: TextIO) -> None:
    # The planted cases first, so that the reports and the index computed below include them.
    planted = plant(rng=rng, subdistricts=subdistricts)
    now = timezone.now()
    this_week = monday_of(timezone.localdate())
    last_week = this_week - dt.timedelta(days=7)
    made = frozen = 0
    for subdistrict in subdistricts:
        for grid in Area.objects.filter(path__startswith=subdistrict.path, kind=AreaKind.GRID).order_by(
            "path"
        ):
            editor = _editor(grid)
            recent, older = this_week, last_week
            earliest = (
                WeeklyReport.objects.filter(area=grid)
                .order_by("week_start")
                .values_list("week_start", flat=True)
                .first()
            )
            if earliest is not None:  # a second run (the query walk grows the demo): the two weeks before
                recent, older = earliest - dt.timedelta(days=7), earliest - dt.timedelta(days=14)
            old = reports.generate_report(grid=grid, week_start=older, now=now)
            if editor is not None:
                reports.edit_agenda(
                    report=old,
                    actor=editor,
                    agenda="一、上周决定落实情况\n二、超时工单逐件过堂\n三、二级会商事项",
                )
                reports.freeze_report(report=old, actor=editor, now=now)
                frozen += 1
            reports.generate_report(grid=grid, week_start=recent, now=now)
            made += 2
        month = timezone.localdate().replace(day=1)
        for _back in range(3):
            index.compute_month(subdistrict, month, now=now)
            month = (month - dt.timedelta(days=1)).replace(day=1)
    stdout.write(f"  insight: {made} weekly reports ({frozen} frozen), interaction index for 3 months\n")
    scan(subdistricts=subdistricts, planted=planted, stdout=stdout)


# ---------------------------------------------------------------- planted anomalies (智慧监督)
# Each planted finding is written down (PlantedAnomaly) so the alerts page can show, per rule,
# how many alerts the rule raised and how many of them were planted. Ordinary demo data raises
# alerts too (its replies come from a short list of stock phrases; unsatisfied ratings reopen
# cases): those are real findings on synthetic data, not planted, and counted as such.
PLANTED_REPLY = "经多次上门协调，业主已同意于本周内自行拆除违规搭建的雨棚，居委会将持续跟进并拍照留存。"


class _Planter:
    def __init__(self, subdistrict: Area, now, rng: random.Random) -> None:
        from gongzhi.accounts.models import Unit
        from gongzhi.cases.models import Category

        self.subdistrict, self.now, self.rng = subdistrict, now, rng
        self.dispatcher = _role_user("dispatcher", subdistrict)
        self.category = (
            Category.objects.filter(code="1602").first()
            or Category.objects.filter(parent__isnull=False, active=True).order_by("code").first()
        )
        # A point inside a building's outline: the case service finds its area from the point.
        building = (
            Area.objects.filter(path__startswith=subdistrict.path, kind=AreaKind.BUILDING)
            .exclude(boundary=None)
            .order_by("code", "name")  # not the path: it holds row ids, which differ from run to run
            .first()
        )
        self.area, self.point = subdistrict, None
        if building is not None:
            from shapely.geometry import shape

            inside = shape(building.boundary).representative_point()
            self.area, self.point = building, (inside.y, inside.x)
        # The first unit replies, so it must be a handler's unit with the whole subdistrict in scope.
        handling = list(
            Unit.objects.filter(
                active=True,
                members__groups__name="handler",
                members__scope=subdistrict,
                members__is_active=True,
            )
            .distinct()
            .order_by("pk")[:4]
        )
        others = Unit.objects.filter(area__path__startswith=subdistrict.path, active=True).exclude(
            pk__in=[u.pk for u in handling]
        )
        self.units = (handling + list(others.order_by("pk")[:3]))[:4] if handling else []
        self.count = 0

    def plant(self, rule: str, key: str, note: str) -> None:
        from gongzhi.insight.models import PlantedAnomaly

        PlantedAnomaly.objects.get_or_create(
            rule=rule, key=key, defaults={"subdistrict": self.subdistrict, "note": note}
        )
        self.count += 1

    def case(
        self, *, hours_ago: float, address: str = "", phone: str = "13800000000", actor=None, source="web"
    ):
        from gongzhi.cases import services

        return services.create_case(
            actor=actor,
            category=self.category,
            title="楼道堆物影响通行",
            description="楼道内长期堆放纸箱和旧家具，消防通道被占用。",
            source=source,
            area=None if self.point else self.area,
            lat=self.point[0] if self.point else None,
            lng=self.point[1] if self.point else None,
            address=address,
            reporter_phone=phone if actor is None else "",
            reporter_name="居民" if actor is None else "",
            now=self.now - dt.timedelta(hours=hours_ago),
        )

    def through(
        self, case, *, start_hours_ago: float, step_hours: float, note: str, reply: str = "已清理完毕。"
    ):
        """Accept, assign, reply, verify and close, one step apart."""
        from gongzhi.cases import services

        unit = self.units[0]
        member = User.objects.filter(unit=unit, is_active=True, groups__name="handler").order_by("pk").first()
        t = self.now - dt.timedelta(hours=start_hours_ago)
        step = dt.timedelta(hours=step_hours)
        case = services.accept_case(case=case, actor=self.dispatcher, now=t)
        case = services.assign_case(case=case, actor=self.dispatcher, tier=1, unit=unit, now=t + step)
        case = services.reply_case(case=case, actor=member, text=reply, now=t + 2 * step)
        case = services.verify_case(
            case=case, actor=self.dispatcher, passed=True, note=note, now=t + 3 * step
        )
        return services.close_case(case=case, actor=self.dispatcher, now=t + 4 * step)

    def all(self) -> None:
        from gongzhi.cases import services

        if self.dispatcher is None or self.category is None or len(self.units) < 3:
            return
        if not User.objects.filter(unit=self.units[0], is_active=True).exists():
            return
        # 1: the same address and category four times in nine days.
        address = f"{self.area.name}7号楼楼道"
        first = None
        for days in (9, 6, 3, 1):
            made = self.case(hours_ago=24 * days, address=address)
            first = first or made
        self.plant(
            "repeat_address", f"{self.category.pk}|{address}|{first.number}", "同一楼道 9 天内反映 4 次"
        )
        # 2: verified with no site word, no photo, no visit, taking days.
        case = self.through(self.case(hours_ago=200), start_hours_ago=199, step_hours=20, note="已办结。")
        self.plant("no_site_evidence", str(case.pk), "核查意见只有“已办结”")
        # 3: closed 40 minutes after dispatch (with a site word, so rule 2 does not fire).
        case = self.through(
            self.case(hours_ago=50), start_hours_ago=49, step_hours=0.2, note="现场复核已整改。"
        )
        self.plant("closed_too_fast", str(case.pk), "派遣后 40 分钟结案")
        # 4: rated unsatisfied twice.
        case = self.through(
            self.case(hours_ago=300), start_hours_ago=299, step_hours=10, note="现场复核已整改。"
        )
        case = services.rate_case(
            case=case, rating="unsatisfied", solved=False, now=self.now - dt.timedelta(hours=240)
        )
        member = User.objects.filter(unit=case.assigned_unit, is_active=True, groups__name="handler").first()
        t = self.now - dt.timedelta(hours=230)
        case = services.reply_case(case=case, actor=member, text="再次清理。", now=t)
        case = services.verify_case(
            case=case, actor=self.dispatcher, passed=True, note="现场复核。", now=t + dt.timedelta(hours=5)
        )
        case = services.close_case(case=case, actor=self.dispatcher, now=t + dt.timedelta(hours=6))
        case = services.rate_case(
            case=case, rating="unsatisfied", solved=False, now=t + dt.timedelta(hours=30)
        )
        self.plant("reopened", str(case.pk), "两次不满意，两次重新打开")
        # 5: assigned to four units in turn (three reassignments).
        case = self.case(hours_ago=100)
        for i, unit in enumerate([self.units[0], self.units[1], self.units[2], self.units[1]]):
            case = services.assign_case(
                case=case,
                actor=self.dispatcher,
                tier=1,
                unit=unit,
                now=self.now - dt.timedelta(hours=99 - 5 * i),
            )
        self.plant("bounced", str(case.pk), "三次改派")
        # 7: the same unusual reply on two cases of different addresses.
        pair = [
            self.through(
                self.case(hours_ago=hours),
                start_hours_ago=hours - 1,
                step_hours=6,
                note="现场复核。",
                reply=PLANTED_REPLY,
            )
            for hours in (150, 140)
        ]
        self.plant("copied_replies", min(c.number for c in pair), "两件工单反馈一字不差")
        # 8: a dispatcher files a hotline case and closes it himself.
        case = self.through(
            self.case(hours_ago=80, actor=self.dispatcher, source="hotline"),
            start_hours_ago=79,
            step_hours=5,
            note="电话回访。",
        )
        self.plant("same_hands", f"{case.pk}|close", "调度员本人登记并结案")
        # 12: a rating given from a grid worker's own phone.
        staff = _role_user("gridworker", None, under=self.subdistrict)
        if staff is not None and staff.phone:
            case = self.through(
                self.case(hours_ago=60, phone=staff.phone),
                start_hours_ago=59,
                step_hours=5,
                note="现场复核。",
            )
            services.rate_case(
                case=case, rating="satisfied", solved=True, now=self.now - dt.timedelta(hours=30)
            )
            self.plant("staff_ratings", str(case.pk), "网格员用自己的手机号好评")
        # 10: a neighbourhood secretary reveals fifteen ID numbers in one day.
        self._reveals()
        # 9: a neighbourhood worker gives five volunteers deed points between 23:00 and 23:04.
        self._night_points()
        # 11: an owners' committee's works split into three under the price-review line.
        self._split_works()

    def _split_works(self) -> None:
        from gongzhi.committees import works as works_services
        from gongzhi.committees.models import Committee, Stage
        from gongzhi.insight.sources.committees_rules import contractor_key

        leader = _role_user("leader", self.subdistrict)
        committee = (
            Committee.objects.filter(subdistrict=self.subdistrict, stage=Stage.IN_TERM)
            .order_by("area__code", "name")
            .first()
        )
        if leader is None or committee is None:
            return
        contractor = "上海顺达建筑装饰工程有限公司"
        today = timezone.localdate()
        made = [
            works_services.create_works(
                actor=leader,
                committee=committee,
                title=title,
                contractor=contractor,
                amount=amount,
                funding="maintenance_fund",
                proposed_on=today - dt.timedelta(days=ago),
            )
            for title, amount, ago in (
                ("1号楼外墙渗水修补", "18000.00", 55),
                ("2号楼外墙渗水修补", "19500.00", 34),
                ("3号楼外墙渗水修补", "16800.00", 9),
            )
        ]
        self.plant(
            "works_split",
            f"{committee.pk}|{contractor_key(contractor)}|{made[0].pk}",
            "同一施工单位 46 天内三项外墙修补，每项低于审价线，合计 ¥54,300",
        )

    def _night_points(self) -> None:
        from gongzhi.volunteers import ledger
        from gongzhi.volunteers.models import Volunteer

        user = _role_user("neighbourhood", None, under=self.subdistrict)
        volunteers = list(Volunteer.objects.filter(subdistrict=self.subdistrict).order_by("name", "pk")[:5])
        if user is None or len(volunteers) < 5:
            return
        night = (timezone.localtime(self.now) - dt.timedelta(days=1)).replace(
            hour=23, minute=0, second=0, microsecond=0
        )
        for minute, volunteer in enumerate(volunteers):
            ledger.post(
                volunteer=volunteer,
                points=5,
                kind="deed",
                reason="协助整理楼道（补记）",
                actor=user,
                at=night + dt.timedelta(minutes=minute),
            )
        self.plant(
            "points_bunching", f"night|{user.pk}|{night:%G-W%V}", "深夜 23 点连续给 5 名志愿者记善举积分"
        )

    def _reveals(self) -> None:
        from gongzhi.core.errors import DomainError
        from gongzhi.registry import services as registry_services
        from gongzhi.registry.models import Resident

        user = _role_user("neighbourhood", None, under=self.subdistrict)
        if user is None:
            return
        residents = list(
            Resident.objects.filter(area__path__startswith=user.scope.path).exclude(id_number_hash="")[:15]
        )
        if len(residents) < 12:
            return
        try:
            for resident in residents:
                registry_services.reveal(
                    actor=user, obj=resident, field="id_number", reason="核对低保申请材料"
                )
        except DomainError:
            return
        self.plant("unusual_reveals", f"{user.pk}|{self.now:%G-W%V}", "一天内查看 15 个完整身份证号")


def _role_user(role: str, scope: Area | None, *, under: Area | None = None) -> User | None:
    users = User.objects.filter(groups__name=role, is_active=True)
    users = (
        users.filter(scope=scope) if scope is not None else users.filter(scope__path__startswith=under.path)
    )
    return users.order_by("username").first()


def plant(*, rng: random.Random, subdistricts: list[Area]) -> int:
    now = timezone.now()
    planted = 0
    for subdistrict in subdistricts:
        planter = _Planter(subdistrict, now, rng)
        planter.all()
        planted += planter.count
    return planted


def scan(*, subdistricts: list[Area], planted: int, stdout: TextIO) -> None:
    from gongzhi.insight import supervision

    found = sum(sum(supervision.scan(subdistrict=s).found.values()) for s in subdistricts)
    stdout.write(f"  insight: {planted} planted anomalies, {found} supervision alerts\n")
