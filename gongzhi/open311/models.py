"""Open311 and REST API data: client keys, staff tokens, per-category attributes, what an
Open311 client sent beside the case. Staff API tokens and idempotency records live in accounts
(they serve the whole REST API); re-exported here for older imports.

Keys and tokens are never stored in clear: a short public prefix finds the row, the SHA-256 of
the whole secret proves it. Secrets are 32 random bytes, so a plain hash is enough (no
password stretching needed) and does not depend on SECRET_KEY, which a deployment may rotate.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import ApiToken, IdempotencyRecord
from gongzhi.accounts.secret_keys import SecretQuerySet, digest, new_secret, split_prefix
from gongzhi.cases.models import Case, Category
from gongzhi.territory.models import Area


class ApiKey(models.Model):
    """An Open311 client system (a 12345 platform, a FixMyStreet install, a mini-program),
    scoped to one subdistrict. Cases it files are reported by its service account."""

    name = models.CharField(_("名称"), max_length=80)
    subdistrict = models.ForeignKey(Area, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_digest = models.CharField(max_length=64, editable=False)
    # The staff account the key files cases as (role gridworker, scope the subdistrict, no
    # password): the case services' own permission check then keeps the key in its subdistrict.
    actor = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="open311_key", editable=False
    )
    rate_limit = models.PositiveIntegerField(_("每分钟请求上限"), default=60)
    rate_window = models.DateTimeField(null=True, blank=True, editable=False)
    rate_count = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    objects = SecretQuerySet.as_manager()

    class Meta:
        verbose_name = _("Open311 接口密钥")
        verbose_name_plural = _("Open311 接口密钥")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class Datatype(models.TextChoices):
    STRING = "string", _("短文本")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期时间")
    TEXT = "text", _("长文本")
    SINGLEVALUELIST = "singlevaluelist", _("单选")
    MULTIVALUELIST = "multivaluelist", _("多选")


class ServiceAttribute(models.Model):
    """An extra question an Open311 client must (or may) answer for a category."""

    category = models.ForeignKey(
        Category, verbose_name=_("类别"), on_delete=models.CASCADE, related_name="open311_attributes"
    )
    code = models.SlugField(_("编码"), max_length=40)
    datatype = models.CharField(_("类型"), max_length=20, choices=Datatype.choices, default=Datatype.STRING)
    description = models.CharField(_("问题"), max_length=200)
    datatype_description = models.CharField(_("填写说明"), max_length=200, blank=True)
    required = models.BooleanField(_("必填"), default=False)
    # For list types: [{"key": "...", "name": "..."}, …]
    values = models.JSONField(_("选项"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    # A variable attribute is asked of the client; a fixed one is only information.
    variable = models.BooleanField(_("需填写"), default=True)

    class Meta:
        verbose_name = _("Open311 附加字段")
        verbose_name_plural = _("Open311 附加字段")
        ordering = ["category_id", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="serviceattribute_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.category.code}/{self.code}"

    def value_keys(self) -> list[str]:
        return [str(v.get("key")) for v in self.values or [] if isinstance(v, dict)]


class RequestRecord(models.Model):
    """What an Open311 client sent beside the case: contact details that never leave the
    platform, the media link, and the answers to the category's attributes."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="open311")
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="requests")
    token = models.CharField(max_length=40, unique=True)
    email = models.EmailField(blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    address_id = models.CharField(max_length=40, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 来件")
        verbose_name_plural = _("Open311 来件")


__all__ = ["ApiToken", "IdempotencyRecord", "SecretQuerySet", "digest", "new_secret", "split_prefix"]
