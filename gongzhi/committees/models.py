"""业委会: owners' committees per property-management area (物业管理区域, here an estate), their
terms, members, lifecycle steps with legal due dates, owners' votes counted by the double
majority (area and headcount), and annual audits with findings."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import TimeStamped
from gongzhi.registry.models import Dwelling, Organization, Resident
from gongzhi.territory.models import Area


class Stage(models.TextChoices):
    NONE = "none", _("未组建")
    PREPARATORY = "preparatory", _("筹备组")
    FIRST_ASSEMBLY = "first_assembly", _("首次业主大会")
    ELECTED = "elected", _("已选举")
    HANDOVER = "handover", _("已移交")
    FILED = "filed", _("已备案")
    IN_TERM = "in_term", _("任期内")
    RENEWAL_DUE = "renewal_due", _("换届待启动")
    ELECTION_GROUP = "election_group", _("换届改选小组")
    AUDITED = "audited", _("换届审计完成")
    BY_ELECTION = "by_election", _("补选中")
    DISSOLVED = "dissolved", _("已解散")


class Committee(TimeStamped):
    """The owners' committee of one property-management area, through all its terms."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("物业管理区域"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=80)
    stage = models.CharField(_("阶段"), max_length=20, choices=Stage.choices, default=Stage.NONE)
    stage_since = models.DateField(_("进入阶段日期"), null=True, blank=True)
    due_on = models.DateField(_("本步骤截止日期"), null=True, blank=True, db_index=True)
    term_years = models.PositiveSmallIntegerField(_("任期（年）"), default=5)
    seats = models.PositiveSmallIntegerField(_("委员名额"), default=5)
    property_manager = models.ForeignKey(
        Organization,
        verbose_name=_("物业服务企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contract_ends_on = models.DateField(_("物业合同到期日"), null=True, blank=True)
    residents_committee = models.ForeignKey(
        Organization,
        verbose_name=_("居民委员会"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    written_request_on = models.DateField(_("业主书面要求换届日期"), null=True, blank=True)
    last_meeting_on = models.DateField(_("最近一次会议日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("业主委员会")
        verbose_name_plural = _("业主委员会")
        ordering = ["area__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["area"], condition=~Q(stage="dissolved"), name="committee_one_live_per_area"
            ),
            models.CheckConstraint(
                condition=Q(seats__in=[5, 7, 9, 11]),
                name="committee_seats_odd_5_to_11",
            ),
            models.CheckConstraint(
                condition=Q(term_years__gte=3) & Q(term_years__lte=5), name="committee_term_3_to_5_years"
            ),
        ]
        indexes = [models.Index(fields=["subdistrict", "stage"])]

    def __str__(self) -> str:
        return self.name


class Term(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="terms")
    number = models.PositiveSmallIntegerField(_("届次"))
    elected_on = models.DateField(_("选举日期"))
    starts_on = models.DateField(_("任期开始"))
    ends_on = models.DateField(_("任期届满"))
    handed_over_on = models.DateField(_("移交日期"), null=True, blank=True)
    filed_on = models.DateField(_("备案日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("届次")
        verbose_name_plural = _("届次")
        ordering = ["committee_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "number"], name="term_unique_number"),
            models.CheckConstraint(condition=Q(ends_on__gt=F("starts_on")), name="term_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"第{self.number}届"


class MemberRole(models.TextChoices):
    DIRECTOR = "director", _("主任")
    DEPUTY = "deputy", _("副主任")
    MEMBER = "member", _("委员")


class Member(models.Model):
    """A member of one term, with the written pledge and the eligibility checks of the rules
    (沪房规范〔2021〕6号 §16, §20, §21)."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("姓名"), max_length=40)
    resident = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dwelling = models.ForeignKey(
        Dwelling,
        verbose_name=_("所有房屋"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    role = models.CharField(_("职务"), max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER)
    party_member = models.BooleanField(_("党员"), default=False)
    cross_post = models.BooleanField(_("与居委交叉任职"), default=False)
    pledge_signed_on = models.DateField(_("书面承诺签署日期"), null=True, blank=True)
    not_employed_by_manager = models.BooleanField(_("本人及近亲属不在服务物业企业任职"), default=False)
    no_illegal_building = models.BooleanField(_("无未整改的违法搭建"), default=False)
    no_structural_damage = models.BooleanField(_("无损坏房屋承重结构"), default=False)
    no_illegal_letting = models.BooleanField(_("无违规出租"), default=False)
    left_on = models.DateField(_("离任日期"), null=True, blank=True)
    trained_on = models.DateField(_("初任培训日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("委员")
        verbose_name_plural = _("委员")
        ordering = ["term_id", "role", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def eligible(self) -> bool:
        return bool(
            self.pledge_signed_on
            and self.not_employed_by_manager
            and self.no_illegal_building
            and self.no_structural_damage
            and self.no_illegal_letting
        )


class Step(models.Model):
    """One step of the lifecycle (the committee's timeline, only ever added)."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("动作"), max_length=30)
    from_stage = models.CharField(max_length=20, choices=Stage.choices)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    on = models.DateField(_("日期"))
    due_on = models.DateField(_("下一步截止"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("步骤")
        verbose_name_plural = _("步骤")
        ordering = ["committee_id", "id"]


class Matter(models.TextChoices):
    ELECTION = "election", _("选举业主委员会")
    ORDINARY = "ordinary", _("一般事项")
    MAJOR = "major", _("重大事项（维修资金、改建重建、改变共有部分用途）")


class VoteState(models.TextChoices):
    OPEN = "open", _("表决中")
    CLOSED = "closed", _("已计票")


class OwnersVote(TimeStamped):
    """An owners' vote: the eligible base (area and headcount of the area's dwellings) frozen when
    it opens; the thresholds of its matter, as exact fractions, editable per vote."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="votes")
    title = models.CharField(_("表决事项"), max_length=120)
    matter = models.CharField(_("事项类别"), max_length=20, choices=Matter.choices)
    state = models.CharField(_("状态"), max_length=10, choices=VoteState.choices, default=VoteState.OPEN)
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"))
    eligible_area = models.DecimalField(_("全体业主专有面积（㎡）"), max_digits=12, decimal_places=2)
    eligible_count = models.PositiveIntegerField(_("全体业主人数"))
    quorum = models.CharField(_("参与表决比例（面积与人数均不低于）"), max_length=9, default="2/3")
    pass_share = models.CharField(_("同意比例（占参与表决的面积与人数）"), max_length=9, default="1/2")
    pass_strict = models.BooleanField(_("须超过（而非达到）同意比例"), default=True)
    result = models.JSONField(_("计票结果"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("业主表决")
        verbose_name_plural = _("业主表决")
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="vote_period_order"),
            models.CheckConstraint(
                condition=Q(eligible_area__gt=0) & Q(eligible_count__gt=0), name="vote_base"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Choice(models.TextChoices):
    FOR = "for", _("同意")
    AGAINST = "against", _("反对")
    ABSTAIN = "abstain", _("弃权")


class Ballot(models.Model):
    """One owner's ballot: one per dwelling (一个专有部分按一人计算), with the dwelling's area."""

    vote = models.ForeignKey(OwnersVote, on_delete=models.CASCADE, related_name="ballots")
    dwelling = models.ForeignKey(Dwelling, on_delete=models.PROTECT, related_name="+")
    voter_name = models.CharField(_("投票业主"), max_length=40)
    floor_area = models.DecimalField(_("专有面积（㎡）"), max_digits=8, decimal_places=2)
    choice = models.CharField(_("意见"), max_length=10, choices=Choice.choices)
    paper = models.BooleanField(_("纸质选票"), default=False)
    photo = models.FileField(_("选票照片"), upload_to="committees/ballots/%Y/%m/", blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    cast_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("选票")
        verbose_name_plural = _("选票")
        constraints = [
            models.UniqueConstraint(fields=["vote", "dwelling"], name="ballot_one_per_dwelling"),
            models.CheckConstraint(condition=Q(floor_area__gt=0), name="ballot_area_positive"),
        ]


class AuditKind(models.TextChoices):
    ANNUAL = "annual", _("年度审计")
    RENEWAL = "renewal", _("换届审计")
    DEPARTURE = "departure", _("离任审计")


class Audit(TimeStamped):
    """An audit of a committee: the annual one covers a calendar year (maintenance fund, public
    income, committee expenses, standard operation)."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="audits")
    kind = models.CharField(_("类型"), max_length=10, choices=AuditKind.choices)
    year = models.PositiveSmallIntegerField(_("审计年度"))
    firm = models.CharField(_("审计机构"), max_length=80, blank=True)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    published_on = models.DateField(_("公示日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计")
        verbose_name_plural = _("审计")
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year"], condition=Q(kind="annual"), name="audit_one_annual_per_year"
            )
        ]


class Finding(models.Model):
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="findings")
    text = models.CharField(_("问题"), max_length=300)
    remedy = models.CharField(_("整改要求"), max_length=300, blank=True)
    amount = models.DecimalField(_("涉及金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    due_on = models.DateField(_("整改期限"))
    remedied_on = models.DateField(_("整改完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计发现")
        verbose_name_plural = _("审计发现")
        ordering = ["audit_id", "due_on", "id"]


class FundingSource(models.TextChoices):
    MAINTENANCE_FUND = "maintenance_fund", _("专项维修资金")
    PUBLIC_INCOME = "public_income", _("公共收益")
    OWNERS = "owners", _("业主分摊")
    OTHER = "other", _("其他")


class WorksStatus(models.TextChoices):
    PROPOSED = "proposed", _("已提出")
    PRICE_REVIEWED = "price_reviewed", _("已审价")
    APPROVED = "approved", _("已批准")
    IN_PROGRESS = "in_progress", _("施工中")
    ACCEPTED = "accepted", _("已完工验收")
    PAID = "paid", _("已结算付款")
    DROPPED = "dropped", _("已撤销")


class Works(TimeStamped):
    """A repair or improvement works (维修/改造工程) of an owners' committee, paid from the
    maintenance fund or the public income: its contractor, amount and price review (审价, required
    above the line, settings.GONGZHI_COMMITTEE_PRICE_REVIEW_ABOVE), and the vote that decided it."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="works")
    title = models.CharField(_("工程名称"), max_length=120)
    contractor = models.CharField(_("施工单位"), max_length=80)
    amount = models.DecimalField(_("预算金额（元）"), max_digits=12, decimal_places=2)
    funding = models.CharField(_("资金来源"), max_length=20, choices=FundingSource.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=WorksStatus.choices, default=WorksStatus.PROPOSED, db_index=True
    )
    proposed_on = models.DateField(_("提出日期"))
    vote = models.ForeignKey(
        OwnersVote,
        verbose_name=_("业主表决"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="works",
    )
    review_firm = models.CharField(_("审价机构"), max_length=80, blank=True)
    reviewed_amount = models.DecimalField(
        _("审定金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    reviewed_on = models.DateField(_("审价日期"), null=True, blank=True)
    approved_on = models.DateField(_("批准日期"), null=True, blank=True)
    started_on = models.DateField(_("开工日期"), null=True, blank=True)
    accepted_on = models.DateField(_("完工验收日期"), null=True, blank=True)
    paid_on = models.DateField(_("付款日期"), null=True, blank=True)
    paid_amount = models.DecimalField(
        _("结算金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # the budget after the latest settled change (变更签证): a change under the line takes effect
    # at once, one above it at the amount its new price review found
    changed_amount = models.DecimalField(
        _("变更后金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    change_pending = models.BooleanField(_("变更待审价"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("维修工程")
        verbose_name_plural = _("维修工程")
        ordering = ["-proposed_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="works_amount_positive"),
            models.CheckConstraint(
                condition=Q(reviewed_amount__isnull=True) | Q(reviewed_amount__gt=0),
                name="works_reviewed_amount_positive",
            ),
        ]
        indexes = [models.Index(fields=["subdistrict", "committee", "proposed_on"])]

    def __str__(self) -> str:
        return self.title

    @property
    def ceiling(self) -> Decimal:
        """What may be paid: the budget after the latest settled change, else the reviewed
        amount, else the budget."""
        return self.changed_amount or self.reviewed_amount or self.amount


class WorksChange(models.Model):
    """A change of a works' budget after its review (变更签证): the amount before and after, the
    reason and the change order's name; above the change line it waits for a new price review."""

    works = models.ForeignKey(Works, on_delete=models.CASCADE, related_name="changes")
    on = models.DateField(_("变更日期"))
    amount_before = models.DecimalField(_("变更前金额（元）"), max_digits=12, decimal_places=2)
    amount_after = models.DecimalField(_("变更后金额（元）"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("变更原因"), max_length=300)
    attachment_name = models.CharField(_("变更签证单"), max_length=120)
    needs_review = models.BooleanField(_("须重新审价"), default=False)
    review_firm = models.CharField(_("审价机构"), max_length=80, blank=True)
    reviewed_amount = models.DecimalField(
        _("审定金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    reviewed_on = models.DateField(_("审价日期"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("变更签证")
        verbose_name_plural = _("变更签证")
        ordering = ["works_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_after__gt=0), name="works_change_amount_positive"),
            # at most one change waiting for its price review per works
            models.UniqueConstraint(
                fields=["works"],
                condition=Q(needs_review=True, reviewed_on__isnull=True),
                name="works_one_pending_change",
            ),
        ]

    @property
    def pending(self) -> bool:
        return self.needs_review and self.reviewed_on is None


class WorksStep(models.Model):
    """One step of a works (its timeline, only ever added)."""

    works = models.ForeignKey(Works, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("动作"), max_length=20)
    from_status = models.CharField(max_length=20, choices=WorksStatus.choices)
    to_status = models.CharField(max_length=20, choices=WorksStatus.choices)
    on = models.DateField(_("日期"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("工程步骤")
        verbose_name_plural = _("工程步骤")
        ordering = ["works_id", "id"]
