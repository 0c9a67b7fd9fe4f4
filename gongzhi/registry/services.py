"""Every write to the registry: one function per action, keyword-only, the actor passed in (None
means the system itself: the import command, the demo), the permission checked, the change and
its history written in one transaction. Also `reveal`, the only way to read a clear ID or phone."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator

from django.conf import settings
from django.db import router, transaction
from django.db.models import BigIntegerField, Max, Sum
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import audit, otp
from gongzhi.accounts.models import AccessLog, Unit, User
from gongzhi.core import rules as permissions
from gongzhi.core.errors import Conflict, DomainError
from gongzhi.registry import cleaning, crypto
from gongzhi.registry.models import (
    ChangeSource,
    Dwelling,
    Household,
    Organization,
    OrganizationKind,
    RegistryChange,
    Relation,
    Residence,
    Resident,
    ResidentTag,
    Sealed,
    Tag,
    TagGroup,
    TagSource,
)
from gongzhi.registry.validators import FieldError
from gongzhi.territory.models import Area, AreaKind

DWELLING_AREA_KINDS = (AreaKind.BUILDING, AreaKind.ESTATE)


class TooMany(DomainError):
    code = "too_many"
    status = 429


REVEALABLE = {Resident: ("id_number", "phone"), Dwelling: ("owner_phone",), Organization: ("contact_phone",)}


def _require(actor: User | None, permission: str, obj) -> None:
    if actor is not None:
        permissions.require(actor, permission, obj)


def _check_dwelling_area(area: Area) -> None:
    if area.kind not in DWELLING_AREA_KINDS:
        raise FieldError(
            "area",
            _("房屋须登记在楼栋或小区下（“%(name)s”是%(kind)s）。")
            % {"name": area.name, "kind": area.kind_label},
        )


def _shown(obj: Sealed, field: str, value) -> str:
    """How a value appears in the change history: sensitive ones masked."""
    if field in getattr(obj, "SEALED", {}):
        kind = obj.SEALED[field]
        return crypto.mask_id_number(value) if kind == "id" else crypto.mask_phone(value)
    if value is None:
        return ""
    return str(value)[:200]


def _current(obj, field: str):
    if field in getattr(obj, "SEALED", {}):
        return obj.unseal(field)
    return getattr(obj, field)


def _apply_changes(
    obj,
    changes: dict,
    *,
    object_type: str,
    actor: User | None,
    source: str,
    reference: str = "",
) -> list[RegistryChange]:
    """Set the changed fields on `obj` and return the history rows (unsaved)."""
    rows = []
    for field, new in changes.items():
        old = _current(obj, field)
        if (old or None) == (new or None):
            continue
        if field in getattr(obj, "SEALED", {}):
            obj.seal(field, new or "")
        else:
            setattr(obj, field, new)
        rows.append(
            RegistryChange(
                subdistrict_id=obj.subdistrict_id,
                object_type=object_type,
                object_id=obj.pk or 0,
                field=field,
                old_value=_shown(obj, field, old),
                new_value=_shown(obj, field, new),
                source=source,
                reference=reference,
                actor=actor,
            )
        )
    return rows


# ---------------------------------------------------------------- dwellings


@transaction.atomic
def create_dwelling(*, actor: User | None, area: Area, data: dict) -> Dwelling:
    _require(actor, "resident.edit", area)
    _check_dwelling_area(area)
    clean, errors = cleaning.dwelling(data)
    cleaning.first_error(errors)
    if Dwelling.objects.filter(area=area, room=clean["room"]).exists():
        raise Conflict(_("“%(area)s”下已有房号“%(room)s”。") % {"area": area.name, "room": clean["room"]})
    phone = clean.pop("owner_phone")
    dwelling = Dwelling(area=area, subdistrict_id=area.subdistrict_id, **clean)
    dwelling.address = dwelling.address or default_address(area, dwelling.room)
    dwelling.seal("owner_phone", phone)
    dwelling.save()
    return dwelling


@transaction.atomic
def update_dwelling(
    *,
    actor: User | None,
    dwelling: Dwelling,
    data: dict,
    source: str = ChangeSource.MANUAL,
    reference: str = "",
) -> Dwelling:
    """Change the given fields of a dwelling (only the keys present in `data`)."""
    dwelling = Dwelling.objects.select_for_update().get(pk=dwelling.pk)
    _require(actor, "resident.edit", dwelling)
    full = {
        f: _current(dwelling, f)
        for f in ("room", "address", "use", "floor_area", "owner_name", "owner_phone", "note")
    }
    clean, errors = cleaning.dwelling({**full, **data})
    cleaning.first_error(errors)
    changes = {k: v for k, v in clean.items() if k in data}
    rows = _apply_changes(
        dwelling, changes, object_type="dwelling", actor=actor, source=source, reference=reference
    )
    if rows:
        dwelling.save()
        RegistryChange.objects.bulk_create(rows)
    return dwelling


def default_address(area: Area, room: str) -> str:
    """The address of a dwelling given none: estate, building and room ("武夷小区1号楼102室"),
    with the subdistrict's road names coming from the estate's own name."""
    if area.kind == "building" and area.parent_id:
        return f"{area.parent.name}{area.name}{room}"
    return f"{area.name}{room}"


def household_for(dwelling: Dwelling, label: str = "1") -> Household:
    household, _created = Household.objects.get_or_create(
        dwelling=dwelling,
        label=label or "1",
        defaults={"subdistrict_id": dwelling.subdistrict_id, "area_id": dwelling.area_id},
    )
    return household


# ---------------------------------------------------------------- residents


@transaction.atomic
def register_resident(
    *,
    actor: User | None,
    dwelling: Dwelling,
    data: dict,
    household_label: str = "1",
    source: str = ChangeSource.MANUAL,
) -> Resident:
    """Add a person living in `dwelling`. The same ID number twice in a subdistrict is refused."""
    _require(actor, "resident.edit", dwelling)
    clean, errors = cleaning.resident(data)
    cleaning.first_error(errors)
    id_hash = crypto.blind_index(clean["id_number"], kind="id")
    if (
        id_hash
        and Resident.objects.filter(subdistrict_id=dwelling.subdistrict_id, id_number_hash=id_hash).exists()
    ):
        raise Conflict(_("该证件号码已登记在本街道，请勿重复登记。"))
    household = household_for(dwelling, household_label)
    id_number, phone = clean.pop("id_number"), clean.pop("phone")
    resident = Resident(
        subdistrict_id=dwelling.subdistrict_id,
        area_id=dwelling.area_id,
        dwelling=dwelling,
        household=household,
        **clean,
    )
    resident.seal("id_number", id_number)
    resident.seal("phone", phone)
    resident.save()
    if resident.relation == Relation.HEAD:
        Household.objects.filter(pk=household.pk).update(head=resident)
    Residence.objects.create(
        subdistrict_id=resident.subdistrict_id,
        resident=resident,
        dwelling=dwelling,
        address=dwelling.address,
        moved_in_on=resident.moved_in_on,
        moved_out_on=resident.moved_out_on,
        source=source,
        recorded_by=actor,
    )
    return resident


def note_registered(*, resident: Resident, actor: User | None, source: str, reference: str = "") -> None:
    """Record in the change history that a person was newly registered (e.g. found on a visit)."""
    RegistryChange.objects.create(
        subdistrict_id=resident.subdistrict_id,
        object_type="resident",
        object_id=resident.pk,
        field="registered",
        new_value=f"{resident.name} {resident.id_number_mask}".strip()[:200],
        source=source,
        reference=reference,
        actor=actor,
    )


ORGANIZATION_FIELDS = (
    "name",
    "kind",
    "credit_code",
    "address",
    "lat",
    "lng",
    "contact_name",
    "contact_phone",
    "party_covered",
    "employees",
    "note",
)

RESIDENT_FIELDS = (
    "name",
    "id_type",
    "id_number",
    "phone",
    "registration_type",
    "living_status",
    "relation",
    "note",
)


@transaction.atomic
def update_resident(
    *,
    actor: User | None,
    resident: Resident,
    data: dict,
    source: str = ChangeSource.MANUAL,
    reference: str = "",
) -> Resident:
    """Change the given personal fields. Moves go through move_resident; every change is kept in
    RegistryChange (sensitive values masked)."""
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    _require(actor, "resident.edit", resident)
    unknown = set(data) - set(RESIDENT_FIELDS)
    if unknown:
        raise DomainError(_("不能在此修改：%(fields)s") % {"fields": "、".join(sorted(unknown))})
    full = {f: _current(resident, f) for f in RESIDENT_FIELDS}
    clean, errors = cleaning.resident({**full, **data})
    cleaning.first_error(errors)
    changes = {k: clean[k] for k in data}
    if "id_number" in changes:
        changes["gender"], changes["birth_date"] = clean["gender"], clean["birth_date"]
        new_hash = crypto.blind_index(clean["id_number"], kind="id")
        clash = Resident.objects.filter(subdistrict_id=resident.subdistrict_id, id_number_hash=new_hash)
        if new_hash and clash.exclude(pk=resident.pk).exists():
            raise Conflict(_("该证件号码已登记在本街道的另一人名下。"))
    rows = _apply_changes(
        resident, changes, object_type="resident", actor=actor, source=source, reference=reference
    )
    if rows:
        resident.save()
        RegistryChange.objects.bulk_create(rows)
    return resident


@transaction.atomic
def move_resident(
    *,
    actor: User | None,
    resident: Resident,
    on: dt.date,
    to: Dwelling | None = None,
    household_label: str = "1",
    source: str = ChangeSource.MANUAL,
    reference: str = "",
) -> Resident:
    """Move a resident out (to=None) or to another dwelling. The open stay is closed and a new one
    opened; nothing in the history is rewritten."""
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    _require(actor, "resident.edit", resident)
    if to is not None:
        _require(actor, "resident.edit", to)
        if to.subdistrict_id != resident.subdistrict_id:
            raise DomainError(_("跨街道迁移请由迁入街道重新登记。"))
    if resident.moved_in_on and on < resident.moved_in_on:
        raise FieldError("moved_out_on", _("迁出日期不能早于迁入日期。"))
    Residence.objects.filter(resident=resident, moved_out_on__isnull=True).update(moved_out_on=on)
    before = resident.dwelling.address if resident.dwelling_id else ""
    if to is None:
        resident.moved_out_on = on
    else:
        resident.dwelling = to
        resident.area_id = to.area_id
        resident.household = household_for(to, household_label)
        resident.moved_in_on, resident.moved_out_on = on, None
        Residence.objects.create(
            subdistrict_id=resident.subdistrict_id,
            resident=resident,
            dwelling=to,
            address=to.address,
            moved_in_on=on,
            source=source,
            recorded_by=actor,
        )
    resident.save()
    RegistryChange.objects.create(
        subdistrict_id=resident.subdistrict_id,
        object_type="resident",
        object_id=resident.pk,
        field="dwelling",
        old_value=before,
        new_value=to.address if to else _("迁出（%(date)s）") % {"date": on.isoformat()},
        source=source,
        reference=reference,
        actor=actor,
    )
    return resident


# ---------------------------------------------------------------- organisations


@transaction.atomic
def create_organization(*, actor: User | None, area: Area, data: dict) -> Organization:
    _require(actor, "organization.edit", area)
    clean, errors = cleaning.organization(data)
    cleaning.first_error(errors)
    if clean["credit_code"] and Organization.objects.filter(credit_code=clean["credit_code"]).exists():
        raise Conflict(_("该统一社会信用代码已登记。"))
    phone = clean.pop("contact_phone")
    org = Organization(area=area, subdistrict_id=area.subdistrict_id or area.pk, **clean)
    org.seal("contact_phone", phone)
    org.save()
    return org


@transaction.atomic
def update_organization(
    *,
    actor: User | None,
    organization: Organization,
    data: dict,
    source: str = ChangeSource.MANUAL,
    reference: str = "",
) -> Organization:
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    _require(actor, "organization.edit", org)
    fields = ORGANIZATION_FIELDS
    full = {f: _current(org, f) for f in fields}
    clean, errors = cleaning.organization({**full, **data})
    cleaning.first_error(errors)
    changes = {k: v for k, v in clean.items() if k in data}
    if (
        changes.get("credit_code")
        and Organization.objects.filter(credit_code=changes["credit_code"]).exclude(pk=org.pk).exists()
    ):
        raise Conflict(_("该统一社会信用代码已登记。"))
    rows = _apply_changes(
        org, changes, object_type="organization", actor=actor, source=source, reference=reference
    )
    if rows:
        org.save()
        RegistryChange.objects.bulk_create(rows)
    return org


@transaction.atomic
def set_party_organization(
    *, actor: User | None, organization: Organization, party: Organization | None
) -> Organization:
    _require(actor, "organization.edit", organization)
    if party is not None and party.kind != "party_organization":
        raise DomainError(_("所选单位不是党组织。"))
    organization.party_organization = party
    organization.party_covered = party is not None or organization.party_covered
    organization.save(update_fields=["party_organization", "party_covered", "updated_at"])
    return organization


# ---------------------------------------------------------------- tags


@transaction.atomic
def tag_resident(
    *,
    actor: User | None,
    resident: Resident,
    tag: Tag,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    source: str = TagSource.MANUAL,
    note: str = "",
) -> ResidentTag:
    """Put a tag on a resident for a period; the actor is recorded as the verifying user."""
    _require(actor, "tag.assign", resident)
    if tag.subdistrict_id != resident.subdistrict_id:
        raise DomainError(_("该标签不属于本街道。"))
    if not tag.active:
        raise DomainError(_("该标签已停用。"))
    valid_from = valid_from or timezone.localdate()
    if valid_until and valid_until < valid_from:
        raise FieldError("valid_until", _("失效日期不能早于生效日期。"))
    open_same = ResidentTag.objects.filter(resident=resident, tag=tag, valid_until__isnull=True)
    if open_same.exists():
        raise Conflict(_("“%(name)s”已有标签“%(tag)s”。") % {"name": resident.name, "tag": tag.name})
    return ResidentTag.objects.create(
        subdistrict_id=resident.subdistrict_id,
        resident=resident,
        tag=tag,
        valid_from=valid_from,
        valid_until=valid_until,
        source=source,
        verified_by=actor,
        verified_at=timezone.now() if actor else None,
        note=(note or "")[:200],
    )


@transaction.atomic
def end_tag(*, actor: User | None, resident_tag: ResidentTag, on: dt.date | None = None) -> ResidentTag:
    """End a tag's validity (the row is kept: it is the history)."""
    _require(actor, "tag.assign", resident_tag.resident)
    on = on or timezone.localdate()
    if on < resident_tag.valid_from:
        raise FieldError("valid_until", _("失效日期不能早于生效日期。"))
    resident_tag.valid_until = on
    resident_tag.save(update_fields=["valid_until"])
    return resident_tag


# ---------------------------------------------------------------- reveal


def reveal_daily_limit() -> int:
    """How many clear values (reveals plus clear-exported rows) one user may have a day."""
    return int(
        getattr(settings, "GONGZHI_REVEAL_DAILY_LIMIT", 0)
        or os.environ.get("GONGZHI_REVEAL_DAILY_LIMIT")
        or 50
    )


def clear_values_today(user: User, *, using: str | None = None) -> int:
    """How many clear values `user` has had since local midnight: one for each reveal and one for
    each row of each clear export (an export's access-log row holds its row count). Read from the
    primary, never a replica: the cap must see the latest rows."""
    using = using or router.db_for_write(AccessLog)
    since = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    logs = AccessLog.objects.using(using).filter(user=user, created_at__gte=since)
    reveals = logs.filter(action__startswith="reveal:").count()
    exported = logs.filter(action="export:clear").aggregate(
        rows=Sum(Cast("object_id", output_field=BigIntegerField()))
    )["rows"]
    return reveals + (exported or 0)


@contextlib.contextmanager
def clear_value_budget(user: User, count: int, *, export: bool = False) -> Iterator[None]:
    """Spend `count` clear values of today's cap: refuses (TooMany, nothing written) when they
    would pass it; otherwise runs the block, which writes the access-log row, in one transaction
    that holds the user's row locked, so two requests of one user check and log one after the
    other and cannot both take the last of the budget."""
    using = router.db_for_write(AccessLog)
    with transaction.atomic(using=using):
        # On SQLite the transaction already holds the write lock (IMMEDIATE); on PostgreSQL the
        # user's row is the lock.
        list(User.objects.using(using).select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        limit = reveal_daily_limit()
        left = max(limit - clear_values_today(user, using=using), 0)
        if count > left:
            if export:
                raise TooMany(
                    _(
                        "明文导出 %(rows)d 条将超过每日查看完整信息 %(limit)d 条的上限：今日还可查看或明文导出 "
                        "%(left)d 条。请缩小导出范围，或改为掩码导出。"
                    )
                    % {"rows": count, "limit": limit, "left": left}
                )
            raise TooMany(_("今日查看完整信息已达 %(n)d 次上限，如确有需要请联系审计人员。") % {"n": limit})
        yield


def reveal(*, actor: User, obj: Sealed, field: str, reason: str, ip: str | None = None) -> str:
    """The clear value of a sensitive field, for a user allowed to see it and who says why.
    Every reveal is written to the access log; it counts against the daily cap shared with
    clear exports (clear_value_budget)."""
    if field not in REVEALABLE.get(type(obj), ()):
        raise DomainError(_("该字段不能查看。"))
    permission = "resident.reveal"
    permissions.require(actor, permission, obj)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise FieldError("reason", _("请填写查看原因（如：走访核实、办理工单号）。"))
    otp.require_step_up(actor)  # a fresh second-factor code (等保 8.1.4.1 d, A13)
    with clear_value_budget(actor, 1):
        value = obj.unseal(field)
        AccessLog.objects.create(
            user=actor,
            action=f"reveal:{field}",
            object_type=obj._meta.model_name,
            object_id=str(obj.pk),
            reason=reason[:200],
            ip=ip,
        )
    return value


# ---------------------------------------------------------------- tag configuration


@transaction.atomic
def create_tag(*, actor: User | None, group: TagGroup, name: str) -> Tag:
    """Add a tag to a group of the subdistrict (the leadership configures 9+1+N)."""
    _require(actor, "tag.manage", group.subdistrict)
    name = (name or "").strip()
    if not name or len(name) > 40:
        raise FieldError("name", _("请填写标签名称（不超过 40 字）。"))
    if Tag.objects.filter(group=group, name=name).exists():
        raise Conflict(_("“%(group)s”中已有标签“%(name)s”。") % {"group": group.name, "name": name})
    order = (Tag.objects.filter(group=group).aggregate(m=Max("order"))["m"] or 0) + 1
    tag = Tag.objects.create(subdistrict_id=group.subdistrict_id, group=group, name=name, order=order)
    audit.record(actor=actor, action="tag.create", target=tag, data={"group": group.name})
    return tag


@transaction.atomic
def set_tag_active(*, actor: User | None, tag: Tag, active: bool) -> Tag:
    """Stop offering a tag (existing holders keep it, with its history) or offer it again."""
    _require(actor, "tag.manage", tag.subdistrict)
    tag.active = active
    tag.save(update_fields=["active"])
    audit.record(actor=actor, action="tag.activate" if active else "tag.deactivate", target=tag)
    return tag


# The organisation kind of each kind of handling unit (one identity for one real body).
UNIT_KIND_TO_ORGANIZATION = {
    "department": OrganizationKind.GOVERNMENT,
    "neighbourhood_committee": OrganizationKind.NEIGHBOURHOOD_COMMITTEE,
    "grid_station": OrganizationKind.GOVERNMENT,
    "property_manager": OrganizationKind.PROPERTY_MANAGER,
    "enterprise": OrganizationKind.REGIONAL_UNIT,
    "centre": OrganizationKind.GOVERNMENT,
}


@transaction.atomic
def organization_for_unit(*, unit: Unit) -> Organization:
    """The organisation that is this handling unit: linked if one of the same name exists in the
    subdistrict, created otherwise (the unit's area and phone). Idempotent."""
    existing = Organization.objects.filter(unit=unit).first()
    if existing is not None:
        return existing
    org = (
        Organization.objects.select_for_update()
        .filter(subdistrict_id=unit.subdistrict_id, name=unit.name, unit=None)
        .first()
    )
    if org is None:
        org = Organization(
            area=unit.area,
            subdistrict_id=unit.subdistrict_id,
            kind=UNIT_KIND_TO_ORGANIZATION.get(unit.kind, OrganizationKind.REGIONAL_UNIT),
            name=unit.name,
        )
        org.seal("contact_phone", unit.phone or "")
    org.unit = unit
    org.save()
    return org
