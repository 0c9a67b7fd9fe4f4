"""Every write of co-building: one function per action (keyword arguments, the actor passed in,
the permission checked, the row locked, the transition taken from transitions.py, the timeline
row written in the same transaction, notices and signals after commit)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.cobuilding.models import Timeline
from gongzhi.cobuilding.signals import cobuilding_changed
from gongzhi.core.errors import Conflict
from gongzhi.registry.validators import FieldError


def log(
    subject: str,
    obj,
    action: str,
    *,
    actor: User | None,
    note: str = "",
    data: dict | None = None,
    at: dt.datetime | None = None,
) -> Timeline:
    row = Timeline.objects.create(
        subdistrict_id=obj.subdistrict_id,
        subject=subject,
        subject_id=obj.pk,
        action=action,
        actor=actor if actor is not None and actor.pk else None,
        at=at or timezone.now(),
        note=(note or "")[:400],
        data=data or {},
    )
    cobuilding_changed.send_on_commit(
        sender=None, subject=subject, subject_id=obj.pk, action=action, subdistrict_id=obj.subdistrict_id
    )
    return row


def text(value: str | None, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise FieldError(field, _("请填写%(label)s。") % {"label": label})
    if len(value) > max_length:
        raise FieldError(field, _("%(label)s不能超过 %(n)d 个字。") % {"label": label, "n": max_length})
    return value


def subdistrict_of(area) -> int:
    if area.subdistrict_id is None:
        raise FieldError("area", _("请选择街道或以下的区域。"))
    return area.subdistrict_id


def check_fresh(obj, seen: str | dt.datetime | None) -> None:
    """Two editors at once: the form carries the `updated_at` it was opened with; when the locked
    row has changed since, the later save is refused (the first one wins)."""
    if seen in (None, ""):
        return
    if isinstance(seen, str):
        try:
            seen = dt.datetime.fromisoformat(seen)
        except ValueError:
            raise Conflict(_("表单已失效，请刷新后重新填写。")) from None
    if obj.updated_at != seen:
        raise Conflict(_("该记录刚被其他人修改过，请刷新后再改。"))
