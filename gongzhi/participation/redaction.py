"""Phone and ID numbers taken out of any text before it can be shown in public."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

_ID = re.compile(r"(?<![\dA-Za-z])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[\dXx](?![\dA-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")


def redact(text: str) -> str:
    text = _ID.sub(_("[证件号已隐去]"), text or "")
    text = _MOBILE.sub(_("[电话已隐去]"), text)
    return _LANDLINE.sub(_("[电话已隐去]"), text)


def has_personal_numbers(text: str) -> bool:
    return bool(_ID.search(text or "") or _MOBILE.search(text or "") or _LANDLINE.search(text or ""))
