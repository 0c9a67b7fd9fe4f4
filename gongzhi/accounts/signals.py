"""Receivers of the authentication signals: the login time the absolute session limit counts
from (A3), the password history with the time of the last change (A1), and logins, logouts,
failed logins and lockouts (django-axes) as audit events with the address, user agent and
request id (A9). A failed login names the account tried (never the password), in its
subdistrict so that subdistrict's audit administrator reads it; one for a username that is no
account (or an account above the subdistricts) is filed as audit.platform_subdistrict says.
Being anonymous, they share the per-address cap of audit.record_anonymous."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.utils import timezone

from gongzhi.accounts import audit, policy

KEEP_HISTORY = 10  # enough for any history rule up to 10


def _subdistrict(account):
    scope = getattr(account, "scope", None)
    if scope is None:
        return None
    return scope if scope.kind == "subdistrict" else scope.subdistrict


def _account(username: str):
    if not username:
        return None
    model = get_user_model()
    return model._default_manager.filter(**{model.USERNAME_FIELD: username}).select_related("scope").first()


def _record_attempt(action: str, request, username: str) -> None:
    username = (username or "")[:150]
    account = _account(username)
    audit.record_anonymous(
        request=request,
        action=action,
        target=account,
        subdistrict=_subdistrict(account),
        data={"username": username, "known_account": account is not None},
        actor_label=username or "?",
    )


def on_login(sender, request, user, **kwargs) -> None:
    if request is not None:
        policy.mark_authenticated(request)
    audit.record(actor=user, action="login", target=user, subdistrict=_subdistrict(user), request=request)


def on_logout(sender, request, user, **kwargs) -> None:
    if user is not None and user.is_authenticated:
        audit.record(
            actor=user, action="logout", target=user, subdistrict=_subdistrict(user), request=request
        )


def on_login_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    model = get_user_model()
    _record_attempt("login.failed", request, str(credentials.get(model.USERNAME_FIELD, "") or ""))


def on_locked_out(sender, request=None, username: str = "", ip_address: str = "", **kwargs) -> None:
    _record_attempt("login.locked_out", request, str(username or ""))


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
    user_logged_out.connect(on_logout, dispatch_uid="accounts.audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="accounts.audit.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="accounts.audit.locked_out")
    post_save.connect(on_user_saved, sender=User, dispatch_uid="accounts.password_history")
