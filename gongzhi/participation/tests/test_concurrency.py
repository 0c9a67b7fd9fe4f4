"""Two people acting on one thing at the same moment: exactly one wins."""

import threading

import pytest
from django.db import connection

from gongzhi.core.errors import DomainError
from gongzhi.participation import services
from gongzhi.participation.models import Entry, Report, Suggestion, SuggestionStatus, Support
from gongzhi.participation.tests.helpers import approved, campaign, code_for, public_suggestion

pytestmark = pytest.mark.django_db(transaction=True)


def race(*callables):
    barrier = threading.Barrier(len(callables))
    outcomes = [None] * len(callables)

    def run(i, fn):
        try:
            barrier.wait()
            fn()
            outcomes[i] = "ok"
        except DomainError as exc:
            outcomes[i] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(callables)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_two_moderators_approving_and_declining_at_once(world):
    suggestion = public_suggestion(world)
    outcomes = race(
        lambda: services.approve_suggestion(actor=world.a.users["neighbourhood"], suggestion=suggestion),
        lambda: services.decline_suggestion(
            actor=world.a.users["dispatcher"], suggestion=suggestion, reason="广告"
        ),
    )
    assert sorted(outcomes) == ["invalid_transition", "ok"]
    assert (
        Entry.objects.filter(subject="suggestion", subject_id=suggestion.pk).exclude(action="submit").count()
        == 1
    )


def test_two_supports_at_the_threshold_count_once_each_and_triage_once(world):
    suggestion = approved(world, camp=campaign(world, threshold=2))
    phones = ["13700000001", "13700000002"]
    codes = [code_for(world, p, services.support_purpose(suggestion.ref)) for p in phones]
    outcomes = race(
        *[
            (lambda p=p, c=c: services.support_suggestion(suggestion=suggestion, phone=p, code=c))
            for p, c in zip(phones, codes, strict=True)
        ]
    )
    assert outcomes == ["ok", "ok"]
    suggestion = Suggestion.objects.get(pk=suggestion.pk)
    assert suggestion.supports_count == Support.objects.filter(suggestion=suggestion).count() == 2
    assert suggestion.status == SuggestionStatus.TRIAGE
    assert Entry.objects.filter(subject="suggestion", subject_id=suggestion.pk, action="triage").count() == 1


def _report(suggestion, phone, code):
    return lambda: services.report_suggestion(suggestion=suggestion, phone=phone, code=code)


def test_two_reports_at_once_reaching_the_threshold_hide_it_once(world):
    suggestion = approved(world, camp=campaign(world, threshold=10))
    suggestion.campaign.report_threshold = 2
    suggestion.campaign.save()
    phones = ["13700000011", "13700000012"]
    codes = [code_for(world, p, services.support_purpose(suggestion.ref)) for p in phones]
    outcomes = race(*[_report(suggestion, p, c) for p, c in zip(phones, codes, strict=True)])
    assert outcomes == ["ok", "ok"]
    suggestion = Suggestion.objects.get(pk=suggestion.pk)
    assert suggestion.reports_count == Report.objects.filter(suggestion=suggestion).count() == 2
    assert suggestion.status == SuggestionStatus.HIDDEN
    assert Entry.objects.filter(subject="suggestion", subject_id=suggestion.pk, action="hide").count() == 1


def test_two_reports_at_once_past_the_threshold_hide_it_once_and_the_late_one_is_told(world):
    suggestion = approved(world)  # no campaign: the default threshold of 3
    first = ["13700000021", "13700000022"]
    for p in first:
        services.report_suggestion(
            suggestion=suggestion, phone=p, code=code_for(world, p, services.support_purpose(suggestion.ref))
        )
    phones = ["13700000023", "13700000024"]
    codes = [code_for(world, p, services.support_purpose(suggestion.ref)) for p in phones]
    outcomes = race(*[_report(suggestion, p, c) for p, c in zip(phones, codes, strict=True)])
    assert sorted(outcomes) == ["already_hidden", "ok"]
    suggestion = Suggestion.objects.get(pk=suggestion.pk)
    assert suggestion.reports_count == Report.objects.filter(suggestion=suggestion).count() == 3
    assert suggestion.status == SuggestionStatus.HIDDEN
    assert Entry.objects.filter(subject="suggestion", subject_id=suggestion.pk, action="hide").count() == 1


def test_two_bulk_runs_at_once_moderate_each_suggestion_once(world):
    chosen = [public_suggestion(world, phone=f"1396000000{i}") for i in range(3)]
    outcomes = race(
        lambda: services.moderate_in_bulk(
            actor=world.a.users["neighbourhood"], suggestions=chosen, decision="approve"
        ),
        lambda: services.moderate_in_bulk(
            actor=world.a.users["dispatcher"],
            suggestions=list(reversed(chosen)),
            decision="decline",
            reason="重复",
        ),
    )
    assert outcomes == ["ok", "ok"]
    for s in chosen:
        moves = Entry.objects.filter(subject="suggestion", subject_id=s.pk).exclude(action="submit")
        assert moves.count() == 1
