"""矛盾调解: a dispute ledger for people's mediation (人民调解) — the parties, the mediation
sessions, the agreement (调解协议), its judicial confirmation and the follow-ups on whether it held.
Deadlines come from `policy.py`; the one action table is `transitions.py`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import TimeStamped
from gongzhi.territory.models import Area


class Kind(models.TextChoices):
    NOISE = "noise", _("噪声扰民")
    LEAK = "leak", _("楼上楼下漏水")
    SHARED_SPACE = "shared_space", _("公共空间占用")
    PETS = "pets", _("宠物饲养")
    INHERITANCE = "inheritance", _("房屋继承")
    FAMILY = "family", _("婚姻家庭")
    PROPERTY = "property", _("物业服务")
    TENANCY = "tenancy", _("房屋租赁")
    NEIGHBOURS = "neighbours", _("其他邻里纠纷")


class Source(models.TextChoices):
    APPLICATION = "application", _("当事人申请")
    INITIATIVE = "initiative", _("主动调解")
    CASE = "case", _("工单转入")


class Status(models.TextChoices):
    APPLIED = "applied", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    MEDIATING = "mediating", _("调解中")
    AGREED = "agreed", _("已达成协议")
    HELD = "held", _("协议已履行")
    BROKEN = "broken", _("协议未履行")
    FAILED = "failed", _("调解不成")
    DECLINED = "declined", _("不予受理")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATUSES = (Status.APPLIED, Status.ACCEPTED, Status.MEDIATING)
FINISHED_STATUSES = (Status.HELD, Status.BROKEN, Status.FAILED, Status.DECLINED, Status.WITHDRAWN)


class Action(models.TextChoices):
    APPLY = "apply", _("登记申请")
    ACCEPT = "accept", _("受理")
    DECLINE = "decline", _("不予受理")
    SESSION = "session", _("记录调解")
    EXTEND = "extend", _("延长调解期限")
    AGREE = "agree", _("签订调解协议")
    FAIL = "fail", _("终止调解")
    WITHDRAW = "withdraw", _("当事人撤回")
    CONFIRM = "confirm", _("申请司法确认")
    COURT_RESULT = "court_result", _("登记司法确认结果")
    SCAN = "scan", _("上传协议签字扫描件")
    FOLLOW_UP = "follow_up", _("回访")
    CLOSE_HELD = "close_held", _("确认协议履行")
    REPORT_BROKEN = "report_broken", _("协议未履行")
    NOTE = "note", _("备注")


class Referral(models.TextChoices):
    NONE = "", _("无")
    CIRCUIT_COURT = "circuit_court", _("法院巡回审判")
    LITIGATION = "litigation", _("告知诉讼途径")
    ARBITRATION = "arbitration", _("告知仲裁途径")
    ADMINISTRATIVE = "administrative", _("移交行政机关处理")
    CASE = "case", _("转为工单处置")


class Dispute(TimeStamped):
    """One dispute from application to the end of its follow-up."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("编号"), max_length=30, unique=True, null=True, editable=False)
    kind = models.CharField(_("纠纷类型"), max_length=20, choices=Kind.choices)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.APPLICATION)
    title = models.CharField(_("纠纷简述"), max_length=120)
    matter = models.TextField(_("纠纷事项"))
    address = models.CharField(_("发生地址"), max_length=200, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("来源工单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.APPLIED)
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("调解员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField(_("申请时间"), db_index=True)
    accept_due_at = models.DateTimeField(_("受理期限"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    mediation_due_at = models.DateTimeField(_("调结期限"), null=True, blank=True)
    extended = models.BooleanField(_("已延期"), default=False)
    ended_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    referral = models.CharField(_("分流去向"), max_length=20, choices=Referral.choices, blank=True)
    referred_case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("转办工单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome_note = models.CharField(_("结果说明"), max_length=400, blank=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")
        ordering = ["-applied_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(case__isnull=False) & ~Q(status__in=["declined", "withdrawn"]),
                name="dispute_one_live_per_case",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(mediation_due_at__isnull=False),
                name="dispute_accepted_has_due",
            ),
        ]
        indexes = [models.Index(fields=["subdistrict", "status"])]

    def __str__(self) -> str:
        return f"{self.number or ''} {self.title}".strip()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def due_at(self):
        """The deadline the dispute is working to now (acceptance, then mediation)."""
        if self.status == Status.APPLIED:
            return self.accept_due_at
        if self.status in (Status.ACCEPTED, Status.MEDIATING):
            return self.mediation_due_at
        return None

    def is_overdue(self, now) -> bool:
        due = self.due_at()
        return due is not None and now > due


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")


class Party(models.Model):
    """A party to the dispute: a registry resident, or a person or unit outside the registry
    (only the masked phone is kept for them)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("身份"), max_length=20, choices=PartyRole.choices)
    resident = models.ForeignKey(
        "registry.Resident", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("姓名/名称"), max_length=60)
    phone_mask = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["dispute_id", "role", "id"]

    def __str__(self) -> str:
        return self.name


class MediationSession(models.Model):
    """One mediation meeting: when, where, who attended, what was said."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("调解时间"))
    place = models.CharField(_("地点"), max_length=120)
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("主持调解员"), on_delete=models.PROTECT, related_name="+"
    )
    attendees = models.CharField(_("参加人员"), max_length=400)
    summary = models.TextField(_("调解情况"))

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["dispute_id", "held_at", "id"]


class CourtResult(models.TextChoices):
    CONFIRMED = "confirmed", _("确认有效")
    REJECTED = "rejected", _("驳回申请")


class AgreementForm(models.TextChoices):
    WRITTEN = "written", _("书面协议")
    ORAL = "oral", _("口头协议")


class Agreement(models.Model):
    """调解协议 (人民调解法 第二十八至三十三条): the terms, who does what by when, signed by the
    parties and the mediator; a written one may be confirmed by the court within 30 days."""

    dispute = models.OneToOneField(Dispute, on_delete=models.CASCADE, related_name="agreement")
    form = models.CharField(_("协议形式"), max_length=10, choices=AgreementForm.choices)
    terms = models.TextField(_("协议内容"))
    perform_by = models.DateField(_("履行期限"), null=True, blank=True)
    signed_on = models.DateField(_("签订日期"))
    signed_by = models.CharField(_("签字当事人"), max_length=200)
    confirm_by = models.DateField(_("司法确认申请截止"))
    confirmation_applied_on = models.DateField(_("申请司法确认日期"), null=True, blank=True)
    held_check_on = models.DateField(_("三个月回访日"))
    # the signed paper, scanned or photographed (checked and re-encoded by cases.photos)
    scan = models.FileField(_("签字扫描件"), upload_to="mediation/agreements/%Y/%m/", blank=True)
    scan_content_type = models.CharField(max_length=40, blank=True)
    scan_uploaded_at = models.DateTimeField(_("扫描件上传时间"), null=True, blank=True)
    # the court's ruling on the application for judicial confirmation (人民调解法 第三十三条)
    court_result = models.CharField(_("司法确认结果"), max_length=10, choices=CourtResult.choices, blank=True)
    court_result_on = models.DateField(_("裁定日期"), null=True, blank=True)
    court_case_number = models.CharField(_("法院案号"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("调解协议")
        verbose_name_plural = _("调解协议")
        constraints = [
            models.CheckConstraint(
                condition=Q(confirm_by__gte=models.F("signed_on")), name="agreement_confirm_after_signing"
            ),
            models.CheckConstraint(
                condition=Q(held_check_on__gt=models.F("signed_on")), name="agreement_check_after_signing"
            ),
        ]


class Performance(models.TextChoices):
    PERFORMED = "performed", _("已履行")
    PERFORMING = "performing", _("正在履行")
    NOT_PERFORMED = "not_performed", _("未履行")


class FollowUp(models.Model):
    """A return visit (回访) asking whether the agreement is being kept."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="follow_ups")
    on = models.DateField(_("回访日期"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    performance = models.CharField(_("履行情况"), max_length=20, choices=Performance.choices)
    note = models.CharField(_("回访情况"), max_length=400)

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["dispute_id", "on", "id"]


class DisputeEvent(models.Model):
    """The dispute's timeline: one row per action, only ever added."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    note = models.CharField(max_length=400, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["dispute_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["dispute", "seq"], name="dispute_event_seq")]
