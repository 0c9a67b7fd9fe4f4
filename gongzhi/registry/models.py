"""The subdistrict's base data (数据底座): dwellings, households, residents, organisations and
the 9+1+N tags. Identity numbers and phones are stored encrypted (see crypto.py) with a keyed
hash for exact lookup and a masked copy for display; nothing here stores them in clear."""

from __future__ import annotations

import datetime as dt
import uuid

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import TimeStamped
from gongzhi.registry import crypto
from gongzhi.territory.models import Area


class Sealed(models.Model):
    """A row with encrypted fields: each field FIELD has FIELD_enc, FIELD_hash and FIELD_mask."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    SEALED: dict[str, str] = {}  # field → kind ("id" or "phone")

    class Meta:
        abstract = True

    def _context(self, field: str) -> str:
        return f"{self._meta.label_lower}.{field}:{self.uid}"

    def seal(self, field: str, value: str) -> None:
        kind = self.SEALED[field]
        setattr(self, f"{field}_enc", crypto.encrypt(value, context=self._context(field)))
        setattr(self, f"{field}_hash", crypto.blind_index(value, kind=kind))
        mask = crypto.mask_id_number(value) if kind == "id" else crypto.mask_phone(value)
        setattr(self, f"{field}_mask", mask)

    def unseal(self, field: str) -> str:
        """The clear value. Callers outside services must go through services.reveal()."""
        return crypto.decrypt(getattr(self, f"{field}_enc"), context=self._context(field))


def _sealed_fields(label: str, kind: str) -> tuple[models.Field, models.Field, models.Field]:
    return (
        models.TextField(editable=False, blank=True, default=""),
        models.CharField(max_length=64, editable=False, blank=True, default="", db_index=True),
        models.CharField(label, max_length=24, editable=False, blank=True, default=""),
    )


class DwellingUse(models.TextChoices):
    OWNER = "owner", _("自住")
    RENTED = "rented", _("出租")
    GROUP_RENTED = "group_rented", _("群租")
    VACANT = "vacant", _("空置")
    BUSINESS = "business", _("居改非")
    OTHER = "other", _("其他")


class Dwelling(Sealed, TimeStamped):
    """实有房屋: one dwelling unit in a building (or an estate without buildings on record)."""

    SEALED = {"owner_phone": "phone"}

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, verbose_name=_("楼栋"), on_delete=models.PROTECT, related_name="dwellings")
    room = models.CharField(_("房号"), max_length=40)
    address = models.CharField(_("地址"), max_length=200)
    use = models.CharField(
        _("房屋用途"), max_length=20, choices=DwellingUse.choices, default=DwellingUse.OWNER
    )
    floor_area = models.DecimalField(
        _("建筑面积（㎡）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    owner_name = models.CharField(_("产权人/房东"), max_length=40, blank=True)
    owner_phone_enc, owner_phone_hash, owner_phone_mask = _sealed_fields(_("产权人/房东电话"), "phone")
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("实有房屋")
        verbose_name_plural = _("实有房屋")
        ordering = ["area_id", "room"]
        constraints = [models.UniqueConstraint(fields=["area", "room"], name="dwelling_unique_room")]
        indexes = [models.Index(fields=["subdistrict", "use"])]

    def __str__(self) -> str:
        return self.address or self.room


class Household(TimeStamped):
    """户: the people living together in one dwelling (a group-rented flat holds several)."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    dwelling = models.ForeignKey(Dwelling, on_delete=models.PROTECT, related_name="households")
    label = models.CharField(_("户号"), max_length=20, default="1")
    head = models.ForeignKey(
        "Resident", verbose_name=_("户主"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        constraints = [models.UniqueConstraint(fields=["dwelling", "label"], name="household_unique_label")]

    def __str__(self) -> str:
        return f"{self.dwelling} {self.label}户"


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    PASSPORT = "passport", _("护照")
    OTHER = "other", _("其他证件")


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class RegistrationType(models.TextChoices):
    LOCAL = "local", _("本市户籍")
    MIGRANT = "migrant", _("来沪")
    OVERSEAS = "overseas", _("境外")


class LivingStatus(models.TextChoices):
    RESIDENT = "resident", _("常住")
    FLOATING = "floating", _("流动")
    REGISTERED_ONLY = "registered_only", _("空挂")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    TENANT = "tenant", _("租户")
    OTHER = "other", _("其他")


class Resident(Sealed, TimeStamped):
    """实有人口: a person actually living (or registered) here."""

    SEALED = {"id_number": "id", "phone": "phone"}

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(
        Area, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="residents"
    )
    dwelling = models.ForeignKey(
        Dwelling,
        verbose_name=_("房屋"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="residents",
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    name = models.CharField(_("姓名"), max_length=40, db_index=True)
    id_type = models.CharField(
        _("证件类型"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    id_number_enc, id_number_hash, id_number_mask = _sealed_fields(_("证件号码"), "id")
    gender = models.CharField(_("性别"), max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True, db_index=True)
    phone_enc, phone_hash, phone_mask = _sealed_fields(_("联系电话"), "phone")
    registration_type = models.CharField(
        _("户籍类型"), max_length=20, choices=RegistrationType.choices, default=RegistrationType.LOCAL
    )
    living_status = models.CharField(
        _("居住状态"), max_length=20, choices=LivingStatus.choices, default=LivingStatus.RESIDENT
    )
    relation = models.CharField(
        _("与户主关系"), max_length=20, choices=Relation.choices, default=Relation.OTHER
    )
    moved_in_on = models.DateField(_("迁入日期"), null=True, blank=True)
    moved_out_on = models.DateField(_("迁出日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    # Set by registry.retention when the row is pseudonymised, N years after moving out.
    pseudonymised_on = models.DateField(_("去标识化日期"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("实有人口")
        verbose_name_plural = _("实有人口")
        ordering = ["area_id", "dwelling_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["subdistrict", "id_number_hash"],
                condition=~Q(id_number_hash=""),
                name="resident_unique_id_in_subdistrict",
            )
        ]
        indexes = [models.Index(fields=["subdistrict", "living_status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def moved_out(self) -> bool:
        return self.moved_out_on is not None

    def age(self, on: dt.date | None = None) -> int | None:
        if not self.birth_date:
            return None
        on = on or dt.date.today()
        return (
            on.year
            - self.birth_date.year
            - ((on.month, on.day) < (self.birth_date.month, self.birth_date.day))
        )


class Residence(models.Model):
    """One stay of a resident at a dwelling. Rows are appended, never rewritten: a move closes the
    open stay (sets moved_out_on) and opens a new one, so the history stays complete."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="residences")
    dwelling = models.ForeignKey(Dwelling, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    address = models.CharField(_("地址"), max_length=200, blank=True)
    moved_in_on = models.DateField(_("迁入日期"), null=True, blank=True)
    moved_out_on = models.DateField(_("迁出日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=20, default="manual")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("居住记录")
        verbose_name_plural = _("居住记录")
        ordering = ["resident_id", "created_at", "id"]

    @property
    def source_label(self) -> str:
        """The source as a label: the column holds ChangeSource's codes (it has no choices)."""
        return str(dict(ChangeSource.choices).get(self.source, self.source))


class ChangeSource(models.TextChoices):
    MANUAL = "manual", _("手工录入")
    IMPORT = "import", _("批量导入")
    VISIT = "visit", _("走访更新")
    DEPARTMENT = "department", _("部门推送")


class RegistryChange(models.Model):
    """One changed fact of a registry row: what it was, what it became, who and why. Sensitive
    values are recorded masked."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    object_type = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    field = models.CharField(max_length=40)
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=20, choices=ChangeSource.choices, default=ChangeSource.MANUAL)
    reference = models.CharField(max_length=40, blank=True)  # e.g. "visit:12"
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    @property
    def object_label(self) -> str:
        """The kind of row changed as a label (the row stores the model's name)."""
        try:
            return str(apps.get_model("registry", self.object_type)._meta.verbose_name)
        except LookupError:
            return self.object_type

    @property
    def field_label(self) -> str:
        """The changed field's name as a label (the row stores the attribute's code)."""
        try:
            model = apps.get_model("registry", self.object_type)
            return str(model._meta.get_field(self.field).verbose_name)
        except (LookupError, FieldDoesNotExist):
            return self.field


class OrganizationKind(models.TextChoices):
    REGIONAL_UNIT = "regional_unit", _("驻区单位")
    ENTERPRISE = "enterprise", _("企业")
    SOCIAL_ORGANIZATION = "social_organization", _("社会组织")
    SHOP = "shop", _("商户")
    HOSPITAL = "hospital", _("医院")
    SCHOOL = "school", _("学校")
    GOVERNMENT = "government", _("政府部门")
    PROPERTY_MANAGER = "property_manager", _("物业公司")
    OWNERS_COMMITTEE = "owners_committee", _("业主委员会")
    PARTY_ORGANIZATION = "party_organization", _("党组织")
    NEIGHBOURHOOD_COMMITTEE = "neighbourhood_committee", _("居民委员会")


class Organization(Sealed, TimeStamped):
    """单位: regional units, new economic and social organisations, shops, party organisations…"""

    SEALED = {"contact_phone": "phone"}

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(
        Area, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="organizations"
    )
    kind = models.CharField(_("类型"), max_length=30, choices=OrganizationKind.choices)
    name = models.CharField(_("名称"), max_length=120, db_index=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    contact_phone_enc, contact_phone_hash, contact_phone_mask = _sealed_fields(_("联系电话"), "phone")
    party_covered = models.BooleanField(_("党组织覆盖"), default=False)
    party_organization = models.ForeignKey(
        "self",
        verbose_name=_("所属党组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="covered",
        limit_choices_to={"kind": OrganizationKind.PARTY_ORGANIZATION},
    )
    employees = models.PositiveIntegerField(_("从业人数"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    # One identity for one real body: the handling unit of the case loop (a department, a
    # property manager, a neighbourhood committee) is this organisation, so an owners'
    # committee's property manager, a co-building partner and a case handler are the same row.
    unit = models.OneToOneField(
        "accounts.Unit",
        verbose_name=_("处置单位账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organization",
    )

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["area_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="organization_unique_credit_code"
            )
        ]
        indexes = [models.Index(fields=["subdistrict", "kind"])]

    def __str__(self) -> str:
        return self.name


class TagGroupKind(models.TextChoices):
    NINE = "nine", _("九类救助")
    SPECIAL = "special", _("特殊类")
    LOCAL = "local", _("自定义（N）")


class TagGroup(models.Model):
    """A group of tags, configurable per subdistrict (the nine classes, one special class, N local)."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("编码"), max_length=20)
    name = models.CharField(_("名称"), max_length=40)
    kind = models.CharField(
        _("类别"), max_length=20, choices=TagGroupKind.choices, default=TagGroupKind.LOCAL
    )
    sensitive = models.BooleanField(_("敏感"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("标签组")
        verbose_name_plural = _("标签组")
        ordering = ["subdistrict_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["subdistrict", "code"], name="taggroup_unique_code")]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    group = models.ForeignKey(
        TagGroup, verbose_name=_("标签组"), on_delete=models.PROTECT, related_name="tags"
    )
    name = models.CharField(_("名称"), max_length=40)
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["group__order", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["group", "name"], name="tag_unique_name_in_group")]

    def __str__(self) -> str:
        return self.name


class TagSource(models.TextChoices):
    MANUAL = "manual", _("工作人员认定")
    VISIT = "visit", _("走访发现")
    IMPORT = "import", _("批量导入")
    DEPARTMENT = "department", _("部门推送")


class ResidentTag(models.Model):
    """A tag on a resident for a period, with where it came from and who verified it."""

    subdistrict = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="tags")
    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, related_name="resident_tags")
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("失效日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=TagSource.choices, default=TagSource.MANUAL)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核实人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("人员标签")
        verbose_name_plural = _("人员标签")
        ordering = ["tag__group__order", "tag__order", "-valid_from"]
        indexes = [models.Index(fields=["tag", "valid_until"]), models.Index(fields=["resident", "tag"])]

    def current(self, on: dt.date | None = None) -> bool:
        on = on or dt.date.today()
        return self.valid_from <= on and (self.valid_until is None or self.valid_until >= on)


class ImportJob(models.Model):
    """A real run of a web import (gongzhi/registry/import_jobs.py): its state, last progress
    message and result, in the database so that any app server answers the wizard's poll."""

    token = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    filename = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=10, default="running")  # running | done
    message = models.CharField(max_length=300, blank=True)
    # When done: ok, summary, errors (the first MAX_ERRORS_KEPT), error_count.
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")

    def __str__(self) -> str:
        return f"{self.kind} {self.filename} ({self.state})"
