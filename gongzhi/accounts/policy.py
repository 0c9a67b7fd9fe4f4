"""Session, password and address rules for staff that the gate (`gongzhi.accounts.middleware`)
applies on every request:

- A3, 8.1.4.1 b): a session lives at most `GONGZHI_SESSION_ABSOLUTE_SECONDS` (12 hours) after
  the password was entered, however busy it stays (the 30-minute idle limit is the session
  cookie's age, refreshed on every request);
- A1, 8.1.4.1 a): a password older than `GONGZHI_PASSWORD_MAX_AGE_DAYS` (90; not enforced in
  demo mode unless the setting is given) must be changed before any other staff page opens;
- A8: the administrators' pages answer only from `GONGZHI_ADMIN_ALLOWED_NETS` (None: anywhere).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import time

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

SESSION_AUTH_AT = "gongzhi_auth_at"
ABSOLUTE_SECONDS = 12 * 3600
PASSWORD_MAX_AGE_DAYS = 90

# The administrators' pages (三员分立): the Django admin, accounts and roles, the audit trail.
ADMIN_PREFIXES = ("/django-admin/", "/accounts/staff/", "/accounts/audit/")


def absolute_seconds() -> int:
    return int(getattr(settings, "GONGZHI_SESSION_ABSOLUTE_SECONDS", ABSOLUTE_SECONDS))


def mark_authenticated(request: HttpRequest) -> None:
    """The password was entered now (called at login): the absolute limit counts from here."""
    if hasattr(request, "session"):
        request.session[SESSION_AUTH_AT] = time.time()


def session_too_old(request: HttpRequest) -> bool:
    """Whether the signed-in session passed the absolute limit. A session from before this rule
    (no login time) starts counting now."""
    at = request.session.get(SESSION_AUTH_AT)
    if at is None:
        mark_authenticated(request)
        return False
    return time.time() - float(at) > absolute_seconds()


def password_max_age_days() -> int:
    """0 = no forced change. Off in demo mode (the demo's printed passwords keep working) unless
    `GONGZHI_PASSWORD_MAX_AGE_DAYS` is set."""
    configured = getattr(settings, "GONGZHI_PASSWORD_MAX_AGE_DAYS", None)
    if configured is None:
        return 0 if getattr(settings, "GONGZHI_DEMO_MODE", False) else PASSWORD_MAX_AGE_DAYS
    return int(configured)


def password_expired(user) -> bool:
    days = password_max_age_days()
    if not days or not user.has_usable_password():
        return False
    changed = user.password_changed_at or user.date_joined
    return changed is None or timezone.now() - changed > dt.timedelta(days=days)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def admin_networks() -> tuple[Network, ...] | None:
    """`GONGZHI_ADMIN_ALLOWED_NETS`: addresses or networks (a list or a comma-separated string);
    None (the default) puts no limit on where the administrators' pages are opened from."""
    config = getattr(settings, "GONGZHI_ADMIN_ALLOWED_NETS", None)
    if config is None:
        return None
    if isinstance(config, str):
        config = config.split(",")
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in config if entry.strip())


def is_admin_path(path: str) -> bool:
    return path.startswith(ADMIN_PREFIXES)


def address_allowed_for_admin(request: HttpRequest) -> bool:
    """The client's address (REMOTE_ADDR as gongzhi.core.middleware.ForwardedClientAddress set it
    from trusted proxies only) lies in the allow-list."""
    from gongzhi.core.middleware import client_ip

    networks = admin_networks()
    if networks is None:
        return True
    try:
        address = ipaddress.ip_address(client_ip(request) or "")
    except ValueError:
        return False
    return any(address in net for net in networks)
