"""Lists (问题清单 → 需求清单 → 任务清单 → 销项): items, milestones, progress that rolls up by
weight (Decidim accountability), residents' verification before closure, overdue sweeps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Unit, User
from gongzhi.cases.models import Case
from gongzhi.cases.photos import check_photo
from gongzhi.core import deadlines
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.participation.models import (
    CLOSED_ITEM_STATUSES,
    Funding,
    ItemKind,
    ItemSource,
    ItemStatus,
    ListItem,
    Milestone,
    Suggestion,
    Topic,
)
from gongzhi.participation.services._base import (
    FieldError,
    entry,
    lock,
    move,
    now_or,
    placed,
    require_choice,
    staff_in,
    tell,
    text,
)
from gongzhi.territory.models import Area

# Working days past the due date after which an overdue task is escalated to the leaders.
ESCALATE_AFTER_DAYS = 5


def weighted_progress(children: Iterable[tuple[int, int]]) -> int:
    """Progress of a parent from its children's (progress, weight): the weighted mean, or the plain
    mean when every weight is zero (Decidim's accountability roll-up); rounded half up."""
    children = list(children)
    if not children:
        return 0
    total_weight = sum(w for _p, w in children)
    if total_weight:
        value = Decimal(sum(p * w for p, w in children)) / total_weight
    else:
        value = Decimal(sum(p for p, _w in children)) / len(children)
    return int(value.quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def _roll_up(item: ListItem | None) -> None:
    """Recompute `rolled_progress` from `item` up to the root."""
    while item is not None:
        children = list(ListItem.objects.filter(parent=item).values_list("rolled_progress", "weight"))
        rolled = weighted_progress(children) if children else item.progress
        ListItem.objects.filter(pk=item.pk).update(rolled_progress=rolled)
        item = (
            ListItem.objects.select_for_update().filter(pk=item.parent_id).first() if item.parent_id else None
        )


@transaction.atomic
def add_item(
    *,
    actor: User,
    area: Area,
    title: str,
    kind: str = ItemKind.TASK,
    source: str = ItemSource.STAFF,
    detail: str = "",
    board: str = "",
    topic: Topic | None = None,
    suggestion: Suggestion | None = None,
    parent: ListItem | None = None,
    weight: int = 1,
    owner: Unit | None = None,
    co_owners: Iterable[Unit] = (),
    due_days: int | None = None,
    due_at: dt.datetime | None = None,
    funding: str = "",
    budget: Decimal | None = None,
    public: bool = True,
    now: dt.datetime | None = None,
) -> ListItem:
    now = now_or(now)
    permissions.require(actor, "participation.item.manage", area)
    require_choice(kind, ItemKind, "kind", _("类别"))
    require_choice(source, ItemSource, "source", _("来源"))
    if funding:
        require_choice(funding, Funding, "funding", _("资金来源"))
    if kind == ItemKind.TASK and owner is None:
        raise FieldError("owner", _("任务须明确责任单位。"))
    co_owners = list(co_owners)
    for unit in [owner, *co_owners]:
        if unit is not None and unit.subdistrict_id != area.subdistrict_id:
            raise FieldError("owner", _("责任单位须为本街道的单位。"))
    if parent is not None:
        parent = lock(parent)
        if parent.subdistrict_id != area.subdistrict_id:
            raise FieldError("parent", _("上级事项不在本街道。"))
        if parent.status in (ItemStatus.VERIFIED, ItemStatus.CLOSED):
            raise FieldError("parent", _("上级事项已验收，不能再添加子事项。"))
    if weight > 100:
        raise FieldError("weight", _("权重应为 0 至 100。"))
    if due_at is None and due_days:
        if not 1 <= due_days <= 730:
            raise FieldError("due_days", _("期限应为 1 至 730 个工作日。"))
        due_at = deadlines.due(now, days=due_days)
    item = ListItem.objects.create(
        **placed(area),
        kind=kind,
        source=source,
        board=(board or "").strip()[:80],
        title=text(title, "title", _("事项"), 120),
        detail=(detail or "").strip()[:4000],
        topic=topic,
        suggestion=suggestion,
        parent=parent,
        weight=weight,
        owner=owner,
        due_at=due_at,
        funding=funding,
        budget=budget,
        public=public,
    )
    if co_owners:
        item.co_owners.add(*co_owners)
    entry(item, "item", "add", actor=actor, after=item.status, now=now)
    if owner is not None:
        tell(
            User.objects.filter(unit=owner, is_active=True),
            kind="participation.task",
            title=_("新的清单任务：%(t)s") % {"t": item.title},
            url=f"/participation/items/{item.pk}/",
            at=now,
        )
    _roll_up(parent)
    return item


def _leaf(item: ListItem) -> None:
    if item.children.exists():
        raise DomainError(_("该事项有子事项，进度由子事项按权重汇总，请更新子事项。"))


@transaction.atomic
def update_progress(
    *, actor: User, item: ListItem, progress: int, note: str = "", now: dt.datetime | None = None
) -> ListItem:
    now = now_or(now)
    item = lock(item)
    if not 0 <= progress <= 100:
        raise FieldError("progress", _("进度应为 0 至 100。"))
    _leaf(item)
    if progress == 100:
        raise FieldError("progress", _("进度 100% 请使用“完成”。"))
    move("item", item, "progress", actor=actor, note=note or f"{progress}%", now=now)
    item.progress = progress
    item.rolled_progress = progress
    item.save()
    _roll_up(item.parent)
    return item


def _photo(upload: UploadedFile | None):
    if upload is None:
        return None
    content, _type, _w, _h = check_photo(upload)
    return content


@transaction.atomic
def act_on_item(
    *,
    actor: User,
    item: ListItem,
    action: str,
    note: str = "",
    photo: UploadedFile | None = None,
    now: dt.datetime | None = None,
) -> ListItem:
    """start, block (reason), unblock, finish (after photo), verify (the residents' check),
    close (销项), reopen (reason)."""
    now = now_or(now)
    if action not in ("start", "block", "unblock", "finish", "verify", "close", "reopen"):
        raise DomainError(_("未知的操作。"))
    item = lock(item)
    if action in ("block", "reopen", "verify"):
        label = {"block": _("受阻原因"), "reopen": _("重新打开的原因"), "verify": _("验收意见")}[action]
        note = text(note, "note", label, 200)
    if action == "finish" and item.children.exclude(status__in=CLOSED_ITEM_STATUSES).exists():
        raise DomainError(_("还有子事项未完成。"))
    if action == "close" and item.children.exclude(status=ItemStatus.CLOSED).exists():
        raise DomainError(_("还有子事项未销项。"))
    move("item", item, action, actor=actor, note=note, now=now)
    if action == "block":
        item.blocked_reason = note
    elif action == "unblock":
        item.blocked_reason = ""
    elif action == "finish":
        if not item.children.exists():
            item.progress = item.rolled_progress = 100
        content = _photo(photo)
        if content is not None:
            item.after_photo = content
    elif action == "verify":
        item.verified_at = now
        item.verified_note = note
    elif action == "close":
        item.closed_at = now
    elif action == "reopen":
        item.verified_at = None
        item.closed_at = None
        item.verified_note = ""
        item.overdue_notified_at = None
    item.save()
    _roll_up(item.parent)
    if action == "reopen" and item.owner_id:
        tell(
            User.objects.filter(unit_id=item.owner_id, is_active=True),
            kind="participation.task",
            title=_("清单任务被重新打开：%(t)s") % {"t": item.title},
            url=f"/participation/items/{item.pk}/",
            at=now,
        )
    return item


@transaction.atomic
def add_milestone(
    *, actor: User, item: ListItem, title: str, percent: int, due_on: dt.date | None = None
) -> Milestone:
    permissions.require(actor, "participation.item.manage", item)
    if not 0 <= percent <= 100:
        raise FieldError("percent", _("节点进度应为 0 至 100。"))
    return Milestone.objects.create(
        item=item, title=text(title, "title", _("节点"), 80), percent=percent, due_on=due_on
    )


@transaction.atomic
def complete_milestone(*, actor: User, milestone: Milestone, now: dt.datetime | None = None) -> ListItem:
    """A milestone reached: the item's progress becomes the milestone's percent (never lower)."""
    now = now_or(now)
    item = lock(milestone.item)
    if milestone.done_on:
        raise DomainError(_("该节点已完成。"))
    Milestone.objects.filter(pk=milestone.pk).update(done_on=timezone.localdate(now))
    if milestone.percent >= 100:
        return act_on_item(actor=actor, item=item, action="finish", note=milestone.title, now=now)
    return update_progress(
        actor=actor, item=item, progress=max(item.progress, milestone.percent), note=milestone.title, now=now
    )


@transaction.atomic
def set_before_photo(*, actor: User, item: ListItem, photo: UploadedFile) -> ListItem:
    permissions.require(actor, "participation.item.progress", item)
    item = lock(item)
    item.before_photo = _photo(photo)
    item.save(update_fields=["before_photo", "updated_at"])
    return item


@transaction.atomic
def link_case(*, actor: User, item: ListItem, case: Case, now: dt.datetime | None = None) -> ListItem:
    now = now_or(now)
    permissions.require(actor, "participation.item.manage", item)
    if case.subdistrict_id != item.subdistrict_id:
        raise FieldError("case", _("只能关联本街道的工单。"))
    item.cases.add(case)
    entry(item, "item", "link_case", actor=actor, note=case.number, public=False, now=now)
    return item


def sweep_overdue(*, now: dt.datetime | None = None) -> int:
    """Tell the owners of overdue tasks (once), and the leaders after ESCALATE_AFTER_DAYS working
    days more, like the case loop's escalation. Idempotent (dedupe keys). Returns notices made."""
    now = now_or(now)
    made = 0
    overdue = (
        ListItem.objects.filter(due_at__lt=now, kind=ItemKind.TASK)
        .exclude(status__in=CLOSED_ITEM_STATUSES)
        .select_related("area", "owner")
    )
    for item in overdue.iterator():
        with transaction.atomic():
            owners = list(User.objects.filter(unit_id=item.owner_id, is_active=True)) if item.owner_id else []
            owners += staff_in(item.area, "neighbourhood")
            from gongzhi.accounts.notices import notify

            made += notify(
                owners,
                kind="participation.task_overdue",
                title=_("清单任务已超期：%(t)s") % {"t": item.title},
                url=f"/participation/items/{item.pk}/",
                dedupe_key=f"participation.item:{item.pk}:overdue:{item.due_at:%Y%m%d}",
                at=now,
            )
            if deadlines.due(item.due_at, days=ESCALATE_AFTER_DAYS) < now:
                made += notify(
                    staff_in(item.area, "leader"),
                    kind="participation.task_overdue",
                    title=_("清单任务超期 %(n)d 个工作日以上，请协调：%(t)s")
                    % {"n": ESCALATE_AFTER_DAYS, "t": item.title},
                    url=f"/participation/items/{item.pk}/",
                    dedupe_key=f"participation.item:{item.pk}:escalate:{item.due_at:%Y%m%d}",
                    at=now,
                )
            if item.overdue_notified_at is None:
                ListItem.objects.filter(pk=item.pk).update(overdue_notified_at=now)
                entry(item, "item", "overdue", actor=None, note=_("已超期"), public=True, now=now)
    return made
