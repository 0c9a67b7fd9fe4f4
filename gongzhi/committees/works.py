"""The writes of works (维修/改造工程): one function per step of the works table
(transitions.WORKS_ACTIONS), each checking the permission, locking the works, moving it, writing
its step and the audit row in one transaction, and telling people after commit.

The price-review line (审价线) is settings.GONGZHI_COMMITTEE_PRICE_REVIEW_ABOVE (default ¥50,000):
a works whose budget is above it cannot be approved until a price review is recorded.

A works paid from the maintenance fund (专项维修资金) needs the owners' vote that decided it (a
closed, passed vote on a major matter) before it is approved or started, unless the deployment
turns that off (settings.GONGZHI_COMMITTEE_FUND_WORKS_NEED_VOTE, default True).

A change of budget after the review (变更签证) is a step of its own: the new amount, the reason and
the change order's name. A rise above the change line (settings.GONGZHI_COMMITTEE_CHANGE_REVIEW_ABOVE,
default the price-review line), or one that lifts a works never reviewed above the price-review
line, waits for a new price review (变更审价); until then the works is not approved, started or
paid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import audit
from gongzhi.accounts.models import User
from gongzhi.committees import transitions
from gongzhi.committees.models import (
    Committee,
    FundingSource,
    Matter,
    OwnersVote,
    Stage,
    VoteState,
    Works,
    WorksChange,
    WorksStatus,
    WorksStep,
)
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.core.events import DomainSignal
from gongzhi.registry.validators import FieldError

W = WorksStatus

# kwargs: works_id, action, status, subdistrict_id
works_changed = DomainSignal()

# A committee that does not (yet, or any more) exist cannot commission works.
NO_WORKS_STAGES = (Stage.NONE, Stage.PREPARATORY, Stage.FIRST_ASSEMBLY, Stage.DISSOLVED)
MAX_AMOUNT = Decimal("9999999999.99")


def price_review_above() -> Decimal:
    """The line above which a works needs a price review (审价) before it is approved."""
    return Decimal(str(getattr(settings, "GONGZHI_COMMITTEE_PRICE_REVIEW_ABOVE", 50000)))


def change_review_above() -> Decimal:
    """The rise of budget above which a change (变更签证) needs a new price review."""
    value = getattr(settings, "GONGZHI_COMMITTEE_CHANGE_REVIEW_ABOVE", None)
    return price_review_above() if value is None else Decimal(str(value))


def fund_works_need_vote() -> bool:
    return bool(getattr(settings, "GONGZHI_COMMITTEE_FUND_WORKS_NEED_VOTE", True))


def needs_price_review(amount: Decimal | None) -> bool:
    return amount is not None and amount > price_review_above()


def yuan(value: Decimal) -> str:
    return f"¥{value:,.2f}"


def money(value, field: str) -> Decimal:
    """A positive amount in yuan with at most two decimals (分)."""
    try:
        result = Decimal(str(value).replace(",", "").replace("，", "").strip())
    except (InvalidOperation, ValueError):
        raise FieldError(field, _("请填写有效的金额（元）。")) from None
    if not result.is_finite() or result <= 0:
        raise FieldError(field, _("金额须大于零。"))
    if result != result.quantize(Decimal("0.01")):
        raise FieldError(field, _("金额最多保留两位小数（分）。"))
    if result > MAX_AMOUNT:
        raise FieldError(field, _("金额过大，请核对。"))
    return result


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def _check_vote(committee: Committee, vote: OwnersVote | None, funding: str = "") -> None:
    if vote is None:
        return
    if vote.committee_id != committee.pk or vote.matter == Matter.ELECTION:
        raise FieldError("vote", _("请选择本业委会关于该工程的业主表决。"))
    if not (vote.state == VoteState.CLOSED and vote.result.get("passed")):
        raise FieldError("vote", _("所选业主表决未通过或尚未计票。"))
    if funding == FundingSource.MAINTENANCE_FUND and vote.matter != Matter.MAJOR:
        raise FieldError("vote", _("使用专项维修资金须经业主大会就重大事项表决通过，请选择重大事项表决。"))


def _require_fund_vote(works: Works, on: dt.date, step: str) -> None:
    """The owners' vote a maintenance-fund works needs before it is approved or started."""
    if works.funding != FundingSource.MAINTENANCE_FUND or not fund_works_need_vote():
        return
    if works.vote_id is None:
        raise DomainError(
            _("使用专项维修资金的工程须经业主大会表决通过，请先关联已通过的业主表决，方可%(step)s。")
            % {"step": step}
        )
    if works.vote.closes_on > on:
        raise FieldError("on", _("%(step)s日期不能早于业主表决截止日期。") % {"step": step})


def _refuse_while_change_pending(works: Works, step: str) -> None:
    if works.change_pending:
        raise DomainError(_("变更签证超过审价线，须先登记变更审价结果，方可%(step)s。") % {"step": step})


@transaction.atomic
def create_works(
    *,
    actor: User,
    committee: Committee,
    title: str,
    contractor: str,
    amount,
    funding: str,
    proposed_on: dt.date | None = None,
    vote: OwnersVote | None = None,
) -> Works:
    """A works proposed by the committee (budget, contractor, funding), status 已提出."""
    permissions.require(actor, "committee.works", committee)
    title = (title or "").strip()
    contractor = " ".join((contractor or "").split())
    if not title:
        raise FieldError("title", _("请填写工程名称。"))
    if not contractor:
        raise FieldError("contractor", _("请填写施工单位。"))
    value = money(amount, "amount")
    if funding not in FundingSource.values:
        raise FieldError("funding", _("请选择资金来源。"))
    committee = Committee.objects.select_for_update(of=("self",)).get(pk=committee.pk)
    if committee.stage in NO_WORKS_STAGES:
        raise DomainError(
            _("业委会当前阶段为“%(stage)s”，不能登记维修工程。") % {"stage": committee.get_stage_display()}
        )
    _check_vote(committee, vote, funding)
    on = _today(proposed_on)
    works = Works.objects.create(
        subdistrict_id=committee.subdistrict_id,
        area_id=committee.area_id,
        committee=committee,
        title=title[:120],
        contractor=contractor[:80],
        amount=value,
        funding=funding,
        proposed_on=on,
        vote=vote,
        created_by=actor,
    )
    WorksStep.objects.create(
        works=works, action="propose", from_status=W.PROPOSED, to_status=W.PROPOSED, on=on, actor=actor
    )
    audit.record(actor=actor, action="committee.works.propose", target=works, data={"amount": str(value)})
    return works


def _lock(works: Works) -> Works:
    return Works.objects.select_for_update(of=("self",)).select_related("committee").get(pk=works.pk)


def _move(
    works: Works,
    *,
    actor: User,
    action: str,
    on: dt.date,
    note: str = "",
    fields=(),
    data: dict | None = None,
) -> Works:
    """The lock is held by the caller, which has set `fields` on the works."""
    before = works.status
    works.status = transitions.works_target(before, action)
    works.save(update_fields=["status", "updated_at", *fields])
    WorksStep.objects.create(
        works=works,
        action=action,
        from_status=before,
        to_status=works.status,
        on=on,
        note=(note or "")[:300],
        actor=actor,
    )
    audit.record(
        actor=actor,
        action=f"committee.works.{action}",
        target=works,
        data={"from": before, "to": works.status, **(data or {})},
    )
    works_changed.send_on_commit(
        works_id=works.pk, action=action, status=works.status, subdistrict_id=works.subdistrict_id
    )
    return works


def _begin(actor: User, works: Works, action: str) -> Works:
    works = _lock(works)
    permissions.require(actor, transitions.WORKS_ACTIONS[action].permission, works)
    transitions.works_target(works.status, action)
    return works


@transaction.atomic
def review_price(
    *,
    actor: User,
    works: Works,
    firm: str,
    reviewed_amount,
    on: dt.date | None = None,
    note: str = "",
) -> Works:
    """审价: the price review's firm and the amount it found (审定金额)."""
    works = _begin(actor, works, "review_price")
    firm = " ".join((firm or "").split())
    if not firm:
        raise FieldError("firm", _("请填写审价机构。"))
    works.review_firm = firm[:80]
    works.reviewed_amount = money(reviewed_amount, "reviewed_amount")
    works.reviewed_on = _today(on)
    if works.reviewed_on < works.proposed_on:
        raise FieldError("on", _("审价日期不能早于工程提出日期。"))
    return _move(
        works,
        actor=actor,
        action="review_price",
        on=works.reviewed_on,
        note=note or f"{works.review_firm} {yuan(works.reviewed_amount)}",
        fields=["review_firm", "reviewed_amount", "reviewed_on"],
    )


@transaction.atomic
def approve(
    *, actor: User, works: Works, on: dt.date | None = None, vote: OwnersVote | None = None, note: str = ""
) -> Works:
    """批准: refused above the price-review line until a price review is recorded."""
    works = _begin(actor, works, "approve")
    line = price_review_above()
    if works.amount > line and works.reviewed_on is None:
        raise DomainError(
            _("工程预算 %(amount)s 超过审价线 %(line)s，须先登记审价结果，方可批准。")
            % {"amount": yuan(works.amount), "line": yuan(line)}
        )
    _refuse_while_change_pending(works, _("批准"))
    if vote is not None:
        _check_vote(works.committee, vote, works.funding)
        works.vote = vote
    works.approved_on = _today(on)
    if works.approved_on < (works.reviewed_on or works.proposed_on):
        raise FieldError("on", _("批准日期不能早于提出或审价日期。"))
    _require_fund_vote(works, works.approved_on, _("批准"))
    return _move(
        works, actor=actor, action="approve", on=works.approved_on, note=note, fields=["approved_on", "vote"]
    )


@transaction.atomic
def start(*, actor: User, works: Works, on: dt.date | None = None, note: str = "") -> Works:
    works = _begin(actor, works, "start")
    _refuse_while_change_pending(works, _("开工"))
    works.started_on = _today(on)
    if works.started_on < works.approved_on:
        raise FieldError("on", _("开工日期不能早于批准日期。"))
    _require_fund_vote(works, works.started_on, _("开工"))
    return _move(works, actor=actor, action="start", on=works.started_on, note=note, fields=["started_on"])


@transaction.atomic
def accept(*, actor: User, works: Works, on: dt.date | None = None, note: str = "") -> Works:
    """完工验收."""
    works = _begin(actor, works, "accept")
    works.accepted_on = _today(on)
    if works.accepted_on < works.started_on:
        raise FieldError("on", _("验收日期不能早于开工日期。"))
    return _move(works, actor=actor, action="accept", on=works.accepted_on, note=note, fields=["accepted_on"])


@transaction.atomic
def pay(*, actor: User, works: Works, paid_amount=None, on: dt.date | None = None, note: str = "") -> Works:
    """结算付款: at most the amount after the latest change, else the reviewed amount, else the
    approved budget."""
    works = _begin(actor, works, "pay")
    _refuse_while_change_pending(works, _("结算付款"))
    ceiling = works.ceiling
    value = ceiling if paid_amount in (None, "") else money(paid_amount, "paid_amount")
    if value > ceiling:
        raise FieldError(
            "paid_amount",
            _("结算金额 %(paid)s 超过%(what)s %(ceiling)s，超出部分须重新审价。")
            % {
                "paid": yuan(value),
                "what": _("变更后金额")
                if works.changed_amount
                else _("审定金额")
                if works.reviewed_amount
                else _("批准预算"),
                "ceiling": yuan(ceiling),
            },
        )
    works.paid_amount = value
    works.paid_on = _today(on)
    if works.paid_on < works.accepted_on:
        raise FieldError("on", _("付款日期不能早于验收日期。"))
    return _move(
        works,
        actor=actor,
        action="pay",
        on=works.paid_on,
        note=note or yuan(value),
        fields=["paid_amount", "paid_on"],
    )


@transaction.atomic
def drop(*, actor: User, works: Works, on: dt.date | None = None, note: str = "") -> Works:
    works = _begin(actor, works, "drop")
    if len((note or "").strip()) < 2:
        raise FieldError("note", _("请写明撤销原因。"))
    return _move(works, actor=actor, action="drop", on=_today(on), note=note.strip())


def _last_step_on(works: Works) -> dt.date:
    return works.steps.order_by("-on").values_list("on", flat=True).first() or works.proposed_on


@transaction.atomic
def change_budget(
    *,
    actor: User,
    works: Works,
    amount,
    reason: str,
    attachment_name: str,
    on: dt.date | None = None,
) -> WorksChange:
    """变更签证: a new budget after the review, with its reason and change order. A rise above the
    change line, or past the price-review line for a works never reviewed, waits for 变更审价."""
    works = _begin(actor, works, "change_budget")
    if works.change_pending:
        raise DomainError(_("上一项变更签证尚待审价，不能再登记变更。"))
    after = money(amount, "amount").quantize(Decimal("0.01"))
    reason = " ".join((reason or "").split())
    attachment_name = " ".join((attachment_name or "").split())
    if len(reason) < 2:
        raise FieldError("reason", _("请写明变更原因。"))
    if not attachment_name:
        raise FieldError("attachment_name", _("请填写变更签证单的名称或编号。"))
    before = works.ceiling
    if after == before:
        raise FieldError(
            "amount", _("变更后金额与现金额 %(amount)s 相同，无须变更。") % {"amount": yuan(before)}
        )
    day = _today(on)
    if day < _last_step_on(works):
        raise FieldError("on", _("变更日期不能早于工程上一步的日期。"))
    reviewed = works.reviewed_on is not None or works.changes.filter(reviewed_on__isnull=False).exists()
    review = (after - before) > change_review_above() or (not reviewed and needs_price_review(after))
    change = WorksChange.objects.create(
        works=works,
        on=day,
        amount_before=before,
        amount_after=after,
        reason=reason[:300],
        attachment_name=attachment_name[:120],
        needs_review=review,
        actor=actor,
    )
    if review:
        works.change_pending = True
        fields = ["change_pending"]
    else:
        works.changed_amount = after
        fields = ["changed_amount"]
    note = _("变更签证 %(before)s → %(after)s（%(file)s）：%(reason)s") % {
        "before": yuan(before),
        "after": yuan(after),
        "file": change.attachment_name,
        "reason": change.reason,
    }
    if review:
        note += _("；须重新审价")
    _move(
        works,
        actor=actor,
        action="change_budget",
        on=day,
        note=note,
        fields=fields,
        data={"before": str(before), "after": str(after), "needs_review": review, "change": change.pk},
    )
    return change


@transaction.atomic
def review_change(
    *, actor: User, works: Works, firm: str, reviewed_amount, on: dt.date | None = None, note: str = ""
) -> Works:
    """变更审价: the new price review of the change waiting for one; its amount becomes the budget."""
    works = _begin(actor, works, "review_change")
    change = (
        WorksChange.objects.select_for_update()
        .filter(works=works, needs_review=True, reviewed_on__isnull=True)
        .first()
    )
    if change is None or not works.change_pending:
        raise DomainError(_("没有待审价的变更签证。"))
    firm = " ".join((firm or "").split())
    if not firm:
        raise FieldError("firm", _("请填写审价机构。"))
    change.review_firm = firm[:80]
    change.reviewed_amount = money(reviewed_amount, "reviewed_amount")
    change.reviewed_on = _today(on)
    if change.reviewed_on < change.on:
        raise FieldError("on", _("变更审价日期不能早于变更日期。"))
    change.save(update_fields=["review_firm", "reviewed_amount", "reviewed_on"])
    works.changed_amount = change.reviewed_amount
    works.change_pending = False
    return _move(
        works,
        actor=actor,
        action="review_change",
        on=change.reviewed_on,
        note=note or f"{change.review_firm} {yuan(change.reviewed_amount)}",
        fields=["changed_amount", "change_pending"],
        data={"change": change.pk, "reviewed_amount": str(change.reviewed_amount)},
    )


def act(*, actor: User, works: Works, action: str, data: dict | None = None) -> Works:
    """One step of the works table by its code, with its inputs (the pages' and the API's entry)."""
    data = data or {}
    on, note = data.get("on"), data.get("note", "")
    if action == "review_price":
        return review_price(
            actor=actor,
            works=works,
            firm=data.get("firm", ""),
            reviewed_amount=data.get("reviewed_amount"),
            on=on,
            note=note,
        )
    if action == "approve":
        return approve(actor=actor, works=works, on=on, vote=data.get("vote"), note=note)
    if action == "change_budget":
        change_budget(
            actor=actor,
            works=works,
            amount=data.get("amount"),
            reason=data.get("reason") or note,
            attachment_name=data.get("attachment_name", ""),
            on=on,
        )
        return Works.objects.get(pk=works.pk)
    if action == "review_change":
        return review_change(
            actor=actor,
            works=works,
            firm=data.get("firm", ""),
            reviewed_amount=data.get("reviewed_amount"),
            on=on,
            note=note,
        )
    if action == "pay":
        return pay(actor=actor, works=works, paid_amount=data.get("paid_amount"), on=on, note=note)
    simple = {"start": start, "accept": accept, "drop": drop}
    if action not in simple:
        raise DomainError(_("未知的操作。"))
    return simple[action](actor=actor, works=works, on=on, note=note)
