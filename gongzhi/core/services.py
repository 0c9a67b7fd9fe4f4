"""Writes to what every app shares: the official calendar."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core import calendar, events
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.core.models import CalendarDay, CalendarYear

KINDS = {"休": False, "班": True, "holiday": False, "workday": True}


def parse_schedule(text: str, year: int) -> list[tuple[dt.date, bool, str]]:
    """Rows of "date,type,name" (type 休/班); every error names its line."""
    rows = []
    errors = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip() or row[0].strip() in ("date", "日期"):
            continue
        if len(row) < 2:
            errors.append(_("第 %(n)d 行：需要“日期,类型,名称”三列。") % {"n": number})
            continue
        try:
            day = dt.date.fromisoformat(row[0].strip())
        except ValueError:
            errors.append(
                _("第 %(n)d 行：日期“%(v)s”格式不对，应为 2027-01-01。") % {"n": number, "v": row[0]}
            )
            continue
        if day.year != year:
            errors.append(_("第 %(n)d 行：日期 %(d)s 不在 %(y)d 年。") % {"n": number, "d": day, "y": year})
            continue
        kind = row[1].strip()
        if kind not in KINDS:
            errors.append(_("第 %(n)d 行：类型应为“休”或“班”，而不是“%(v)s”。") % {"n": number, "v": kind})
            continue
        rows.append((day, KINDS[kind], (row[2].strip() if len(row) > 2 else "")[:40]))
    if errors:
        raise DomainError("；".join(errors[:20]))
    if not rows:
        raise DomainError(_("文件中没有任何日期。"))
    return rows


@transaction.atomic
def import_calendar(*, actor, year: int, text: str | bytes) -> int:
    """Replace a year's official schedule (all or nothing) and mark the year as known."""
    permissions.require(actor, "calendar.manage")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DomainError(_("文件不是 UTF-8 编码的 CSV。")) from exc
    rows = parse_schedule(text, year)
    CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create([CalendarDay(date=d, is_workday=w, name=n) for d, w, n in rows])
    row, _created = CalendarYear.objects.update_or_create(
        year=year, defaults={"source": f"imported by {actor.username}"}
    )
    events.audit(actor=actor, action="calendar.import", target=row, data={"year": year, "days": len(rows)})
    transaction.on_commit(calendar.invalidate)
    return len(rows)
