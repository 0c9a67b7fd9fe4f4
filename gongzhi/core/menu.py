"""The staff menu, built from what each app registers and what the user may do.

Each app registers its entries from `AppConfig.ready()`; the top menu shows an entry only to a
user who holds its permission (asked with the user's own scope as the object), so no link leads
to a page that answers "您没有权限". Sections: "main" (the top bar) and "user" (the account menu).
"""

from __future__ import annotations

from dataclasses import dataclass

from gongzhi.core import rules


@dataclass(frozen=True)
class MenuItem:
    url_name: str
    label: str
    permission: str
    order: int = 100
    section: str = "main"

    def visible_to(self, user) -> bool:
        return rules.has(user, self.permission, getattr(user, "scope", None))


_items: dict[str, MenuItem] = {}


def register(*items: MenuItem) -> None:
    for item in items:
        _items[item.url_name] = item


def items_for(user, section: str = "main") -> list[MenuItem]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    chosen = [item for item in _items.values() if item.section == section and item.visible_to(user)]
    return sorted(chosen, key=lambda item: (item.order, item.url_name))


def all_items() -> list[MenuItem]:
    return sorted(_items.values(), key=lambda item: (item.section, item.order, item.url_name))
