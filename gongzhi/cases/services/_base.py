"""What every case action shares: the row lock, the timeline event, the state change, photos."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.cases import deadlines, photos, rollup, signals, transitions
from gongzhi.cases.models import (
    FINISHED_STATUSES,
    Attachment,
    Case,
    CaseEvent,
)
from gongzhi.cases.selectors import events_since
from gongzhi.core.errors import Conflict, DomainError

logger = logging.getLogger(__name__)

PUBLIC_ACTOR_LABEL = "反映人"
SYSTEM_ACTOR_LABEL = "系统"


def _lock(case: Case, expected_version: int | None = None) -> Case:
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("area", "category", "assigned_unit")
        .get(pk=case.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(_("工单已被他人修改，请刷新后重试。"))
    return locked


def _event(
    case: Case,
    *,
    action: str,
    actor: User | None,
    from_status: str,
    note: str = "",
    data: dict | None = None,
    now: dt.datetime,
    actor_label: str = "",
    seq: int | None = None,
) -> CaseEvent:
    """Append an event; its number is the case's next (under the case's row lock), or `seq` when
    the caller knows it (intake: the new case's first event is 1, no MAX to read)."""
    if seq is None:
        last = (
            CaseEvent.objects.filter(case=case, created_at__gte=events_since(case)).aggregate(m=Max("seq"))[
                "m"
            ]
            or 0
        )
        seq = last + 1
    event = CaseEvent.objects.create(
        case=case,
        seq=seq,
        action=action,
        actor=actor,
        actor_label=(actor_label or (str(actor) if actor else PUBLIC_ACTOR_LABEL))[:80],
        from_status=from_status,
        to_status=case.status,
        note=note,
        data=data or {},
        created_at=now,
    )
    signals.case_changed.send_on_commit(
        sender=Case, case_id=case.pk, event_id=event.pk, action=action, subdistrict_id=case.subdistrict_id
    )
    return event


def _apply(
    case: Case,
    *,
    actor: User | None,
    action: str,
    note: str = "",
    data: dict | None = None,
    now: dt.datetime | None = None,
    fields: Iterable[str] = (),
    actor_label: str = "",
) -> CaseEvent:
    """Move the case along `action`, save it with `fields`, and append the event."""
    now = now or timezone.now()
    before = case.status
    case.status = transitions.target(before, action)
    deadlines.refresh_next_due(case, now)
    case.version += 1
    case.save(update_fields=["status", "next_due", "overdue", "version", "updated_at", *fields])
    if before in FINISHED_STATUSES or case.status in FINISHED_STATUSES:
        rollup.refresh(case)
    return _event(
        case,
        action=action,
        actor=actor,
        from_status=before,
        note=note,
        data=data,
        now=now,
        actor_label=actor_label,
    )


CheckedPhoto = tuple  # (content, content_type, width, height), as photos.check_photo returns it


def _check_photos(files: Iterable[UploadedFile]) -> list[CheckedPhoto]:
    """Every photo checked (and re-encoded) before any is stored."""
    files = list(files or [])
    if len(files) > photos.MAX_PHOTOS:
        raise DomainError(_("最多上传 %(n)d 张照片。") % {"n": photos.MAX_PHOTOS})
    return [photos.check_photo(upload) for upload in files]


def _attach(case: Case, event: CaseEvent, files: Iterable[UploadedFile]) -> None:
    _store_photos(case, event, _check_photos(files))


def _store_photos(case: Case, event: CaseEvent, checked: list[CheckedPhoto]) -> None:
    for content, content_type, width, height in checked:
        Attachment.objects.create(
            case=case,
            event=event,
            file=content,
            content_type=content_type,
            created_at=event.created_at,
            size=content.size,
            width=width,
            height=height,
        )


def _require_text(value: str, label: str, max_length: int = 4000) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("请填写%(field)s。") % {"field": label})
    if len(value) > max_length:
        raise DomainError(_("%(field)s不能超过 %(n)d 字。") % {"field": label, "n": max_length})
    return value
