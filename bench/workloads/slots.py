"""Workloads whose code other issues are writing. Each runs when its function exists and says
why it was skipped otherwise, so that the table always shows the slot."""

from __future__ import annotations

import importlib

from bench.measure import Row


def _find(module: str, name: str):
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def registry_import(scale, log) -> list[Row]:
    """Registry import: 100,000 residents from xlsx and CSV, rows per second; reference: a bare
    executemany/COPY of the same rows. TODO(registry): write when import_rows exists."""
    import_rows = _find("gongzhi.registry.services", "import_rows")
    if import_rows is None:
        return [
            Row(
                "registry import 100k residents",
                "",
                "",
                skipped="gongzhi.registry.services.import_rows does not exist yet",
            )
        ]
    return [
        Row(
            "registry import 100k residents",
            "",
            "",
            skipped="import_rows exists; its benchmark is not written yet (TODO)",
        )
    ]


def duplicate_lookup(scale, log) -> list[Row]:
    """Duplicate lookup of a new case among recent ones. TODO(text): write when DuplicateIndex exists."""
    index = _find("gongzhi.text.duplicates", "DuplicateIndex")
    if index is None:
        return [
            Row(
                "duplicate lookup",
                "",
                "",
                skipped="gongzhi.text.duplicates.DuplicateIndex does not exist yet",
            )
        ]
    return [
        Row(
            "duplicate lookup",
            "",
            "",
            skipped="DuplicateIndex exists; its benchmark is not written yet (TODO)",
        )
    ]
