"""Opening hours in OpenStreetMap `opening_hours` syntax, parsed by opening-hours-py with the
Chinese public holidays (PH) and read in Shanghai time."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import opening_hours
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.registry.validators import FieldError


@lru_cache(maxsize=2048)
def parse(value: str) -> opening_hours.OpeningHours:
    return opening_hours.OpeningHours(value, country="CN")


def clean(value: str, *, field: str = "opening_hours") -> str:
    """The expression, stripped, or a FieldError with a message a person can act on."""
    value = (value or "").strip()
    if not value:
        raise FieldError(field, _("请填写开放时间，例如 “Mo-Fr 08:00-20:00” 或 “24/7”。"))
    if len(value) > 255:
        raise FieldError(field, _("开放时间过长。"))
    try:
        parse(value)
    except (SyntaxError, ValueError, opening_hours.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise FieldError(
            field,
            _(
                "开放时间“%(value)s”无法识别，请按 OpenStreetMap 格式填写，例如 “Mo-Fr 08:00-20:00; Sa 09:00-12:00; PH off” 或 “24/7”。（%(detail)s）"
            )
            % {"value": value, "detail": first},
        ) from None
    return value


def _local(at: dt.datetime | None) -> dt.datetime:
    at = at or timezone.now()
    if timezone.is_aware(at):
        at = timezone.localtime(at)
    return at.replace(tzinfo=None)


def is_open(value: str, at: dt.datetime | None = None) -> bool | None:
    """Open at `at` (local wall time); None when the expression cannot be read or says unknown."""
    try:
        hours = parse(value)
    except Exception:  # noqa: BLE001 - a stored bad value must not break the map
        return None
    when = _local(at)
    if hours.is_unknown(when):
        return None
    return bool(hours.is_open(when))


def next_change(value: str, at: dt.datetime | None = None) -> dt.datetime | None:
    try:
        change = parse(value).next_change(_local(at))
    except Exception:  # noqa: BLE001
        return None
    return change.replace(tzinfo=None) if change else None


def is_always_open(value: str) -> bool:
    return (value or "").strip() == "24/7"


def describe(value: str, at: dt.datetime | None = None) -> str:
    """ "营业中 · 22:00 关门", "已打烊 · 明天 08:00 开门", "24 小时"."""
    if is_always_open(value):
        return _("24 小时开放")
    state = is_open(value, at)
    if state is None:
        return _("开放时间以现场为准")
    change = next_change(value, at)
    now = _local(at)
    when = ""
    if change is not None:
        day = (change.date() - now.date()).days
        prefix = "" if day == 0 else (_("明天") if day == 1 else change.strftime("%m-%d"))
        when = f"{prefix} {change:%H:%M}".strip()
    if state:
        return _("营业中 · %(when)s 关门") % {"when": when} if when else _("营业中")
    return _("已关门 · %(when)s 开门") % {"when": when} if when else _("已关门")


def open_intervals(value: str, start: dt.datetime | None = None, *, days: int = 7) -> list[list[str]]:
    """The open intervals of the next `days` days as local ISO times with the offset, so a page
    that went offline still knows what is open now (for a week)."""
    begin = _local(start)
    end = begin + dt.timedelta(days=days)
    offset = timezone.localtime(timezone.now()).strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}" if offset else "+08:00"
    try:
        spans = parse(value).intervals(begin, end)
        result = []
        for opens, closes, state, _comment in spans:
            if str(state).lower().endswith("open"):
                closes = closes or end
                result.append(
                    [f"{opens:%Y-%m-%dT%H:%M}{offset}", f"{min(closes, end):%Y-%m-%dT%H:%M}{offset}"]
                )
        return result
    except Exception:  # noqa: BLE001
        return []
