"""The entry points: validate every row, then write all or nothing."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core.errors import DomainError
from gongzhi.registry.importing.common import _normalise, _widen_cache
from gongzhi.registry.importing.dwellings import _import_dwellings
from gongzhi.registry.importing.organizations import _import_organizations
from gongzhi.registry.importing.readers import read_rows
from gongzhi.registry.importing.report import ImportReport, RowError
from gongzhi.registry.importing.residents import _import_residents

_IMPORTERS: dict[str, Callable] = {
    "dwellings": _import_dwellings,
    "residents": _import_residents,
    "organizations": _import_organizations,
}


def import_rows(
    kind: str,
    rows: Iterable[dict],
    actor: User | None,
    dry_run: bool = True,
    *,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Validate and (unless `dry_run`) write `rows` (dicts keyed by column key or Chinese header;
    row 1 is taken to be the header, so the first row is reported as row 2). A real run writes
    all rows or none. `actor` None is the system (the command line): no scope limit."""
    if kind not in _IMPORTERS:
        raise DomainError(_("未知的导入类型：%(kind)s") % {"kind": kind})
    with _no_gc():
        return _import_rows(kind, rows, actor, dry_run, progress)


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Hundreds of thousands of live objects make the cyclic garbage collector rescan them again
    and again (quadratic time); an import makes no cycles worth collecting while it runs."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _import_rows(
    kind: str, rows: Iterable[dict], actor: User | None, dry_run: bool, progress
) -> ImportReport:
    rows = _normalise(rows, kind)
    report = ImportReport(kind=kind, dry_run=dry_run, total=len(rows), progress=progress)
    report.step(_("检查 %(n)d 行…") % {"n": len(rows)})
    if dry_run:
        _IMPORTERS[kind](rows, actor, report, True)
        return report
    with transaction.atomic():
        _widen_cache()
        _IMPORTERS[kind](rows, actor, report, False)
        if report.errors:
            transaction.set_rollback(True)
            report.created = report.updated = report.unchanged = 0
    return report


def import_file(
    kind: str,
    path: str | Path,
    actor: User | None,
    *,
    dry_run: bool,
    filename: str = "",
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    if progress:
        progress(_("读取文件…"))
    try:
        with _no_gc():
            rows = read_rows(kind, path, filename=filename)
    except DomainError as exc:
        report = ImportReport(kind=kind, dry_run=dry_run)
        report.errors.append(RowError(1, _("文件"), exc.message))
        return report
    return import_rows(kind, rows, actor, dry_run=dry_run, progress=progress)
