from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_link(context, name: str, label: str) -> str:
    """A navigation item; silently absent when the page it names is not installed."""
    try:
        url = reverse(name)
    except NoReverseMatch:
        return ""
    request = context.get("request")
    if request and request.path.startswith(url) and url != "/":
        return format_html('<li><a href="{}" aria-current="page">{}</a></li>', url, label)
    return format_html('<li><a href="{}">{}</a></li>', url, label)


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"
