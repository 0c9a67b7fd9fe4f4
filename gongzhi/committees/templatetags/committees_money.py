"""`{{ amount|yuan }}` → ¥72,400.00 (grouped by thousands whatever the locale's format says)."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(value) -> str:
    if value in (None, ""):
        return "—"
    return f"¥{Decimal(value):,.2f}"
