"""Who may do what in insight: permissions, named role sets and listings."""

from __future__ import annotations

RULES: dict = {}

# Each `*.view` rule and the selector that lists what it allows (checked by the scope matrix test).
LISTINGS: dict[str, str] = {}
