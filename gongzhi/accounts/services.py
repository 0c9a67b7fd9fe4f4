"""Administrative writes on staff and units that are not tokens or notices."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import audit
from gongzhi.accounts.models import ADMINISTRATOR_ROLES, ApiToken, Role, Unit, User
from gongzhi.core import rules
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.territory.models import Area


@transaction.atomic
def retire_unit(*, unit: Unit, successor: Unit | None, on: dt.date, actor: User) -> Unit:
    """A department renamed, merged into another or dissolved: it stops taking cases and is
    never suggested again; with a successor, its history (routing) counts for the successor.
    Cases still assigned to it stay where they are (the dispatcher reassigns them)."""
    rules.require(actor, "unit.manage", unit)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if not unit.active:
        raise DomainError(_("“%(unit)s”已经撤并。") % {"unit": unit.name}, code="unit_retired")
    if successor is not None:
        if successor.subdistrict_id != unit.subdistrict_id:
            raise DomainError(_("继任单位必须在同一街道。"), code="successor_elsewhere")
        if successor.pk == unit.pk or successor.current().pk == unit.pk:
            raise DomainError(_("继任单位不能是它自己。"), code="successor_is_itself")
        if not successor.active:
            raise DomainError(
                _("继任单位“%(unit)s”已经撤并。") % {"unit": successor.name}, code="successor_retired"
            )
    unit.active = False
    unit.successor = successor
    unit.retired_on = on
    unit.save(update_fields=["active", "successor", "retired_on", "updated_at"])
    audit.record(
        actor=actor,
        action="unit.retire",
        target=unit,
        data={"successor": successor.pk if successor else None, "on": on.isoformat()},
    )
    return unit


# ---------------------------------------------------------------------------------------------
# Roles (三员分立, docs/security.md A8): the only code that writes a staff member's roles.


def _subdistrict_of(user: User) -> Area | None:
    scope = user.scope
    if scope is None:
        return None
    return scope if scope.kind == "subdistrict" else scope.subdistrict


def _role_label(code: str) -> str:
    return str(Role(code).label)


def _check_actor(actor: User | None, user: User, permission: str) -> None:
    """`actor` None is the operator at the server's command line (`gongzhi roles`), which is how
    the first security administrator of a deployment is made."""
    if actor is None:
        return
    if actor.pk == user.pk:
        raise NotAllowed(_("不能给自己授予、撤销角色或重置自己的账号安全设置，请由另一位安全管理员操作。"))
    rules.require(actor, permission, user)


def _locked(user: User) -> tuple[User, set[str]]:
    locked = User.objects.select_for_update(of=("self",)).select_related("scope").get(pk=user.pk)
    return locked, set(locked.groups.values_list("name", flat=True))


def _forget_roles(*users: User) -> None:
    for user in users:
        user.__dict__.pop("role_codes", None)


def _refuse_combination(user: User, held: set[str], role: str) -> None:
    administrators = held.intersection(ADMINISTRATOR_ROLES)
    if role in ADMINISTRATOR_ROLES and administrators:
        raise DomainError(
            _(
                "“%(user)s”已是%(held)s：系统管理员、安全管理员、安全审计员三者不得由同一人兼任"
                "（三员分立），请先撤销原角色或另选他人。"
            )
            % {"user": user, "held": "、".join(_role_label(r) for r in sorted(administrators))},
            code="administrator_roles_exclusive",
        )
    others = held.difference(ADMINISTRATOR_ROLES)
    if role in ADMINISTRATOR_ROLES and others:
        raise DomainError(
            _("“%(user)s”担任业务角色（%(held)s）：管理员不得兼任查看案件或居民信息的业务角色。")
            % {"user": user, "held": "、".join(_role_label(r) for r in sorted(others) if r in Role.values)},
            code="administrator_with_business_role",
        )
    if role not in ADMINISTRATOR_ROLES and administrators:
        raise DomainError(
            _("“%(user)s”是%(held)s：管理员不得兼任查看案件或居民信息的业务角色。")
            % {"user": user, "held": "、".join(_role_label(r) for r in sorted(administrators))},
            code="administrator_with_business_role",
        )


@transaction.atomic
def grant_role(*, actor: User | None, user: User, role: str) -> User:
    """Gives `user` the role `role` (a security administrator's act, audited). Refused: one's own
    account, an account outside the actor's scope, a second of the three administrators, an
    administrator with a business role. Granting a role already held changes nothing."""
    if role not in Role.values:
        raise DomainError(_("没有这个角色：%(role)s。") % {"role": role}, code="unknown_role")
    _check_actor(actor, user, "role.grant")
    locked, held = _locked(user)
    if role in held:
        return locked
    _refuse_combination(locked, held, role)
    group, _created = Group.objects.get_or_create(name=role)
    try:
        with transaction.atomic():
            locked.groups.add(group)
    except IntegrityError as exc:  # the database's own check (migration 0008), e.g. a race
        raise DomainError(
            _("系统管理员、安全管理员、安全审计员三者不得由同一人兼任（三员分立）。"),
            code="administrator_roles_exclusive",
        ) from exc
    audit.record(
        actor=actor,
        action="role.grant",
        target=locked,
        subdistrict=_subdistrict_of(locked),
        data={"role": role},
    )
    _forget_roles(user, locked)
    return locked


@transaction.atomic
def revoke_role(*, actor: User | None, user: User, role: str) -> User:
    """Takes the role `role` from `user` (audited); revoking a role not held changes nothing."""
    if role not in Role.values:
        raise DomainError(_("没有这个角色：%(role)s。") % {"role": role}, code="unknown_role")
    _check_actor(actor, user, "role.grant")
    locked, held = _locked(user)
    if role not in held:
        return locked
    locked.groups.remove(Group.objects.get(name=role))
    audit.record(
        actor=actor,
        action="role.revoke",
        target=locked,
        subdistrict=_subdistrict_of(locked),
        data={"role": role},
    )
    _forget_roles(user, locked)
    return locked


@transaction.atomic
def reset_second_factor(*, actor: User, user: User) -> None:
    """A lost phone: the account's TOTP device and backup codes go; it enrols again at its next
    sign-in (a security administrator's act, audited)."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _check_actor(actor, user, "account.secure")
    totp, _n = TOTPDevice.objects.filter(user=user).delete()
    static, _n = StaticDevice.objects.filter(user=user).delete()
    audit.record(
        actor=actor,
        action="otp.reset",
        target=user,
        subdistrict=_subdistrict_of(user),
        data={"removed": totp + static},
    )


@transaction.atomic
def unlock(*, actor: User, user: User) -> int:
    """Lifts the lockout of an account after failed sign-ins (django-axes), audited."""
    from axes.utils import reset

    _check_actor(actor, user, "account.secure")
    removed = reset(username=user.get_username())
    audit.record(
        actor=actor,
        action="account.unlock",
        target=user,
        subdistrict=_subdistrict_of(user),
        data={"removed": removed},
    )
    return removed


@transaction.atomic
def revoke_all_tokens(*, actor: User, user: User) -> int:
    """Revokes every live API token of an account (a lost laptop), audited."""
    _check_actor(actor, user, "account.secure")
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(
        actor=actor,
        action="apitoken.revoke_all",
        target=user,
        subdistrict=_subdistrict_of(user),
        data={"revoked": revoked},
    )
    return revoked


STALE_ACCOUNT_DAYS = 90


def stale_account_days() -> int:
    from django.conf import settings

    return int(getattr(settings, "GONGZHI_STALE_ACCOUNT_DAYS", STALE_ACCOUNT_DAYS))


def stale_accounts(*, now: dt.datetime | None = None, days: int | None = None):
    """Active accounts nobody used for `days` (90): no login, and no API token used, since then
    (an account made since then is not stale, whether or not it has logged in yet)."""
    from django.db.models import Q

    cutoff = (now or timezone.now()) - dt.timedelta(days=days if days is not None else stale_account_days())
    recent_tokens = ApiToken.objects.filter(last_used_at__gte=cutoff).values("user_id")
    return (
        User.objects.filter(is_active=True, date_joined__lt=cutoff)
        .filter(Q(last_login__isnull=True) | Q(last_login__lt=cutoff))
        .exclude(pk__in=recent_tokens)
    )


def deactivate_stale_accounts(*, now: dt.datetime | None = None, days: int | None = None) -> list[str]:
    """Disables the stale accounts (等保 8.1.4.2 c, A6), each audited with the actor "system";
    their sessions end at the next request (an inactive user is signed out). Returns the
    usernames. Run by `gongzhi deactivate_stale_accounts` and the nightly sweep."""
    days = days if days is not None else stale_account_days()
    done: list[str] = []
    for pk in list(stale_accounts(now=now, days=days).values_list("pk", flat=True)):
        with transaction.atomic():
            user = stale_accounts(now=now, days=days).select_for_update(of=("self",)).filter(pk=pk).first()
            if user is None:  # logged in meanwhile
                continue
            user.is_active = False
            user.save(update_fields=["is_active"])
            audit.record(
                actor=None,
                action="account.deactivate_stale",
                target=user,
                subdistrict=_subdistrict_of(user),
                data={"days": days, "last_login": user.last_login.isoformat() if user.last_login else None},
            )
            done.append(user.username)
    return done


def _subdistrict_of(user: User) -> Area | None:
    scope = user.scope
    if scope is None:
        return None
    return scope if scope.kind == "subdistrict" else scope.subdistrict


def sweep_stale_accounts() -> dict[str, object]:
    """The nightly sweep: not in demo mode (demo accounts are shown, not used, for months)."""
    from django.conf import settings

    if getattr(settings, "GONGZHI_DEMO_MODE", False):
        return {"skipped": "demo mode"}
    return {"deactivated": deactivate_stale_accounts()}
