"""Writes of visits and campaigns. A visit can raise any number of cases (through the case
services, source "visit") and correct the registry (through the registry services, with
history tagged "visit:<id>"), all in the one transaction that records the visit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import audit
from gongzhi.accounts.models import User
from gongzhi.cases import photos as case_photos
from gongzhi.cases import services as case_services
from gongzhi.cases.models import Category, Source
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.registry import services as registry
from gongzhi.registry.models import ChangeSource, Household, Organization, Resident
from gongzhi.registry.validators import FieldError
from gongzhi.territory.models import Area
from gongzhi.visits.models import Campaign, Mode, Target, Visit, VisitPhoto


@dataclass
class CaseSpec:
    """A case to raise from the visit."""

    category: Category
    title: str
    description: str


@dataclass
class Facts:
    """Changed facts found on the visit. Keys are registry field names (see registry.services)."""

    dwelling: dict = field(default_factory=dict)
    organization: dict = field(default_factory=dict)
    residents: dict[int, dict] = field(default_factory=dict)
    moved_out: list[int] = field(default_factory=list)
    new_residents: list[dict] = field(default_factory=list)  # people found living there, not yet registered

    def __bool__(self) -> bool:
        return bool(
            self.dwelling or self.organization or self.residents or self.moved_out or self.new_residents
        )


def _target_area(household: Household | None, organization: Organization | None) -> Area:
    if (household is None) == (organization is None):
        raise DomainError(_("请选择一个走访对象（住户或单位）。"))
    return household.area if household is not None else organization.area


@transaction.atomic
def record_visit(
    *,
    actor: User,
    visited_on: dt.date,
    mode: str,
    findings: str,
    needs: str = "",
    household: Household | None = None,
    organization: Organization | None = None,
    met: Resident | None = None,
    campaign: Campaign | None = None,
    cases: list[CaseSpec] = (),
    facts: Facts | None = None,
    photos: list[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> Visit:
    """Record a visit with what it raised and corrected. Photos (at most cases.photos.MAX_PHOTOS)
    are all checked before anything is written: one bad photo refuses the whole visit."""
    area = _target_area(household, organization)
    target = household or organization
    permissions.require(actor, "visit.create", target)
    if mode not in Mode.values:
        raise FieldError("mode", _("请选择走访方式。"))
    if visited_on > timezone.localdate(now or timezone.now()):
        raise FieldError("visited_on", _("走访日期不能晚于今天。"))
    findings = (findings or "").strip()
    if not findings:
        raise FieldError("findings", _("请填写走访情况。"))
    if met is not None and (household is None or met.household_id != household.pk):
        raise FieldError("met", _("接待人须为该户成员。"))
    if campaign is not None and not area.path.startswith(campaign.area.path):
        raise FieldError("campaign", _("该对象不在走访任务“%(name)s”的范围内。") % {"name": campaign.name})
    checked = _check_photos(photos)
    visit = Visit.objects.create(
        subdistrict_id=area.subdistrict_id,
        area=area,
        household=household,
        organization=organization,
        met=met,
        campaign=campaign,
        visitor=actor,
        visited_on=visited_on,
        mode=mode,
        findings=findings[:4000],
        needs=(needs or "").strip()[:4000],
    )
    raised = []
    for spec in cases:
        raised.append(
            case_services.create_case(
                actor=actor,
                category=spec.category,
                title=spec.title,
                description=spec.description,
                source=Source.VISIT,
                area=area,
                address=household.dwelling.address if household else organization.address,
                reporter_name=met.name if met else "",
                now=now,
            )
        )
    if raised:
        visit.cases.add(*raised)
    if facts:
        _apply_facts(visit, facts, actor=actor, household=household, organization=organization)
    for name, (content, content_type, width, height) in checked:
        VisitPhoto.objects.create(
            visit=visit,
            subdistrict_id=visit.subdistrict_id,
            file=content,
            name=(name or "")[:100],
            content_type=content_type,
            size=content.size,
            width=width,
            height=height,
        )
    return visit


def _check_photos(uploads: list[UploadedFile]) -> list[tuple[str, tuple]]:
    uploads = list(uploads or ())
    if len(uploads) > case_photos.MAX_PHOTOS:
        raise FieldError("photos", _("最多上传 %(n)d 张照片。") % {"n": case_photos.MAX_PHOTOS})
    checked = []
    for upload in uploads:
        try:
            checked.append((upload.name, case_photos.check_photo(upload)))
        except DomainError as exc:
            raise FieldError("photos", exc.message) from exc
    return checked


def _apply_facts(visit: Visit, facts: Facts, *, actor: User, household, organization) -> None:
    reference = f"visit:{visit.pk}"
    common = {"actor": actor, "source": ChangeSource.VISIT, "reference": reference}
    if facts.dwelling and household is not None:
        registry.update_dwelling(dwelling=household.dwelling, data=facts.dwelling, **common)
    if facts.organization and organization is not None:
        registry.update_organization(organization=organization, data=facts.organization, **common)
    members = {r.pk: r for r in Resident.objects.filter(household=household)} if household else {}
    for resident_id, data in facts.residents.items():
        if resident_id not in members:
            raise FieldError("facts", _("只能更新该户成员的信息。"))
        if data:
            registry.update_resident(resident=members[resident_id], data=data, **common)
    for resident_id in facts.moved_out:
        if resident_id not in members:
            raise FieldError("facts", _("只能更新该户成员的信息。"))
        registry.move_resident(resident=members[resident_id], on=visit.visited_on, **common)
    for data in facts.new_residents:
        if household is None:
            raise FieldError("facts", _("只能在走访住户时登记新居民。"))
        person = registry.register_resident(
            actor=actor,
            dwelling=household.dwelling,
            data={"moved_in_on": visit.visited_on, **data},
            household_label=household.label,
            source=ChangeSource.VISIT,
        )
        registry.note_registered(resident=person, actor=actor, source=ChangeSource.VISIT, reference=reference)


@transaction.atomic
def create_campaign(
    *,
    actor: User,
    area: Area,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    target: str = Target.HOUSEHOLDS,
    note: str = "",
) -> Campaign:
    permissions.require(actor, "campaign.manage", area)
    name = (name or "").strip()
    if not name:
        raise FieldError("name", _("请填写任务名称。"))
    if ends_on < starts_on:
        raise FieldError("ends_on", _("截止日期不能早于开始日期。"))
    if target not in Target.values:
        raise FieldError("target", _("请选择走访对象。"))
    if area.subdistrict_id is None:
        raise FieldError("area", _("请选择街道或以下的范围。"))
    campaign = Campaign.objects.create(
        subdistrict_id=area.subdistrict_id,
        area=area,
        name=name[:80],
        target=target,
        starts_on=starts_on,
        ends_on=ends_on,
        note=(note or "")[:200],
        created_by=actor,
    )
    audit.record(
        actor=actor, action="campaign.create", target=campaign, data={"area": area.pk, "target": target}
    )
    return campaign
