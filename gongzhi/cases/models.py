from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import Unit
from gongzhi.core.models import TimeStamped
from gongzhi.registry import crypto
from gongzhi.territory.models import Area


class Status(models.TextChoices):
    REPORTED = "reported", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    ASSIGNED = "assigned", _("处置中")
    REPLIED = "replied", _("已反馈")
    VERIFIED = "verified", _("已核查")
    CLOSED = "closed", _("已结案")
    RATED = "rated", _("已评价")
    REJECTED = "rejected", _("不予受理")
    MERGED = "merged", _("已合并")
    SUSPENDED = "suspended", _("已挂起")


class SealedPhoneField(models.TextField):
    """A reporter's phone, stored sealed like the registry's phones (`registry.crypto`, AES-GCM
    bound to the column) and read back in clear, so the model's users are unchanged. Exact and
    `in` lookups compare the keyed blind index kept in `<name>_hash` (a sealed value has a fresh
    nonce each time and cannot be compared). A legacy clear value (before migration 0011) reads
    as itself."""

    # Key rotation (registry.rotation.sealed_columns) re-seals every field that says so.
    sealed_column = True

    def __init__(self, *args, context: str = "", **kwargs) -> None:
        self.context = context
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["context"] = self.context
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if not value or not value.startswith(crypto.VERSION + ":"):
            return value
        return crypto.decrypt(value, context=self.context)

    def get_db_prep_save(self, value, connection):
        value = super().get_db_prep_save(value, connection)
        if not value or value.startswith(crypto.VERSION + ":"):
            return value
        return crypto.encrypt(str(value), context=self.context)


class BlindIndexField(models.CharField):
    """The keyed hash of a sealed sibling field, computed whenever the row is written."""

    def __init__(self, *args, source: str = "", kind: str = "phone", **kwargs) -> None:
        self.source, self.kind = source, kind
        kwargs.setdefault("max_length", 64)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, kind=self.kind)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = crypto.blind_index(getattr(model_instance, self.source) or "", kind=self.kind)
        setattr(model_instance, self.attname, value)
        return value


def _index_column(lookup: models.Lookup):
    field = lookup.lhs.target
    index = field.model._meta.get_field(f"{field.name}_hash")
    return index, index.get_col(lookup.lhs.alias)


@SealedPhoneField.register_lookup
class SealedExact(models.lookups.Exact):
    """`reporter_phone=x` compares blind indexes."""

    def as_sql(self, compiler, connection):
        index, col = _index_column(self)
        value = crypto.blind_index(str(self.rhs or ""), kind=index.kind)
        return compiler.compile(models.lookups.Exact(col, value))


@SealedPhoneField.register_lookup
class SealedIn(models.lookups.In):
    """`reporter_phone__in=[...]` compares blind indexes."""

    def as_sql(self, compiler, connection):
        index, col = _index_column(self)
        values = [crypto.blind_index(str(v or ""), kind=index.kind) for v in self.rhs]
        return compiler.compile(models.lookups.In(col, values))


# Cases with no deadline ahead sort after every real deadline in the queue.
FAR_FUTURE = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)

OPEN_STATUSES = [
    Status.REPORTED,
    Status.ACCEPTED,
    Status.ASSIGNED,
    Status.REPLIED,
    Status.VERIFIED,
    Status.SUSPENDED,
]
FINISHED_STATUSES = [Status.CLOSED, Status.RATED, Status.REJECTED, Status.MERGED]


class Tier(models.IntegerChoices):
    NEIGHBOURHOOD = 1, _("一级·居民区")
    GRID = 2, _("二级·网格会商")
    SUBDISTRICT = 3, _("三级·街道协调")


class Source(models.TextChoices):
    VISIT = "visit", _("走访")
    PATROL = "patrol", _("网格巡查")
    WEB = "web", _("居民网上报")
    HOTLINE = "hotline", _("12345热线")
    LISTENING = "listening", _("倾听日")
    SUGGESTION = "suggestion", _("人民建议")
    MEETING = "meeting", _("会议")
    OPEN311 = "open311", _("外部系统")
    # Found and solved on the spot by a grid or neighbourhood worker (现场即办).
    ONSITE = "onsite", _("现场即办")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class Action(models.TextChoices):
    REPORT = "report", _("上报")
    ACCEPT = "accept", _("受理")
    REJECT = "reject", _("不予受理")
    ASSIGN = "assign", _("派遣")
    ESCALATE = "escalate", _("升级")
    CONSULT = "consult", _("网格会商")
    COORDINATE = "coordinate", _("街道协调")
    REPLY = "reply", _("反馈")
    VERIFY = "verify", _("核查")
    VERIFY_FAIL = "verify_fail", _("核查未通过")
    CLOSE = "close", _("结案")
    RATE = "rate", _("评价")
    REOPEN = "reopen", _("重新打开")
    SUSPEND_REQUEST = "suspend_request", _("申请挂起")
    SUSPEND = "suspend", _("批准挂起")
    RESUME = "resume", _("恢复处置")
    MERGE = "merge", _("合并")
    NOTE = "note", _("备注")
    OVERDUE = "overdue", _("超时")
    RECLASSIFY = "reclassify", _("改类")
    RECLASSIFY_REQUEST = "reclassify_request", _("申请改类")
    ONSITE = "onsite", _("现场即办")
    ONSITE_CHECK = "onsite_check", _("抽查现场即办")


class Category(models.Model):
    """A two-level category with the defaults that intake and deadlines use."""

    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.CharField(_("说明"), max_length=300, blank=True)
    keywords = models.CharField(_("关键词"), max_length=300, blank=True)
    default_unit_name = models.CharField(_("默认处置单位"), max_length=80, blank=True)
    default_tier = models.PositiveSmallIntegerField(
        _("默认层级"), choices=Tier.choices, default=Tier.NEIGHBOURHOOD
    )
    response_hours = models.PositiveIntegerField(_("响应时限（工作小时）"), default=4)
    reply_days = models.PositiveIntegerField(_("反馈时限（工作日）"), default=5)
    close_days = models.PositiveIntegerField(_("结案时限（工作日）"), default=10)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveIntegerField(default=0)
    # The deployment chooses which categories residents see on the public form, and in which
    # order (the community's own first): a position, or empty for staff-only categories.
    public_sort = models.PositiveIntegerField(
        _("公开顺序"), null=True, blank=True, help_text=_("居民上报页面上的顺序；留空则不向居民开放。")
    )

    class Meta:
        verbose_name = _("类别")
        verbose_name_plural = _("类别")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name


class TimeLimit(models.Model):
    """Limits for a category at a tier, overriding the category's defaults ("per category and
    tier"). A row with no category applies to every category at that tier."""

    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="limits"
    )
    tier = models.PositiveSmallIntegerField(_("层级"), choices=Tier.choices)
    response_hours = models.PositiveIntegerField(_("响应时限（工作小时）"))
    reply_days = models.PositiveIntegerField(_("反馈时限（工作日）"))
    close_days = models.PositiveIntegerField(_("结案时限（工作日）"))

    class Meta:
        verbose_name = _("时限")
        verbose_name_plural = _("时限")
        constraints = [
            models.UniqueConstraint(fields=["category", "tier"], name="timelimit_unique_category_tier")
        ]


class ReportedAtField(models.DateTimeField):
    """`auto_now_add`, except that a time the instance already carries is kept: intake sets the
    report's time itself (the case, its first event and its deadlines share one instant), so the
    INSERT writes it and no second UPDATE is needed (issue 19). Same column, same migration state
    as the DateTimeField it replaces."""

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if add and value is not None:
            return value
        return super().pre_save(model_instance, add)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateTimeField", args, kwargs


class Case(TimeStamped):
    created_at = ReportedAtField(_("创建时间"), auto_now_add=True, db_index=True)
    number = models.CharField(_("编号"), max_length=24, unique=True)
    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="cases")
    category = models.ForeignKey(
        Category, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="cases"
    )
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("描述"), max_length=4000)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)

    reporter_name = models.CharField(_("反映人"), max_length=40, blank=True)
    # Sealed at rest (registry.crypto), clear in Python; shown only through
    # cases.selectors.reporter_phone_for. Look-ups by phone go through the blind index.
    reporter_phone = SealedPhoneField(_("联系电话"), blank=True, context="cases.case.reporter_phone")
    reporter_phone_hash = BlindIndexField(
        source="reporter_phone", kind="phone", blank=True, default="", editable=False, db_index=True
    )
    reporter_phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.REPORTED)
    tier = models.PositiveSmallIntegerField(_("层级"), choices=Tier.choices, null=True, blank=True)
    assigned_unit = models.ForeignKey(
        Unit,
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    co_units = models.ManyToManyField(Unit, verbose_name=_("协办单位"), blank=True, related_name="co_cases")
    master = models.ForeignKey(
        "self",
        verbose_name=_("主工单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )

    response_due = models.DateTimeField(_("响应期限"), null=True, blank=True)
    reply_due = models.DateTimeField(_("反馈期限"), null=True, blank=True)
    close_due = models.DateTimeField(_("结案期限"), null=True, blank=True)
    # The earliest deadline still ahead of the case; what the queue sorts by.
    next_due = models.DateTimeField(default=FAR_FUTURE)
    responded_at = models.DateTimeField(_("首次响应"), null=True, blank=True)
    replied_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    overdue = models.BooleanField(_("已超时"), default=False)
    escalated_automatically = models.BooleanField(default=False)
    suspension_requested = models.BooleanField(default=False)

    reply_text = models.TextField(_("反馈内容"), blank=True)
    rating = models.CharField(_("评价"), max_length=20, choices=Rating.choices, blank=True)
    solved = models.BooleanField(_("问题已解决"), null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    # Bumped by every action; a check against concurrent writers beside the row lock.
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subdistrict", "status", "next_due"]),
            # The dispatcher's queue over every status, in keyset order (measured in make bench).
            models.Index(fields=["subdistrict", "next_due", "id"]),
            models.Index(fields=["assigned_unit", "status", "next_due"]),
            models.Index(fields=["area", "status"]),
            models.Index(fields=["subdistrict", "-created_at", "-id"]),
            models.Index(fields=["category", "created_at"]),
            # Finished cases not yet due for response: the dashboard's only "now"-dependent read
            # of finished cases beside the monthly rollup (a handful of rows at any time).
            models.Index(
                fields=["response_due"],
                condition=models.Q(responded_at__isnull=True),
                name="case_unresponded_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: dt.datetime) -> bool:
        return self.next_due < now and self.is_open

    @property
    def has_deadline(self) -> bool:
        return self.next_due < FAR_FUTURE


class OfACase(models.Model):
    """A row that belongs to a case. It carries the case's subdistrict as well — every row does,
    so that a city can shard by subdistrict and co-locate a case with all that hangs off it
    (docs/scale.md) — taken from the case when the row is saved."""

    subdistrict = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.subdistrict_id is None:
            self.subdistrict_id = self.case.subdistrict_id
        super().save(*args, **kwargs)


class CaseEvent(OfACase):
    """One entry in a case's timeline. Appended by the case services only, never changed."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=80, blank=True)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["case_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="caseevent_unique_seq")]
        indexes = [models.Index(fields=["action", "created_at"])]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"


class Attachment(OfACase):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(upload_to="cases/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)


class Consultation(OfACase):
    """A tier-2 grid consultation or a tier-3 coordination meeting about a case."""

    class Kind(models.TextChoices):
        GRID = "grid", _("网格会商")
        SUBDISTRICT = "subdistrict", _("街道协调")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consultations")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    held_on = models.DateField(_("会商日期"))
    participants = models.ManyToManyField(Unit, verbose_name=_("参会单位"), related_name="+")
    decision = models.TextField(_("会商决定"))
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)


class OutboundMessage(OfACase):
    """A message to a reporter (received, replied, closed, please rate), as handed to the channel."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("已受理通知")
        REPLIED = "replied", _("办理结果")
        CLOSED = "closed", _("结案通知")
        RATE = "rate", _("邀请评价")
        MERGED = "merged", _("合并通知")
        REJECTED = "rejected", _("不予受理通知")
        REOPENED = "reopened", _("重新办理通知")
        CODE = "code", _("验证码")

    # None for a message that belongs to no case (a one-time code for a public page).
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    to = models.CharField(max_length=20)
    body = models.TextField()
    backend = models.CharField(max_length=80)
    status = models.CharField(max_length=20, default="queued")
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The sweep's retry of messages left queued (a handful at any time).
            models.Index(fields=["created_at"], condition=models.Q(status="queued"), name="message_queued"),
        ]

    # The column holds the channel's own codes (messaging.py); these are their labels.
    STATUS_LABELS = {
        "queued": _("待发送"),
        "outbox": _("已存入发件箱"),
        "sent": _("已发送"),
        "failed": _("发送失败"),
    }

    @property
    def status_label(self) -> str:
        return str(self.STATUS_LABELS.get(self.status, self.status))


class PhoneCode(models.Model):
    """A one-time code sent to a phone, proving that whoever types it holds that phone (public
    pages: follow a case, a suggestion, an event registration). Only digests are stored."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    phone_digest = models.CharField(max_length=64)
    purpose = models.CharField(max_length=40)
    code_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["phone_digest", "purpose", "-created_at"], name="phonecode_lookup")]


class CaseCounter(models.Model):
    """Per-subdistrict, per-day sequence for case numbers (row-locked when taken)."""

    subdistrict = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subdistrict", "day"], name="casecounter_unique_day")]


class CaseFollower(OfACase):
    """A member of the public who reported the same problem and follows this case instead of
    filing again ("others reported this too"): told of the reply and the closure by message."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followers")
    # Sealed at rest like the reporter's phone; `phone=x` compares the blind index, which is
    # also what keeps one phone from following a case twice (a sealed value never repeats).
    phone = SealedPhoneField(_("联系电话"), context="cases.casefollower.phone")
    phone_hash = BlindIndexField(source="phone", kind="phone", default="", editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "phone_hash"], name="casefollower_unique_phone")
        ]


class CaseMonthly(models.Model):
    """The dashboard's rollup: counts of FINISHED cases (closed, rated, rejected, merged) per area ×
    month of report × assigned unit. Open cases are counted live (they are few); finished ones
    change rarely, so the services refresh a row whenever a case enters, leaves or changes within
    the finished set, in the same transaction (gongzhi.cases.rollup). `area` is the case's area or
    its ancestor two levels below the subdistrict, whichever is higher, so a district dashboard
    reads a few rows per neighbourhood and month instead of every case. `unit_id` is 0 for cases
    never assigned (a plain integer, so that the unique key has no NULL)."""

    subdistrict = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    unit_id = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    responded = models.PositiveIntegerField(default=0)
    responded_in_time = models.PositiveIntegerField(default=0)
    unresponded = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    solved = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    basically = models.PositiveIntegerField(default=0)
    unsatisfied = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    onsite = models.PositiveIntegerField(default=0)
    handling_seconds = models.FloatField(default=0.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["area", "month", "unit_id"], name="casemonthly_unique_bucket")
        ]
        indexes = [models.Index(fields=["subdistrict", "month"])]


class PendingPhoto(models.Model):
    """A photo of a public report whose form came back with an error, kept for a day so that the
    corrected form still has it (cases.pending). `token` groups a form's photos; `owner` is the
    visitor's session's random id, so nobody else can claim them."""

    token = models.CharField(max_length=48, db_index=True)
    owner = models.CharField(max_length=48)
    file = models.FileField(upload_to="pending/%Y/%m/")
    name = models.CharField(max_length=100, blank=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
