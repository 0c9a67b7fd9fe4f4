"""`{% reporter_phone number %}`: a reporter's number as the viewing user may see it (the one
rule, `cases.selectors.reporter_phone_for`; masked where no user is known)."""

from django import template

from gongzhi.cases.selectors import reporter_phone_for
from gongzhi.registry.crypto import mask_phone

register = template.Library()


@register.simple_tag(takes_context=True)
def reporter_phone(context: template.Context, phone: str) -> str:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_authenticated:
        return mask_phone(phone or "")
    return reporter_phone_for(user, phone)
