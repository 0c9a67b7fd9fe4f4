"""The trail of administrative changes: `record()` is called by the action itself, inside its
transaction, so a change and its audit row are committed together or not at all."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from gongzhi.accounts.models import AuditEvent, User
from gongzhi.territory.models import Area


def record(
    *,
    actor: User | None,
    action: str,
    target: Model | None = None,
    subdistrict: Area | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    if subdistrict is None and target is not None:
        subdistrict = getattr(target, "subdistrict", None)
        if subdistrict is None and isinstance(target, Area):
            subdistrict = target if target.kind == "subdistrict" else target.subdistrict
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=(actor.get_username() if actor is not None else "system")[:150],
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_label=str(target)[:200] if target is not None else "",
        subdistrict=subdistrict,
        data=data or {},
    )


def record_signal(sender, *, actor, action: str, target=None, data=None, **kwargs) -> None:
    """Receiver of core.events.administrative_change (changes made below accounts)."""
    record(actor=actor, action=action, target=target, data=data)
