"""Building the whole demo: territory, units and accounts, categories, cases, then whatever the
other apps add through their own `demo.py` modules."""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.cases.categories import load_categories
from gongzhi.demo import people, territory
from gongzhi.demo.cases import make_cases
from gongzhi.territory.models import Area

DEFAULT_CASES = 300


@dataclass
class DemoResult:
    subdistricts: list[Area]
    staff: list[people.Staff]
    categories: int
    statuses: Counter
    extensions: list[str] = field(default_factory=list)

    @property
    def main_accounts(self) -> list[User]:
        return [user for staff in self.staff for user in staff.main]

    @property
    def all_accounts(self) -> list[User]:
        return [user for staff in self.staff for user in staff.everyone]


def extension_modules() -> list[str]:
    """`gongzhi.X.demo` for every installed app `gongzhi.X` that has one, in INSTALLED_APPS order."""
    names = []
    for config in apps.get_app_configs():
        if not config.name.startswith("gongzhi.") or config.name == "gongzhi.demo":
            continue
        module = f"{config.name}.demo"
        if importlib.util.find_spec(module) is not None:
            names.append(module)
    return names


def run_extensions(
    *, seed: int, subdistricts: list[Area], stdout: TextIO, modules: list[str] | None = None
) -> list[str]:
    """Call `seed(rng=, subdistricts=, stdout=)` of each extension module; returns those called.
    Each gets its own random stream, so adding one extension does not change another's data."""
    called = []
    for module_name in extension_modules() if modules is None else modules:
        seed_function = getattr(importlib.import_module(module_name), "seed", None)
        if seed_function is None:
            continue
        seed_function(rng=random.Random(f"{seed}:{module_name}"), subdistricts=subdistricts, stdout=stdout)
        called.append(module_name)
    return called


def build_demo(
    *, seed: int = 2026, cases: int = DEFAULT_CASES, now: dt.datetime | None = None, stdout: TextIO
) -> DemoResult:
    """Build the demo on an empty database, all or nothing. The same seed gives the same demo."""
    now = now or timezone.now()
    with transaction.atomic():
        territories = territory.build(random.Random(f"{seed}:territory"))
        stdout.write(f"区域：{Area.objects.count()} 个（{'、'.join(t.spec.name for t in territories)}）\n")
        accounts = people.Accounts(random.Random(f"{seed}:people"))
        staff = [people.build(t, accounts) for t in territories]
        stdout.write(f"账号：{User.objects.count()} 个\n")
        count = load_categories()
        statuses = make_cases(
            rng=random.Random(f"{seed}:cases"),
            territories=list(zip(territories, staff, strict=True)),
            count=cases,
            now=now,
        )
        stdout.write(f"工单：{sum(statuses.values())} 件\n")
        subdistricts = [t.subdistrict for t in territories]
        result = DemoResult(subdistricts, staff, count, statuses)
        result.extensions = run_extensions(seed=seed, subdistricts=subdistricts, stdout=stdout)
    return result
