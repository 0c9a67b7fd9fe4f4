"""Every write of co-building: one function per action (keyword arguments, the actor passed in,
the permission checked, the row locked, the transition taken from transitions.py, the timeline
row written in the same transaction, notices and signals after commit)."""

from __future__ import annotations

import datetime as dt
import hashlib

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


EDITABLE = {
    "pairing": ("plan", "ends_on", "neighbourhood_party_id", "ended_early_on"),
    "place": ("name", "address", "opening_hours", "amenities", "description", "state"),
    "alliance": ("name", "theme", "note"),
    "resource": (
        "title",
        "category",
        "description",
        "capacity",
        "capacity_unit",
        "used",
        "available_from",
        "available_until",
        "when",
        "where",
        "for_whom",
        "state",
    ),
    "need": (
        "title",
        "category",
        "description",
        "urgency",
        "beneficiaries",
        "quantity",
        "claimed",
        "due_on",
        "group",
        "state",
    ),
    "project": ("title", "state", "progress", "partners", "needs"),
}


def _token_value(obj, name: str) -> str:
    value = getattr(obj, name)
    if hasattr(value, "all"):  # a many-to-many: its members (a prefetch is used when there is one)
        return ",".join(str(pk) for pk in sorted(o.pk for o in value.all()))
    return str(value)


def edit_token(obj, subject: str) -> str:
    """What an edit form carries to tell whether the row changed since it was opened: its
    `updated_at` and a digest of the editable fields (two saves in the same instant still differ)."""
    values = "\x1f".join(_token_value(obj, name) for name in EDITABLE[subject]).encode()
    return f"{obj.updated_at.isoformat()}~{hashlib.sha256(values).hexdigest()[:16]}"


def check_fresh(obj, subject: str, seen: str | None) -> None:
    """Two editors at once: the later save, made from a form opened before the first one saved,
    is refused (the first one wins). No token (the API without one): no check."""
    if not seen:
        return
    if "~" not in seen:
        raise Conflict(_("表单已失效，请刷新后重新填写。"))
    if seen != edit_token(obj, subject):
        raise Conflict(_("该记录刚被其他人修改过，请刷新后再改。"))
