"""居民参与: campaigns and suggestions (人民建议征集), deliberation (议事: topics, meetings,
motions), and the lists that turn decisions into tracked, publicly closed work (清单 → 销项),
plus community projects (项目化推进).

Every row that belongs to a place carries `subdistrict` and `area`. States are TextChoices; the
moves between them live in one table (`transitions.py`); only `services.py` writes a state.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import Unit
from gongzhi.cases.models import BlindIndexField, SealedPhoneField
from gongzhi.core.models import TimeStamped
from gongzhi.territory.models import Area


class Placed(TimeStamped):
    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


# ---------------------------------------------------------------- campaigns and suggestions


class Campaign(Placed):
    """A 征集 on one theme for an area and a period, with its public question and rules."""

    title = models.CharField(_("征集主题"), max_length=80)
    question = models.TextField(_("征集问题"))
    rules = models.TextField(_("征集规则"), blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("截止日期"))
    support_threshold = models.PositiveIntegerField(
        _("附议门槛"), default=10, help_text=_("达到该附议数后建议进入分办")
    )
    report_threshold = models.PositiveIntegerField(
        _("举报隐藏门槛"), default=3, help_text=_("被这么多个手机号举报后，建议先隐藏，待工作人员复核")
    )
    results = models.TextField(_("征集结果"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("建议征集")
        verbose_name_plural = _("建议征集")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="participation_campaign_period"
            ),
            models.CheckConstraint(
                condition=Q(support_threshold__gte=1), name="participation_campaign_threshold"
            ),
            models.CheckConstraint(
                condition=Q(report_threshold__gte=1), name="participation_campaign_report_threshold"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    PUBLISHED = "published", _("公开征集中")
    TRIAGE = "triage", _("待分办")
    TO_CASE = "to_case", _("已转工单")
    TO_TOPIC = "to_topic", _("已转议题")
    MERGED = "merged", _("已合并")
    REFERRED = "referred", _("已转交")
    ANSWERED = "answered", _("已答复")
    REJECTED = "rejected", _("未采纳")
    DECLINED = "declined", _("审核未通过")
    WITHDRAWN = "withdrawn", _("已撤回")
    HIDDEN = "hidden", _("被举报待复核")


# What the public may see: everything that passed moderation.
PUBLIC_SUGGESTION_STATUSES = [
    SuggestionStatus.PUBLISHED,
    SuggestionStatus.TRIAGE,
    SuggestionStatus.TO_CASE,
    SuggestionStatus.TO_TOPIC,
    SuggestionStatus.MERGED,
    SuggestionStatus.REFERRED,
    SuggestionStatus.ANSWERED,
    SuggestionStatus.REJECTED,
]


class Channel(models.TextChoices):
    WEB = "web", _("网上提交")
    PROXY = "proxy", _("工作人员代录")
    MEETING = "meeting", _("会议")
    VISIT = "visit", _("走访")
    HOTLINE = "hotline", _("热线")


class Consent(models.TextChoices):
    NONE = "", _("（本人提交）")
    VERBAL = "verbal_recorded", _("口头同意（已记录）")
    SIGNATURE = "signature_photo", _("签字确认（已拍照）")


class Suggestion(Placed):
    """One 人民建议 or problem raised by a resident or unit. `body` is what was written;
    `public_body` is the same text with phone and ID numbers redacted, the only one pages show."""

    ref = models.CharField(_("编号"), max_length=24, unique=True)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("征集"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    title = models.CharField(_("标题"), max_length=80)
    body = models.TextField(_("内容"))
    public_title = models.CharField(_("公开标题"), max_length=80)
    public_body = models.TextField(_("公开内容"))
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    channel = models.CharField(_("来源渠道"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    author_name = models.CharField(_("提出人"), max_length=40, blank=True)
    # Sealed like the registry's phones (AES-GCM bound to the column, read back in clear); the
    # author is recognised by the keyed blind index in `phone_hash` (`Suggestion.objects.filter(
    # phone=x)` compares it).
    phone = SealedPhoneField(_("手机号"), blank=True, context="participation.suggestion.phone")
    phone_hash = BlindIndexField(
        source="phone", kind="phone", blank=True, default="", editable=False, db_index=True
    )
    phone_verified = models.BooleanField(_("手机已验证"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    consent = models.CharField(_("同意方式"), max_length=20, choices=Consent.choices, blank=True, default="")
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=SuggestionStatus.choices,
        default=SuggestionStatus.PENDING,
        db_index=True,
    )
    moderation_reason = models.CharField(_("审核意见"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    supports_count = models.PositiveIntegerField(_("附议数"), default=0)
    # Reports since the last staff review; at the campaign's report threshold the suggestion is
    # hidden and `hidden_from` keeps the state a restore returns it to.
    reports_count = models.PositiveIntegerField(_("举报数"), default=0)
    hidden_from = models.CharField(_("隐藏前状态"), max_length=12, blank=True, default="")
    answer = models.TextField(_("答复"), blank=True)
    answer_published_at = models.DateTimeField(_("答复公开时间"), null=True, blank=True)
    reason = models.CharField(_("处理说明"), max_length=200, blank=True)
    referred_to = models.ForeignKey(
        Unit, verbose_name=_("转交单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referred_due = models.DateTimeField(_("转交办理期限"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并到"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("工单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    topic = models.ForeignKey(
        "Topic",
        verbose_name=_("议题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )

    class Meta:
        verbose_name = _("人民建议")
        verbose_name_plural = _("人民建议")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subdistrict", "status", "created_at"])]
        constraints = [
            # A proxy entry says who entered it and how the resident agreed.
            models.CheckConstraint(
                condition=~Q(channel="proxy") | (Q(entered_by__isnull=False) & ~Q(consent="")),
                name="participation_suggestion_proxy_consent",
            ),
            models.CheckConstraint(
                condition=~Q(status="to_case") | Q(case__isnull=False), name="participation_suggestion_case"
            ),
            models.CheckConstraint(
                condition=~Q(status="to_topic") | Q(topic__isnull=False),
                name="participation_suggestion_topic",
            ),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False),
                name="participation_suggestion_merged",
            ),
            models.CheckConstraint(
                condition=~Q(status="answered") | Q(answer_published_at__isnull=False),
                name="participation_suggestion_answer",
            ),
            models.CheckConstraint(
                condition=~Q(status="hidden") | ~Q(hidden_from=""), name="participation_suggestion_hidden"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.public_title}"

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_SUGGESTION_STATUSES

    @property
    def answer_is_public(self) -> bool:
        return self.answer_published_at is not None


class Support(models.Model):
    """One public support (附议): one per verified phone per suggestion."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="supports")
    phone_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "phone_digest"], name="participation_support_once")
        ]


class Report(models.Model):
    """One resident's report (举报) of a public suggestion: one per verified phone per
    suggestion, the phone kept only as a keyed digest."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="reports")
    phone_digest = models.CharField(max_length=64)
    reason = models.CharField(_("举报理由"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("举报")
        verbose_name_plural = _("举报")
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "phone_digest"], name="participation_report_once")
        ]


class SuggestionPhoto(models.Model):
    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="participation/%Y/%m/")
    content_type = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)


class Counter(models.Model):
    """Per-subdistrict, per-year sequence for reference numbers (row-locked when taken)."""

    subdistrict = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subdistrict", "year"], name="participation_counter_unique")
        ]


# ---------------------------------------------------------------- deliberation


class TopicStatus(models.TextChoices):
    PROPOSED = "proposed", _("征集提出")
    SCREENED = "screened", _("议题确定")
    SCHEDULED = "scheduled", _("已安排会议")
    DELIBERATED = "deliberated", _("已协商")
    RESOLVED = "resolved", _("已形成决议")
    DEFERRED = "deferred", _("暂缓")
    DROPPED = "dropped", _("不予立项")
    IN_EXECUTION = "in_execution", _("执行中")
    EVALUATED = "evaluated", _("已评议")
    CLOSED = "closed", _("已办结")


class Topic(Placed):
    """A public matter put to deliberation (议题), with its source suggestions and cases."""

    title = models.CharField(_("议题"), max_length=80)
    description = models.TextField(_("说明"), blank=True)
    status = models.CharField(
        _("状态"), max_length=14, choices=TopicStatus.choices, default=TopicStatus.PROPOSED, db_index=True
    )
    screen_reason = models.CharField(_("确定理由"), max_length=300, blank=True)
    resolution = models.TextField(_("决议"), blank=True)
    evaluation = models.TextField(_("评议意见"), blank=True)
    board = models.CharField(
        _("议事机构"), max_length=80, blank=True, help_text=_("如：风貌街区共治委员会、居民区议事会")
    )
    cases = models.ManyToManyField(
        "cases.Case", verbose_name=_("关联工单"), blank=True, related_name="topics"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subdistrict", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "dropped"]) | ~Q(screen_reason=""),
                name="participation_topic_screen_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class MeetingKind(models.TextChoices):
    HEARING = "hearing", _("听证会")
    COORDINATION = "coordination", _("协调会")
    EVALUATION = "evaluation", _("评议会")
    COUNCIL = "council", _("议事会")
    DIALOGUE = "dialogue", _("恳谈会")


class MeetingMode(models.TextChoices):
    IN_PERSON = "in_person", _("线下")
    ONLINE = "online", _("线上")
    HYBRID = "hybrid", _("线上线下结合")


class QuorumBase(models.TextChoices):
    MEMBERS = "members", _("成员")
    HOUSEHOLDS = "households", _("户")
    REPRESENTATIVES = "representatives", _("居民代表")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("已通知")
    HELD = "held", _("已召开")
    PUBLISHED = "published", _("纪要已公开")
    CANCELLED = "cancelled", _("已取消")


class Meeting(Placed):
    """A 听证会/协调会/评议会/议事会/恳谈会. Rules of procedure and the quorum rule are data,
    defaulted from the research note (3 min a speech, 2 speeches; more than half present)."""

    topic = models.ForeignKey(
        Topic,
        verbose_name=_("议题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    kind = models.CharField(
        _("会议类型"), max_length=14, choices=MeetingKind.choices, default=MeetingKind.COUNCIL
    )
    mode = models.CharField(
        _("形式"), max_length=10, choices=MeetingMode.choices, default=MeetingMode.IN_PERSON
    )
    title = models.CharField(_("会议名称"), max_length=80)
    starts_at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点/链接"), max_length=120, blank=True)
    notice_days = models.PositiveSmallIntegerField(_("提前通知天数"), default=3)
    notice_to = models.CharField(_("通知对象"), max_length=200, blank=True)
    agenda = models.TextField(_("议程"), blank=True)
    speech_seconds = models.PositiveIntegerField(_("每次发言时长（秒）"), default=180)
    max_speeches = models.PositiveSmallIntegerField(_("每人每议题发言次数"), default=2)
    chair_neutral = models.BooleanField(_("主持人中立"), default=True)
    quorum_base = models.CharField(
        _("法定人数基数"), max_length=16, choices=QuorumBase.choices, default=QuorumBase.MEMBERS
    )
    eligible = models.PositiveIntegerField(_("应到人数（户数/代表数）"), default=0)
    quorum_numerator = models.PositiveSmallIntegerField(_("最低到会比例·分子"), default=1)
    quorum_denominator = models.PositiveSmallIntegerField(_("最低到会比例·分母"), default=2)
    quorum_strict = models.BooleanField(_("须“超过”该比例"), default=True)
    quorum_min = models.PositiveIntegerField(_("最低到会人数"), default=0)
    status = models.CharField(
        _("状态"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    sign_in_token = models.CharField(max_length=32, unique=True)
    minutes = models.TextField(_("会议纪要"), blank=True)
    public_minutes = models.TextField(_("公开纪要"), blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_denominator__gte=1) & Q(quorum_numerator__lte=F("quorum_denominator")),
                name="participation_meeting_quorum_fraction",
            ),
            models.CheckConstraint(
                condition=~Q(status="published")
                | (Q(signed_off_by__isnull=False) & Q(published_at__isnull=False)),
                name="participation_meeting_signed_off",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SignIn(models.TextChoices):
    QR = "qr", _("扫码签到")
    WORKER = "worker_tick", _("工作人员勾选")
    PAPER = "paper_photo", _("纸质签到表拍照")


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    name = models.CharField(_("姓名"), max_length=40)
    capacity = models.CharField(
        _("身份"), max_length=40, blank=True, help_text=_("如：居民代表、楼组长、驻区单位")
    )
    sign_in = models.CharField(_("签到方式"), max_length=12, choices=SignIn.choices)
    proxy_for = models.CharField(_("代为出席（委托人）"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "name"], name="participation_attendance_once")
        ]


class VoteMethod(models.TextChoices):
    HANDS = "hands", _("举手表决")
    SECRET = "secret", _("无记名投票")
    ROLL_CALL = "roll_call", _("记名表决")


class Majority(models.TextChoices):
    PRESENT = "present", _("到会人员过半数")
    CAST = "cast", _("赞成多于反对")
    MEMBERS = "members", _("应到人数过半数")
    TWO_THIRDS = "two_thirds", _("到会人员三分之二以上")


class Motion(models.Model):
    """A motion put to the meeting, its votes, and the result computed with the quorum as it
    stood (the snapshot is kept, so a later change of the rule does not rewrite history)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="motions")
    text = models.CharField(_("动议"), max_length=300)
    mover = models.CharField(_("提议人"), max_length=40, blank=True)
    seconder = models.CharField(_("附议人"), max_length=40, blank=True)
    method = models.CharField(
        _("表决方式"), max_length=10, choices=VoteMethod.choices, default=VoteMethod.HANDS
    )
    majority = models.CharField(
        _("通过规则"), max_length=10, choices=Majority.choices, default=Majority.PRESENT
    )
    yes = models.PositiveIntegerField(_("赞成"), default=0)
    no = models.PositiveIntegerField(_("反对"), default=0)
    abstain = models.PositiveIntegerField(_("弃权"), default=0)
    present = models.PositiveIntegerField(_("到会"), default=0)
    quorum_required = models.PositiveIntegerField(_("法定到会人数"), default=0)
    quorum_met = models.BooleanField(_("达到法定人数"), default=False)
    passed = models.BooleanField(_("通过"), default=False)
    snapshot = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(present__gte=F("yes") + F("no") + F("abstain")),
                name="participation_motion_votes_le_present",
            ),
            models.CheckConstraint(
                condition=Q(quorum_met=True) | Q(passed=False), name="participation_motion_quorum"
            ),
        ]


class MotionVote(models.Model):
    """An optional per-person row of a roll-call vote."""

    class Choice(models.TextChoices):
        YES = "yes", _("赞成")
        NO = "no", _("反对")
        ABSTAIN = "abstain", _("弃权")

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="votes")
    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="+")
    choice = models.CharField(max_length=8, choices=Choice.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["motion", "attendance"], name="participation_vote_once")
        ]


# ---------------------------------------------------------------- lists (清单)


class ItemKind(models.TextChoices):
    PROBLEM = "problem", _("问题")
    NEED = "need", _("需求")
    TASK = "task", _("任务")


class ItemSource(models.TextChoices):
    DELIBERATION = "deliberation", _("议事协商")
    CAMPAIGN = "campaign", _("建议征集")
    COMMITTEE = "committee", _("共治委员会")
    VISIT = "visit", _("走访")
    STAFF = "staff", _("工作人员")
    PROJECT = "project", _("社区项目")


class Funding(models.TextChoices):
    NONE = "", _("（无）")
    SELF_GOVERNANCE = "self_governance", _("自治金")
    PRACTICAL = "practical", _("实事项目")
    DEPARTMENT = "department", _("部门预算")
    MAINTENANCE = "maintenance", _("维修资金")
    COBUILDING = "cobuilding", _("共建")


class ItemStatus(models.TextChoices):
    PLANNED = "planned", _("计划")
    IN_PROGRESS = "in_progress", _("推进中")
    BLOCKED = "blocked", _("受阻")
    DONE = "done", _("已完成")
    VERIFIED = "verified", _("居民已验收")
    CLOSED = "closed", _("已销项")


class ListItem(Placed):
    """An item of a problem, need or task list. Tasks nest (parent/child) and their progress
    rolls up by weight; `progress` is the item's own (leaf) progress, `rolled_progress` what the
    board shows (its own for a leaf, the weighted children's for a parent)."""

    kind = models.CharField(_("类别"), max_length=8, choices=ItemKind.choices, default=ItemKind.TASK)
    source = models.CharField(_("来源"), max_length=14, choices=ItemSource.choices, default=ItemSource.STAFF)
    board = models.CharField(_("清单所属"), max_length=80, blank=True, help_text=_("如：风貌街区共治委员会"))
    title = models.CharField(_("事项"), max_length=120)
    detail = models.TextField(_("说明"), blank=True)
    topic = models.ForeignKey(
        Topic, verbose_name=_("议题"), null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    suggestion = models.ForeignKey(
        Suggestion,
        verbose_name=_("来源建议"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    weight = models.PositiveSmallIntegerField(_("权重"), default=1)
    owner = models.ForeignKey(
        Unit, verbose_name=_("责任单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    co_owners = models.ManyToManyField(Unit, verbose_name=_("协同单位"), blank=True, related_name="+")
    due_at = models.DateTimeField(_("完成期限"), null=True, blank=True)
    funding = models.CharField(_("资金来源"), max_length=16, choices=Funding.choices, blank=True, default="")
    budget = models.DecimalField(_("预算（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("进度%"), default=0)
    rolled_progress = models.PositiveSmallIntegerField(_("总进度%"), default=0)
    status = models.CharField(
        _("状态"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.PLANNED, db_index=True
    )
    public = models.BooleanField(_("公开"), default=True)
    blocked_reason = models.CharField(_("受阻原因"), max_length=200, blank=True)
    verified_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    verified_note = models.CharField(_("验收意见"), max_length=200, blank=True)
    closed_at = models.DateTimeField(_("销项时间"), null=True, blank=True)
    before_photo = models.FileField(_("整改前照片"), upload_to="participation/items/", blank=True)
    after_photo = models.FileField(_("整改后照片"), upload_to="participation/items/", blank=True)
    cases = models.ManyToManyField(
        "cases.Case", verbose_name=_("关联工单"), blank=True, related_name="list_items"
    )
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("清单事项")
        verbose_name_plural = _("清单事项")
        ordering = ["subdistrict_id", "id"]
        indexes = [models.Index(fields=["subdistrict", "status"]), models.Index(fields=["board"])]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="participation_item_progress_le_100"),
            models.CheckConstraint(
                condition=Q(rolled_progress__lte=100), name="participation_item_rolled_le_100"
            ),
            # 销项 only after the residents' check.
            models.CheckConstraint(
                condition=~Q(status__in=["verified", "closed"]) | Q(verified_at__isnull=False),
                name="participation_item_closed_was_verified",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="participation_item_closed_at",
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="participation_item_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, now) -> bool:
        return bool(self.due_at and now > self.due_at and self.status not in CLOSED_ITEM_STATUSES)


# Finished from the board's point of view (the share closed counts these).
CLOSED_ITEM_STATUSES = [ItemStatus.DONE, ItemStatus.VERIFIED, ItemStatus.CLOSED]


class Milestone(models.Model):
    item = models.ForeignKey(ListItem, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点"), max_length=80)
    due_on = models.DateField(_("计划日期"), null=True, blank=True)
    percent = models.PositiveSmallIntegerField(_("完成后进度%"), default=0)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        ordering = ["percent", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__lte=100), name="participation_milestone_percent")
        ]


# ---------------------------------------------------------------- projects (项目化推进)


class ProjectStage(models.TextChoices):
    IDEA = "idea", _("创意")
    INCUBATION = "incubation", _("孵化")
    DESIGN = "design", _("方案与预算")
    REVIEW = "review", _("评审")
    NOTICE = "notice", _("公示")
    VOTE = "vote", _("居民投票")
    BUILD = "build", _("实施")
    HANDOVER = "handover", _("移交管护")
    EVALUATION = "evaluation", _("评估")
    DONE = "done", _("已完成")
    SHELVED = "shelved", _("已搁置")


class Project(Placed):
    """A community project incubated from an idea (众享空间, 友邻共益计划)."""

    title = models.CharField(_("项目名称"), max_length=80)
    summary = models.TextField(_("简介"), blank=True)
    stage = models.CharField(
        _("阶段"), max_length=12, choices=ProjectStage.choices, default=ProjectStage.IDEA, db_index=True
    )
    suggestion = models.ForeignKey(
        Suggestion,
        verbose_name=_("来源建议"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    planner = models.CharField(_("社区规划师/责任社工"), max_length=40, blank=True)
    budget = models.DecimalField(_("预算（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    funding = models.CharField(_("资金来源"), max_length=16, choices=Funding.choices, blank=True, default="")
    cofunding = models.DecimalField(_("居民自筹（元）"), max_digits=12, decimal_places=2, default=0)
    cofunding_households = models.PositiveIntegerField(_("自筹户数"), default=0)
    review_scores = models.JSONField(_("评审评分"), default=dict, blank=True)
    review_total = models.DecimalField(_("评审总分"), max_digits=6, decimal_places=2, null=True, blank=True)
    notice_days = models.PositiveSmallIntegerField(_("公示天数"), default=7)
    notice_ends_on = models.DateField(_("公示截止"), null=True, blank=True)
    objections = models.TextField(_("公示期意见"), blank=True)
    vote_yes = models.PositiveIntegerField(_("赞成票"), default=0)
    vote_no = models.PositiveIntegerField(_("反对票"), default=0)
    task = models.OneToOneField(
        ListItem,
        verbose_name=_("实施任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="project",
    )
    maintainer = models.CharField(_("管护主体"), max_length=80, blank=True)
    evaluate_on = models.DateField(_("评估日期"), null=True, blank=True)
    evaluation = models.TextField(_("评估结论"), blank=True)

    class Meta:
        verbose_name = _("社区项目")
        verbose_name_plural = _("社区项目")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(stage__in=["handover", "evaluation", "done"]) | ~Q(maintainer=""),
                name="participation_project_maintainer",
            ),
        ]

    def __str__(self) -> str:
        return self.title


# ---------------------------------------------------------------- ballots (民生实事票决 / 实事推荐)


class BallotStatus(models.TextChoices):
    DRAFT = "draft", _("准备中")
    OPEN = "open", _("投票中")
    CLOSED = "closed", _("已截止（计票中）")
    PUBLISHED = "published", _("结果已公布")
    CANCELLED = "cancelled", _("已取消")


class Ballot(Placed):
    """A vote of the residents of an area on which of the candidate projects (实事项目) go ahead:
    each verified phone picks at most `pick` of the candidates (差额: more candidates than picks),
    paper votes counted at the polling station are added per candidate before the result, and the
    `pick` candidates with the most votes are recommended (票荐) to the residents' representatives.
    """

    ref = models.CharField(_("编号"), max_length=24, unique=True)
    title = models.CharField(_("名称"), max_length=80)
    question = models.TextField(_("说明"), blank=True)
    pick = models.PositiveSmallIntegerField(_("每人最多选"), default=1)
    # One vote per household (一户一票): the voter's phone must match a resident of a registry
    # household in the ballot's area, and each household votes once.
    per_household = models.BooleanField(_("一户一票"), default=False)
    # A budget ballot (预算票决, knapsack): each candidate has a cost (`BallotOption.budget`) and a
    # voter picks any candidates whose costs add up to at most this total.
    budget_limit = models.DecimalField(
        _("预算总额（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=BallotStatus.choices, default=BallotStatus.DRAFT, db_index=True
    )
    voters = models.PositiveIntegerField(_("网上投票人数"), default=0)
    paper_ballots = models.PositiveIntegerField(_("纸质选票张数"), default=0)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("实事票决")
        verbose_name_plural = _("实事票决")
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(pick__gte=1), name="participation_ballot_pick"),
            models.CheckConstraint(
                condition=Q(budget_limit__isnull=True) | Q(budget_limit__gt=0),
                name="participation_ballot_budget_limit",
            ),
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")), name="participation_ballot_period"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_budget(self) -> bool:
        return self.budget_limit is not None


class BallotOption(models.Model):
    """A candidate project of a ballot; `votes` counts the online choices (kept equal to the
    rows of BallotChoice, checked by a test), `paper_votes` the counted paper ballots."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="options")
    title = models.CharField(_("候选项目"), max_length=80)
    description = models.TextField(_("内容"), blank=True)
    budget = models.DecimalField(_("预算（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    project = models.ForeignKey(
        Project,
        verbose_name=_("对应社区项目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    suggestion = models.ForeignKey(
        Suggestion,
        verbose_name=_("来源建议"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    votes = models.PositiveIntegerField(_("网上票数"), default=0)
    paper_votes = models.PositiveIntegerField(_("纸质票数"), default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["ballot", "position", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def total(self) -> int:
        return self.votes + self.paper_votes


class BallotVote(models.Model):
    """One verified phone's vote in a ballot (the phone kept only as a keyed digest)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="votes")
    phone_digest = models.CharField(max_length=64)
    # In a per-household ballot, a keyed hash of the voter's registry household (not a link: the
    # choices of a household must not be readable from the vote rows).
    household_digest = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "phone_digest"], name="participation_ballot_vote_once"),
            models.UniqueConstraint(
                fields=["ballot", "household_digest"],
                condition=~Q(household_digest=""),
                name="participation_ballot_vote_household_once",
            ),
        ]


class BallotChoice(models.Model):
    vote = models.ForeignKey(BallotVote, on_delete=models.CASCADE, related_name="choices")
    option = models.ForeignKey(BallotOption, on_delete=models.CASCADE, related_name="choices")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vote", "option"], name="participation_ballot_choice_once")
        ]


# ---------------------------------------------------------------- the timeline


class Entry(models.Model):
    """One row of the participation timeline: every write of a suggestion, topic, meeting,
    list item or project appends one, in the same transaction."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=12)  # suggestion | topic | meeting | item | project | campaign
    subject_id = models.PositiveIntegerField()
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=14, blank=True)
    to_state = models.CharField(max_length=14, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    public = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["subject", "subject_id", "created_at"])]
