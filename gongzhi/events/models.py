"""活动: community events with registration — listening days, courses, learning seasons, the
night school, activities for couriers. Seats are counted on the event row (`seats_taken`, a
constraint keeps it within capacity), so two people taking the last seat cannot both win."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import TimeStamped
from gongzhi.territory.models import Area


class Kind(models.TextChoices):
    LISTENING_DAY = "listening_day", _("倾听日")
    COURSE = "course", _("课程")
    LEARNING_SEASON = "learning_season", _("学习季")
    NIGHT_SCHOOL = "night_school", _("夜校")
    ACTIVITY = "activity", _("社区活动")
    NEW_GROUPS = "new_groups", _("新就业群体活动")


class Allocation(models.TextChoices):
    FIRST_COME = "first_come", _("先到先得")
    LOTTERY = "lottery", _("报名后抽签")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    HELD = "held", _("已结束")
    CANCELLED = "cancelled", _("已取消")


class Series(TimeStamped):
    """A season of events (e.g. a night-school term) with a cap on how many of its events one
    person may hold a place in."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=80)
    per_person_cap = models.PositiveSmallIntegerField(_("每人限报"), null=True, blank=True)

    class Meta:
        verbose_name = _("活动系列")
        verbose_name_plural = _("活动系列")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Event(TimeStamped):
    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("面向区域"), on_delete=models.PROTECT, related_name="+")
    series = models.ForeignKey(
        Series,
        verbose_name=_("所属系列"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=120)
    description = models.TextField(_("介绍"), blank=True)
    venue = models.CharField(_("地点"), max_length=200)
    organization = models.ForeignKey(
        "registry.Organization",
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("组织者"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=EventStatus.choices, default=EventStatus.DRAFT
    )
    allocation = models.CharField(
        _("名额分配"), max_length=20, choices=Allocation.choices, default=Allocation.FIRST_COME
    )
    capacity = models.PositiveIntegerField(_("名额"))
    waitlist_limit = models.PositiveIntegerField(_("候补人数上限"), default=0, help_text=_("0 表示不设候补"))
    seats_taken = models.PositiveIntegerField(_("已占名额"), default=0, editable=False)
    fee = models.DecimalField(_("费用（元）"), max_digits=8, decimal_places=2, default=0)
    min_age = models.PositiveSmallIntegerField(_("最小年龄"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("最大年龄"), null=True, blank=True)
    residents_only = models.BooleanField(_("仅限本街道居民"), default=False)
    audience_note = models.CharField(_("面向人群"), max_length=80, blank=True)
    registration_opens_at = models.DateTimeField(_("报名开始"))
    registration_closes_at = models.DateTimeField(_("报名截止"))
    completion_sessions = models.PositiveSmallIntegerField(_("结业所需出勤次数"), null=True, blank=True)
    lottery_seed = models.CharField(_("抽签种子"), max_length=64, blank=True, editable=False)
    lottery_drawn_at = models.DateTimeField(_("抽签时间"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["-registration_opens_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(seats_taken__lte=F("capacity")), name="event_within_capacity"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="event_has_capacity"),
            models.CheckConstraint(
                condition=Q(registration_closes_at__gt=F("registration_opens_at")),
                name="event_registration_window",
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(max_age__gte=F("min_age")),
                name="event_age_range",
            ),
        ]
        indexes = [models.Index(fields=["subdistrict", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def seats_left(self) -> int:
        return self.capacity - self.seats_taken


class EventSession(models.Model):
    """One sitting of an event (a course has twelve)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField(_("第几次"))
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    topic = models.CharField(_("内容"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("场次")
        verbose_name_plural = _("场次")
        ordering = ["event_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["event", "number"], name="event_session_number"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="event_session_order"),
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.number}"


class RegistrationStatus(models.TextChoices):
    APPLIED = "applied", _("待抽签")
    REGISTERED = "registered", _("报名成功")
    WAITLISTED = "waitlisted", _("候补中")
    CANCELLED = "cancelled", _("已取消")
    ATTENDED = "attended", _("已签到")
    NO_SHOW = "no_show", _("未到场")


# The statuses that hold one of the event's seats.
SEATED = (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED, RegistrationStatus.NO_SHOW)
ACTIVE = (*SEATED, RegistrationStatus.APPLIED, RegistrationStatus.WAITLISTED)


class Registration(TimeStamped):
    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="registrations")
    name = models.CharField(_("姓名"), max_length=40)
    phone_hash = models.CharField(max_length=64, editable=False, db_index=True)
    phone_mask = models.CharField(_("手机号"), max_length=20, editable=False)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    resident = models.ForeignKey(
        "registry.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=20, choices=RegistrationStatus.choices)
    queue = models.PositiveIntegerField(_("候补顺序"), null=True, blank=True)
    code = models.CharField(_("签到码"), max_length=24, unique=True, editable=False)
    promoted_at = models.DateTimeField(_("递补时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True)
    comment = models.CharField(_("意见建议"), max_length=400, blank=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["event_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "phone_hash"],
                condition=~Q(status="cancelled"),
                name="registration_one_live_per_phone",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="registration_rating"
            ),
        ]
        indexes = [models.Index(fields=["event", "status", "queue"])]

    def __str__(self) -> str:
        return f"{self.event} {self.name}"


class Attendance(models.Model):
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="attendances")
    session = models.ForeignKey(EventSession, on_delete=models.CASCADE, related_name="attendances")
    checked_in_at = models.DateTimeField(_("签到时间"))
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("签到")
        verbose_name_plural = _("签到")
        constraints = [
            models.UniqueConstraint(fields=["registration", "session"], name="attendance_once_per_session")
        ]


class RegistrationEvent(models.Model):
    """The registration's timeline (only ever added)."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)

    class Meta:
        ordering = ["registration_id", "at", "id"]


class ListeningItem(TimeStamped):
    """A problem heard at a listening day (倾听日). It becomes a case in one click; the minutes
    list every item and what happened to it."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="items")
    text = models.TextField(_("反映的问题"))
    raised_by = models.CharField(_("反映人"), max_length=40, blank=True)
    address = models.CharField(_("地点"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.CharField(_("现场答复"), max_length=400, blank=True)
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("转办工单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Or, when it is an idea rather than a problem to handle, a suggestion (人民建议) entered for
    # the resident through participation's staff entry (channel 会议).
    suggestion = models.OneToOneField(
        "participation.Suggestion",
        verbose_name=_("转为居民建议"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("倾听日问题")
        verbose_name_plural = _("倾听日问题")
        ordering = ["event_id", "id"]


class Room(TimeStamped):
    """A community space (会客厅, 微展厅, 照相馆, a night-school room) booked by residents' groups
    and units for a slot of its opening hours."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("场地名称"), max_length=60)
    capacity = models.PositiveSmallIntegerField(_("容纳人数"))
    equipment = models.CharField(_("设施设备"), max_length=200, blank=True)
    opens_at = models.TimeField(_("开放时间"))
    closes_at = models.TimeField(_("关闭时间"))
    slot_minutes = models.PositiveSmallIntegerField(_("每段时长（分钟）"), default=120)
    active = models.BooleanField(_("开放预约"), default=True)

    class Meta:
        verbose_name = _("社区场地")
        verbose_name_plural = _("社区场地")
        ordering = ["area_id", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="room_hours_order"),
            models.CheckConstraint(condition=Q(capacity__gt=0) & Q(slot_minutes__gte=30), name="room_sane"),
        ]

    def __str__(self) -> str:
        return self.name


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")
    CANCELLED = "cancelled", _("已取消")


HOLDING = (BookingStatus.REQUESTED, BookingStatus.APPROVED)


class Booking(TimeStamped):
    """One slot of a room on one day for a group or unit; a request holds the slot until the
    neighbourhood decides, so two requests for the same slot cannot both stand."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="bookings")
    on = models.DateField(_("日期"))
    starts_at = models.TimeField(_("开始"))
    ends_at = models.TimeField(_("结束"))
    booker = models.CharField(_("预约团队/单位"), max_length=80)
    purpose = models.CharField(_("用途"), max_length=200)
    attendees = models.PositiveSmallIntegerField(_("预计人数"))
    status = models.CharField(
        _("状态"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.REQUESTED
    )
    note = models.CharField(_("审批意见"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("场地预约")
        verbose_name_plural = _("场地预约")
        ordering = ["on", "starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["room", "on", "starts_at"],
                condition=Q(status__in=["requested", "approved"]),
                name="booking_one_per_slot",
            ),
        ]
        indexes = [models.Index(fields=["room", "on"])]
