"""The two workloads written after their code landed: registry import and duplicate lookup
(kept under these names so that `bench.workloads.REGISTRY` needs no change)."""

from __future__ import annotations

from bench.measure import Row
from bench.workloads import duplicates
from bench.workloads import registry_import as registry


def registry_import(scale, log) -> list[Row]:
    """Registry import: residents from xlsx and CSV, rows per second; reference: a bare
    executemany/COPY of the same rows. See bench/workloads/registry_import.py."""
    return registry.run(scale, log)


def duplicate_lookup(scale, log) -> list[Row]:
    """Duplicate lookup of a new case among past ones; reference: brute-force cosine in the same
    window. See bench/workloads/duplicates.py."""
    return duplicates.run(scale, log)
