"""Checks of identifiers and contact data, with Chinese messages a clerk can act on.

- Resident ID (居民身份证号码, GB 11643-1999): 17 digits + a check character computed with
  ISO 7064 MOD 11-2; digits 7–14 are the birth date, digit 17 odd = male, even = female.
- Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from a 31-symbol
  alphabet (no I, O, Z, S, V), the last one a MOD 31 check character.
- Mobile phone: 11 digits starting with 1 and 3–9; fixed lines of 7–12 digits are accepted.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _

from gongzhi.core.errors import DomainError

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_FIXED = re.compile(r"^0?\d{7,11}$")


class FieldError(DomainError):
    """A bad value in one named field."""

    code = "invalid_field"

    def __init__(self, field: str, message: str):
        super().__init__(message, details={"field": field})
        self.field = field


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def normalize_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def clean_id_number(value: str, *, field: str = "id_number") -> str:
    """A valid 18-character resident ID, or FieldError saying what is wrong with it."""
    value = normalize_id_number(value)
    if len(value) != 18:
        raise FieldError(field, _("身份证号应为 18 位（现为 %(n)d 位）。") % {"n": len(value)})
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise FieldError(field, _("身份证号前 17 位应为数字，最后一位为数字或 X。"))
    if id_birth_date(value) is None:
        raise FieldError(field, _("身份证号中的出生日期（第 7–14 位）不是有效日期。"))
    if id_check_char(value[:17]) != value[17]:
        raise FieldError(field, _("身份证号校验位不正确，请核对是否录错。"))
    return value


def id_birth_date(value: str) -> dt.date | None:
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None
    if born.year < 1880 or born > dt.date.today():
        return None
    return born


def id_gender(value: str) -> str:
    """ "male" or "female" from the 17th digit of a resident ID."""
    return "male" if int(value[16]) % 2 else "female"


def clean_phone(value: str, *, field: str = "phone", required: bool = False) -> str:
    value = (value or "").strip().replace(" ", "").replace("-", "")
    if value.startswith("+86"):
        value = value[3:]
    if not value:
        if required:
            raise FieldError(field, _("请填写联系电话。"))
        return ""
    if _MOBILE.match(value) or (_FIXED.match(value) and not value.startswith("1")):
        return value
    raise FieldError(field, _("电话号码格式不正确（应为 11 位手机号或 7–12 位固定电话）。"))


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def clean_credit_code(value: str, *, field: str = "credit_code", required: bool = False) -> str:
    value = (value or "").strip().replace(" ", "").upper()
    if not value:
        if required:
            raise FieldError(field, _("请填写统一社会信用代码。"))
        return ""
    if len(value) != 18:
        raise FieldError(field, _("统一社会信用代码应为 18 位（现为 %(n)d 位）。") % {"n": len(value)})
    bad = [c for c in value if c not in USCC_ALPHABET]
    if bad:
        raise FieldError(
            field,
            _("统一社会信用代码含有不允许的字符“%(c)s”（不使用 I、O、Z、S、V）。") % {"c": bad[0]},
        )
    if not value[8:17].isalnum():
        raise FieldError(field, _("统一社会信用代码的组织机构代码部分不正确。"))
    if uscc_check_char(value[:17]) != value[17]:
        raise FieldError(field, _("统一社会信用代码校验位不正确，请核对是否录错。"))
    return value


def parse_date(value, *, field: str, label: str, required: bool = False) -> dt.date | None:
    """A date from a date, a datetime, or text such as 2024-03-01, 2024/3/1, 20240301."""
    if value in (None, ""):
        if required:
            raise FieldError(field, _("请填写%(label)s。") % {"label": label})
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            parsed = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if parsed.year < 1880 or parsed > dt.date.today() + dt.timedelta(days=366 * 5):
            break
        return parsed
    raise FieldError(
        field,
        _("%(label)s“%(value)s”不是有效日期（格式如 2024-03-01）。") % {"label": label, "value": text[:20]},
    )


def make_id_number(region: str, born: dt.date, sequence: int) -> str:
    """A checksummed resident ID for demo and test data (region: 6 digits, sequence 0–999)."""
    first17 = f"{region}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_check_char(first17)


def make_credit_code(body: str) -> str:
    """A checksummed unified social credit code from 17 alphabet characters (demo and tests)."""
    return body + uscc_check_char(body)
