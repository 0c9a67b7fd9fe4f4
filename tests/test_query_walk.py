"""Every list page makes a fixed number of queries whatever the data's size (issue 19).

For every demo role (one account per set of roles), every page of its menus is opened on the demo
and again after the demo has grown (more cases, every app's demo seed run a second time); the
number of SQL statements must be the same. A page that sends one more query per row (N+1) fails
here with the statements it repeats. How the walk works: tests/walk.py, docs/scale.md.
"""

import pytest

from gongzhi.core import calendar
from tests.walk import ONCE_ONLY, DemoSizes, difference, walk

# Pages of apps this change could not touch that still grow, with the statements that repeat.
# Each entry is a known bug to fix in that app, not a pass: the test fails when such a page stops
# growing (remove the entry then) and checks that no other page grows.
KNOWN_GROWING: dict[tuple[str, str], str] = {}


@pytest.mark.timeout(1800)  # builds its own demo: 9-14 minutes on the loaded 2-core machine (docs/scale.md)
def test_no_menu_page_sends_more_queries_on_more_data(db, client, monkeypatch):
    # The working calendar is re-read every 5 minutes; on a slow machine that can fall between a
    # page's two GETs and count as growth (2 statements seen on PostgreSQL under load). The walk
    # measures per-row queries, not the cache's period.
    monkeypatch.setattr(calendar, "_CACHE_SECONDS", float("inf"))
    sizes = DemoSizes(seed=7, cases=30)
    sizes.build()
    small = walk(client)
    sizes.grow(seed=8, cases=30)
    large = walk(client)
    # Every seed not known to be once-only ran again: a seed that starts failing on a second run
    # would leave its lists ungrown without anyone noticing.
    failed = {module: why for module, why in sizes.not_grown.items() if module not in ONCE_ONLY}
    assert not failed, f"these apps' demo seeds failed on a second run: {failed}"

    assert small.keys() == large.keys()
    growing = {
        page: difference(small[page], large[page]) for page in small if len(large[page]) > len(small[page])
    }
    unexpected = {page: why for page, why in growing.items() if page[1] not in KNOWN_GROWING_PAGES}
    report = "\n".join(
        f"{user} {name}: {len(small[(user, name)])} → {len(large[(user, name)])} queries: {why}"
        for (user, name), why in sorted(unexpected.items())
    )
    assert not unexpected, f"pages whose queries grow with the data:\n{report}"
    stopped = KNOWN_GROWING_PAGES - {name for _user, name in growing}
    assert not stopped, f"these pages no longer grow, remove them from KNOWN_GROWING: {sorted(stopped)}"
    print("lists grown only by the cases:", sorted(sizes.not_grown))


KNOWN_GROWING_PAGES = {name for _user, name in KNOWN_GROWING}
