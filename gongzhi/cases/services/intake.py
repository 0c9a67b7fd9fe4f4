"""Recording a new case, from staff (any source) or the public."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
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
    _attach,
    _event,
    _require_text,
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
    counter, _created = CaseCounter.objects.select_for_update().get_or_create(
        subdistrict=subdistrict, day=day
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{day:%y%m%d}{subdistrict.code[-3:]}{counter.last:04d}"


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


@transaction.atomic
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
    (actor None) file through the web form and must leave a phone number."""
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
    case = Case(
        number=_next_number(area.subdistrict, now),
        subdistrict_id=area.subdistrict_id,
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
    case.created_at = now
    deadlines.set_response_due(case, now)
    case.next_due = deadlines.next_due_of(case)
    case.save()
    Case.objects.filter(pk=case.pk).update(created_at=now)  # auto_now_add stamped the clock's time
    case.created_at = now
    event = _event(case, action=Action.REPORT, actor=actor, from_status="", data={"source": source}, now=now)
    _attach(case, event, photos_)
    notify.tell_reporter(case, OutboundMessage.Kind.RECEIVED, at=now)
    transaction.on_commit(lambda: _announce(case))
    return case


def _announce(case: Case) -> None:
    """Tell the listening apps about a new case; one failing listener never breaks intake."""
    for receiver, result in signals.case_reported.send_robust(sender=Case, case=case):
        if isinstance(result, Exception):
            logger.error("case_reported receiver %s failed for %s: %r", receiver, case.number, result)
