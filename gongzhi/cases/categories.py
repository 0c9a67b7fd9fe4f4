"""Loading the two-level category tree from a CSV file.

The packaged file (`cases/data/categories.csv`) holds the government's 15 first-level classes
and their second-level classes, plus the community classes a subdistrict meets every day. A
deployment can load its own file with the same columns; rows are matched by `code`, so a file can
be loaded again after editing (an upsert, never a duplicate). The optional `public` column is
the category's position on the residents' report form (empty: staff only); the packaged file
offers the community classes (16xx), and a deployment chooses its own in its file or in the
admin site (Category.public_sort).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.cases.models import Category, Tier
from gongzhi.core.errors import DomainError

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "categories.csv"

COLUMNS = [
    "code",
    "name",
    "parent_code",
    "default_unit_name",
    "default_tier",
    "response_hours",
    "reply_days",
    "close_days",
    "keywords",
    "description",
]


@dataclass(frozen=True)
class _Row:
    line: int
    code: str
    name: str
    parent_code: str
    default_unit_name: str
    default_tier: int
    response_hours: int
    reply_days: int
    close_days: int
    keywords: str
    description: str
    # The public form's position (None: not offered to residents); `present`: the file has the column.
    public_sort: int | None = None
    public_present: bool = False


def _error(line: int, message: str) -> DomainError:
    return DomainError(_("类别文件第 %(line)d 行：%(message)s") % {"line": line, "message": message})


def _text(raw: dict, column: str, line: int, max_length: int, *, required: bool = False) -> str:
    value = (raw.get(column) or "").strip()
    if required and not value:
        raise _error(line, _("“%(column)s”不能为空。") % {"column": column})
    if len(value) > max_length:
        raise _error(line, _("“%(column)s”不能超过 %(n)d 个字符。") % {"column": column, "n": max_length})
    return value


def _number(raw: dict, column: str, line: int, default: int, *, low: int, high: int) -> int:
    value = (raw.get(column) or "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _error(
            line, _("“%(column)s”应为整数，而不是“%(value)s”。") % {"column": column, "value": value}
        ) from None
    if not low <= number <= high:
        raise _error(
            line,
            _("“%(column)s”应在 %(low)d 到 %(high)d 之间。") % {"column": column, "low": low, "high": high},
        )
    return number


def _public(raw: dict, line: int) -> int | None:
    """The optional `public` column: the category's position on the residents' form, or empty."""
    value = (raw.get("public") or "").strip()
    if not value:
        return None
    return _number(raw, "public", line, 0, low=1, high=100000)


def _read(path: Path) -> list[_Row]:
    try:
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise DomainError(
            _("无法读取类别文件 %(path)s：%(error)s") % {"path": path, "error": exc.strerror}
        ) from exc
    with handle:
        try:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise _error(1, _("缺少列：%(columns)s。") % {"columns": "、".join(missing)})
            raw_rows = [(reader.line_num, raw) for raw in reader]
        except UnicodeDecodeError as exc:
            raise DomainError(_("类别文件不是 UTF-8 编码。")) from exc
        except csv.Error as exc:
            raise DomainError(_("类别文件格式错误：%(error)s") % {"error": exc}) from exc
    rows = []
    for line, raw in raw_rows:
        if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue  # a blank line
        if None in raw:
            raise _error(line, _("列数多于表头。"))
        rows.append(
            _Row(
                line=line,
                code=_text(raw, "code", line, 20, required=True),
                name=_text(raw, "name", line, 60, required=True),
                parent_code=_text(raw, "parent_code", line, 20),
                default_unit_name=_text(raw, "default_unit_name", line, 80),
                default_tier=_number(raw, "default_tier", line, Tier.NEIGHBOURHOOD, low=1, high=3),
                response_hours=_number(raw, "response_hours", line, 4, low=1, high=720),
                reply_days=_number(raw, "reply_days", line, 5, low=1, high=365),
                close_days=_number(raw, "close_days", line, 10, low=1, high=365),
                keywords=_text(raw, "keywords", line, 300),
                description=_text(raw, "description", line, 300),
                public_sort=_public(raw, line),
                public_present="public" in raw,
            )
        )
    return rows


def _check_tree(rows: list[_Row]) -> None:
    """Two levels: a parent is a top-level class of the file or of the database."""
    seen: dict[str, _Row] = {}
    for row in rows:
        if row.code in seen:
            raise _error(
                row.line,
                _("编码“%(code)s”与第 %(other)d 行重复。") % {"code": row.code, "other": seen[row.code].line},
            )
        seen[row.code] = row
    existing = {c.code: c.parent_id for c in Category.objects.only("code", "parent_id")}
    for row in rows:
        if not row.parent_code:
            continue
        if row.parent_code == row.code:
            raise _error(row.line, _("类别不能以自己为上级。"))
        if row.parent_code in seen:
            parent_is_top = not seen[row.parent_code].parent_code
        elif row.parent_code in existing:
            parent_is_top = existing[row.parent_code] is None
        else:
            raise _error(row.line, _("上级编码“%(code)s”不存在。") % {"code": row.parent_code})
        if not parent_is_top:
            raise _error(
                row.line,
                _("上级“%(code)s”本身是二级类别；类别只有两级。") % {"code": row.parent_code},
            )


def load_categories(*, path: Path | str = DEFAULT_PATH) -> int:
    """Create or update every category in the CSV file at `path` (matched by code); returns the
    number of rows loaded. A bad row stops the load with its line number and writes nothing."""
    rows = _read(Path(path))
    _check_tree(rows)
    with transaction.atomic():
        by_code = {
            c.code: c for c in Category.objects.select_for_update().filter(code__in=[r.code for r in rows])
        }
        # Top-level rows first, so that every child finds its parent.
        for sort, row in sorted(enumerate(rows), key=lambda item: bool(item[1].parent_code)):
            category = by_code.get(row.code) or Category(code=row.code)
            category.name = row.name
            category.parent = (
                by_code[row.parent_code]
                if row.parent_code in by_code
                else (Category.objects.get(code=row.parent_code) if row.parent_code else None)
            )
            category.default_unit_name = row.default_unit_name
            category.default_tier = row.default_tier
            category.response_hours = row.response_hours
            category.reply_days = row.reply_days
            category.close_days = row.close_days
            category.keywords = row.keywords
            category.description = row.description
            category.sort = sort
            if row.public_present:  # a file without the column leaves the deployment's choice
                category.public_sort = row.public_sort
            category.save()
            by_code[row.code] = category
        # A class the file turns into a second-level one must not keep children of its own.
        nested = Category.objects.filter(parent__isnull=False, children__isnull=False).first()
        if nested is not None:
            line = next((r.line for r in rows if r.code == nested.code), 0)
            raise _error(line, _("“%(name)s”已有下级类别，不能再作为二级类别。") % {"name": nested.name})
    return len(rows)
