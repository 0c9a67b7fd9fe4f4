"""The agreement after it is signed: its signed scan (调解协议签字扫描件) and the court's ruling on
the application for judicial confirmation (司法确认结果). Each is a step of the action table
(`scan`, `court_result`), written with its timeline row like every other step.

The scan goes through the project's one upload guard (cases.photos.check_photo: the content, not
the name, decides; JPEG, PNG or WebP only; size and pixel limits; re-encoded so no metadata is
kept). Only a written agreement has a signed paper, and only the mediators (who may see the
parties' names) may upload or read it."""

from __future__ import annotations

import datetime as dt
import re

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.cases import photos
from gongzhi.core import rules as permissions
from gongzhi.core.errors import Conflict, DomainError
from gongzhi.mediation import transitions
from gongzhi.mediation.models import Action, Agreement, AgreementForm, CourtResult, Dispute
from gongzhi.mediation.services import _lock, _move

CASE_NUMBER = re.compile(r"\d")


def _begin(dispute: Dispute, actor: User, action: str) -> tuple[Dispute, Agreement]:
    dispute = _lock(dispute)
    permissions.require(actor, transitions.permission(action), dispute)
    transitions.target(dispute.status, action)
    agreement = Agreement.objects.select_for_update().filter(dispute=dispute).first()
    if agreement is None:
        raise DomainError(_("该纠纷尚未达成调解协议。"))
    return dispute, agreement


@transaction.atomic
def upload_scan(
    *, dispute: Dispute, actor: User, upload: UploadedFile | None, now: dt.datetime | None = None
) -> Agreement:
    """Keep the signed agreement's scan; a later upload replaces it (the timeline keeps both)."""
    now = now or timezone.now()
    dispute, agreement = _begin(dispute, actor, Action.SCAN)
    if agreement.form != AgreementForm.WRITTEN:
        raise DomainError(_("口头协议没有签字文本，无须上传扫描件。"))
    if not upload:
        raise DomainError(_("请选择协议签字页的扫描件或照片。"), details={"field": "scan"})
    try:
        content, content_type, _width, _height = photos.check_photo(upload)
    except DomainError as exc:
        raise DomainError(exc.message, details={"field": "scan"}) from exc
    replaced = bool(agreement.scan)
    old = agreement.scan.name if replaced else ""
    agreement.scan.save(content.name, content, save=False)
    agreement.scan_content_type = content_type
    agreement.scan_uploaded_at = now
    agreement.save(update_fields=["scan", "scan_content_type", "scan_uploaded_at"])
    _move(
        dispute,
        actor=actor,
        action=Action.SCAN,
        now=now,
        note=_("替换协议签字扫描件") if replaced else _("上传协议签字扫描件"),
        data={"content_type": content_type, "size": content.size, "replaced": old},
    )
    if old:
        storage = agreement.scan.storage
        transaction.on_commit(lambda: storage.delete(old))
    return agreement


@transaction.atomic
def record_court_result(
    *,
    dispute: Dispute,
    actor: User,
    result: str,
    decided_on: dt.date,
    case_number: str,
    now: dt.datetime | None = None,
) -> Agreement:
    """The court's ruling on the application for judicial confirmation: confirmed (the agreement
    may be enforced) or rejected (the parties may change it by mediation or go to court). Once."""
    now = now or timezone.now()
    dispute, agreement = _begin(dispute, actor, Action.COURT_RESULT)
    if agreement.confirmation_applied_on is None:
        raise DomainError(_("尚未申请司法确认，不能登记确认结果。"), code="not_applied")
    if agreement.court_result:
        raise Conflict(
            _("已登记司法确认结果（%(result)s）。") % {"result": agreement.get_court_result_display()}
        )
    if result not in CourtResult.values:
        raise DomainError(_("请选择司法确认结果。"), details={"field": "result"})
    if decided_on < agreement.confirmation_applied_on or decided_on > timezone.localdate(now):
        raise DomainError(
            _("裁定日期须在申请日期（%(date)s）和今天之间。")
            % {"date": agreement.confirmation_applied_on.isoformat()},
            details={"field": "decided_on"},
        )
    case_number = " ".join((case_number or "").split())
    if not case_number or len(case_number) > 60 or not CASE_NUMBER.search(case_number):
        raise DomainError(
            _("请填写法院案号，如“（2026）沪0101民特123号”。"), details={"field": "case_number"}
        )
    agreement.court_result = result
    agreement.court_result_on = decided_on
    agreement.court_case_number = case_number
    agreement.save(update_fields=["court_result", "court_result_on", "court_case_number"])
    _move(
        dispute,
        actor=actor,
        action=Action.COURT_RESULT,
        now=now,
        note=f"{CourtResult(result).label} {case_number}",
        data={"result": result, "on": decided_on.isoformat(), "case_number": case_number},
    )
    return agreement


def offered(dispute: Dispute, actions: list[str]) -> list[str]:
    """The table's actions less the agreement steps that cannot apply now: no scan of an oral
    agreement, no court result before the application or after one is recorded."""
    agreement = getattr(dispute, "agreement", None)
    hidden = set()
    if agreement is None or agreement.form != AgreementForm.WRITTEN:
        hidden |= {Action.SCAN, Action.COURT_RESULT}
    elif agreement.confirmation_applied_on is None or agreement.court_result:
        hidden.add(Action.COURT_RESULT)
    return [a for a in actions if a not in hidden]
