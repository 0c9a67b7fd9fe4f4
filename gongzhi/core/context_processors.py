from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from gongzhi.accounts import permissions


def platform(request: HttpRequest) -> dict:
    context = {
        "GONGZHI_TILE_URL": settings.GONGZHI_TILE_URL,
        "GONGZHI_TILE_GCJ02": settings.GONGZHI_TILE_GCJ02,
        "DEBUG": settings.DEBUG,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from gongzhi.core import calendar

        context["unread_notices"] = user.notices.filter(read_at=None).count()
        context["perms_dashboard"] = permissions.has(user, "dashboard.view")
        context["perms_outbox"] = permissions.has(user, "outbox.view")
        context["user_is_admin"] = user.has_role("admin")
        missing = calendar.missing_years()
        if missing and (user.has_role("admin") or user.has_role("dispatcher")):
            context["calendar_warning"] = _(
                "%(years)s 年的法定节假日安排尚未导入，这些年份的时限暂按周一至周五计算。请管理员在“工作日历”中导入。"
            ) % {"years": "、".join(str(y) for y in missing)}
    return context
