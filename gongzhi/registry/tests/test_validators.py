import datetime as dt

import pytest

from gongzhi.registry import cleaning, validators
from gongzhi.registry.validators import FieldError


def test_known_resident_id_passes_and_gives_gender_and_birth_date():
    # GB 11643 worked example: 11010519491231002X
    value = validators.clean_id_number("11010519491231002x")
    assert value == "11010519491231002X"
    assert validators.id_birth_date(value) == dt.date(1949, 12, 31)
    assert validators.id_gender(value) == "female"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("11010519491231002", "18 位"),
        ("11010519491231003X", "校验位"),
        ("11010519491331002X", "出生日期"),
        ("1101051949123100AX", "数字"),
    ],
)
def test_bad_resident_ids_are_refused_with_the_reason(value, fragment):
    with pytest.raises(FieldError) as exc:
        validators.clean_id_number(value)
    assert fragment in exc.value.message
    assert exc.value.field == "id_number"


def test_generated_ids_pass_their_own_checksum():
    for n in range(50):
        validators.clean_id_number(
            validators.make_id_number("310104", dt.date(1940 + n, 1 + n % 12, 1 + n % 28), n)
        )


def test_credit_code_checksum():
    assert validators.clean_credit_code("91350100M000100Y43") == "91350100M000100Y43"
    with pytest.raises(FieldError, match="校验位"):
        validators.clean_credit_code("91350100M000100Y44")
    with pytest.raises(FieldError, match="不允许的字符"):
        validators.clean_credit_code("91350100M000100I43")


@pytest.mark.parametrize("phone", ["13812345678", "138 1234 5678", "+8613812345678", "02162345678"])
def test_phone_formats_accepted(phone):
    assert validators.clean_phone(phone)


@pytest.mark.parametrize("phone", ["1381234567", "12812345678", "abc", "138123456789"])
def test_bad_phones_refused(phone):
    with pytest.raises(FieldError, match="电话号码格式不正确"):
        validators.clean_phone(phone)


def test_dates_in_several_formats_and_bad_ones_named():
    assert validators.parse_date("2024/3/1", field="d", label="迁入日期") == dt.date(2024, 3, 1)
    assert validators.parse_date("20240301", field="d", label="迁入日期") == dt.date(2024, 3, 1)
    with pytest.raises(FieldError, match="迁入日期“2024-13-01”不是有效日期"):
        validators.parse_date("2024-13-01", field="d", label="迁入日期")


def test_resident_cleaner_reports_every_bad_field_at_once():
    _clean, errors = cleaning.resident(
        {"name": "", "id_number": "123", "phone": "99", "living_status": "常住", "registration_type": "火星"}
    )
    assert {e.field for e in errors} == {"name", "id_number", "phone", "registration_type"}
    assert any("可选：本市户籍、来沪、境外" in e.message for e in errors)
