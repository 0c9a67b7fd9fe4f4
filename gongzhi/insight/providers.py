"""The provider registry: each source app contributes named sections, interactions and figures.

insight is the top layer and reads every app below it, but it reads each one through a small
provider registered here, keyed by the app's label and active only when that app's models are
installed. A new app joins with a few lines in `gongzhi/insight/sources/<label>.py`:

    register(Provider(
        label="care",
        requires=("care.CheckIn",),
        report_section=care_section,         # (ReportContext) -> Section | None
        interactions=care_interactions,      # (IndexContext) -> Iterable[Interaction]
        cockpit_figures=care_figures,        # (CockpitContext) -> list[Figure]
    ))

Nothing in a provider writes: they only read and count (docs/insight.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.apps import apps

from gongzhi.territory.models import Area


@dataclass
class Figure:
    key: str
    label: str
    value: Any
    url: str = ""
    hint: str = ""


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    # One link per row (or ""), e.g. the case each row is about.
    links: list[str] = field(default_factory=list)


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class ReportContext:
    """A grid and a week [start, end): what a report section counts."""

    grid: Area
    start: dt.date
    end: dt.date
    now: dt.datetime
    # Decisions of earlier reports of this grid, for the carry-over section.
    previous_report_id: int | None = None


@dataclass
class Interaction:
    """`n` interactions of `kind` in area `area_id` (any level), by household where known."""

    kind: str
    area_id: int
    n: int
    household_id: int | None = None


@dataclass
class IndexContext:
    subdistrict: Area
    start: dt.datetime  # the month, aware datetimes [start, end)
    end: dt.datetime


@dataclass
class CockpitContext:
    root: Area
    user: Any
    now: dt.datetime


@dataclass
class Provider:
    label: str
    # "app_label.Model" names that must exist for the provider to be active.
    requires: tuple[str, ...] = ()
    report_section: Callable[[ReportContext], Section | None] | None = None
    interactions: Callable[[IndexContext], Iterable[Interaction]] | None = None
    cockpit_figures: Callable[[CockpitContext], list[Figure]] | None = None
    order: int = 100

    @property
    def active(self) -> bool:
        for name in self.requires:
            try:
                apps.get_model(name)
            except LookupError:
                return False
        return True


_providers: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    _providers[provider.label] = provider


def active() -> list[Provider]:
    return sorted((p for p in _providers.values() if p.active), key=lambda p: (p.order, p.label))


def all_providers() -> list[Provider]:
    return sorted(_providers.values(), key=lambda p: (p.order, p.label))


def load() -> None:
    """Import every module of gongzhi.insight.sources (each registers its providers and rules)."""
    import importlib
    import pkgutil

    from gongzhi.insight import sources

    for module in pkgutil.iter_modules(sources.__path__):
        importlib.import_module(f"{sources.__name__}.{module.name}")
