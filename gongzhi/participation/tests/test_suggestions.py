"""Suggestions: submission with a one-time code, moderation before anything is public, supports,
and every triage outcome."""

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.accounts.models import Notice
from gongzhi.cases.models import Case, OutboundMessage, Source
from gongzhi.core.errors import DomainError, InvalidTransition, NotAllowed
from gongzhi.participation import selectors, services
from gongzhi.participation.models import Entry, Suggestion, SuggestionStatus, Topic
from gongzhi.participation.tests.helpers import (
    PHONE,
    approved,
    campaign,
    code_for,
    public_suggestion,
    support,
)

pytestmark = pytest.mark.django_db


def test_a_resident_submits_with_a_one_time_code_and_gets_a_reference(world):
    suggestion = public_suggestion(world, camp=campaign(world))
    assert suggestion.status == SuggestionStatus.PENDING
    assert suggestion.ref.startswith("JY") and suggestion.phone_verified
    assert OutboundMessage.objects.filter(to=PHONE, body__contains=suggestion.ref).exists()
    assert Notice.objects.filter(
        user=world.a.users["neighbourhood"], kind="participation.suggestion"
    ).exists()
    assert Entry.objects.filter(subject="suggestion", subject_id=suggestion.pk, action="submit").count() == 1


def test_a_wrong_code_is_refused_and_nothing_is_saved(world):
    code_for(world, PHONE, services.SUGGEST_PURPOSE)
    with pytest.raises(DomainError, match="验证码"):
        services.submit_suggestion(
            area=world.a.neighbourhood, title="t", body="b", phone=PHONE, code="000000x"
        )
    assert Suggestion.objects.count() == 0


@pytest.mark.parametrize(
    ("title", "body", "message"),
    [("", "内容", "请填写标题"), ("标题", "", "请填写建议内容"), ("长" * 81, "内容", "不能超过 80")],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(world, title, body, message):
    with pytest.raises(DomainError, match=message):
        public_suggestion(world, title=title, body=body)
    assert Suggestion.objects.count() == 0


def test_phone_and_id_numbers_are_redacted_from_the_public_text(world):
    suggestion = public_suggestion(
        world, body="我是 310104198001011234，电话 138-0013-8000 或 021-64181234。"
    )
    assert "13800138000" not in suggestion.public_body and "138-0013-8000" not in suggestion.public_body
    assert "310104198001011234" not in suggestion.public_body and "64181234" not in suggestion.public_body
    assert "[电话已隐去]" in suggestion.public_body and "[证件号已隐去]" in suggestion.public_body
    assert (
        "13800138000"
        not in services.approve_suggestion(
            actor=world.a.users["neighbourhood"], suggestion=suggestion, public_body="改后 13800138000"
        ).public_body
    )


def test_nothing_is_public_before_approval(world):
    suggestion = public_suggestion(world)
    assert not selectors.public_suggestions().filter(pk=suggestion.pk).exists()
    services.approve_suggestion(actor=world.a.users["neighbourhood"], suggestion=suggestion)
    assert selectors.public_suggestions().filter(pk=suggestion.pk).exists()


def test_a_declined_suggestion_never_becomes_public_and_the_author_is_told(world):
    suggestion = public_suggestion(world)
    services.decline_suggestion(
        actor=world.a.users["neighbourhood"], suggestion=suggestion, reason="含人身攻击内容"
    )
    assert not selectors.public_suggestions().filter(pk=suggestion.pk).exists()
    assert OutboundMessage.objects.filter(to=PHONE, body__contains="未通过审核").exists()
    with pytest.raises(InvalidTransition):
        services.approve_suggestion(actor=world.a.users["neighbourhood"], suggestion=suggestion)


def test_a_grid_worker_cannot_moderate_and_the_other_subdistrict_cannot_either(world):
    suggestion = public_suggestion(world)
    for user in (world.a.users["gridworker"], world.b.users["neighbourhood"], world.a.users["auditor"]):
        with pytest.raises(NotAllowed):
            services.approve_suggestion(actor=user, suggestion=suggestion)
    assert Suggestion.objects.get(pk=suggestion.pk).status == SuggestionStatus.PENDING


def test_one_support_per_phone_and_the_threshold_moves_it_to_triage(world):
    suggestion = approved(world, camp=campaign(world, threshold=2))
    assert support(world, suggestion, "13700000001") is True
    later = timezone.now() + dt.timedelta(minutes=2)
    assert support(world, suggestion, "13700000001", now=later) is False
    suggestion.refresh_from_db()
    assert (suggestion.supports_count, suggestion.status) == (1, SuggestionStatus.PUBLISHED)
    assert support(world, suggestion, "13700000002") is True
    suggestion.refresh_from_db()
    assert (suggestion.supports_count, suggestion.status) == (2, SuggestionStatus.TRIAGE)


def test_a_pending_suggestion_cannot_be_supported(world):
    suggestion = public_suggestion(world)
    with pytest.raises(DomainError, match="不接受附议"):
        support(world, suggestion, "13700000001")


def test_proxy_entry_needs_consent(world):
    worker = world.a.users["gridworker"]
    with pytest.raises(DomainError, match="同意的方式"):
        services.enter_suggestion(
            actor=worker, area=world.a.neighbourhood, title="t", body="b", author_name="王阿婆"
        )
    s = services.enter_suggestion(
        actor=worker,
        area=world.a.neighbourhood,
        title="楼道灯",
        body="楼道灯坏了",
        author_name="王阿婆",
        consent="verbal_recorded",
    )
    assert s.channel == "proxy" and s.entered_by == worker and not s.phone


def test_to_case_links_both_ways(world):
    suggestion = approved(world)
    case = services.suggestion_to_case(
        actor=world.a.users["dispatcher"], suggestion=suggestion, category=world.category
    )
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.TO_CASE and suggestion.case == case
    assert case.source == Source.SUGGESTION and suggestion.ref in case.description
    assert list(Case.objects.get(pk=case.pk).suggestions.all()) == [suggestion]


def test_to_topic_creates_a_topic_linked_to_its_source(world):
    suggestion = approved(world)
    topic = services.suggestion_to_topic(actor=world.a.users["neighbourhood"], suggestion=suggestion)
    assert list(topic.suggestions.all()) == [suggestion]
    assert Topic.objects.get(pk=topic.pk).status == "proposed"


def test_merge_and_refer(world):
    first, second = approved(world), approved(world, phone="13900000002")
    dispatcher = world.a.users["dispatcher"]
    with pytest.raises(DomainError, match="自身"):
        services.merge_suggestion(actor=dispatcher, suggestion=first, into=first)
    services.merge_suggestion(actor=dispatcher, suggestion=second, into=first)
    assert Suggestion.objects.get(pk=second.pk).merged_into == first
    with pytest.raises(DomainError, match="本街道"):
        services.refer_suggestion(actor=dispatcher, suggestion=first, unit=world.b.department)
    referred = services.refer_suggestion(actor=dispatcher, suggestion=first, unit=world.a.department, days=5)
    assert referred.status == SuggestionStatus.REFERRED and referred.referred_due > referred.created_at


def test_an_answer_is_internal_until_the_leader_publishes_it(world):
    suggestion = approved(world)
    services.draft_answer(
        actor=world.a.users["dispatcher"],
        suggestion=suggestion,
        answer="已纳入年度实事项目，电话 13800138000",
    )
    suggestion.refresh_from_db()
    assert (
        suggestion.answer
        and not suggestion.answer_is_public
        and suggestion.status == SuggestionStatus.PUBLISHED
    )
    with pytest.raises(NotAllowed):
        services.publish_answer(actor=world.a.users["dispatcher"], suggestion=suggestion)
    services.publish_answer(actor=world.a.users["leader"], suggestion=suggestion)
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.ANSWERED and suggestion.answer_is_public
    assert "13800138000" not in suggestion.answer


def test_reject_needs_a_reason(world):
    suggestion = approved(world)
    with pytest.raises(DomainError, match="理由"):
        services.reject_suggestion(actor=world.a.users["dispatcher"], suggestion=suggestion, reason=" ")
    assert Suggestion.objects.get(pk=suggestion.pk).status == SuggestionStatus.PUBLISHED
    services.reject_suggestion(
        actor=world.a.users["dispatcher"], suggestion=suggestion, reason="不属于社区事务"
    )
    assert Suggestion.objects.get(pk=suggestion.pk).status == SuggestionStatus.REJECTED


def test_a_campaign_refuses_suggestions_outside_its_area(world):
    camp = campaign(world)
    with pytest.raises(DomainError, match="范围"):
        public_suggestion(world, camp=camp, area=world.b.neighbourhood)


def test_similar_suggestions_are_offered_for_merging(world):
    first = approved(world, title="3号楼下需要充电桩", body="楼下经常有人飞线充电，希望装充电桩。")
    second = approved(
        world, phone="13900000002", title="3号楼楼下装充电桩", body="经常有人飞线充电，希望楼下装充电桩。"
    )
    approved(world, phone="13900000003", title="流浪猫太多", body="小区流浪猫夜里叫，影响休息。")
    assert selectors.similar_suggestions(world.a.users["dispatcher"], first) == [second]
    assert selectors.similar_suggestions(world.b.users["dispatcher"], first) == []


def test_the_sweep_command_runs(world):
    from django.core.management import call_command

    call_command("participation_sweep")
