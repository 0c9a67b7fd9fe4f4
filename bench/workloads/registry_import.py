"""Registry import: residents from an .xlsx and a .csv file in the platform's own template
(Chinese headers), end to end through `gongzhi.registry.importing.import_file` (what the `gongzhi
import` command and the web wizard call: file parsing, validation, sealing of ID numbers and
phones, bulk writes): a dry run, a real run into empty buildings, and a re-import of the same file
(every row matched by its ID-number hash: updates only, no duplicates).

Rows come from `gongzhi.registry.demo.resident_rows` (valid, fictitious ID numbers), spread over
the buildings of the first generated subdistrict. The residents, households, dwellings and change
history of that subdistrict are deleted before and after (the cases are not touched).

Reference: a bare executemany (SQLite) / COPY (PostgreSQL) of the same rows, as plain text
columns, into a scratch table of the same database, in one transaction (dropped afterwards)."""

from __future__ import annotations

import csv
import tempfile
import time
from pathlib import Path

from django.db import connection, transaction

from bench.measure import Row
from gongzhi.registry import demo, importing
from gongzhi.registry.models import Dwelling, Household, RegistryChange, Residence, Resident, ResidentTag
from gongzhi.territory.models import Area

SCRATCH = "bench_scratch_residents"


def _size(scale) -> int:
    return 2_000 if scale.name.startswith("tiny") else 100_000


def _clean(subdistrict: Area) -> None:
    """Remove what an earlier import left in the subdistrict (raw deletes: no row-by-row cascade)."""
    with transaction.atomic():
        Household.objects.filter(subdistrict=subdistrict).update(head=None)
        for model in (ResidentTag, Residence, RegistryChange, Resident, Household, Dwelling):
            qs = model.objects.filter(subdistrict=subdistrict)
            qs._raw_delete(qs.db)


def _write_files(rows: list[dict], folder: Path) -> dict[str, Path]:
    import openpyxl

    headers = [c.header for c in importing.COLUMNS["residents"]]
    csv_path = folder / "residents.csv"
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        for r in rows:
            writer.writerow([r.get(h, "") for h in headers])
    xlsx_path = folder / "residents.xlsx"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("实有人口")
    sheet.append(headers)
    for r in rows:
        sheet.append([r.get(h, "") for h in headers])
    book.save(xlsx_path)
    return {"CSV": csv_path, "xlsx": xlsx_path}


def _reference(rows: list[dict]) -> float:
    """Seconds for a bare bulk insert of the same rows (text columns) into a scratch table."""
    headers = list(rows[0])
    values = [[r[h] for h in headers] for r in rows]
    cols = ", ".join(f"c{i} text" for i in range(len(headers)))
    names = ", ".join(f"c{i}" for i in range(len(headers)))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        cursor.execute(f"CREATE TABLE {SCRATCH} (id integer primary key, {cols})")
    try:
        began = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {SCRATCH} (id, {names}) FROM STDIN") as copy:
                    for i, v in enumerate(values):
                        copy.write_row([i, *v])
            else:
                marks = ", ".join(["%s"] * (len(headers) + 1))
                cursor.executemany(
                    f"INSERT INTO {SCRATCH} (id, {names}) VALUES ({marks})",
                    [[i, *v] for i, v in enumerate(values)],
                )
        return time.perf_counter() - began
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")


def _timed(fn):
    began = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - began


def run(scale, log) -> list[Row]:
    n = _size(scale)
    subdistrict = Area.objects.filter(kind="subdistrict", code__startswith="BENCH-").order_by("pk").first()
    if subdistrict is None:
        return [Row("registry import", "", "", skipped="no generated subdistrict in the bench database")]
    codes = list(
        Area.objects.filter(kind="building", subdistrict=subdistrict)
        .order_by("pk")
        .values_list("code", flat=True)
    )
    rows = demo.resident_rows(n, area_codes=codes)
    reference = _reference(rows)
    ref_text = (
        f"bare {'COPY' if connection.vendor == 'postgresql' else 'executemany'} {n / reference:,.0f} rows/s"
    )
    size = f"{n:,} residents, {len(codes):,} buildings"
    out: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="gongzhi-bench-") as tmp:
        files = _write_files(rows, Path(tmp))
        for fmt, path in files.items():
            _clean(subdistrict)
            parsed, read = _timed(lambda p=path: importing.read_rows("residents", p))
            assert len(parsed) == n, (fmt, len(parsed))
            runs = [
                ("dry run", True, lambda r: r.ok and r.created == n),
                ("import", False, lambda r: r.ok and r.created == n),
                ("re-import same file", False, lambda r: r.ok and r.created == 0),
            ]
            for label, dry_run, ok in runs:
                log(f"  {fmt} {label}")
                report, seconds = _timed(
                    lambda p=path, d=dry_run: importing.import_file("residents", p, None, dry_run=d)
                )
                residents = Resident.objects.filter(subdistrict=subdistrict).count()
                checked = ok(report) and residents == (0 if dry_run and label == "dry run" else n)
                note = (
                    f"{'✓' if checked else '✗'} {report.created:,} new / {report.updated:,} updated / "
                    f"{report.unchanged:,} unchanged, {residents:,} residents in the table; "
                    f"file parsing alone {read:.1f} s"
                )
                if not report.ok:
                    note += f"; errors: {report.lines()[:2]}"
                out.append(
                    Row(
                        f"registry import {fmt}: {label}",
                        size,
                        f"{n / seconds:,.0f} rows/s ({seconds:.1f} s)",
                        ref_text,
                        seconds / reference,
                        note=note,
                        values={"seconds": seconds, "reference": reference, "read": read, "ok": checked},
                    )
                )
    _clean(subdistrict)
    return out
