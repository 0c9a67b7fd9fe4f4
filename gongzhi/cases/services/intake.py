"""Recording a new case, from staff (any source) or the public."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.cases import deadlines, notify, signals
from gongzhi.cases.models import (
    Action,
    Case,
    CaseCounter,
    Category,
    OutboundMessage,
    Source,
    Status,
)
from gongzhi.cases.services._base import (
    _check_photos,
    _event,
    _require_text,
    _store_photos,
    logger,
)
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.territory import geo
from gongzhi.territory.models import Area, AreaKind
from gongzhi.territory.selectors import area_at


def clean_phone(phone: str, *, required: bool) -> str:
    phone = (phone or "").strip().replace(" ", "").replace("-", "")
    if not phone:
        if required:
            raise DomainError(_("请填写手机号码，以便查询进度和接收办理结果。"))
        return ""
    if not (phone.isdigit() and (len(phone) == 11 and phone.startswith("1") or 7 <= len(phone) <= 12)):
        raise DomainError(_("手机号码格式不正确（应为 11 位手机号或固定电话号码）。"))
    return phone


def _next_number(subdistrict: Area, now: dt.datetime) -> str:
    day = timezone.localdate(now)
    return f"{day:%y%m%d}{subdistrict.code[-3:]}{_take_number(subdistrict.pk, day):04d}"


def _take_number(subdistrict_id: int, day: dt.date) -> int:
    """The day's next number for the subdistrict, in one statement: an INSERT of the day's row
    that, when the row exists, increments it instead (ON CONFLICT … DO UPDATE … RETURNING; the
    unique constraint `casecounter_unique_day` is the conflict target). A concurrent intake of
    the same subdistrict and day waits on the row until the first one's transaction ends, as the
    SELECT … FOR UPDATE before it did, so no two cases get one number. Must run inside the
    case's transaction. Backends without RETURNING (SQLite < 3.35) take the locked read and the
    update (two statements, three on the day's first case)."""
    connection = connections[router.db_for_write(CaseCounter)]
    if connection.features.can_return_columns_from_insert:  # PostgreSQL; SQLite >= 3.35
        quote = connection.ops.quote_name
        table = quote(CaseCounter._meta.db_table)
        sub, day_, last = quote("subdistrict_id"), quote("day"), quote("last")
        # Only quoted identifiers of our own table are formatted in; the values are parameters.
        sql = (
            f"INSERT INTO {table} ({sub}, {day_}, {last}) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT ({sub}, {day_}) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [subdistrict_id, connection.ops.adapt_datefield_value(day)])
            return int(cursor.fetchone()[0])
    counter, _created = CaseCounter.objects.select_for_update().get_or_create(
        subdistrict_id=subdistrict_id, day=day
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _resolve_area(*, area: Area | None, lat: float | None, lng: float | None, within: Area | None) -> Area:
    if lat is not None and lng is not None:
        geo.validate_point(lat, lng)
        found = area_at(lat, lng)
        if found is not None and (area is None or found.path.startswith(area.path)):
            area = found
        elif area is None:
            raise DomainError(_("地图上选的位置不在本平台管辖的区域内，请重新选点或选择所在居民区。"))
    if area is None:
        raise DomainError(_("请选择问题所在的区域，或在地图上选点。"))
    if within is not None and not area.path.startswith(within.path):
        raise DomainError(_("所选区域不在本街道范围内。"))
    if area.kind == AreaKind.DISTRICT or area.subdistrict_id is None:
        raise DomainError(_("请选择到街道以下的具体区域。"))
    return area


def create_case(
    *,
    actor: User | None,
    category: Category,
    title: str,
    description: str,
    source: str,
    area: Area | None = None,
    lat: float | None = None,
    lng: float | None = None,
    address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    photos_: Iterable[UploadedFile] = (),
    subdistrict: Area | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Record a new case. Staff (actor given) file from any source in their scope; the public
    (actor None) file through the web form and must leave a phone number.

    Everything that can refuse (the text, the phone, the place, the permission, the photos) is
    checked before the transaction begins, so a refusal writes nothing, leaves an enclosing
    transaction usable and, on SQLite, never holds the write lock. The writes are then one
    transaction, or part of the caller's without a savepoint of their own (a caller inside
    `transaction.atomic` that fails after create_case rolls the case back with it): the day's
    counter (one statement), the case, its first event, any photos, the message to the reporter.
    The SQL statements an intake sends are counted and listed in
    gongzhi/cases/tests/test_intake_statements.py and docs/scale.md (issue 19)."""
    now = now or timezone.now()
    if source not in Source.values:
        raise DomainError(_("未知的来源：%(source)s") % {"source": source})
    if not category.active or category.parent_id is None:
        raise DomainError(_("请选择一个具体的二级类别。"))
    title = _require_text(title, _("标题"), 120)
    description = _require_text(description, _("问题描述"), 4000)
    reporter_phone = clean_phone(reporter_phone, required=actor is None)
    within = subdistrict if actor is None else None
    area = _resolve_area(area=area, lat=lat, lng=lng, within=within)
    if actor is not None:
        permissions.require(actor, "case.create", area)
    checked_photos = _check_photos(photos_)
    sub = area.subdistrict  # joined by the area lookup of a point; one SELECT otherwise
    case = Case(
        subdistrict=sub,
        area=area,
        category=category,
        source=source,
        title=title,
        description=description,
        address=(address or "").strip()[:200],
        lat=lat,
        lng=lng,
        reporter_name=(reporter_name or "").strip()[:40],
        reporter_phone=reporter_phone,
        reporter_phone_last4=reporter_phone[-4:],
        reported_by=actor,
        status=Status.REPORTED,
    )
    case.created_at = now  # kept by the INSERT (cases.models.ReportedAtField)
    deadlines.set_response_due(case, now)
    case.next_due = deadlines.next_due_of(case)
    with transaction.atomic(savepoint=False):
        case.number = _next_number(sub, now)
        case.save(force_insert=True)
        event = _event(
            case, action=Action.REPORT, actor=actor, from_status="", data={"source": source}, now=now, seq=1
        )
        _store_photos(case, event, checked_photos)
        notify.tell_reporter(case, OutboundMessage.Kind.RECEIVED, at=now)
        transaction.on_commit(lambda: _announce(case))
    return case


def _announce(case: Case) -> None:
    """Tell the listening apps about a new case; one failing listener never breaks intake."""
    for receiver, result in signals.case_reported.send_robust(sender=Case, case=case):
        if isinstance(result, Exception):
            logger.error("case_reported receiver %s failed for %s: %r", receiver, case.number, result)
