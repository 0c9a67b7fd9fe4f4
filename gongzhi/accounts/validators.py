"""Password rules of 等保 2.0 level 3 (8.1.4.1 a): length is checked by Django's validator;
this one asks for three of the four character classes."""

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation or not c.isalnum() for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _("密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。") % {"n": self.min_classes}


class ContainsUserAttributeValidator:
    """No password that contains the user name, the display name or the phone number
    (`leader2026Leader` for `leader`): Django's similarity check compares whole strings and lets
    a name padded with digits through."""

    ATTRIBUTES = ("username", "display_name", "phone", "email")

    def __init__(self, min_length: int = 3):
        self.min_length = min_length

    def validate(self, password: str, user=None) -> None:
        if user is None:
            return
        lowered = password.casefold()
        for attribute in self.ATTRIBUTES:
            value = str(getattr(user, attribute, "") or "")
            parts = {value, *value.replace("@", " ").replace(".", " ").replace("_", " ").split()}
            for part in parts:
                if len(part) >= self.min_length and part.casefold() in lowered:
                    raise ValidationError(
                        _("密码不能包含用户名、姓名或手机号。"), code="password_contains_user_attribute"
                    )

    def get_help_text(self) -> str:
        return _("密码不能包含用户名、姓名或手机号。")


class PasswordHistoryValidator:
    """None of the last `count` passwords (the current one included) again (A1). The hashes are
    kept in PasswordHistory whenever a password is set."""

    def __init__(self, count: int = 5):
        self.count = count

    def validate(self, password: str, user=None) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import check_password

        from gongzhi.accounts.models import PasswordHistory

        if user is None or not getattr(user, "pk", None):
            return
        hashes = list(
            PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[: self.count]
        )
        current = (
            get_user_model()._default_manager.filter(pk=user.pk).values_list("password", flat=True).first()
        )
        if current and current not in hashes:
            hashes = [current, *hashes][: self.count]
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def get_help_text(self) -> str:
        return _("新密码不能与最近 %(n)d 次使用过的密码相同。") % {"n": self.count}
