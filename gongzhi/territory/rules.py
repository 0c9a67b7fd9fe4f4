"""Areas: a user may read the areas of its scope subtree."""

from __future__ import annotations

from gongzhi.core.rules import in_scope

RULES = {
    "area.view": in_scope,
}
