"""Receivers of the authentication signals: the login time the absolute session limit counts
from (A3), and the password history with the time of the last change (A1)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.utils import timezone

from gongzhi.accounts import policy

KEEP_HISTORY = 10  # enough for any history rule up to 10


def on_login(sender, request, user, **kwargs) -> None:
    if request is not None:
        policy.mark_authenticated(request)


def on_user_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """A password was set (`set_password` leaves the raw one in `_password` until after save),
    or an account was made with one (`create_user` hashes it directly)."""
    from gongzhi.accounts.models import PasswordHistory

    new_password = getattr(instance, "_password", None) is not None
    if raw or not (new_password or (created and instance.has_usable_password())):
        return
    now = timezone.now()
    PasswordHistory.objects.create(user=instance, password=instance.password, created_at=now)
    type(instance).objects.filter(pk=instance.pk).update(password_changed_at=now)
    instance.password_changed_at = now
    old = PasswordHistory.objects.filter(user=instance).values_list("pk", flat=True)[KEEP_HISTORY:]
    PasswordHistory.objects.filter(pk__in=list(old)).delete()


def connect() -> None:
    from gongzhi.accounts.models import User

    user_logged_in.connect(on_login, dispatch_uid="accounts.policy.login")
    post_save.connect(on_user_saved, sender=User, dispatch_uid="accounts.password_history")
