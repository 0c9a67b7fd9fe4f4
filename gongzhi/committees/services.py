"""Every write of owners' committees: one function per action, each checking the permission,
locking the committee, moving it through the one action table (transitions.py), writing the
step and the audit row in the same transaction, and telling people after commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import audit
from gongzhi.accounts.models import User
from gongzhi.cases.photos import checked_content
from gongzhi.committees import counting, transitions, works
from gongzhi.committees.models import (
    Audit,
    AuditKind,
    Ballot,
    Choice,
    Committee,
    Finding,
    Matter,
    Member,
    MemberRole,
    OwnersVote,
    Stage,
    Step,
    Term,
    VoteState,
)
from gongzhi.core import rules as permissions
from gongzhi.core.errors import Conflict, DomainError
from gongzhi.core.events import DomainSignal
from gongzhi.registry.models import Dwelling, Organization
from gongzhi.registry.validators import FieldError
from gongzhi.territory.models import Area, AreaKind

S = Stage

# kwargs: committee_id, action, stage, subdistrict_id
committee_changed = DomainSignal()
# kwargs: vote_id, passed, subdistrict_id
vote_closed = DomainSignal()


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def _lock(committee: Committee) -> Committee:
    return Committee.objects.select_for_update(of=("self",)).select_related("area").get(pk=committee.pk)


def current_term(committee: Committee) -> Term | None:
    return committee.terms.order_by("-number").first()


def _due_for(committee: Committee, stage: str, on: dt.date) -> dt.date | None:
    term = current_term(committee)
    if stage == S.ELECTED:
        renewal = term is not None and term.number > 1
        return transitions.ends_after(on, "handover" if renewal else "filing")
    if stage == S.HANDOVER and term is not None:
        return transitions.ends_after(term.elected_on, "filing")
    if stage == S.IN_TERM and term is not None:
        return transitions.renewal_report_due(term.ends_on)
    if stage == S.RENEWAL_DUE:
        if committee.written_request_on:
            return transitions.ends_after(committee.written_request_on, "election_group")
        return term.ends_on if term else None
    if stage in (S.ELECTION_GROUP, S.AUDITED) and term is not None:
        return term.ends_on
    if stage == S.BY_ELECTION:
        return transitions.ends_after(on, "election_group")
    return None


def _move(committee: Committee, *, actor: User | None, action: str, on: dt.date, note: str = "") -> Committee:
    """Lock is held by the caller. Moves the stage, sets its due date, writes the step."""
    if actor is not None:
        permissions.require(actor, transitions.ACTIONS[action].permission, committee)
    before = committee.stage
    after = transitions.target(before, action)
    committee.stage = after
    committee.stage_since = on
    committee.due_on = _due_for(committee, after, on)
    committee.save(update_fields=["stage", "stage_since", "due_on", "updated_at"])
    Step.objects.create(
        committee=committee,
        action=action,
        from_stage=before,
        to_stage=after,
        on=on,
        due_on=committee.due_on,
        note=(note or "")[:300],
        actor=actor,
    )
    audit.record(
        actor=actor, action=f"committee.{action}", target=committee, data={"from": before, "to": after}
    )
    committee_changed.send_on_commit(
        committee_id=committee.pk, action=action, stage=after, subdistrict_id=committee.subdistrict_id
    )
    return committee


@transaction.atomic
def create_committee(
    *,
    actor: User,
    area: Area,
    name: str = "",
    seats: int = 5,
    term_years: int = 5,
    property_manager: Organization | None = None,
    contract_ends_on: dt.date | None = None,
    residents_committee: Organization | None = None,
) -> Committee:
    """Register a property-management area (an estate) whose committee is to be formed."""
    permissions.require(actor, "committee.manage", area)
    if area.kind != AreaKind.ESTATE:
        raise FieldError("area", _("物业管理区域须为一个小区。"))
    if seats not in (5, 7, 9, 11):
        raise FieldError("seats", _("委员人数须为 5 至 11 人的单数。"))
    if not 3 <= term_years <= 5:
        raise FieldError("term_years", _("每届任期为 3 至 5 年。"))
    if Committee.objects.filter(area=area).exclude(stage=S.DISSOLVED).exists():
        raise Conflict(_("该小区已有业委会记录。"))
    committee = Committee.objects.create(
        subdistrict_id=area.subdistrict_id,
        area=area,
        name=(name or "").strip()[:80] or _("%(estate)s业主委员会") % {"estate": area.name},
        seats=seats,
        term_years=term_years,
        property_manager=property_manager,
        contract_ends_on=contract_ends_on,
        residents_committee=residents_committee,
    )
    audit.record(actor=actor, action="committee.create", target=committee, data={"area": area.pk})
    return committee


@transaction.atomic
def advance(
    *, actor: User, committee: Committee, action: str, on: dt.date | None = None, note: str = ""
) -> Committee:
    """A lifecycle step that needs nothing but its date and a note (see ACTIONS). Steps with
    their own data (elect, hand_over, file, record_audit …) have their own functions."""
    if action in ("elect", "file", "hand_over", "start_by_election", "form_election_group"):
        raise DomainError(_("该步骤需要填写更多信息。"))
    committee = _lock(committee)
    return _move(committee, actor=actor, action=action, on=_today(on), note=note)


def active_members(term: Term | None) -> list[Member]:
    return [] if term is None else [m for m in term.members.all() if m.left_on is None]


def below_half(committee: Committee) -> bool:
    return len(active_members(current_term(committee))) * 2 < committee.seats


def idle(committee: Committee, on: dt.date) -> bool:
    last = committee.last_meeting_on or committee.stage_since
    return last is not None and transitions.add_months(last, transitions.IDLE_MONTHS) <= on


@transaction.atomic
def start_by_election(
    *, actor: User, committee: Committee, on: dt.date | None = None, note: str = ""
) -> Committee:
    committee = _lock(committee)
    transitions.target(committee.stage, "start_by_election")
    if not below_half(committee):
        raise DomainError(_("在任委员不少于半数时不需补选。"))
    return _move(committee, actor=actor, action="start_by_election", on=_today(on), note=note)


@transaction.atomic
def form_election_group(
    *, actor: User, committee: Committee, on: dt.date | None = None, members: list[str] = (), note: str = ""
) -> Committee:
    """换届改选小组: at renewal, or early (members below half, or 6 months without a meeting)."""
    committee = _lock(committee)
    transitions.target(committee.stage, "form_election_group")
    on = _today(on)
    if committee.stage in (S.IN_TERM, S.BY_ELECTION) and not (below_half(committee) or idle(committee, on)):
        raise DomainError(_("提前换届须在任委员不足半数或连续六个月未开展工作。"))
    names = [n.strip() for n in members if n and n.strip()]
    text = note or (_("小组成员：") + "、".join(names) if names else "")
    return _move(committee, actor=actor, action="form_election_group", on=on, note=text)


@transaction.atomic
def record_written_request(*, actor: User, committee: Committee, on: dt.date) -> Committee:
    """Owners asked in writing for the renewal: the election group is due within 60 days."""
    permissions.require(actor, "committee.manage", committee)
    committee = _lock(committee)
    committee.written_request_on = on
    if committee.stage == S.RENEWAL_DUE:
        committee.due_on = transitions.ends_after(on, "election_group")
    committee.save(update_fields=["written_request_on", "due_on", "updated_at"])
    audit.record(
        actor=actor, action="committee.written_request", target=committee, data={"on": on.isoformat()}
    )
    return committee


@dataclass
class MemberSpec:
    name: str
    role: str = MemberRole.MEMBER
    dwelling: Dwelling | None = None
    party_member: bool = False
    cross_post: bool = False
    pledge_signed_on: dt.date | None = None
    not_employed_by_manager: bool = False
    no_illegal_building: bool = False
    no_structural_damage: bool = False
    no_illegal_letting: bool = False


@transaction.atomic
def elect(
    *,
    actor: User,
    committee: Committee,
    on: dt.date,
    members: list[MemberSpec],
    vote: OwnersVote | None = None,
) -> Term:
    """The owners' assembly elected a committee: a new term starts the day after the election
    and lasts the committee's term. Every member must pass the eligibility checks."""
    committee = _lock(committee)
    permissions.require(actor, "committee.manage", committee)
    transitions.target(committee.stage, "elect")
    if vote is not None:
        if vote.committee_id != committee.pk or vote.matter != Matter.ELECTION:
            raise FieldError("vote", _("请选择本业委会的选举表决。"))
        if not (vote.state == VoteState.CLOSED and vote.result.get("passed")):
            raise FieldError("vote", _("选举表决未通过，不能产生业委会。"))
    if not members:
        raise FieldError("members", _("请填写当选委员。"))
    if len(members) > committee.seats:
        raise FieldError("members", _("当选委员超过名额（%(n)d 人）。") % {"n": committee.seats})
    if len(members) * 2 <= committee.seats:
        raise FieldError("members", _("当选委员须超过名额的半数。"))
    for spec in members:
        member = Member(**{k: v for k, v in spec.__dict__.items()})
        if not spec.name.strip():
            raise FieldError("members", _("委员姓名不能为空。"))
        if not member.eligible:
            raise FieldError("members", _("%(name)s 未通过资格审查或未签署书面承诺。") % {"name": spec.name})
        if spec.dwelling is not None and not spec.dwelling.area.path.startswith(committee.area.path):
            raise FieldError("members", _("%(name)s 不是本小区业主。") % {"name": spec.name})
    if sum(1 for s in members if s.role == MemberRole.DIRECTOR) != 1:
        raise FieldError("members", _("须有且只有一名主任。"))
    previous = current_term(committee)
    number = previous.number + 1 if previous else 1
    starts_on = max(on + dt.timedelta(days=1), previous.ends_on + dt.timedelta(days=1) if previous else on)
    term = Term.objects.create(
        committee=committee,
        number=number,
        elected_on=on,
        starts_on=starts_on,
        ends_on=transitions.add_months(starts_on, 12 * committee.term_years) - dt.timedelta(days=1),
    )
    Member.objects.bulk_create([Member(term=term, **spec.__dict__) for spec in members])
    committee.written_request_on = None
    committee.save(update_fields=["written_request_on"])
    _move(committee, actor=actor, action="elect", on=on, note=_("第%(n)d届") % {"n": number})
    return term


@transaction.atomic
def hand_over(*, actor: User, committee: Committee, on: dt.date | None = None, note: str = "") -> Committee:
    committee = _lock(committee)
    transitions.target(committee.stage, "hand_over")
    term = current_term(committee)
    if term is None or term.number == 1:
        raise DomainError(_("首届业委会无需移交，请直接备案。"))
    on = _today(on)
    term.handed_over_on = on
    term.save(update_fields=["handed_over_on"])
    return _move(committee, actor=actor, action="hand_over", on=on, note=note)


@transaction.atomic
def file(*, actor: User, committee: Committee, on: dt.date | None = None, note: str = "") -> Committee:
    committee = _lock(committee)
    transitions.target(committee.stage, "file")
    term = current_term(committee)
    if committee.stage == S.ELECTED and term is not None and term.number > 1:
        raise DomainError(_("换届后须先完成印章、档案移交，再备案。"))
    on = _today(on)
    term.filed_on = on
    term.save(update_fields=["filed_on"])
    return _move(committee, actor=actor, action="file", on=on, note=note)


@transaction.atomic
def record_meeting(*, actor: User, committee: Committee, on: dt.date) -> Committee:
    permissions.require(actor, "committee.manage", committee)
    committee = _lock(committee)
    committee.last_meeting_on = max(filter(None, [committee.last_meeting_on, on]))
    committee.save(update_fields=["last_meeting_on", "updated_at"])
    return committee


# --- owners' votes ---------------------------------------------------------------------------


def eligible_dwellings(area: Area):
    """The dwellings whose owners vote: every dwelling of the area with a recorded floor area."""
    return Dwelling.objects.filter(area__path__startswith=area.path, floor_area__gt=0)


@transaction.atomic
def open_vote(
    *,
    actor: User,
    committee: Committee,
    title: str,
    matter: str,
    opens_on: dt.date,
    closes_on: dt.date,
    quorum: str | None = None,
    pass_share: str | None = None,
    pass_strict: bool | None = None,
) -> OwnersVote:
    permissions.require(actor, "committee.vote", committee)
    title = (title or "").strip()
    if not title:
        raise FieldError("title", _("请填写表决事项。"))
    if matter not in Matter.values:
        raise FieldError("matter", _("请选择事项类别。"))
    if closes_on < opens_on:
        raise FieldError("closes_on", _("截止日期不能早于开始日期。"))
    default_quorum, default_share, default_strict = counting.thresholds_for(matter)
    quorum = quorum or default_quorum
    pass_share = pass_share or default_share
    counting.parse_share(quorum)
    counting.parse_share(pass_share)
    base = eligible_dwellings(committee.area).aggregate(area=Sum("floor_area"))
    count = eligible_dwellings(committee.area).count()
    if not count:
        raise DomainError(_("该小区没有登记建筑面积的房屋，无法确定业主表决的基数。"))
    vote = OwnersVote.objects.create(
        subdistrict_id=committee.subdistrict_id,
        area=committee.area,
        committee=committee,
        title=title[:120],
        matter=matter,
        opens_on=opens_on,
        closes_on=closes_on,
        eligible_area=base["area"],
        eligible_count=count,
        quorum=quorum,
        pass_share=pass_share,
        pass_strict=default_strict if pass_strict is None else pass_strict,
        created_by=actor,
    )
    audit.record(actor=actor, action="committee.open_vote", target=vote, data={"matter": matter})
    return vote


def _decimal(value, field: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise FieldError(field, _("请填写有效的面积。")) from None
    if not result.is_finite() or result <= 0:
        raise FieldError(field, _("面积须大于零。"))
    return result


def cast_ballot(
    *,
    actor: User,
    vote: OwnersVote,
    dwelling: Dwelling,
    voter_name: str,
    choice: str,
    floor_area=None,
    paper: bool = False,
    photo=None,
    on: dt.date | None = None,
) -> Ballot:
    """Record one owner's ballot (entered by staff; a paper ballot needs its photo). One ballot
    per dwelling: when two people enter the same dwelling at once, exactly one is kept."""
    try:
        with transaction.atomic():
            return _cast(actor, vote, dwelling, voter_name, choice, floor_area, paper, photo, _today(on))
    except IntegrityError:
        raise Conflict(_("该户已投票，不能重复投票。")) from None


def _cast(actor, vote, dwelling, voter_name, choice, floor_area, paper, photo, on) -> Ballot:
    vote = OwnersVote.objects.select_for_update(of=("self",)).select_related("area").get(pk=vote.pk)
    permissions.require(actor, "committee.vote", vote)
    if vote.state != VoteState.OPEN:
        raise DomainError(_("表决已结束计票，不能再投票。"))
    if not vote.opens_on <= on <= vote.closes_on:
        raise DomainError(_("不在表决期间（%(a)s 至 %(b)s）。") % {"a": vote.opens_on, "b": vote.closes_on})
    if not dwelling.area.path.startswith(vote.area.path):
        raise FieldError("dwelling", _("该房屋不在本物业管理区域内。"))
    if not dwelling.floor_area:
        raise FieldError("dwelling", _("该房屋未登记建筑面积，请先核实房屋信息。"))
    name = (voter_name or "").strip()
    if not name or name != (dwelling.owner_name or "").strip():
        raise FieldError("voter_name", _("投票人“%(name)s”不是该房屋登记的业主。") % {"name": name or "—"})
    if choice not in Choice.values:
        raise FieldError("choice", _("请选择同意、反对或弃权。"))
    area = dwelling.floor_area if floor_area in (None, "") else _decimal(floor_area, "floor_area")
    if area > dwelling.floor_area:
        raise FieldError(
            "floor_area",
            _("填写的面积 %(a)s㎡ 超过该房屋登记的建筑面积 %(b)s㎡。")
            % {"a": area, "b": dwelling.floor_area},
        )
    if paper and not photo:
        raise FieldError("photo", _("纸质选票须上传照片。"))
    photo = checked_content(photo)  # type from the bytes, re-encoded, EXIF GPS dropped
    if Ballot.objects.filter(vote=vote, dwelling=dwelling).exists():
        raise Conflict(_("该户已投票，不能重复投票。"))
    ballot = Ballot(
        vote=vote,
        dwelling=dwelling,
        voter_name=name,
        floor_area=area,
        choice=choice,
        paper=paper,
        entered_by=actor,
    )
    if photo:
        ballot.photo = photo
    ballot.save()
    return ballot


def tally_of(vote: OwnersVote) -> counting.Tally:
    ballots = [(counting.cents(a), c) for a, c in vote.ballots.values_list("floor_area", "choice")]
    return counting.tally(
        eligible_area=counting.cents(vote.eligible_area),
        eligible_count=vote.eligible_count,
        ballots=ballots,
        quorum=counting.parse_share(vote.quorum),
        pass_share=counting.parse_share(vote.pass_share),
        pass_strict=vote.pass_strict,
    )


@transaction.atomic
def close_vote(*, actor: User, vote: OwnersVote) -> OwnersVote:
    vote = OwnersVote.objects.select_for_update().get(pk=vote.pk)
    permissions.require(actor, "committee.vote", vote)
    if vote.state != VoteState.OPEN:
        raise DomainError(_("该表决已计票。"))
    vote.result = tally_of(vote).as_dict()
    vote.state = VoteState.CLOSED
    vote.save(update_fields=["result", "state", "updated_at"])
    audit.record(
        actor=actor, action="committee.close_vote", target=vote, data={"passed": vote.result["passed"]}
    )
    vote_closed.send_on_commit(
        vote_id=vote.pk, passed=vote.result["passed"], subdistrict_id=vote.subdistrict_id
    )
    return vote


# --- audits ------------------------------------------------------------------------------------


@transaction.atomic
def record_audit(
    *,
    actor: User,
    committee: Committee,
    kind: str,
    year: int,
    firm: str = "",
    done_on: dt.date | None = None,
) -> Audit:
    """An audit done (annual, renewal or departure). A renewal audit moves an election group on.
    The committee is locked first, so two staff registering the same annual audit: one wins."""
    permissions.require(actor, "committee.audit", committee)
    if kind not in AuditKind.values:
        raise FieldError("kind", _("请选择审计类型。"))
    done_on = _today(done_on)
    if not isinstance(year, int) or not 1990 <= year <= done_on.year:
        raise FieldError("year", _("请填写有效的审计年度。"))
    if kind == AuditKind.ANNUAL and year >= done_on.year:
        raise FieldError("year", _("年度审计针对已结束的自然年度。"))
    committee = _lock(committee)
    if kind == AuditKind.ANNUAL and committee.audits.filter(kind=kind, year=year).exists():
        raise Conflict(_("%(year)d 年度审计已登记。") % {"year": year})
    record = Audit.objects.create(
        subdistrict_id=committee.subdistrict_id,
        area=committee.area,
        committee=committee,
        kind=kind,
        year=year,
        firm=(firm or "").strip()[:80],
        done_on=done_on,
    )
    if kind == AuditKind.RENEWAL and committee.stage == S.ELECTION_GROUP:
        _move(committee, actor=actor, action="record_audit", on=done_on, note=record.firm)
    audit.record(actor=actor, action="committee.audit", target=record, data={"kind": kind, "year": year})
    return record


@transaction.atomic
def add_finding(
    *, actor: User, audit_record: Audit, text: str, due_on: dt.date, remedy: str = "", amount=None
) -> Finding:
    permissions.require(actor, "committee.audit", audit_record)
    text = (text or "").strip()
    if not text:
        raise FieldError("text", _("请填写审计发现的问题。"))
    if due_on is None:
        raise FieldError("due_on", _("请填写整改期限。"))
    if audit_record.done_on and due_on < audit_record.done_on:
        raise FieldError("due_on", _("整改期限不能早于审计完成日期。"))
    value = None if amount in (None, "") else works.money(amount, "amount")
    finding = Finding.objects.create(
        audit=audit_record,
        text=text[:300],
        remedy=(remedy or "").strip()[:300],
        amount=value,
        due_on=due_on,
    )
    audit.record(actor=actor, action="committee.finding", target=finding, data={"audit": audit_record.pk})
    return finding


@transaction.atomic
def remedy_finding(*, actor: User, finding: Finding, on: dt.date | None = None) -> Finding:
    finding = Finding.objects.select_for_update(of=("self",)).select_related("audit").get(pk=finding.pk)
    permissions.require(actor, "committee.manage", finding.audit)
    if finding.remedied_on:
        raise DomainError(_("该问题已整改。"))
    finding.remedied_on = _today(on)
    finding.save(update_fields=["remedied_on"])
    return finding


def needs_price_review(finding: Finding) -> bool:
    """A finding about an amount above the price-review line (settings, default ¥50,000)."""
    return works.needs_price_review(finding.amount)
