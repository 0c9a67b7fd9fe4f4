"""What an import found: bad rows (row number, column, reason) and the counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    progress: Callable[[str], None] | None = field(default=None, repr=False, compare=False)

    def step(self, message: str) -> None:
        """Tell whoever watches (the command prints it) how far a long import has got."""
        if self.progress is not None:
            self.progress(message)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})

    def summary(self) -> str:
        mode = _("试导入") if self.dry_run else _("导入")
        if self.errors:
            return _("%(mode)s：共 %(total)d 行，%(bad)d 行有错误，未写入任何数据。") % {
                "mode": mode,
                "total": self.total,
                "bad": self.bad_rows,
            }
        return _("%(mode)s：共 %(total)d 行，新增 %(created)d，更新 %(updated)d，无变化 %(unchanged)d。") % {
            "mode": mode,
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }

    def lines(self) -> list[str]:
        return [_("第 %(row)d 行 [%(column)s]：%(message)s") % e.__dict__ for e in self.errors]
