"""The query walk (issue 19): every list page of every demo role's menu, with the SQL each sends,
at two sizes of the same demo, so that a test can assert the count does not grow with the data.

`DemoSizes` builds the demo as `gongzhi demo` does (territory, accounts, categories, cases, then
every app's `demo.seed`), keeping what it needs to add more later; `grow()` adds a second batch of
cases through the same case maker and runs every app's seed again with another seed, each in a
savepoint (the seeds known not to run twice, `ONCE_ONLY`, are skipped; another that fails is
rolled back); both are reported in `DemoSizes.not_grown`, so a test knows which lists did not grow.

`walk(client)` logs in one account per set of roles (as the menu test does) and opens every entry
of its menus twice, counting the second answer's statements (the first fills the per-process
caches: the area index, the calendar, the category model), and returns them per (account, page).
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import random
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.cases.categories import load_categories
from gongzhi.core import menu
from gongzhi.demo import builder, people, territory
from gongzhi.demo.cases import make_cases
from gongzhi.testing.statements import shape

Page = tuple[str, str]  # (username, url name)

# Apps whose demo seed cannot run a second time on the same demo. Empty since 2026-12-04: every
# seed goes on from what the first run made (rooms, committees, branches, scenarios, carers' plans,
# earlier weeks' reports), so every app's lists grow. A seed that stops doing so fails the walk.
ONCE_ONLY: set[str] = set()


@dataclass
class DemoSizes:
    seed: int = 7
    cases: int = 30
    territories: list = field(default_factory=list)
    staff: list = field(default_factory=list)
    not_grown: dict[str, str] = field(default_factory=dict)  # module -> why its seed did not run again
    out: io.StringIO = field(default_factory=io.StringIO)

    def build(self, now: dt.datetime | None = None) -> None:
        now = now or timezone.now()
        self.territories = territory.build(random.Random(f"{self.seed}:territory"))
        accounts = people.Accounts(random.Random(f"{self.seed}:people"))
        self.staff = [people.build(t, accounts) for t in self.territories]
        load_categories()
        make_cases(
            rng=random.Random(f"{self.seed}:cases"),
            territories=list(zip(self.territories, self.staff, strict=True)),
            count=self.cases,
            now=now,
        )
        builder.run_extensions(seed=self.seed, subdistricts=self.subdistricts, stdout=self.out)

    @property
    def subdistricts(self) -> list:
        return [t.subdistrict for t in self.territories]

    def grow(self, *, seed: int, cases: int, now: dt.datetime | None = None) -> None:
        make_cases(
            rng=random.Random(f"{seed}:cases"),
            territories=list(zip(self.territories, self.staff, strict=True)),
            count=cases,
            now=now or timezone.now(),
        )
        for module in builder.extension_modules():
            if module in ONCE_ONLY:
                self.not_grown[module] = "its seed cannot run twice (ONCE_ONLY)"
                continue
            try:
                with transaction.atomic():
                    builder.run_extensions(
                        seed=seed, subdistricts=self.subdistricts, stdout=self.out, modules=[module]
                    )
            except Exception as exc:  # noqa: BLE001 - any reason a seed cannot run twice
                self.not_grown[module] = f"{type(exc).__name__}: {exc}"[:200]


def walkers() -> list[User]:
    """One active account per set of roles (the first by username), as the menu test picks them."""
    chosen: dict[tuple, User] = {}
    for user in User.objects.filter(is_active=True).exclude(scope=None).order_by("username"):
        chosen.setdefault(tuple(sorted(user.role_codes)), user)
    return list(chosen.values())


def walk(client, users: list[User] | None = None) -> dict[Page, list[str]]:
    """Every menu page of every walker: the SQL of the second of two GETs, per (username, url name)."""
    found: dict[Page, list[str]] = {}
    for user in users or walkers():
        client.force_login(user)
        for item in menu.items_for(user) + menu.items_for(user, "user"):
            url = reverse(item.url_name)
            first = client.get(url)
            assert first.status_code == 200, (user.username, item.url_name, first.status_code)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            assert response.status_code == 200, (user.username, item.url_name, response.status_code)
            found[(user.username, item.url_name)] = [q["sql"] for q in captured.captured_queries]
    return found


def difference(small: list[str], large: list[str]) -> str:
    """What the larger page sends more of, as statement shapes ("SELECT registry_resident" ×3)."""
    more = Counter(shape(sql) for sql in large) - Counter(shape(sql) for sql in small)
    lines = [f"{n}× {what}" for what, n in more.most_common()]
    extra = [line for line in difflib.unified_diff(small, large, lineterm="", n=0) if line.startswith("+ ")]
    return "; ".join(lines) + ("\n    e.g. " + extra[0][2:300] if extra else "")
