"""The time limits of people's mediation. Defaults from the law and the Ministry of Justice's
rules; a deployment overrides any of them with `GONGZHI_MEDIATION = {...}` in its settings."""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    # 人民调解法 第十七条: the committee accepts an application "及时"; three working days is the
    # usual local reading (a choice of ours, editable).
    "accept_working_days": 3,
    # 《人民调解工作若干规定》第三十六条: "人民调解委员会调解纠纷，一般在一个月内调结" (calendar days).
    "mediate_days": 30,
    # One extension with the parties' consent, as local rules allow (a choice of ours, editable).
    "extend_days": 30,
    # 人民调解法 第三十三条: both parties may apply to the court for judicial confirmation within
    # 30 days of the agreement taking effect.
    "confirm_days": 30,
    # Follow-up on whether the agreement held, counted in the figures "held after 3 months".
    "first_follow_up_days": 15,
    "held_check_days": 90,
}


def limit(name: str) -> int:
    return int(getattr(settings, "GONGZHI_MEDIATION", {}).get(name, DEFAULTS[name]))
