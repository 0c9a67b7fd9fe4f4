"""What /volunteers/export/ writes, as rows: the service records in the fields of 民政部令67号
《志愿服务记录与证明出具办法》 (who: the volunteer's record number, name, masked phone, real-name
state, unit; the service: activity, place, start, end, hours, source; who recorded it: the area
and the person), the training / awards / evaluations of the volunteers, and the yearly summary of
在职党员双报到 for each unit's party organisation (every registered party member, served or not).
A city volunteer platform imports the CSV (UTF-8 with BOM, for Excel) or the xlsx."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import AccessLog, User
from gongzhi.core import rules as permissions
from gongzhi.core.errors import NotAllowed
from gongzhi.registry.validators import FieldError
from gongzhi.volunteers import selectors
from gongzhi.volunteers.models import Credential

RECORD_FIELDS = [
    "志愿者编号",
    "姓名",
    "手机号（脱敏）",
    "实名状态",
    "所在单位",
    "报到居民区",
    "服务内容",
    "服务地点",
    "开始时间",
    "结束时间",
    "服务时长（小时）",
    "来源",
    "记录区域",
    "记录人",
]
CREDENTIAL_FIELDS = ["志愿者编号", "姓名", "类别", "名称", "日期", "说明"]
PARTY_FIELDS = ["工作单位党组织", "姓名", "报到居民区", "年度", "服务次数", "服务时长（小时）"]
PARTY_UNIT_FIELDS = ["工作单位党组织", "年度", "报到党员", "参加服务人数", "服务次数", "服务时长（小时）"]


@dataclass
class Sheet:
    name: str
    header: list[str]
    rows: list[list]


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _hours(value: Decimal | None) -> str:
    """Hours with two decimals whatever the database's sum returns (SQLite drops the zeros)."""
    return str(Decimal(value or 0).quantize(Decimal("0.01")))


def number(volunteer_id: int) -> str:
    """The volunteer's record number on this platform (the city platform keeps its own)."""
    return f"V{volunteer_id:08d}"


def service_records(user: User, *, since: dt.date | None = None, until: dt.date | None = None) -> Sheet:
    records = selectors.records_for(user).select_related(
        "volunteer__organization", "volunteer__area", "area", "recorded_by"
    )
    if since:
        records = records.filter(started_at__date__gte=since)
    if until:
        records = records.filter(started_at__date__lte=until)
    rows = [
        [
            number(r.volunteer_id),
            r.volunteer.name,
            r.volunteer.phone_mask,
            r.volunteer.get_verification_display(),
            r.volunteer.organization.name if r.volunteer.organization_id else "",
            r.volunteer.area.name,
            r.activity,
            r.place,
            _when(r.started_at),
            _when(r.ended_at),
            _hours(r.hours),
            r.get_source_display(),
            r.area.name,
            str(r.recorded_by or ""),
        ]
        for r in records.order_by("started_at", "pk").iterator(chunk_size=1000)
    ]
    return Sheet("volunteer-service-records", RECORD_FIELDS, rows)


def credentials(user: User) -> Sheet:
    items = (
        Credential.objects.filter(volunteer__in=selectors.volunteers_for(user))
        .select_related("volunteer")
        .order_by("volunteer_id", "on", "pk")
    )
    rows = [
        [number(c.volunteer_id), c.volunteer.name, c.get_kind_display(), c.title, c.on.isoformat(), c.note]
        for c in items
    ]
    return Sheet("volunteer-credentials", CREDENTIAL_FIELDS, rows)


def _party_members(user: User, year: int):
    of_year = Q(records__started_at__year=year)
    return (
        selectors.volunteers_for(user)
        .filter(party_member=True, active=True)
        .annotate(times=Count("records", filter=of_year), hours=Sum("records__hours", filter=of_year))
    )


def party_summary(user: User, *, year: int) -> Sheet:
    """Every party member registered here, with their service of the year (0 when none)."""
    rows = [
        [
            v.party_unit.name if v.party_unit_id else "",
            v.name,
            v.area.name,
            year,
            v.times,
            _hours(v.hours),
        ]
        for v in _party_members(user, year)
        .select_related("party_unit", "area")
        .order_by("party_unit__name", "name", "pk")
    ]
    return Sheet(f"party-service-{year}", PARTY_FIELDS, rows)


def party_units(user: User, *, year: int) -> Sheet:
    """Per unit party organisation: members registered, how many served, times and hours."""
    totals: dict[str, list] = {}
    for v in _party_members(user, year).select_related("party_unit"):
        row = totals.setdefault(v.party_unit.name if v.party_unit_id else "", [0, 0, 0, Decimal(0)])
        row[0] += 1
        row[1] += v.times > 0
        row[2] += v.times
        row[3] += v.hours or Decimal(0)
    rows = [[unit, year, *values[:3], _hours(values[3])] for unit, values in sorted(totals.items())]
    return Sheet(f"party-units-{year}", PARTY_UNIT_FIELDS, rows)


def as_csv(sheet: Sheet) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(sheet.header)
    writer.writerows(sheet.rows)
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def as_xlsx(sheet: Sheet) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    page = book.active
    page.title = sheet.name[:31]
    page.append(sheet.header)
    for row in sheet.rows:
        page.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


KINDS = ("records", "credentials", "party", "party_units")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def sheet_of(
    user: User,
    *,
    kind: str = "records",
    year: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Sheet:
    if kind == "party":
        return party_summary(user, year=year or timezone.localdate().year)
    if kind == "party_units":
        return party_units(user, year=year or timezone.localdate().year)
    if kind == "credentials":
        return credentials(user)
    if kind == "records":
        if since and until and since > until:
            raise FieldError("from", _("起始日期不能晚于截止日期。"))
        return service_records(user, since=since, until=until)
    raise FieldError("kind", _("未知的导出类型。"))


def download(
    user: User,
    *,
    kind: str = "records",
    fmt: str = "csv",
    year: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    ip: str | None = None,
) -> tuple[bytes, str, str]:
    """The file, its content type and its name, for the page and the API alike: checked against
    `volunteer.export`, scoped by the selectors, and logged (a refused export logs nothing)."""
    if user.scope_id is None or not permissions.has(user, "volunteer.export", user.scope):
        raise NotAllowed()
    if fmt not in CONTENT_TYPES:
        raise FieldError("format", _("导出格式应为 csv 或 xlsx。"))
    if year is not None and not 2000 <= year <= 2100:
        raise FieldError("year", _("年度应在2000至2100之间。"))
    sheet = sheet_of(user, kind=kind, year=year, since=since, until=until)
    data = as_xlsx(sheet) if fmt == "xlsx" else as_csv(sheet)
    AccessLog.objects.create(
        user=user, action="export:volunteer_records", object_type="volunteer", reason=sheet.name, ip=ip
    )
    return data, CONTENT_TYPES[fmt], f"{sheet.name}.{fmt}"
