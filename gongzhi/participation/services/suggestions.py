"""Campaigns and suggestions: public submission with a one-time code, proxy entry, moderation,
supports, and triage (to a case, to a topic, merged, referred, answered, rejected)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import audit
from gongzhi.accounts.models import Unit, User
from gongzhi.cases import messaging, phonecodes
from gongzhi.cases import services as case_services
from gongzhi.cases.models import Case, Category, OutboundMessage, Source
from gongzhi.cases.photos import MAX_PHOTOS, check_photo
from gongzhi.core import deadlines
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.participation import transitions
from gongzhi.participation.models import (
    Campaign,
    Channel,
    Consent,
    Report,
    Suggestion,
    SuggestionPhoto,
    SuggestionStatus,
    Support,
    Topic,
)
from gongzhi.participation.redaction import redact
from gongzhi.participation.services._base import (
    FieldError,
    entry,
    lock,
    move,
    next_ref,
    now_or,
    phone_digest,
    placed,
    staff_in,
    tell,
    text,
)
from gongzhi.registry import crypto
from gongzhi.territory.models import Area

SUGGEST_PURPOSE = "participation:suggest"
# Reports (举报) that hide a public suggestion until staff review it, when no campaign says otherwise.
DEFAULT_REPORT_THRESHOLD = 3


def support_purpose(ref: str) -> str:
    return f"participation:support:{ref}"


# ---------------------------------------------------------------- campaigns


@transaction.atomic
def create_campaign(
    *,
    actor: User,
    area: Area,
    title: str,
    question: str,
    starts_on: dt.date,
    ends_on: dt.date,
    rules: str = "",
    support_threshold: int = 10,
    report_threshold: int = DEFAULT_REPORT_THRESHOLD,
) -> Campaign:
    permissions.require(actor, "participation.campaign.manage", area)
    title = text(title, "title", _("征集主题"), 80)
    question = text(question, "question", _("征集问题"), 2000)
    if ends_on < starts_on:
        raise FieldError("ends_on", _("截止日期不能早于开始日期。"))
    if support_threshold < 1:
        raise FieldError("support_threshold", _("附议门槛至少为 1。"))
    if report_threshold < 1:
        raise FieldError("report_threshold", _("举报隐藏门槛至少为 1。"))
    campaign = Campaign.objects.create(
        **placed(area),
        title=title,
        question=question,
        rules=(rules or "").strip()[:2000],
        starts_on=starts_on,
        ends_on=ends_on,
        support_threshold=support_threshold,
        report_threshold=report_threshold,
        created_by=actor,
    )
    audit.record(actor=actor, action="participation.campaign.create", target=campaign, data={"area": area.pk})
    return campaign


def _check_campaign(campaign: Campaign | None, area: Area, now: dt.datetime) -> None:
    if campaign is None:
        return
    today = timezone.localdate(now)
    if not (campaign.starts_on <= today <= campaign.ends_on):
        raise DomainError(
            _("该征集不在征集期内（%(a)s 至 %(b)s）。") % {"a": campaign.starts_on, "b": campaign.ends_on}
        )
    if not area.path.startswith(campaign.area.path):
        raise FieldError("area", _("所选区域不在征集“%(t)s”的范围内。") % {"t": campaign.title})


# ---------------------------------------------------------------- submission


def _create(
    *,
    area: Area,
    campaign: Campaign | None,
    title: str,
    body: str,
    channel: str,
    phone: str,
    verified: bool,
    author_name: str,
    entered_by: User | None,
    consent: str,
    lat: float | None,
    lng: float | None,
    photos: Iterable[UploadedFile],
    now: dt.datetime,
) -> Suggestion:
    title = text(title, "title", _("标题"), 80)
    body = text(body, "body", _("建议内容"), 2000)
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        raise FieldError("photos", _("最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS})
    checked = [check_photo(p) for p in photos]
    suggestion = Suggestion.objects.create(
        **placed(area),
        ref=next_ref(area.subdistrict, "JY", now),
        campaign=campaign,
        title=title,
        body=body,
        public_title=redact(title)[:80],
        public_body=redact(body),
        lat=lat,
        lng=lng,
        channel=channel,
        author_name=(author_name or "").strip()[:40],
        phone=phone,
        phone_verified=verified,
        entered_by=entered_by,
        consent=consent,
    )
    Suggestion.objects.filter(pk=suggestion.pk).update(created_at=now)
    for content, content_type, _w, _h in checked:
        SuggestionPhoto.objects.create(suggestion=suggestion, file=content, content_type=content_type)
    entry(suggestion, "suggestion", "submit", actor=entered_by, after=suggestion.status, now=now)
    if phone:
        messaging.queue(
            case=None,
            kind=OutboundMessage.Kind.RECEIVED,
            to=phone,
            body=_("【共治】您的建议已收到，编号 %(ref)s，审核通过后将公开。") % {"ref": suggestion.ref},
            at=now,
            subdistrict_id=suggestion.subdistrict_id,
        )
    tell(
        staff_in(area, "neighbourhood", "dispatcher"),
        kind="participation.suggestion",
        title=_("新建议待审核：%(t)s") % {"t": suggestion.public_title},
        url=f"/participation/suggestions/{suggestion.pk}/",
        at=now,
    )
    return suggestion


@transaction.atomic
def submit_suggestion(
    *,
    area: Area,
    title: str,
    body: str,
    phone: str,
    code: str,
    campaign: Campaign | None = None,
    lat: float | None = None,
    lng: float | None = None,
    photos: Iterable[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> Suggestion:
    """A resident's suggestion from the public page; the phone is proved by a one-time code."""
    now = now_or(now)
    phone = phonecodes.normalise_phone(phone)
    _check_campaign(campaign, area, now)
    placed(area)
    if not phonecodes.verify_code(phone=phone, purpose=SUGGEST_PURPOSE, code=code, now=now):
        raise FieldError("code", _("验证码不正确或已过期，请重新获取。"))
    return _create(
        area=area,
        campaign=campaign,
        title=title,
        body=body,
        channel=Channel.WEB,
        phone=phone,
        verified=True,
        author_name="",
        entered_by=None,
        consent=Consent.NONE,
        lat=lat,
        lng=lng,
        photos=photos,
        now=now,
    )


@transaction.atomic
def enter_suggestion(
    *,
    actor: User,
    area: Area,
    title: str,
    body: str,
    channel: str = Channel.PROXY,
    author_name: str = "",
    phone: str = "",
    consent: str = "",
    campaign: Campaign | None = None,
    photos: Iterable[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> Suggestion:
    """Staff enter a suggestion: for a resident without a phone (proxy, with how consent was
    given), or one raised at a meeting, on a visit or on the hotline."""
    now = now_or(now)
    permissions.require(actor, "participation.suggestion.proxy", area)
    if channel not in Channel.values or channel == Channel.WEB:
        raise FieldError("channel", _("请选择来源渠道。"))
    if channel == Channel.PROXY and consent not in (Consent.VERBAL, Consent.SIGNATURE):
        raise FieldError("consent", _("代录建议须注明居民同意的方式（口头同意或签字确认）。"))
    if phone:
        phone = phonecodes.normalise_phone(phone)
    _check_campaign(campaign, area, now)
    return _create(
        area=area,
        campaign=campaign,
        title=title,
        body=body,
        channel=channel,
        phone=phone,
        verified=False,
        author_name=author_name,
        entered_by=actor,
        consent=consent if channel == Channel.PROXY else (consent or ""),
        lat=None,
        lng=None,
        photos=photos,
        now=now,
    )


# ---------------------------------------------------------------- moderation and supports


def _tell_author(suggestion: Suggestion, body: str, now: dt.datetime) -> None:
    if suggestion.phone:
        messaging.queue(
            case=None,
            kind=OutboundMessage.Kind.REPLIED,
            to=suggestion.phone,
            body=body,
            at=now,
            subdistrict_id=suggestion.subdistrict_id,
        )


@transaction.atomic
def approve_suggestion(
    *,
    actor: User,
    suggestion: Suggestion,
    public_title: str = "",
    public_body: str = "",
    now: dt.datetime | None = None,
) -> Suggestion:
    """Publish after moderation; the moderator may edit the public text, which is redacted again."""
    now = now_or(now)
    suggestion = lock(suggestion)
    move("suggestion", suggestion, "approve", actor=actor, now=now)
    if public_title.strip():
        suggestion.public_title = redact(text(public_title, "public_title", _("公开标题"), 80))[:80]
    if public_body.strip():
        suggestion.public_body = redact(text(public_body, "public_body", _("公开内容"), 2000))
    suggestion.published_at = now
    suggestion.save()
    _tell_author(suggestion, _("【共治】您的建议 %(ref)s 已审核通过并公开。") % {"ref": suggestion.ref}, now)
    return suggestion


@transaction.atomic
def decline_suggestion(
    *, actor: User, suggestion: Suggestion, reason: str, now: dt.datetime | None = None
) -> Suggestion:
    now = now_or(now)
    reason = text(reason, "reason", _("不通过的理由"), 200)
    suggestion = lock(suggestion)
    move("suggestion", suggestion, "decline", actor=actor, note=reason, public=False, now=now)
    suggestion.moderation_reason = reason
    suggestion.save()
    _tell_author(
        suggestion,
        _("【共治】您的建议 %(ref)s 未通过审核：%(r)s") % {"ref": suggestion.ref, "r": reason},
        now,
    )
    return suggestion


@transaction.atomic
def support_suggestion(
    *, suggestion: Suggestion, phone: str, code: str, now: dt.datetime | None = None
) -> bool:
    """One support per verified phone; True when it counted, False when that phone had already
    supported. Reaching the campaign's threshold moves the suggestion to triage."""
    now = now_or(now)
    phone = phonecodes.normalise_phone(phone)
    suggestion = lock(suggestion)
    if suggestion.status not in (SuggestionStatus.PUBLISHED, SuggestionStatus.TRIAGE):
        raise DomainError(_("该建议当前不接受附议。"))
    if not phonecodes.verify_code(phone=phone, purpose=support_purpose(suggestion.ref), code=code, now=now):
        raise FieldError("code", _("验证码不正确或已过期，请重新获取。"))
    digest = phone_digest(phone)
    try:
        with transaction.atomic():
            Support.objects.create(suggestion=suggestion, phone_digest=digest)
    except IntegrityError:
        return False
    Suggestion.objects.filter(pk=suggestion.pk).update(supports_count=F("supports_count") + 1)
    suggestion.supports_count += 1
    threshold = suggestion.campaign.support_threshold if suggestion.campaign_id else None
    if (
        threshold
        and suggestion.status == SuggestionStatus.PUBLISHED
        and suggestion.supports_count >= threshold
    ):
        move(
            "suggestion",
            suggestion,
            "triage",
            actor=None,
            note=_("附议数达到 %(n)d，进入分办") % {"n": threshold},
            now=now,
            check_permission=False,
        )
        suggestion.save(update_fields=["status", "updated_at"])
        tell(
            staff_in(suggestion.area, "dispatcher", "leader"),
            kind="participation.suggestion",
            title=_("建议附议达到门槛，待分办：%(t)s") % {"t": suggestion.public_title},
            url=f"/participation/suggestions/{suggestion.pk}/",
            at=now,
        )
    return True


@transaction.atomic
def withdraw_suggestion(
    *, suggestion: Suggestion, phone: str, code: str, now: dt.datetime | None = None
) -> Suggestion:
    now = now_or(now)
    phone = phonecodes.normalise_phone(phone)
    suggestion = lock(suggestion)
    if not suggestion.phone_hash or suggestion.phone_hash != crypto.blind_index(phone, kind="phone"):
        raise DomainError(_("只有提出人本人可以撤回建议。"))
    if not phonecodes.verify_code(phone=phone, purpose=support_purpose(suggestion.ref), code=code, now=now):
        raise FieldError("code", _("验证码不正确或已过期，请重新获取。"))
    move("suggestion", suggestion, "withdraw", actor=None, now=now)
    suggestion.save()
    return suggestion


# ---------------------------------------------------------------- reports and review


def report_threshold(suggestion: Suggestion) -> int:
    return suggestion.campaign.report_threshold if suggestion.campaign_id else DEFAULT_REPORT_THRESHOLD


@transaction.atomic
def report_suggestion(
    *, suggestion: Suggestion, phone: str, code: str, reason: str = "", now: dt.datetime | None = None
) -> bool:
    """One report (举报) per verified phone; True when it counted, False when that phone had
    already reported. At the campaign's report threshold (default 3) the suggestion is hidden
    pending staff review: the author is told, the moderators are asked to review it."""
    now = now_or(now)
    phone = phonecodes.normalise_phone(phone)
    reason = text(reason, "reason", _("举报理由"), 200, required=False)
    suggestion = lock(suggestion)
    if suggestion.status == SuggestionStatus.HIDDEN:
        raise DomainError(_("该建议已被隐藏，正在等待工作人员复核，感谢您的反馈。"), code="already_hidden")
    if suggestion.status not in (SuggestionStatus.PUBLISHED, SuggestionStatus.TRIAGE):
        raise DomainError(_("该建议当前不接受举报。"))
    if not phonecodes.verify_code(phone=phone, purpose=support_purpose(suggestion.ref), code=code, now=now):
        raise FieldError("code", _("验证码不正确或已过期，请重新获取。"))
    try:
        with transaction.atomic():
            Report.objects.create(suggestion=suggestion, phone_digest=phone_digest(phone), reason=reason)
    except IntegrityError:
        return False
    suggestion.reports_count += 1
    entry(suggestion, "suggestion", "report", actor=None, note=reason, public=False, now=now)
    threshold = report_threshold(suggestion)
    if suggestion.reports_count >= threshold:
        suggestion.hidden_from = suggestion.status
        move(
            "suggestion",
            suggestion,
            "hide",
            actor=None,
            note=_("被 %(n)d 个手机号举报，隐藏待复核") % {"n": suggestion.reports_count},
            now=now,
            check_permission=False,
        )
        tell(
            staff_in(suggestion.area, "neighbourhood", "dispatcher", "leader"),
            kind="participation.suggestion",
            title=_("建议被举报已隐藏，待复核：%(t)s") % {"t": suggestion.public_title},
            url=f"/participation/suggestions/{suggestion.pk}/",
            at=now,
        )
        _tell_author(
            suggestion,
            _("【共治】您的建议 %(ref)s 被多位居民举报，已暂时隐藏，工作人员复核后会通知您。")
            % {"ref": suggestion.ref},
            now,
        )
    suggestion.save(update_fields=["reports_count", "status", "hidden_from", "updated_at"])
    return True


@transaction.atomic
def restore_suggestion(
    *, actor: User, suggestion: Suggestion, note: str = "", now: dt.datetime | None = None
) -> Suggestion:
    """Staff reviewed a hidden suggestion and found nothing wrong: it shows again in the state it
    was hidden from, and counting starts again (the phones that reported cannot report twice)."""
    now = now_or(now)
    note = text(note, "note", _("复核意见"), 200, required=False)
    suggestion = lock(suggestion)
    permissions.require(actor, transitions.permission("suggestion", "restore"), suggestion)
    before = suggestion.status
    transitions.target("suggestion", before, "restore")
    suggestion.status = suggestion.hidden_from or SuggestionStatus.PUBLISHED
    suggestion.reports_count = 0
    entry(
        suggestion,
        "suggestion",
        "restore",
        actor=actor,
        before=before,
        after=suggestion.status,
        note=note,
        now=now,
    )
    suggestion.save(update_fields=["status", "reports_count", "updated_at"])
    _tell_author(suggestion, _("【共治】您的建议 %(ref)s 经复核已恢复公开。") % {"ref": suggestion.ref}, now)
    return suggestion


@dataclass(frozen=True)
class BulkOutcome:
    done: list[int]
    skipped: list[tuple[int, str]]  # (suggestion id, why, in words)


BULK_DECISIONS = ("approve", "decline")


@transaction.atomic
def moderate_in_bulk(
    *,
    actor: User,
    suggestions: Iterable[Suggestion],
    decision: str,
    reason: str = "",
    now: dt.datetime | None = None,
) -> BulkOutcome:
    """Approve or decline several suggestions awaiting a moderator at once, with one reason, in
    one transaction: a pending one is approved (published) or declined; a hidden (reported) one
    is restored or declined. Each is audited on its own. One that someone else has already
    handled (stale), or that the actor may not moderate, is skipped with a message; the others
    go through."""
    now = now_or(now)
    if decision not in BULK_DECISIONS:
        raise FieldError("decision", _("请选择通过或不通过。"))
    if decision == "decline":
        reason = text(reason, "reason", _("不通过的理由"), 200)
    else:
        reason = text(reason, "reason", _("审核意见"), 200, required=False)
    chosen = list(suggestions)
    if not chosen:
        raise FieldError("ids", _("请至少选择一条建议。"))
    done: list[int] = []
    skipped: list[tuple[int, str]] = []
    for s in sorted(chosen, key=lambda x: x.pk):  # one lock order: two bulk runs cannot deadlock
        current = lock(s)
        try:
            with transaction.atomic():
                if current.status == SuggestionStatus.PENDING and decision == "approve":
                    approve_suggestion(actor=actor, suggestion=current, now=now)
                elif current.status == SuggestionStatus.HIDDEN and decision == "approve":
                    restore_suggestion(actor=actor, suggestion=current, note=reason, now=now)
                elif current.status in (SuggestionStatus.PENDING, SuggestionStatus.HIDDEN):
                    decline_suggestion(actor=actor, suggestion=current, reason=reason, now=now)
                else:
                    raise DomainError(
                        _("%(ref)s 已被处理（当前状态：%(state)s），已跳过。")
                        % {"ref": current.ref, "state": current.get_status_display()}
                    )
        except DomainError as exc:
            skipped.append((current.pk, exc.message))
            continue
        audit.record(
            actor=actor,
            action="participation.suggestion.bulk_moderate",
            target=current,
            data={"decision": decision, "from": current.status, "reason": reason},
        )
        done.append(current.pk)
    return BulkOutcome(done=done, skipped=skipped)


# ---------------------------------------------------------------- triage


@transaction.atomic
def triage_suggestion(*, actor: User, suggestion: Suggestion, now: dt.datetime | None = None) -> Suggestion:
    now = now_or(now)
    suggestion = lock(suggestion)
    move("suggestion", suggestion, "triage", actor=actor, now=now)
    suggestion.save()
    return suggestion


@transaction.atomic
def suggestion_to_case(
    *, actor: User, suggestion: Suggestion, category: Category, now: dt.datetime | None = None
) -> Case:
    """An individual problem goes into the case loop; the case and the suggestion link both ways
    (the case's source is 人民建议, its description names the suggestion)."""
    now = now_or(now)
    suggestion = lock(suggestion)
    move("suggestion", suggestion, "to_case", actor=actor, now=now)
    case = case_services.create_case(
        actor=actor,
        category=category,
        title=suggestion.title,
        description=f"{suggestion.body}\n\n（来自人民建议 {suggestion.ref}）",
        source=Source.SUGGESTION,
        area=suggestion.area,
        lat=suggestion.lat,
        lng=suggestion.lng,
        reporter_name=suggestion.author_name,
        reporter_phone=suggestion.phone,
        now=now,
    )
    suggestion.case = case
    suggestion.reason = _("已转为工单 %(n)s 办理") % {"n": case.number}
    suggestion.save()
    _tell_author(
        suggestion,
        _("【共治】您的建议 %(ref)s 已转为工单 %(n)s 办理。") % {"ref": suggestion.ref, "n": case.number},
        now,
    )
    return case


@transaction.atomic
def suggestion_to_topic(
    *,
    actor: User,
    suggestion: Suggestion,
    topic: Topic | None = None,
    title: str = "",
    now: dt.datetime | None = None,
) -> Topic:
    """A public matter becomes a deliberation topic (a new one, or one already proposed)."""
    from gongzhi.participation.services.deliberation import propose_topic

    now = now_or(now)
    suggestion = lock(suggestion)
    move("suggestion", suggestion, "to_topic", actor=actor, now=now)
    if topic is None:
        topic = propose_topic(
            actor=actor,
            area=suggestion.area,
            title=title or suggestion.public_title,
            description=suggestion.public_body,
            now=now,
        )
    else:
        permissions.require(actor, "participation.topic.manage", topic)
    suggestion.topic = topic
    suggestion.reason = _("已转为议题“%(t)s”协商") % {"t": topic.title}
    suggestion.save()
    _tell_author(suggestion, _("【共治】您的建议 %(ref)s 已列为议事议题。") % {"ref": suggestion.ref}, now)
    return topic


@transaction.atomic
def merge_suggestion(
    *, actor: User, suggestion: Suggestion, into: Suggestion, now: dt.datetime | None = None
) -> Suggestion:
    now = now_or(now)
    if into.pk == suggestion.pk:
        raise FieldError("into", _("不能合并到自身。"))
    if into.subdistrict_id != suggestion.subdistrict_id or into.merged_into_id:
        raise FieldError("into", _("只能合并到本街道内另一条未被合并的建议。"))
    suggestion = lock(suggestion)
    move("suggestion", suggestion, "merge", actor=actor, note=into.ref, now=now)
    suggestion.merged_into = into
    suggestion.reason = _("与建议 %(ref)s 合并办理") % {"ref": into.ref}
    suggestion.save()
    return suggestion


@transaction.atomic
def refer_suggestion(
    *, actor: User, suggestion: Suggestion, unit: Unit, days: int = 10, now: dt.datetime | None = None
) -> Suggestion:
    """Referred to a unit (物业, 业委会, a department) with a deadline on the working calendar."""
    now = now_or(now)
    if unit.subdistrict_id != suggestion.subdistrict_id:
        raise FieldError("unit", _("请选择本街道的单位。"))
    if not 1 <= days <= 60:
        raise FieldError("days", _("办理期限应为 1 至 60 个工作日。"))
    suggestion = lock(suggestion)
    move("suggestion", suggestion, "refer", actor=actor, note=unit.name, now=now)
    suggestion.referred_to = unit
    suggestion.referred_due = deadlines.due(now, days=days)
    suggestion.reason = _("已转交%(u)s办理") % {"u": unit.name}
    suggestion.save()
    tell(
        User.objects.filter(unit=unit, is_active=True),
        kind="participation.suggestion",
        title=_("转交建议：%(t)s") % {"t": suggestion.public_title},
        url=f"/participation/suggestions/{suggestion.pk}/",
        at=now,
    )
    return suggestion


@transaction.atomic
def draft_answer(
    *, actor: User, suggestion: Suggestion, answer: str, now: dt.datetime | None = None
) -> Suggestion:
    """An internal draft: not public until the leader approves it (publish_answer)."""
    now = now_or(now)
    answer = text(answer, "answer", _("答复"), 2000)
    suggestion = lock(suggestion)
    move("suggestion", suggestion, "draft_answer", actor=actor, public=False, now=now)
    suggestion.answer = answer
    suggestion.save()
    tell(
        staff_in(suggestion.area, "leader"),
        kind="participation.suggestion",
        title=_("答复待审定：%(t)s") % {"t": suggestion.public_title},
        url=f"/participation/suggestions/{suggestion.pk}/",
        at=now,
    )
    return suggestion


@transaction.atomic
def publish_answer(*, actor: User, suggestion: Suggestion, now: dt.datetime | None = None) -> Suggestion:
    now = now_or(now)
    suggestion = lock(suggestion)
    if not suggestion.answer.strip():
        raise FieldError("answer", _("请先起草答复。"))
    move("suggestion", suggestion, "publish_answer", actor=actor, now=now)
    suggestion.answer = redact(suggestion.answer)
    suggestion.answer_published_at = now
    suggestion.save()
    _tell_author(suggestion, _("【共治】您的建议 %(ref)s 已答复，请查看。") % {"ref": suggestion.ref}, now)
    return suggestion


@transaction.atomic
def reject_suggestion(
    *, actor: User, suggestion: Suggestion, reason: str, now: dt.datetime | None = None
) -> Suggestion:
    now = now_or(now)
    reason = text(reason, "reason", _("不予采纳的理由"), 200)
    suggestion = lock(suggestion)
    move("suggestion", suggestion, "reject", actor=actor, note=reason, now=now)
    suggestion.reason = reason
    suggestion.save()
    _tell_author(
        suggestion, _("【共治】您的建议 %(ref)s 未被采纳：%(r)s") % {"ref": suggestion.ref, "r": reason}, now
    )
    return suggestion
