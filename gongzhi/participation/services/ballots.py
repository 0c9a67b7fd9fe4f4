"""民生实事票决 (ballots on the year's community projects): staff set up a ballot with more
candidates than picks (差额), open it; each phone verified by a one-time code votes once for at
most `pick` candidates; at the close, paper ballots counted at the polling station are added per
candidate; the result ranks the candidates and recommends the first `pick` (票荐) — ties at the
line are named, not broken silently."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.cases import phonecodes
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.participation import selectors
from gongzhi.participation.models import (
    Ballot,
    BallotChoice,
    BallotOption,
    BallotStatus,
    BallotVote,
    Project,
    Suggestion,
)
from gongzhi.participation.services._base import (
    FieldError,
    entry,
    lock,
    move,
    next_ref,
    now_or,
    phone_digest,
    placed,
    text,
)
from gongzhi.registry import crypto
from gongzhi.territory.models import Area

MAX_OPTIONS = 30


def vote_purpose(ref: str) -> str:
    return f"participation:ballot:{ref}"


@transaction.atomic
def create_ballot(
    *,
    actor: User,
    area: Area,
    title: str,
    opens_on: dt.date,
    closes_on: dt.date,
    pick: int = 1,
    question: str = "",
    per_household: bool = False,
    budget_limit: str | Decimal | None = None,
    now: dt.datetime | None = None,
) -> Ballot:
    now = now_or(now)
    where = placed(area)
    permissions.require(actor, "participation.ballot.manage", area)
    title = text(title, "title", _("名称"), 80)
    if not isinstance(pick, int) or pick < 1 or pick > MAX_OPTIONS:
        raise FieldError("pick", _("每人最多选的项数应在 1 到 %(n)d 之间。") % {"n": MAX_OPTIONS})
    if opens_on is None or closes_on is None:
        raise FieldError("opens_on", _("请填写开始和截止日期。"))
    if closes_on < opens_on:
        raise FieldError("closes_on", _("截止日期不能早于开始日期。"))
    limit = _amount(budget_limit, "budget_limit", _("预算总额应为大于 0 的金额（元）。"))
    if limit is not None and limit <= 0:
        raise FieldError("budget_limit", _("预算总额应为大于 0 的金额（元）。"))
    if limit is not None:
        pick = MAX_OPTIONS  # a budget ballot is bounded by the budget, not by a count
    ballot = Ballot.objects.create(
        **where,
        ref=next_ref(area.subdistrict, "PJ", now),
        title=title,
        question=text(question, "question", _("说明"), 2000, required=False),
        pick=pick,
        per_household=bool(per_household),
        budget_limit=limit,
        opens_on=opens_on,
        closes_on=closes_on,
    )
    entry(ballot, "ballot", "create", actor=actor, after=ballot.status, note=title, public=False, now=now)
    return ballot


def _amount(value, field: str, message: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise FieldError(field, message) from exc
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        raise FieldError(field, message)
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def add_option(
    *,
    actor: User,
    ballot: Ballot,
    title: str,
    description: str = "",
    budget: str | Decimal | None = None,
    project: Project | None = None,
    suggestion: Suggestion | None = None,
    now: dt.datetime | None = None,
) -> BallotOption:
    """A candidate, while the ballot is being prepared (the list is fixed once voting opens)."""
    now = now_or(now)
    ballot = lock(ballot)
    permissions.require(actor, "participation.ballot.manage", ballot)
    if ballot.status != BallotStatus.DRAFT:
        raise DomainError(_("投票已开始，候选项目不能再改。"))
    if ballot.options.count() >= MAX_OPTIONS:
        raise FieldError("title", _("候选项目最多 %(n)d 个。") % {"n": MAX_OPTIONS})
    amount = _amount(budget, "budget", _("预算应为金额（元）。"))
    if ballot.is_budget and (amount is None or amount <= 0):
        raise FieldError("budget", _("预算票决的每个候选项目都要填写预算（元）。"))
    for linked in (project, suggestion):
        if linked is not None and linked.subdistrict_id != ballot.subdistrict_id:
            raise FieldError("project", _("关联的项目或建议不属于本街道。"))
    option = BallotOption.objects.create(
        ballot=ballot,
        title=text(title, "title", _("候选项目"), 80),
        description=text(description, "description", _("内容"), 2000, required=False),
        budget=amount,
        project=project,
        suggestion=suggestion,
        position=ballot.options.count() + 1,
    )
    entry(ballot, "ballot", "option", actor=actor, note=option.title, public=False, now=now)
    return option


@transaction.atomic
def act_on_ballot(*, actor: User, ballot: Ballot, action: str, now: dt.datetime | None = None) -> Ballot:
    """open / close / publish / cancel, through the action table (transitions.BALLOT)."""
    now = now_or(now)
    ballot = lock(ballot)
    if action == "open" and ballot.is_budget:
        costs = [o.budget or Decimal(0) for o in ballot.options.all()]
        if len(costs) < 2 or sum(costs) <= ballot.budget_limit:
            raise DomainError(
                _(
                    "预算票决：候选项目的预算合计（%(sum)s 元）须超过预算总额（%(limit)s 元），居民才需要取舍。"
                )
                % {"sum": sum(costs), "limit": ballot.budget_limit}
            )
        if timezone.localdate(now) > ballot.closes_on:
            raise DomainError(_("截止日期已过，请先修改日期。"))
    elif action == "open":
        options = ballot.options.count()
        if options <= ballot.pick:
            raise DomainError(
                _("差额票决：候选项目（现有 %(n)d 个）须多于每人可选的项数（%(pick)d）。")
                % {"n": options, "pick": ballot.pick}
            )
        if timezone.localdate(now) > ballot.closes_on:
            raise DomainError(_("截止日期已过，请先修改日期。"))
    move("ballot", ballot, action, actor=actor, now=now)
    fields = ["status", "updated_at"]
    if action == "publish":
        ballot.published_at = now
        fields.append("published_at")
    ballot.save(update_fields=fields)
    return ballot


def _household_digest(ballot: Ballot, phone: str) -> str:
    """The keyed hash of the one registry household in the ballot's area this phone belongs to;
    a phone of no household there, or of several, is refused (the polling station sorts it out)."""
    households = selectors.households_of_phone(phone, ballot.area)
    if not households:
        raise DomainError(
            _(
                "本次票决一户一票，这个手机号未登记在本辖区的住户中。请到居委会核对住户登记，或到投票点投纸质票。"
            ),
            code="no_household",
        )
    if len(households) > 1:
        raise DomainError(
            _("本次票决一户一票，这个手机号登记在不止一户，无法确定代表哪一户。请到居委会核对住户登记。"),
            code="several_households",
        )
    return crypto.blind_index(str(households[0]), kind="household")


def cast_vote(
    *, ballot: Ballot, phone: str, code: str, option_ids: list[int], now: dt.datetime | None = None
) -> BallotVote:
    """One vote per verified phone: at least one and at most `pick` of the ballot's candidates.
    A second vote from the same phone is refused and changes nothing (the unique constraint
    decides between two at once). In a per-household ballot the phone must belong to a registry
    household of the ballot's area, and a second phone of the same household is refused (a
    second unique constraint, on the household's keyed hash)."""
    now = now_or(now)
    phone = phonecodes.normalise_phone(phone)
    chosen = sorted({int(i) for i in option_ids if str(i).isdigit()})
    with transaction.atomic():
        ballot = lock(ballot)
        today = timezone.localdate(now)
        if ballot.status != BallotStatus.OPEN or not (ballot.opens_on <= today <= ballot.closes_on):
            raise DomainError(_("该票决当前不在投票期内。"))
        options = list(ballot.options.filter(pk__in=chosen))
        if not chosen:
            raise FieldError("options", _("请至少选择一个候选项目。"))
        if len(options) != len(chosen):
            raise FieldError("options", _("所选项目不属于本次票决。"))
        if ballot.is_budget:
            cost = sum((o.budget or Decimal(0)) for o in options)
            if cost > ballot.budget_limit:
                raise FieldError(
                    "options",
                    _("所选项目预算合计 %(cost)s 元，超过了本次票决的预算总额 %(limit)s 元，请少选或换选。")
                    % {"cost": cost, "limit": ballot.budget_limit},
                )
        elif len(options) > ballot.pick:
            raise FieldError("options", _("每人最多选 %(n)d 项。") % {"n": ballot.pick})
        if not phonecodes.verify_code(phone=phone, purpose=vote_purpose(ballot.ref), code=code, now=now):
            raise FieldError("code", _("验证码不正确或已过期，请重新获取。"))
        household = _household_digest(ballot, phone) if ballot.per_household else ""
        digest = phone_digest(phone)
        try:
            with transaction.atomic():
                vote = BallotVote.objects.create(
                    ballot=ballot, phone_digest=digest, household_digest=household, created_at=now
                )
        except IntegrityError as exc:
            if household and not BallotVote.objects.filter(ballot=ballot, phone_digest=digest).exists():
                raise DomainError(
                    _("本次票决一户一票：您家已有家庭成员投过票了，不能再投。"), code="household_voted"
                ) from exc
            raise DomainError(_("这个手机号已经投过票了，每人只能投一次。"), code="already_voted") from exc
        BallotChoice.objects.bulk_create(BallotChoice(vote=vote, option=o) for o in options)
        BallotOption.objects.filter(pk__in=[o.pk for o in options]).update(votes=F("votes") + 1)
        Ballot.objects.filter(pk=ballot.pk).update(voters=F("voters") + 1)
    return vote


@transaction.atomic
def record_paper_votes(
    *,
    actor: User,
    ballot: Ballot,
    ballots_counted: int,
    counts: dict[int, int],
    now: dt.datetime | None = None,
) -> Ballot:
    """The paper ballots counted at the polling station (纸质选票), entered once the vote has closed
    and before the result is published: how many ballots, and the votes of each candidate (each
    at most the number of ballots; in all at most `pick` per ballot). Entering again replaces."""
    now = now_or(now)
    ballot = lock(ballot)
    permissions.require(actor, "participation.ballot.manage", ballot)
    if ballot.status != BallotStatus.CLOSED:
        raise DomainError(_("纸质选票须在投票截止后、公布结果前录入。"))
    if not isinstance(ballots_counted, int) or ballots_counted < 0:
        raise FieldError("paper_ballots", _("纸质选票张数应为不小于 0 的整数。"))
    options = {o.pk: o for o in ballot.options.all()}
    for pk, n in counts.items():
        if pk not in options:
            raise FieldError("counts", _("所选项目不属于本次票决。"))
        if not isinstance(n, int) or n < 0:
            raise FieldError("counts", _("每个项目的票数应为不小于 0 的整数。"))
        if n > ballots_counted:
            raise FieldError(
                "counts",
                _("“%(t)s”的纸质票数（%(n)d）多于纸质选票张数（%(b)d）。")
                % {"t": options[pk].title, "n": n, "b": ballots_counted},
            )
    if sum(counts.values()) > ballots_counted * ballot.pick:
        raise FieldError(
            "counts", _("各项目纸质票数之和超过了选票张数 × 每张最多选的项数（%(n)d）。") % {"n": ballot.pick}
        )
    for pk, option in options.items():
        option.paper_votes = counts.get(pk, 0)
        option.save(update_fields=["paper_votes"])
    ballot.paper_ballots = ballots_counted
    ballot.save(update_fields=["paper_ballots", "updated_at"])
    entry(
        ballot,
        "ballot",
        "paper",
        actor=actor,
        note=_("录入纸质选票 %(n)d 张") % {"n": ballots_counted},
        public=False,
        now=now,
    )
    return ballot


@dataclass
class Ranked:
    option: BallotOption
    total: int
    rank: int
    recommended: bool
    tied_at_line: bool
    share: float  # of all who voted (online and paper), 0–1


def _fund_by_votes(ballot: Ballot, ranked: list[Ranked]) -> None:
    """A budget ballot's line: down the ranking, each candidate that still fits in what is left of
    the budget is recommended (one that does not fit is passed over, a cheaper one below may
    fit). Candidates of equal votes are taken together; if they do not all fit but one of them
    would, they are all flagged tied and none is recommended (the representatives decide)."""
    left = ballot.budget_limit
    index = 0
    while index < len(ranked):
        group = [r for r in ranked[index:] if r.total == ranked[index].total]
        costs = [r.option.budget or Decimal(0) for r in group]
        if sum(costs) <= left:
            for r in group:
                r.recommended = True
            left -= sum(costs)
        elif len(group) > 1 and any(c <= left for c in costs):
            for r in group:
                r.tied_at_line = True
        index += len(group)


def result(ballot: Ballot) -> list[Ranked]:
    """The candidates by total votes (online + paper), ranked (equal totals share a rank); the
    first `pick` are recommended; candidates tied across the line are all flagged and none of
    them recommended beyond the line (a second round or the representatives decide). In a
    budget ballot the line is the budget instead (`_fund_by_votes`)."""
    options = list(ballot.options.all())
    voters = ballot.voters + ballot.paper_ballots
    options.sort(key=lambda o: (-o.total, o.position, o.pk))
    ranked: list[Ranked] = []
    for index, option in enumerate(options):
        rank = index + 1
        if ranked and ranked[-1].total == option.total:
            rank = ranked[-1].rank
        ranked.append(
            Ranked(option, option.total, rank, False, False, option.total / voters if voters else 0.0)
        )
    if ballot.is_budget:
        _fund_by_votes(ballot, ranked)
        return ranked
    line = ballot.pick
    if len(ranked) > line:
        edge = ranked[line - 1].total
        tied = [r for r in ranked if r.total == edge]
        if len(tied) > 1 and any(ranked.index(r) >= line for r in tied):
            for r in tied:
                r.tied_at_line = True
    for index, r in enumerate(ranked):
        r.recommended = index < line and not r.tied_at_line
    return ranked
