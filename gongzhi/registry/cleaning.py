"""Turning raw input (a form, an import row, a visit) into clean registry values. Every cleaner
collects all the errors of a record, field by field, so that a clerk sees everything to fix at
once; services raise the first one, imports report them all."""

from __future__ import annotations

import functools
from decimal import Decimal, InvalidOperation

from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.registry import validators
from gongzhi.registry.models import (
    DwellingUse,
    IdType,
    LivingStatus,
    OrganizationKind,
    RegistrationType,
    Relation,
)
from gongzhi.registry.validators import FieldError

LABELS = {
    "name": gettext_lazy("姓名"),
    "id_type": gettext_lazy("证件类型"),
    "id_number": gettext_lazy("证件号码"),
    "phone": gettext_lazy("联系电话"),
    "registration_type": gettext_lazy("户籍类型"),
    "living_status": gettext_lazy("居住状态"),
    "relation": gettext_lazy("与户主关系"),
    "moved_in_on": gettext_lazy("迁入日期"),
    "moved_out_on": gettext_lazy("迁出日期"),
    "room": gettext_lazy("房号"),
    "address": gettext_lazy("地址"),
    "use": gettext_lazy("房屋用途"),
    "floor_area": gettext_lazy("建筑面积"),
    "owner_name": gettext_lazy("产权人/房东"),
    "owner_phone": gettext_lazy("产权人/房东电话"),
    "kind": gettext_lazy("类型"),
    "credit_code": gettext_lazy("统一社会信用代码"),
    "contact_name": gettext_lazy("联系人"),
    "contact_phone": gettext_lazy("联系电话"),
    "employees": gettext_lazy("从业人数"),
    "lat": gettext_lazy("纬度"),
    "lng": gettext_lazy("经度"),
    "party_covered": gettext_lazy("党组织覆盖"),
    "note": gettext_lazy("备注"),
}


def label(field: str) -> str:
    return str(LABELS.get(field, field))


@functools.lru_cache(maxsize=64)
def _choice_map(choices: type[models.TextChoices], language: str) -> tuple[dict[str, str], str]:
    mapping = {}
    for code, name in choices.choices:
        mapping[code] = code
        mapping[str(name)] = code
    return mapping, "、".join(str(n) for _c, n in choices.choices)


def choice(value, choices: type[models.TextChoices], *, field: str, default: str | None = None) -> str:
    """A choice given by its code or its Chinese label."""
    text = str(value or "").strip()
    if not text:
        if default is not None:
            return default
        raise FieldError(field, _("请填写%(label)s。") % {"label": label(field)})
    mapping, options = _choice_map(choices, translation.get_language() or "")
    if text in mapping:
        return mapping[text]
    raise FieldError(
        field,
        _("%(label)s“%(value)s”无效，可选：%(options)s。")
        % {"label": label(field), "value": text[:20], "options": options},
    )


def text(value, *, field: str, max_length: int, required: bool = False) -> str:
    result = str(value if value is not None else "").strip()
    if required and not result:
        raise FieldError(field, _("请填写%(label)s。") % {"label": label(field)})
    if len(result) > max_length:
        raise FieldError(field, _("%(label)s不能超过 %(n)d 字。") % {"label": label(field), "n": max_length})
    return result


def boolean(value, *, field: str) -> bool:
    text_value = str(value if value is not None else "").strip().lower()
    if text_value in ("", "否", "无", "false", "0", "no", "n"):
        return False
    if text_value in ("是", "有", "true", "1", "yes", "y"):
        return True
    raise FieldError(field, _("%(label)s应填“是”或“否”。") % {"label": label(field)})


def number(
    value, *, field: str, integer: bool = False, minimum: float | None = None, maximum: float | None = None
):
    if value in (None, ""):
        return None
    try:
        result = Decimal(str(value).strip())
        if integer:
            if result != result.to_integral_value():
                raise InvalidOperation
            result = int(result)
    except (InvalidOperation, ValueError):
        raise FieldError(field, _("%(label)s应为数字。") % {"label": label(field)}) from None
    if (minimum is not None and result < minimum) or (maximum is not None and result > maximum):
        raise FieldError(field, _("%(label)s超出合理范围。") % {"label": label(field)})
    return result


def _collect(errors: list[FieldError], fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except FieldError as exc:
        errors.append(exc)
        return None


def resident(raw: dict) -> tuple[dict, list[FieldError]]:
    """Clean the personal fields of a resident; the ID gives gender and birth date."""
    errors: list[FieldError] = []
    out: dict = {}
    out["name"] = _collect(errors, text, raw.get("name"), field="name", max_length=40, required=True)
    out["id_type"] = _collect(
        errors, choice, raw.get("id_type"), IdType, field="id_type", default=IdType.RESIDENT_ID
    )
    id_number = validators.normalize_id_number(str(raw.get("id_number") or ""))
    out["gender"], out["birth_date"] = "", None
    if out["id_type"] == IdType.RESIDENT_ID:
        checked = _collect(errors, validators.clean_id_number, id_number)
        if checked:
            out["gender"] = validators.id_gender(checked)
            out["birth_date"] = validators.id_birth_date(checked)
        out["id_number"] = checked or ""
    else:
        out["id_number"] = _collect(errors, text, id_number, field="id_number", max_length=30) or ""
    out["phone"] = _collect(errors, validators.clean_phone, raw.get("phone")) or ""
    out["registration_type"] = _collect(
        errors,
        choice,
        raw.get("registration_type"),
        RegistrationType,
        field="registration_type",
        default=RegistrationType.LOCAL,
    )
    out["living_status"] = _collect(
        errors,
        choice,
        raw.get("living_status"),
        LivingStatus,
        field="living_status",
        default=LivingStatus.RESIDENT,
    )
    out["relation"] = _collect(
        errors, choice, raw.get("relation"), Relation, field="relation", default=Relation.OTHER
    )
    out["moved_in_on"] = _collect(
        errors,
        validators.parse_date,
        raw.get("moved_in_on"),
        field="moved_in_on",
        label=LABELS["moved_in_on"],
    )
    out["moved_out_on"] = _collect(
        errors,
        validators.parse_date,
        raw.get("moved_out_on"),
        field="moved_out_on",
        label=LABELS["moved_out_on"],
    )
    if out["moved_in_on"] and out["moved_out_on"] and out["moved_out_on"] < out["moved_in_on"]:
        errors.append(FieldError("moved_out_on", _("迁出日期不能早于迁入日期。")))
    if out["birth_date"] and out["moved_in_on"] and out["moved_in_on"] < out["birth_date"]:
        errors.append(FieldError("moved_in_on", _("迁入日期不能早于出生日期。")))
    out["note"] = _collect(errors, text, raw.get("note"), field="note", max_length=200) or ""
    return out, errors


def dwelling(raw: dict) -> tuple[dict, list[FieldError]]:
    errors: list[FieldError] = []
    out: dict = {}
    out["room"] = _collect(errors, text, raw.get("room"), field="room", max_length=40, required=True)
    out["address"] = _collect(errors, text, raw.get("address"), field="address", max_length=200) or ""
    out["use"] = _collect(errors, choice, raw.get("use"), DwellingUse, field="use", default=DwellingUse.OWNER)
    out["floor_area"] = _collect(
        errors, number, raw.get("floor_area"), field="floor_area", minimum=1, maximum=100000
    )
    out["owner_name"] = _collect(errors, text, raw.get("owner_name"), field="owner_name", max_length=40) or ""
    out["owner_phone"] = (
        _collect(errors, validators.clean_phone, raw.get("owner_phone"), field="owner_phone") or ""
    )
    out["note"] = _collect(errors, text, raw.get("note"), field="note", max_length=200) or ""
    if out["floor_area"] is not None:
        out["floor_area"] = Decimal(out["floor_area"]).quantize(Decimal("0.01"))
    return out, errors


def organization(raw: dict) -> tuple[dict, list[FieldError]]:
    errors: list[FieldError] = []
    out: dict = {}
    out["name"] = _collect(errors, text, raw.get("name"), field="name", max_length=120, required=True)
    out["kind"] = _collect(errors, choice, raw.get("kind"), OrganizationKind, field="kind")
    out["credit_code"] = _collect(errors, validators.clean_credit_code, raw.get("credit_code")) or ""
    out["address"] = _collect(errors, text, raw.get("address"), field="address", max_length=200) or ""
    out["lat"] = _collect(errors, number, raw.get("lat"), field="lat", minimum=3, maximum=54)
    out["lng"] = _collect(errors, number, raw.get("lng"), field="lng", minimum=73, maximum=136)
    if (out["lat"] is None) != (out["lng"] is None):
        errors.append(FieldError("lng", _("经度和纬度须同时填写。")))
    out["lat"] = float(out["lat"]) if out["lat"] is not None else None
    out["lng"] = float(out["lng"]) if out["lng"] is not None else None
    out["contact_name"] = (
        _collect(errors, text, raw.get("contact_name"), field="contact_name", max_length=40) or ""
    )
    out["contact_phone"] = (
        _collect(errors, validators.clean_phone, raw.get("contact_phone"), field="contact_phone") or ""
    )
    out["party_covered"] = bool(_collect(errors, boolean, raw.get("party_covered"), field="party_covered"))
    out["employees"] = _collect(
        errors, number, raw.get("employees"), field="employees", integer=True, minimum=0, maximum=10_000_000
    )
    out["note"] = _collect(errors, text, raw.get("note"), field="note", max_length=200) or ""
    return out, errors


def first_error(errors: list[FieldError]) -> None:
    if errors:
        raise errors[0]
