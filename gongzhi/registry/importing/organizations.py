"""Planning and writing organisations (matched by credit code, else name and address)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core.bulk import chunks as _chunks
from gongzhi.registry import cleaning
from gongzhi.registry.importing.common import (
    BATCH,
    _add,
    _apply,
    _Areas,
    _diff,
    _header_of,
    _update_fields,
)
from gongzhi.registry.importing.report import ImportReport, RowError
from gongzhi.registry.models import (
    Organization,
    OrganizationKind,
    RegistryChange,
)
from gongzhi.registry.services import ORGANIZATION_FIELDS
from gongzhi.registry.validators import FieldError
from gongzhi.territory.models import AreaKind


def _import_organizations(rows: list[dict], actor: User | None, report: ImportReport, dry_run: bool) -> None:
    kinds = (AreaKind.SUBDISTRICT, AreaKind.GRID, AreaKind.NEIGHBOURHOOD, AreaKind.ESTATE, AreaKind.BUILDING)
    areas = _Areas({r.get("area_code", "") for r in rows}, actor, kinds)
    planned = []
    seen_codes: dict[str, int] = {}
    for row_no, row in enumerate(rows, start=2):
        errors: list[FieldError] = []
        area = None
        try:
            area = areas.get(row.get("area_code", ""))
        except FieldError as exc:
            errors.append(exc)
        clean, clean_errors = cleaning.organization(row)
        errors += clean_errors
        code = clean.get("credit_code")
        if code:
            if code in seen_codes:
                errors.append(
                    FieldError("credit_code", _("与第 %(row)d 行重复。") % {"row": seen_codes[code]})
                )
            seen_codes[code] = row_no
        if errors:
            _add(report, row_no, "organizations", errors)
            continue
        planned.append((row_no, area, clean, str(row.get("party_organization") or "").strip()))
    subdistrict_ids = sorted({a.subdistrict_id for _n, a, _c, _p in planned})
    existing = list(Organization.objects.filter(subdistrict_id__in=subdistrict_ids)) if planned else []
    codes = [c["credit_code"] for _n, _a, c, _p in planned if c["credit_code"]]
    for chunk in _chunks(codes):
        existing += list(
            Organization.objects.filter(credit_code__in=chunk).exclude(subdistrict_id__in=subdistrict_ids)
        )
    by_code = {o.credit_code: o for o in existing if o.credit_code}
    by_name = {(o.subdistrict_id, o.name, o.address): o for o in existing}
    party_names = {
        (o.subdistrict_id, o.name) for o in existing if o.kind == OrganizationKind.PARTY_ORGANIZATION
    }
    party_names |= {
        (a.subdistrict_id, c["name"])
        for _n, a, c, _p in planned
        if c["kind"] == OrganizationKind.PARTY_ORGANIZATION
    }
    for row_no, area, _clean, party in planned:
        if party and (area.subdistrict_id, party) not in party_names:
            _add(
                report,
                row_no,
                "organizations",
                [
                    FieldError(
                        "party_organization", _("本街道没有名为“%(name)s”的党组织。") % {"name": party[:40]}
                    )
                ],
            )
    new, changed, history, links = [], [], [], []
    keys = ORGANIZATION_FIELDS
    for _row_no, area, clean, party in planned:
        found = by_code.get(clean["credit_code"]) if clean["credit_code"] else None
        found = found or by_name.get((area.subdistrict_id, clean["name"], clean["address"]))
        if found is not None and found.subdistrict_id != area.subdistrict_id:
            report.errors.append(
                RowError(
                    _row_no, _header_of("organizations", "credit_code"), _("该信用代码已登记在其他街道。")
                )
            )
            continue
        if party:
            clean["party_covered"] = True
        if found is None:
            phone = clean.pop("contact_phone")
            org = Organization(area=area, subdistrict_id=area.subdistrict_id, **clean)
            org.seal("contact_phone", phone)
            new.append(org)
            links.append((org, party))
            continue
        if found.area_id != area.pk:
            found.area = area
        changes = _diff(found, clean, keys)
        links.append((found, party))
        if changes:
            _apply(found, changes, object_type="organization", actor=actor, rows=history)
            changed.append((found, changes))
        else:
            report.unchanged += 1
    report.created, report.updated = len(new), len(changed)
    if report.errors or dry_run:
        return
    report.step(_("写入：新增 %(new)d，更新 %(changed)d…") % {"new": len(new), "changed": len(changed)})
    Organization.objects.bulk_create(new, batch_size=BATCH)
    if changed:
        fields = sorted(set(_update_fields([c for _o, c in changed], Organization)) | {"area"})
        Organization.objects.bulk_update([o for o, _c in changed], fields, batch_size=BATCH)
    RegistryChange.objects.bulk_create(history, batch_size=BATCH)
    parties = {
        (o.subdistrict_id, o.name): o
        for o in Organization.objects.filter(
            subdistrict_id__in=subdistrict_ids, kind=OrganizationKind.PARTY_ORGANIZATION
        )
    }
    linked = []
    for org, party in links:
        if party:
            org.party_organization = parties[(org.subdistrict_id, party)]
            linked.append(org)
    Organization.objects.bulk_update(linked, ["party_organization"], batch_size=BATCH)
