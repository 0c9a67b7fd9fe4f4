from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TextConfig(AppConfig):
    name = "gongzhi.text"
    label = "text"
    verbose_name = _("文本分析")

    def ready(self) -> None:
        from gongzhi.core.rules import register
        from gongzhi.text import rules

        register(rules.RULES)
        from django.utils.translation import gettext_lazy as _

        from gongzhi.core.menu import MenuItem
        from gongzhi.core.menu import register as register_menu

        register_menu(MenuItem("text:hot", _("热点"), "text.hot", order=70))

        from gongzhi.cases.signals import case_reported
        from gongzhi.text.receivers import record_intake_suggestion

        case_reported.connect(record_intake_suggestion, dispatch_uid="text.record_intake_suggestion")
