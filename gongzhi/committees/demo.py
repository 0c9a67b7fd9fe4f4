"""Demo owners' committees: every estate of each subdistrict gets a committee record at a
different step of the lifecycle (from none to dissolved), one with its renewal due, one overdue,
an election vote counted by the double majority, an annual audit with findings, and works with
their amounts (one above the price-review line waiting for its 审价, one reviewed and under way,
others paid). Runs after
the registry demo (it takes owners and areas from its dwellings)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.committees import services, transitions
from gongzhi.committees import works as works_services
from gongzhi.committees.models import Committee, MemberRole
from gongzhi.registry.models import Dwelling, Organization, OrganizationKind
from gongzhi.territory.models import Area, AreaKind

# The step each estate's committee is left at, in estate order (cycled).
PLAN = [
    "in_term",
    "renewal_due",
    "preparatory",
    "first_assembly",
    "elected",
    "filed",
    "overdue_report",
    "election_group",
    "audited",
    "handover",
    "by_election",
    "none",
    "dissolved",
]
FIRMS = ["上海立信会计师事务所", "上海众华会计师事务所", "上海沪港金茂会计师事务所"]
FINDINGS = [
    ("公共收益未按季度公布", "按季度在小区公告栏和线上公示公共收益收支", None),
    ("维修资金使用未经价格评审", "补做价格评审并公示结果", Decimal("68500.00")),
    ("业委会印章使用无登记", "建立印章使用登记簿", None),
]


def _leader(subdistrict: Area) -> User | None:
    return (
        User.objects.filter(is_active=True, groups__name="leader", scope=subdistrict).order_by("pk").first()
    )


def _members(estate: Area, rng: random.Random, n: int, on: dt.date) -> list[services.MemberSpec]:
    owners = list(
        Dwelling.objects.filter(area__path__startswith=estate.path).exclude(owner_name="").order_by("pk")[:40]
    )
    rng.shuffle(owners)
    specs = []
    for i in range(n):
        home = owners[i] if i < len(owners) else None
        specs.append(
            services.MemberSpec(
                name=home.owner_name if home else f"业主{i + 1}",
                dwelling=home,
                role=MemberRole.DIRECTOR if i == 0 else (MemberRole.DEPUTY if i == 1 else MemberRole.MEMBER),
                party_member=rng.random() < 0.5,
                cross_post=i == 2,
                pledge_signed_on=on - dt.timedelta(days=20),
                not_employed_by_manager=True,
                no_illegal_building=True,
                no_structural_damage=True,
                no_illegal_letting=True,
            )
        )
    return specs


def _first_term(actor, committee, rng, elected_on: dt.date, *, stop: str = "in_term") -> None:
    services.advance(
        actor=actor, committee=committee, action="form_preparatory", on=elected_on - dt.timedelta(days=120)
    )
    if stop == "preparatory":
        return
    services.advance(
        actor=actor,
        committee=committee,
        action="convene_first_assembly",
        on=elected_on - dt.timedelta(days=14),
    )
    if stop == "first_assembly":
        return
    services.elect(
        actor=actor, committee=committee, on=elected_on, members=_members(committee.area, rng, 5, elected_on)
    )
    if stop == "elected":
        return
    services.file(actor=actor, committee=committee, on=elected_on + dt.timedelta(days=12))
    if stop == "filed":
        return
    services.advance(
        actor=actor, committee=committee, action="start_term", on=elected_on + dt.timedelta(days=15)
    )
    services.record_meeting(actor=actor, committee=committee, on=elected_on + dt.timedelta(days=40))


def _election_vote(actor, committee, rng, today: dt.date) -> None:
    vote = services.open_vote(
        actor=actor,
        committee=committee,
        title=f"{committee.area.name}第二届业主委员会选举",
        matter="election",
        opens_on=today - dt.timedelta(days=20),
        closes_on=today - dt.timedelta(days=5),
    )
    homes = list(services.eligible_dwellings(committee.area).exclude(owner_name=""))
    for home in homes:
        if rng.random() < 0.9:
            services.cast_ballot(
                actor=actor,
                vote=vote,
                dwelling=home,
                voter_name=home.owner_name,
                choice=rng.choices(["for", "against", "abstain"], weights=[85, 10, 5])[0],
                on=today - dt.timedelta(days=rng.randrange(5, 20)),
            )
    return services.close_vote(actor=actor, vote=vote)


@transaction.atomic
def seed(*, rng: random.Random, subdistricts: list[Area], stdout: TextIO | None = None) -> None:
    today = timezone.localdate()
    made = 0
    for subdistrict in subdistricts:
        actor = _leader(subdistrict)
        if actor is None:
            continue
        estates = list(
            Area.objects.filter(path__startswith=subdistrict.path, kind=AreaKind.ESTATE).order_by(
                "code", "name"
            )
        )
        managers = list(
            Organization.objects.filter(subdistrict=subdistrict, kind=OrganizationKind.PROPERTY_MANAGER)
        )
        for index, estate in enumerate(estates):
            plan = PLAN[index % len(PLAN)]
            if Committee.objects.filter(area=estate).exists():
                continue  # a second run of the seed: one committee per estate, through all its terms
            committee = services.create_committee(
                actor=actor,
                area=estate,
                seats=5,
                property_manager=rng.choice(managers) if managers else None,
                contract_ends_on=today + dt.timedelta(days=rng.randrange(60, 900)),
            )
            made += 1
            if plan == "none":
                continue
            if plan in ("preparatory", "first_assembly", "elected", "filed"):
                _first_term(actor, committee, rng, today - dt.timedelta(days=rng.randrange(3, 9)), stop=plan)
                continue
            if plan == "in_term":
                _first_term(actor, committee, rng, today - dt.timedelta(days=400 + 30 * index))
                _audit(actor, committee, rng, today, findings=index == 0)
                _works(actor, committee, today, full=index == 0)
                continue
            if plan == "by_election":
                _first_term(actor, committee, rng, today - dt.timedelta(days=700))
                for member in services.active_members(services.current_term(committee))[:3]:
                    member.left_on = today - dt.timedelta(days=rng.randrange(20, 90))
                    member.save(update_fields=["left_on"])
                services.start_by_election(actor=actor, committee=committee, on=today - dt.timedelta(days=10))
                continue
            if plan == "dissolved":
                _first_term(actor, committee, rng, today - dt.timedelta(days=900))
                services.advance(
                    actor=actor, committee=committee, action="dissolve", on=today - dt.timedelta(days=30)
                )
                continue
            # a first term that ends within the next few months
            ends_in = {"renewal_due": 130, "overdue_report": 120}.get(plan, 20)
            elected_on = transitions.add_months(today + dt.timedelta(days=ends_in), -60)
            _first_term(actor, committee, rng, elected_on)
            if plan == "overdue_report":
                continue  # the report was due 5 months before the term ends: overdue
            report_on = transitions.renewal_report_due(services.current_term(committee).ends_on)
            services.advance(
                actor=actor,
                committee=committee,
                action="report_renewal",
                on=min(report_on, today) - dt.timedelta(days=3),
            )
            if plan == "renewal_due":
                services.record_written_request(
                    actor=actor, committee=committee, on=today - dt.timedelta(days=10)
                )
                continue
            services.form_election_group(
                actor=actor,
                committee=committee,
                on=today - dt.timedelta(days=90),
                members=["居委书记", "业主代表"],
            )
            if plan == "election_group":
                continue
            services.record_audit(
                actor=actor,
                committee=committee,
                kind="renewal",
                year=today.year,
                firm=rng.choice(FIRMS),
                done_on=today - dt.timedelta(days=40),
            )
            if plan == "audited":
                continue
            vote = _election_vote(actor, committee, rng, today)
            if vote.result.get("passed"):
                services.elect(
                    actor=actor,
                    committee=committee,
                    on=today - dt.timedelta(days=4),
                    members=_members(estate, rng, 5, today),
                    vote=vote,
                )
                services.hand_over(actor=actor, committee=committee, on=today - dt.timedelta(days=1))
    if stdout:
        stdout.write(f"committees: {made} 个业委会\n")


def _audit(actor, committee, rng, today: dt.date, *, findings: bool) -> None:
    record = services.record_audit(
        actor=actor,
        committee=committee,
        kind="annual",
        year=today.year - 1,
        firm=rng.choice(FIRMS),
        done_on=today - dt.timedelta(days=rng.randrange(20, 200)),
    )
    if findings:
        for text, remedy, amount in FINDINGS:
            services.add_finding(
                actor=actor,
                audit_record=record,
                text=text,
                remedy=remedy,
                amount=amount,
                due_on=today + dt.timedelta(days=rng.randrange(-10, 60)),
            )


# (title, contractor, amount, funding, days ago proposed, how far it got, reviewed amount)
WORKS = [
    ("3号楼屋面防水修缮", "上海恒固防水工程有限公司", "38600.00", "maintenance_fund", 160, "paid", None),
    (
        "小区雨污水管道改造",
        "上海市政管网工程有限公司",
        "186500.00",
        "maintenance_fund",
        120,
        "in_progress",
        "172300.00",
    ),
    ("地下车库LED照明改造", "上海明亮电气工程有限公司", "26800.00", "public_income", 40, "approved", None),
    ("单元门禁系统更新", "上海安居智能科技有限公司", "68000.00", "public_income", 12, "proposed", None),
]
REVIEW_FIRM = "上海建科工程造价咨询有限公司"
ORDER = ["proposed", "price_reviewed", "approved", "in_progress", "accepted", "paid"]


def _works(actor, committee, today: dt.date, *, full: bool) -> None:
    """The first in-term committee gets every kind of works; the others one small paid repair."""
    rows = WORKS if full else WORKS[:1]
    for title, contractor, amount, funding, ago, until, reviewed in rows:
        on = today - dt.timedelta(days=ago)
        vote = None
        if funding == "maintenance_fund":
            vote = _fund_vote(actor, committee, title, on)
            if vote is None:
                funding = "public_income"
        works = works_services.create_works(
            actor=actor,
            committee=committee,
            title=title,
            contractor=contractor,
            amount=amount,
            funding=funding,
            proposed_on=on,
            vote=vote,
        )
        reach = ORDER.index(until)
        if reviewed:
            on += dt.timedelta(days=10)
            works = works_services.review_price(
                actor=actor, works=works, firm=REVIEW_FIRM, reviewed_amount=reviewed, on=on
            )
        steps = [("approve", 7), ("start", 10), ("accept", 45), ("pay", 14)]
        for (action, gap), status in zip(steps, ORDER[2:], strict=True):
            if ORDER.index(status) > reach:
                break
            on += dt.timedelta(days=gap)
            works = works_services.act(actor=actor, works=works, action=action, data={"on": on})
        if title in CHANGES and works.status == "in_progress":
            amount_after, reason, order = CHANGES[title]
            works_services.change_budget(
                actor=actor,
                works=works,
                amount=amount_after,
                reason=reason,
                attachment_name=order,
                on=on + dt.timedelta(days=20),
            )


# 变更签证 of a works under way (a rise under the change line: it takes effect at once)
CHANGES = {
    "小区雨污水管道改造": (
        "180900.00",
        "3号楼北侧增设检查井两座、更换破损雨水管18米",
        "变更签证单 BG-2026-003",
    ),
}


def _fund_vote(actor, committee, title: str, proposed_on: dt.date):
    """The owners' vote on a major matter that spending the maintenance fund needs (most owners
    for); None where the estate has no owners on record."""
    homes = list(services.eligible_dwellings(committee.area).exclude(owner_name=""))
    if not homes:
        return None
    opens_on = proposed_on - dt.timedelta(days=30)
    vote = services.open_vote(
        actor=actor,
        committee=committee,
        title=f"关于使用专项维修资金实施{title}的表决",
        matter="major",
        opens_on=opens_on,
        closes_on=proposed_on - dt.timedelta(days=5),
    )
    for index, home in enumerate(homes):
        if index % 10 == 9:  # one owner in ten does not vote
            continue
        services.cast_ballot(
            actor=actor,
            vote=vote,
            dwelling=home,
            voter_name=home.owner_name,
            choice="against" if index % 10 == 4 else "for",
            on=opens_on + dt.timedelta(days=index % 20),
        )
    vote = services.close_vote(actor=actor, vote=vote)
    return vote if vote.result.get("passed") else None
