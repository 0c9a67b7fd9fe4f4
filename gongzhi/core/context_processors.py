from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from gongzhi.core import menu
from gongzhi.core import rules as permissions


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
        context["menu"] = menu.items_for(user)
        context["user_menu"] = menu.items_for(user, "user")
        missing = calendar.missing_years()
        if missing and permissions.has(user, "calendar.warning"):
            context["calendar_warning"] = _(
                "%(years)s 年的法定节假日安排尚未导入，这些年份的时限暂按周一至周五计算。请管理员在“工作日历”中导入。"
            ) % {"years": "、".join(str(y) for y in missing)}
    return context
