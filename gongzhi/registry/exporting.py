"""Export of the registry to Excel and CSV in the import templates' columns: limited to the
user's scope, masked unless the user may reveal and asks for clear values with a reason, with
spreadsheet formula injection neutralised, and written to the access log. A clear export counts
its rows against the daily cap on clear values it shares with reveals."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gongzhi.accounts import otp
from gongzhi.accounts.models import AccessLog, User
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.registry import selectors, services
from gongzhi.registry.importing import COLUMNS, KIND_LABELS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe
    (OWASP CSV injection); numbers and dates pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _sealed(obj, field: str, clear: bool) -> str:
    return obj.unseal(field) if clear else getattr(obj, f"{field}_mask")


def _label(choices_obj, field: str) -> str:
    return str(getattr(choices_obj, f"get_{field}_display")())


def _resident_rows(qs, clear: bool) -> Iterator[list]:
    qs = qs.select_related("area", "dwelling", "household").prefetch_related("tags__tag")
    for r in qs.iterator(chunk_size=2000):
        tags = "、".join(sorted({rt.tag.name for rt in r.tags.all() if rt.current()}))
        yield [
            r.area.code,
            r.dwelling.room if r.dwelling_id else "",
            r.household.label if r.household_id else "",
            r.name,
            _label(r, "id_type"),
            _sealed(r, "id_number", clear),
            _sealed(r, "phone", clear),
            _label(r, "registration_type"),
            _label(r, "living_status"),
            _label(r, "relation"),
            r.moved_in_on.isoformat() if r.moved_in_on else "",
            r.moved_out_on.isoformat() if r.moved_out_on else "",
            tags,
            r.note,
        ]


def _dwelling_rows(qs, clear: bool) -> Iterator[list]:
    for d in qs.select_related("area").iterator(chunk_size=2000):
        yield [
            d.area.code,
            d.room,
            d.address,
            _label(d, "use"),
            str(d.floor_area) if d.floor_area is not None else "",
            d.owner_name,
            _sealed(d, "owner_phone", clear),
            d.note,
        ]


def _organization_rows(qs, clear: bool) -> Iterator[list]:
    for o in qs.select_related("area", "party_organization").iterator(chunk_size=2000):
        yield [
            o.area.code,
            o.name,
            _label(o, "kind"),
            o.credit_code,
            o.address,
            "" if o.lng is None else o.lng,
            "" if o.lat is None else o.lat,
            o.contact_name,
            _sealed(o, "contact_phone", clear),
            _("是") if o.party_covered else _("否"),
            o.party_organization.name if o.party_organization_id else "",
            "" if o.employees is None else o.employees,
            o.note,
        ]


def export_rows(
    kind: str,
    *,
    user: User,
    clear: bool = False,
    reason: str = "",
    ip: str | None = None,
    only: QuerySet | None = None,
    label: str = "",
) -> tuple[list[str], Iterator[list]]:
    """Headers and rows for `kind` as `user` may see them; logs the export. `only` narrows the
    rows to a selection (e.g. a tag list); it can never widen them beyond the user's scope."""
    if kind not in COLUMNS:
        raise DomainError(_("未知的导出类型：%(kind)s") % {"kind": kind})
    permissions.require(user, "registry.export", user.scope)
    if clear:
        permissions.require(user, "resident.reveal", user.scope)
        if len((reason or "").strip()) < 2:
            raise DomainError(_("导出明文证件号码和电话须填写原因。"))
        otp.require_step_up(user)  # a fresh second-factor code (等保 8.1.4.1 d, A13)
    qs = {
        "residents": selectors.residents_for(user),
        "dwellings": selectors.dwellings_for(user),
        "organizations": selectors.organizations_for(user),
    }[kind]
    if only is not None:
        qs = qs.filter(pk__in=only.values("pk"))
    count = qs.count()
    log = {
        "user": user,
        "action": "export:clear" if clear else "export:masked",
        "object_type": (f"{kind}:{label}" if label else kind)[:40],
        "object_id": str(count),
        "reason": (reason or "")[:200],
        "ip": ip,
    }
    if clear:
        # Every clear row counts against the daily cap shared with reveals; an export that would
        # pass it is refused whole (TooMany) and logs nothing. The rows are cut to the number
        # counted, so rows added meanwhile cannot slip out uncounted.
        with services.clear_value_budget(user, count, export=True):
            AccessLog.objects.create(**log)
        qs = qs[:count]
    else:
        AccessLog.objects.create(**log)
    producer = {
        "residents": _resident_rows,
        "dwellings": _dwelling_rows,
        "organizations": _organization_rows,
    }[kind]
    headers = [c.header for c in COLUMNS[kind]]
    return headers, (list(map(neutralise, row)) for row in producer(qs, clear))


def to_csv(headers: list[str], rows: Iterator[list]) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def to_xlsx(headers: list[str], rows: Iterator[list], *, title: str = "") -> bytes:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title or "export")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_bytes(
    kind: str,
    fmt: str,
    *,
    user: User,
    clear: bool = False,
    reason: str = "",
    ip: str | None = None,
    only: QuerySet | None = None,
    label: str = "",
) -> bytes:
    headers, rows = export_rows(kind, user=user, clear=clear, reason=reason, ip=ip, only=only, label=label)
    if fmt == "xlsx":
        return to_xlsx(headers, rows, title=str(KIND_LABELS[kind]))
    return to_csv(headers, rows)
