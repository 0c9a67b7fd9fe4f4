"""Open311 client keys: managed by the platform's administrators (no case content)."""

from __future__ import annotations

from gongzhi.core.rules import role

RULES = {
    "apikey.manage": role("admin"),
}
