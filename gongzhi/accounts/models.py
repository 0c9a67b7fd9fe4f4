from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.secret_keys import SecretQuerySet
from gongzhi.core.models import TimeStamped
from gongzhi.territory.models import Area


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    SECURITY_ADMIN = "secadmin", _("安全管理员")
    AUDIT_ADMIN = "auditadmin", _("安全审计员")
    AUDITOR = "auditor", _("纪检审计")
    LEADER = "leader", _("街道党工委")
    DISPATCHER = "dispatcher", _("网格中心调度员")
    HANDLER = "handler", _("处置单位")
    NEIGHBOURHOOD = "neighbourhood", _("居民区书记/居委")
    GRIDWORKER = "gridworker", _("网格员")


# 三员分立 (等保 8.1.4.2 d, 8.1.5.1–3): the system, security and audit administrators. Nobody holds
# two of them (a trigger on the user–group table, migration 0008), and nobody holding one holds a
# role that reads case or resident content (gongzhi.accounts.roles, the only writer of roles).
ADMINISTRATOR_ROLES: tuple[str, ...] = (Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("职能部门")
    NEIGHBOURHOOD_COMMITTEE = "neighbourhood_committee", _("居民区（居委会）")
    GRID_STATION = "grid_station", _("网格工作站")
    PROPERTY_MANAGER = "property_manager", _("物业公司")
    ENTERPRISE = "enterprise", _("驻区单位")
    CENTRE = "centre", _("网格化综合管理中心")


class Unit(TimeStamped):
    """A unit that handles cases: a department, a neighbourhood committee, a regional unit."""

    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=30, choices=UnitKind.choices)
    area = models.ForeignKey(Area, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="units")
    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    aliases = models.CharField(
        _("别名"),
        max_length=200,
        blank=True,
        db_default="",
        help_text=_("曾用名或简称，用逗号分隔，如“区建委, 建设委员会”。"),
    )
    # A renamed or merged department: its history counts for the successor (routing), and it is
    # never suggested again.
    successor = models.ForeignKey(
        "self",
        verbose_name=_("继任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )
    retired_on = models.DateField(_("撤并日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("处置单位")
        verbose_name_plural = _("处置单位")
        ordering = ["subdistrict_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["subdistrict", "name"], name="unit_unique_name_in_subdistrict"),
            models.CheckConstraint(
                condition=~models.Q(successor=models.F("id")), name="unit_not_its_own_successor"
            ),
            models.CheckConstraint(
                condition=models.Q(successor__isnull=True) | models.Q(active=False),
                name="unit_with_successor_is_retired",
            ),
        ]

    def save(self, *args, **kwargs):
        self.subdistrict_id = self.area.subdistrict_id or self.area_id
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.name

    def current(self) -> Unit:
        """The unit that answers for this one now: itself, or the end of its successor chain."""
        unit, seen = self, {self.pk}
        while unit.successor_id is not None and unit.successor_id not in seen:
            seen.add(unit.successor_id)
            unit = unit.successor
        return unit


class User(AbstractUser):
    """A staff account. Its scope is one area; everything it sees lies in that subtree."""

    display_name = models.CharField(_("姓名"), max_length=40, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    scope = models.ForeignKey(
        Area,
        verbose_name=_("管辖范围"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    password_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")

    def __str__(self) -> str:
        return self.display_name or self.username

    @cached_property
    def role_codes(self) -> frozenset[str]:
        if not self.pk:
            return frozenset()
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_codes.intersection(roles))

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in sorted(self.role_codes) if r in Role.values]


class Notice(models.Model):
    """An in-app notice to a staff member (new assignment, due soon, overdue, reopened…)."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("新派遣")
        DUE_SOON = "due_soon", _("即将超时")
        OVERDUE = "overdue", _("已超时")
        REOPENED = "reopened", _("已重新打开")
        ESCALATED = "escalated", _("已升级")
        INFO = "info", _("通知")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notices")
    # The case loop's kinds above, or any app's "app.kind" registered with accounts.notices.
    kind = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    url = models.CharField(max_length=200, blank=True)
    # A notice about the same thing is not sent twice (the deadline sweep runs repeatedly).
    dedupe_key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"], condition=~models.Q(dedupe_key=""), name="notice_unique_dedupe"
            )
        ]

    def get_kind_display(self) -> str:
        from gongzhi.accounts.notices import label_for

        return label_for(self.kind)


class AuditChainHead(models.Model):
    """The signed head of one audit table's hash chain (gongzhi.accounts.chain): how many rows,
    the last id and hash, and an HMAC-SM3 over them under a key outside the database."""

    table = models.CharField(max_length=60, unique=True)
    rows = models.PositiveBigIntegerField(default=0)
    last_id = models.BigIntegerField(null=True, blank=True)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    mac = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.table}: {self.rows}"


class Chained(models.Model):
    """An insert-only row in a SM3 hash chain; the link and the signed head are written in the
    row's own transaction, under a lock on the head."""

    prev_hash = models.CharField(max_length=64, editable=False, blank=True)
    row_hash = models.CharField(max_length=64, editable=False, blank=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        from gongzhi.accounts import chain
        from gongzhi.core.errors import DomainError

        if not self._state.adding or self.pk is not None:
            raise DomainError(_("审计记录只能新增，不能修改。"), code="audit_insert_only")
        table = self._meta.db_table
        with transaction.atomic(using=kwargs.get("using")):
            # A no-op write first: SQLite takes its write lock before the head is read (it has
            # no SELECT … FOR UPDATE), so two writers never chain onto the same head.
            AuditChainHead.objects.filter(table=table).update(rows=models.F("rows"))
            head, _created = AuditChainHead.objects.select_for_update().get_or_create(table=table)
            self.prev_hash = head.last_hash
            self.row_hash = chain.row_hash(head.last_hash, self)
            super().save(*args, **kwargs)
            head.rows += 1
            head.last_id, head.last_hash = self.pk, self.row_hash
            head.mac = chain.mac(table, head.rows, head.last_id, head.last_hash)
            head.save()


class AccessLog(Chained):
    """A sensitive read or export: who looked at what, when and why."""

    user = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["-created_at"]


class AuditEvent(Chained):
    """An administrative change (roles, keys, tokens, calendar, categories, tags, campaigns, any
    app's configuration), written by the action itself in the same transaction (Zulip's
    RealmAuditLog). Rows are only ever added."""

    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=60, blank=True)
    object_label = models.CharField(max_length=200, blank=True)
    subdistrict = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Where the request came from (A9): the client's address as the trusted-proxy rule settled
    # it, its user agent and the request id (the proxy's X-Request-ID, else one made here).
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True, default="", db_default="")
    request_id = models.CharField(max_length=64, blank=True, default="", db_default="", db_index=True)

    # Added after the chain existed: in a row's hash only when set (gongzhi.accounts.chain).
    CHAIN_OPTIONAL = ("ip", "user_agent", "request_id")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("管理操作记录")
        verbose_name_plural = _("管理操作记录")
        indexes = [models.Index(fields=["subdistrict", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_label}"


class ApiToken(models.Model):
    """A staff member's token for the REST API at /api/ (Authorization: Bearer …)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=80)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = SecretQuerySet.as_manager()

    class Meta:
        db_table = "open311_apitoken"  # moved from open311, the table kept
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.name} ({self.prefix})"


class IdempotencyRecord(models.Model):
    """The first answer to a creating API request with an Idempotency-Key, replayed to repeats
    by the same user so a retried POST never files a second case."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    scope = models.CharField(max_length=100)
    # SHA-256 of the request body: a key reused for a different request is refused.
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "open311_idempotencyrecord"  # moved from open311, the table kept
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_unique_key")
        ]


class PasswordHistory(models.Model):
    """A staff member's earlier password hashes (A1, 8.1.4.1 a): the last
    `PasswordHistoryValidator.count` may not be chosen again. Written whenever a password is set
    (gongzhi.accounts.signals); the oldest beyond what the rule needs are removed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"
