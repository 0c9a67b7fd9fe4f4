"""Reports (举报) and bulk moderation (issue 15): one report per verified phone; at the campaign's
report threshold (default 3) a public suggestion is hidden pending review, the author is told and
sees the state; staff restore it or decline it with a reason; moderators approve or decline
several pending or hidden suggestions at once, in one transaction, each audited, a stale one
skipped with a message."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.models import AuditEvent
from gongzhi.cases.models import OutboundMessage
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.participation import selectors, services
from gongzhi.participation.models import Entry, Report, Suggestion, SuggestionStatus
from gongzhi.participation.tests.helpers import PHONE, approved, campaign, code_for, public_suggestion
from gongzhi.participation.tests.test_api import post

pytestmark = pytest.mark.django_db

REPORTERS = ["13700000001", "13700000002", "13700000003", "13700000004"]


def report(world, s, phone, reason="", now=None) -> bool:
    code = code_for(world, phone, services.support_purpose(s.ref), now=now)
    return services.report_suggestion(suggestion=s, phone=phone, code=code, reason=reason, now=now)


def hidden(world, **kw) -> Suggestion:
    s = approved(world, **kw)
    for phone in REPORTERS[:3]:
        report(world, s, phone, reason="广告")
    s.refresh_from_db()
    assert s.status == SuggestionStatus.HIDDEN
    return s


# ---------------------------------------------------------------- reports


def test_three_reports_by_default_hide_it_from_the_public_and_the_author_is_told(world, client):
    s = approved(world)
    assert report(world, s, REPORTERS[0], reason="内容不实") is True
    assert report(world, s, REPORTERS[1]) is True
    s.refresh_from_db()
    assert (s.status, s.reports_count) == (SuggestionStatus.PUBLISHED, 2)
    assert s in selectors.public_suggestions()
    assert report(world, s, REPORTERS[2]) is True
    s.refresh_from_db()
    assert (s.status, s.hidden_from, s.reports_count) == (SuggestionStatus.HIDDEN, "published", 3)
    assert s not in selectors.public_suggestions()
    assert Entry.objects.filter(subject="suggestion", subject_id=s.pk, action="hide").count() == 1
    assert OutboundMessage.objects.filter(to=PHONE, body__contains="暂时隐藏").exists()
    # The author follows it by number: the state shows, the text does not.
    page = client.get(reverse("participation:public_suggestion", args=[s.ref])).content.decode()
    assert "被举报待复核" in page and 'id="hidden-note"' in page and s.public_body not in page
    assert client.get(f"/api/participation/public/suggestions/{s.ref}").status_code == 404


def test_one_report_per_phone(world):
    s = approved(world)
    assert report(world, s, REPORTERS[0]) is True
    later = timezone.now() + dt.timedelta(minutes=2)
    assert report(world, s, REPORTERS[0], now=later) is False
    s.refresh_from_db()
    assert s.reports_count == 1 and Report.objects.filter(suggestion=s).count() == 1
    assert REPORTERS[0] not in Report.objects.get(suggestion=s).phone_digest


def test_the_campaign_sets_the_threshold_and_a_triaged_one_returns_to_triage(world):
    s = approved(world, camp=campaign(world, threshold=10))
    s.campaign.report_threshold = 2
    s.campaign.save()
    services.triage_suggestion(actor=world.a.users["dispatcher"], suggestion=s)
    report(world, s, REPORTERS[0])
    report(world, s, REPORTERS[1])
    s.refresh_from_db()
    assert (s.status, s.hidden_from) == (SuggestionStatus.HIDDEN, "triage")
    services.restore_suggestion(actor=world.a.users["neighbourhood"], suggestion=s, note="内容无问题")
    s.refresh_from_db()
    assert (s.status, s.reports_count) == (SuggestionStatus.TRIAGE, 0)


def test_a_wrong_code_a_pending_or_a_hidden_suggestion_is_refused_and_nothing_changes(world):
    pending = public_suggestion(world)
    with pytest.raises(DomainError, match="不接受举报"):
        report(world, pending, REPORTERS[0])
    s = approved(world, phone="13911110000")
    with pytest.raises(DomainError, match="验证码"):
        services.report_suggestion(suggestion=s, phone=REPORTERS[0], code="000000")
    with pytest.raises(DomainError, match="不能超过"):
        report(world, s, REPORTERS[1], reason="长" * 201)
    assert not Report.objects.filter(suggestion=s).exists()
    h = hidden(world, phone="13922220000")
    with pytest.raises(DomainError, match="已被隐藏"):
        report(world, h, REPORTERS[3])
    assert Report.objects.filter(suggestion=h).count() == 3


def test_a_restored_suggestion_counts_again_and_the_same_phones_cannot_report_twice(world):
    s = hidden(world)
    services.restore_suggestion(actor=world.a.users["neighbourhood"], suggestion=s)
    s.refresh_from_db()
    assert (s.status, s.reports_count) == (SuggestionStatus.PUBLISHED, 0)
    later = timezone.now() + dt.timedelta(minutes=2)
    assert report(world, s, REPORTERS[0], now=later) is False
    assert report(world, s, REPORTERS[3], now=later) is True
    s.refresh_from_db()
    assert (s.status, s.reports_count) == (SuggestionStatus.PUBLISHED, 1)
    assert OutboundMessage.objects.filter(to=PHONE, body__contains="已恢复公开").exists()


def test_review_declines_it_with_a_reason_and_it_never_shows_again(world, client):
    s = hidden(world)
    with pytest.raises(DomainError):
        services.decline_suggestion(actor=world.a.users["neighbourhood"], suggestion=s, reason="")
    services.decline_suggestion(actor=world.a.users["neighbourhood"], suggestion=s, reason="含人身攻击内容")
    s.refresh_from_db()
    assert s.status == SuggestionStatus.DECLINED and s not in selectors.public_suggestions()
    page = client.get(reverse("participation:public_suggestion", args=[s.ref])).content.decode()
    assert "含人身攻击内容" in page and s.public_body not in page


def test_only_moderators_in_scope_restore(world):
    s = hidden(world)
    for user in (world.a.users["gridworker"], world.b.users["leader"]):
        with pytest.raises(NotAllowed):
            services.restore_suggestion(actor=user, suggestion=s)
    s.refresh_from_db()
    assert s.status == SuggestionStatus.HIDDEN


def test_residents_report_on_the_public_page(world, client):
    s = approved(world)
    url = reverse("participation:public_suggestion", args=[s.ref])
    assert 'id="report-box"' in client.get(url).content.decode()
    for phone in REPORTERS[:3]:
        client.post(reverse("participation:public_code"), {"phone": phone, "ref": s.ref})
        from gongzhi.cases import phonecodes

        code = phonecodes.last_code_for(phone, services.support_purpose(s.ref))
        got = client.post(
            reverse("participation:public_report", args=[s.ref]),
            {"phone": phone, "code": code, "reason": "广告"},
        ).content.decode()
        assert "举报已收到" in got
    s.refresh_from_db()
    assert s.status == SuggestionStatus.HIDDEN
    got = client.post(
        reverse("participation:public_report", args=[s.ref]), {"phone": REPORTERS[3], "code": "1"}
    )
    assert got.status_code == 200 and "error" in got.content.decode()


def test_the_staff_page_offers_restore_and_decline_for_a_hidden_one(world, client):
    s = hidden(world)
    client.force_login(world.a.users["neighbourhood"])
    page = client.get(reverse("participation:suggestion", args=[s.pk])).content.decode()
    assert 'id="act-restore"' in page and 'id="act-decline"' in page and 'id="report-reasons"' in page
    client.post(reverse("participation:suggestion_act", args=[s.pk]), {"action": "restore", "note": "已核实"})
    s.refresh_from_db()
    assert s.status == SuggestionStatus.PUBLISHED


# ---------------------------------------------------------------- bulk moderation


def test_bulk_approve_publishes_pending_restores_hidden_and_skips_a_stale_one(world):
    lead = world.a.users["neighbourhood"]
    pending = [public_suggestion(world, phone=f"1391000000{i}") for i in range(2)]
    h = hidden(world, phone="13910000009")
    stale = public_suggestion(world, phone="13910000008")
    services.decline_suggestion(actor=world.a.users["dispatcher"], suggestion=stale, reason="重复")
    outcome = services.moderate_in_bulk(
        actor=lead, suggestions=[*pending, h, stale], decision="approve", reason="经核实"
    )
    assert sorted(outcome.done) == sorted([pending[0].pk, pending[1].pk, h.pk])
    assert [pk for pk, _ in outcome.skipped] == [stale.pk] and "已被处理" in outcome.skipped[0][1]
    states = dict(Suggestion.objects.filter(pk__in=outcome.done).values_list("pk", "status"))
    assert set(states.values()) == {SuggestionStatus.PUBLISHED}
    assert Suggestion.objects.get(pk=stale.pk).status == SuggestionStatus.DECLINED
    audited = AuditEvent.objects.filter(action="participation.suggestion.bulk_moderate")
    assert audited.count() == 3


def test_bulk_decline_needs_one_reason_and_gives_it_to_each(world):
    lead = world.a.users["neighbourhood"]
    chosen = [public_suggestion(world, phone=f"1392000000{i}") for i in range(3)]
    with pytest.raises(DomainError, match="理由"):
        services.moderate_in_bulk(actor=lead, suggestions=chosen, decision="decline", reason=" ")
    with pytest.raises(DomainError):
        services.moderate_in_bulk(actor=lead, suggestions=chosen, decision="publish")
    assert not Suggestion.objects.filter(pk__in=[s.pk for s in chosen]).exclude(status="pending").exists()
    outcome = services.moderate_in_bulk(
        actor=lead, suggestions=chosen, decision="decline", reason="与主题无关"
    )
    assert len(outcome.done) == 3 and not outcome.skipped
    assert set(
        Suggestion.objects.filter(pk__in=outcome.done).values_list("moderation_reason", flat=True)
    ) == {"与主题无关"}


def test_bulk_skips_what_the_actor_may_not_moderate(world):
    mine = public_suggestion(world)
    theirs = public_suggestion(world, side="b", phone="13930000001")
    outcome = services.moderate_in_bulk(
        actor=world.a.users["neighbourhood"], suggestions=[mine, theirs], decision="approve"
    )
    assert outcome.done == [mine.pk] and [pk for pk, _ in outcome.skipped] == [theirs.pk]
    assert Suggestion.objects.get(pk=theirs.pk).status == SuggestionStatus.PENDING


def test_bulk_on_the_staff_page(world, client):
    chosen = [public_suggestion(world, phone=f"1394000000{i}") for i in range(2)]
    client.force_login(world.a.users["neighbourhood"])
    page = client.get(reverse("participation:suggestions")).content.decode()
    assert 'id="bulk-form"' in page and f'value="{chosen[0].pk}"' in page
    response = client.post(
        reverse("participation:suggestions_bulk"),
        {"ids": [s.pk for s in chosen], "decision": "decline", "reason": ""},
        follow=True,
    )
    assert "理由" in response.content.decode()
    assert not Suggestion.objects.filter(pk__in=[s.pk for s in chosen]).exclude(status="pending").exists()
    client.post(
        reverse("participation:suggestions_bulk"), {"ids": [s.pk for s in chosen], "decision": "approve"}
    )
    assert set(Suggestion.objects.filter(pk__in=[s.pk for s in chosen]).values_list("status", flat=True)) == {
        "published"
    }
    client.force_login(world.a.users["gridworker"])
    assert 'id="bulk-form"' not in client.get(reverse("participation:suggestions")).content.decode()


def test_bulk_through_the_api(world, client):
    chosen = [public_suggestion(world, phone=f"1395000000{i}") for i in range(2)]
    lead = world.a.users["neighbourhood"]
    url = "/api/participation/moderation/bulk"
    response = post(client, url, {"ids": [s.pk for s in chosen], "decision": "nope"}, lead)
    assert response.status_code in (400, 422) and response.json()["code"]
    body = post(client, url, {"ids": [s.pk for s in chosen], "decision": "approve"}, lead).json()
    assert sorted(body["done"]) == sorted(s.pk for s in chosen) and body["skipped"] == []
    body = post(client, url, {"ids": [chosen[0].pk], "decision": "approve"}, lead).json()
    assert body["done"] == [] and body["skipped"][0]["id"] == chosen[0].pk
    assert json.dumps(body, ensure_ascii=False).count("已被处理") == 1
    h = hidden(world, phone="13950000009")
    body = post(
        client, f"/api/participation/suggestions/{h.pk}/actions/restore", {"note": "无问题"}, lead
    ).json()
    assert body["status"] == "published"


def test_the_demo_hides_one_suggestion_after_three_reports(world):
    from gongzhi.participation import demo

    s = approved(world)
    demo._reports(world.a.subdistrict, s, timezone.now())
    s.refresh_from_db()
    assert (s.status, s.reports_count) == (SuggestionStatus.HIDDEN, 3)
