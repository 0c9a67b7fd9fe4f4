"""Bulk import of residents, dwellings and organisations from spreadsheets in the platform's
templates (Chinese headers), and the templates themselves.

`import_rows(kind, rows, actor, dry_run)` is the one entry point (the web wizard, the `gongzhi
import` command and the benchmark call it). It validates every row first and reports every bad
one (row number, column, reason); a real run writes only when no row is bad, in one transaction,
with bulk inserts and updates. Re-importing updates rows instead of duplicating them: residents
are matched by the keyed hash of their ID number, organisations by credit code (else name and
address), dwellings by building and room. Changed facts are kept in RegistryChange, moves in
Residence.
"""

from gongzhi.registry.importing.columns import COLUMNS, KIND_LABELS, KINDS, Column
from gongzhi.registry.importing.readers import read_rows
from gongzhi.registry.importing.report import ImportReport, RowError
from gongzhi.registry.importing.run import import_file, import_rows
from gongzhi.registry.importing.templates import template_csv, template_xlsx, write_template

__all__ = [
    "COLUMNS",
    "KINDS",
    "KIND_LABELS",
    "Column",
    "ImportReport",
    "RowError",
    "import_file",
    "import_rows",
    "read_rows",
    "template_csv",
    "template_xlsx",
    "write_template",
]
