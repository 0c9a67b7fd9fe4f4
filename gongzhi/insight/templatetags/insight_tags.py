"""The insight menu bar: which of its pages the user may open."""

from django import template

from gongzhi.core import rules

register = template.Library()


class _Perms:
    def __init__(self, user) -> None:
        scope = getattr(user, "scope", None)
        self.weeklyreport = rules.has(user, "weeklyreport.view", scope)
        self.index = rules.has(user, "interactionindex.view", scope)
        self.alerts = rules.has(user, "alert.view", scope)
        self.cockpit = rules.has(user, "cockpit.view", scope)


@register.simple_tag(takes_context=True)
def insight_perms(context):
    return _Perms(context["request"].user)
