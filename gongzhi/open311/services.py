"""Writes of the API layer: issuing and revoking keys and tokens, the per-key rate counter,
and filing an Open311 request, which goes through `cases.services.create_case` only."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Role, User
from gongzhi.accounts.tokens import SERVICE_ACCOUNT_PREFIX, authenticate_token, issue_token, revoke_token
from gongzhi.cases import services as case_services
from gongzhi.cases.models import Case, Category, Source
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError, NotFound
from gongzhi.open311.models import (
    ApiKey,
    Datatype,
    RequestRecord,
    ServiceAttribute,
    digest,
    new_secret,
)
from gongzhi.territory.models import Area, AreaKind
from gongzhi.territory.selectors import area_at

# ---------------------------------------------------------------- keys and tokens


@transaction.atomic
def issue_key(
    *, name: str, subdistrict: Area, actor: User | None, rate_limit: int = 60
) -> tuple[ApiKey, str]:
    """A new Open311 key for a client system; returns the row and the secret (shown once).
    `actor` None means the command line (the operator of the server)."""
    if actor is not None:
        permissions.require(actor, "apikey.manage", subdistrict)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写客户端系统的名称。"))
    if subdistrict.kind != AreaKind.SUBDISTRICT:
        raise DomainError(_("密钥只能限定在一个街道。"))
    secret, prefix = new_secret("k")
    account = User.objects.create(
        username=f"{SERVICE_ACCOUNT_PREFIX}{prefix}",
        display_name=_("外部系统：%(name)s") % {"name": name[:30]},
        scope=subdistrict,
    )
    account.set_unusable_password()
    account.save(update_fields=["password"])
    account.groups.set(Group.objects.filter(name=Role.GRIDWORKER))
    key = ApiKey.objects.create(
        name=name[:80],
        subdistrict=subdistrict,
        prefix=prefix,
        key_digest=digest(secret),
        actor=account,
        rate_limit=rate_limit,
        created_by=actor,
    )
    return key, secret


@transaction.atomic
def revoke_key(*, key: ApiKey, actor: User | None) -> ApiKey:
    if actor is not None:
        permissions.require(actor, "apikey.manage", key)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        User.objects.filter(pk=key.actor_id).update(is_active=False)
    return key


def take_rate(key: ApiKey, *, now: dt.datetime | None = None) -> bool:
    """Count one request against the key's per-minute budget; False when it is spent.
    A counter row per key in the database, so several app processes share it."""
    now = now or timezone.now()
    minute = now.replace(second=0, microsecond=0)
    for _attempt in range(3):
        if ApiKey.objects.filter(pk=key.pk, rate_window=minute).update(
            rate_count=F("rate_count") + 1, last_used_at=now
        ):
            break
        if (
            ApiKey.objects.filter(pk=key.pk)
            .exclude(rate_window=minute)
            .update(rate_window=minute, rate_count=1, last_used_at=now)
        ):
            break
    count = ApiKey.objects.values_list("rate_count", flat=True).get(pk=key.pk)
    return count <= key.rate_limit


# ---------------------------------------------------------------- filing a request


@dataclass
class Submission:
    """An Open311 POST requests, parsed (the view turns form fields into this)."""

    service_code: str
    lat: float | None = None
    lng: float | None = None
    address_string: str = ""
    address_id: str = ""
    description: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    media_url: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)


def _check_attribute(attribute: ServiceAttribute, given: list[str]) -> str | list[str] | None:
    given = [g.strip() for g in given if g is not None and g.strip()]
    if not given:
        if attribute.required and attribute.variable:
            raise DomainError(
                _("缺少必填字段 attribute[%(code)s]（%(what)s）。")
                % {"code": attribute.code, "what": attribute.description},
                code="attribute",
            )
        return None
    if attribute.datatype == Datatype.MULTIVALUELIST:
        bad = [g for g in given if g not in attribute.value_keys()]
        if bad:
            raise DomainError(
                _("attribute[%(code)s] 的取值 %(bad)s 不在选项中。") % {"code": attribute.code, "bad": bad},
                code="attribute",
            )
        return given
    value = given[0]
    if attribute.datatype == Datatype.SINGLEVALUELIST and value not in attribute.value_keys():
        raise DomainError(
            _("attribute[%(code)s] 的取值 %(bad)s 不在选项中。") % {"code": attribute.code, "bad": value},
            code="attribute",
        )
    if attribute.datatype == Datatype.NUMBER:
        try:
            float(value)
        except ValueError:
            raise DomainError(
                _("attribute[%(code)s] 应为数字。") % {"code": attribute.code}, code="attribute"
            ) from None
    if attribute.datatype == Datatype.DATETIME:
        from django.utils.dateparse import parse_datetime

        if parse_datetime(value) is None:
            raise DomainError(
                _("attribute[%(code)s] 应为 ISO 8601 日期时间。") % {"code": attribute.code},
                code="attribute",
            )
    limit = 4000 if attribute.datatype == Datatype.TEXT else 200
    return value[:limit]


def _locate(submission: Submission, subdistrict: Area) -> tuple[Area, float | None, float | None]:
    """The area to file under: the key's subdistrict, narrowed by the point or the address id."""
    if submission.lat is not None and submission.lng is not None:
        found = area_at(submission.lat, submission.lng)
        if found is None or not found.path.startswith(subdistrict.path):
            raise DomainError(
                _("位置（lat/long）不在本接口密钥所属街道“%(name)s”的范围内。") % {"name": subdistrict.name},
                code="location",
            )
        return subdistrict, submission.lat, submission.lng
    if submission.address_id:
        area = Area.objects.filter(code=submission.address_id, path__startswith=subdistrict.path).first()
        if area is None:
            raise DomainError(_("address_id 不是本街道内的区域编码。"), code="address_id")
        return area, None, None
    if submission.address_string.strip():
        return subdistrict, None, None
    raise DomainError(_("必须提供位置：lat 和 long、address_string 或 address_id。"), code="location")


@transaction.atomic
def submit_request(*, key: ApiKey, submission: Submission, now: dt.datetime | None = None) -> RequestRecord:
    """File an Open311 service request as a case, reported by the key's service account."""
    category = Category.objects.filter(code=submission.service_code, active=True).exclude(parent=None).first()
    if category is None:
        raise NotFound(_("没有这个服务（service_code）。"), code="service_code")
    answers: dict[str, object] = {}
    for attribute in ServiceAttribute.objects.filter(category=category):
        value = _check_attribute(attribute, submission.attributes.get(attribute.code, []))
        if value is not None:
            answers[attribute.code] = value
    area, lat, lng = _locate(submission, key.subdistrict)
    description = (submission.description or "").strip() or category.name
    if len(description) > 4000:
        raise DomainError(_("description 不能超过 4000 字。"), code="description")
    first_line = description.splitlines()[0] if description else ""
    title = f"{category.name}：{first_line}"[:60]
    name = " ".join(x for x in (submission.last_name.strip(), submission.first_name.strip()) if x)
    case: Case = case_services.create_case(
        actor=key.actor,
        category=category,
        title=title,
        description=description,
        source=Source.OPEN311,
        area=area,
        lat=lat,
        lng=lng,
        address=submission.address_string,
        reporter_name=name,
        reporter_phone=submission.phone,
        now=now,
    )
    return RequestRecord.objects.create(
        case=case,
        api_key=key,
        token=secrets.token_hex(16),
        email=submission.email.strip()[:254],
        device_id=submission.device_id.strip()[:100],
        account_id=submission.account_id.strip()[:100],
        address_id=submission.address_id.strip()[:40],
        media_url=submission.media_url.strip()[:500],
        attributes=answers,
    )


__all__ = ["SERVICE_ACCOUNT_PREFIX", "authenticate_token", "issue_token", "revoke_token"]
