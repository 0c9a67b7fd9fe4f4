from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "gongzhi.events"
    label = "events"
    verbose_name = _("活动")

    def ready(self) -> None:
        from gongzhi.core.rules import register
        from gongzhi.events import rules

        register(rules.RULES, listings=rules.LISTINGS)
        from gongzhi.core.menu import MenuItem
        from gongzhi.core.menu import register as register_menu

        register_menu(MenuItem("events:index", _("活动"), "event.view", order=74))
