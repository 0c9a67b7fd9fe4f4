"""What every participation service shares: the lock, the move through the action table, the
timeline row, reference numbers, staff notices, messages to authors."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.accounts.notices import notify
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.participation import signals, transitions
from gongzhi.participation.models import Counter, Entry
from gongzhi.registry.validators import FieldError
from gongzhi.territory.models import Area

__all__ = ["FieldError"]


def now_or(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def lock(obj: models.Model) -> models.Model:
    return type(obj).objects.select_for_update().get(pk=obj.pk)


def text(value: str, field: str, label: str, max_length: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise FieldError(field, _("请填写%(label)s。") % {"label": label})
    if len(value) > max_length:
        raise FieldError(field, _("%(label)s不能超过 %(n)d 个字。") % {"label": label, "n": max_length})
    return value


def placed(area: Area) -> dict:
    if area is None or area.subdistrict_id is None:
        raise FieldError("area", _("请选择街道或以下的具体范围。"))
    return {"subdistrict_id": area.subdistrict_id, "area": area}


def move(
    machine: str,
    obj: models.Model,
    action: str,
    *,
    actor: User | None,
    field: str = "status",
    note: str = "",
    public: bool = True,
    now: dt.datetime,
    check_permission: bool = True,
) -> str:
    """Check `actor` may do `action` to `obj` and that its state allows it; set the new state
    and write the timeline row. The caller saves `obj` (with its other changes)."""
    name = transitions.permission(machine, action)
    if check_permission and name:
        permissions.require(actor, name, obj)
    before = getattr(obj, field)
    after = transitions.target(machine, before, action)
    setattr(obj, field, after)
    entry(obj, machine, action, actor=actor, before=before, after=after, note=note, public=public, now=now)
    return after


def entry(
    obj: models.Model,
    subject: str,
    action: str,
    *,
    actor: User | None,
    before: str = "",
    after: str = "",
    note: str = "",
    public: bool = True,
    now: dt.datetime,
) -> Entry:
    made = Entry.objects.create(
        subdistrict_id=obj.subdistrict_id,
        subject=subject,
        subject_id=obj.pk,
        action=action,
        from_state=before,
        to_state=after,
        actor=actor,
        note=(note or "")[:300],
        public=public,
        created_at=now,
    )
    signals.participation_changed.send_on_commit(
        sender=type(obj), subject=subject, subject_id=obj.pk, action=action, subdistrict_id=obj.subdistrict_id
    )
    return made


def next_ref(subdistrict: Area, prefix: str, now: dt.datetime) -> str:
    year = timezone.localdate(now).year
    counter, _created = Counter.objects.select_for_update().get_or_create(subdistrict=subdistrict, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}{year}{subdistrict.code[-3:]}{counter.last:05d}"


def phone_digest(phone: str) -> str:
    key = (settings.SECRET_KEY + ":participation:phone").encode()
    return hmac.new(key, phone.encode(), hashlib.sha256).hexdigest()


def staff_in(area: Area, *roles: str) -> list[User]:
    """Active staff of `roles` whose scope contains `area` (the ones to tell)."""
    ancestors = [int(x) for x in area.path.strip("/").split("/") if x]
    return list(
        User.objects.filter(is_active=True, scope_id__in=ancestors, groups__name__in=roles).distinct()
    )


def tell(users, *, kind: str, title: str, url: str = "", dedupe_key: str = "", at: dt.datetime) -> None:
    # In the action's own transaction: a rolled-back action leaves no notice behind.
    notify(list(users), kind=kind, title=title, url=url, dedupe_key=dedupe_key, at=at)


def require_choice(value: str, choices, field: str, label: str) -> str:
    if value not in choices.values:
        raise FieldError(field, _("请选择%(label)s。") % {"label": label})
    return value


class Refused(DomainError):
    code = "refused"
