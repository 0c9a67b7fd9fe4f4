from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TextConfig(AppConfig):
    name = "gongzhi.text"
    label = "text"
    verbose_name = _("文本分析")
