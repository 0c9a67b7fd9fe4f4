"""Works (维修/改造工程) through their action table: the price review above the line, the
guards on dates and amounts, bad input refused with nothing written, and any sequence of
actions keeping a works on the table."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.accounts.models import AuditEvent
from gongzhi.committees import services, transitions
from gongzhi.committees import works as works_services
from gongzhi.committees.models import Committee, OwnersVote, Stage, Works, WorksChange, WorksStatus, WorksStep
from gongzhi.committees.tests.helpers import committee_in_term, dwellings
from gongzhi.core.errors import DomainError, InvalidTransition, NotAllowed

pytestmark = pytest.mark.django_db

D = dt.date
W = WorksStatus


def propose(side, committee, amount="18600", **kwargs) -> Works:
    params = dict(
        actor=side.users["neighbourhood"],
        committee=committee,
        title="3号楼屋面防水修缮",
        contractor="上海恒固防水工程有限公司",
        amount=amount,
        funding="public_income",
        proposed_on=D(2026, 4, 1),
    )
    params.update(kwargs)
    return works_services.create_works(**params)


def test_a_works_under_the_line_goes_from_proposed_to_paid(world):
    committee = committee_in_term(world.a)
    secretary = world.a.users["neighbourhood"]
    works = propose(world.a, committee, amount="18,600.50")
    assert works.amount == Decimal("18600.50") and works.status == W.PROPOSED
    works = works_services.approve(actor=secretary, works=works, on=D(2026, 4, 3))
    works = works_services.start(actor=secretary, works=works, on=D(2026, 4, 10))
    works = works_services.accept(
        actor=secretary, works=works, on=D(2026, 5, 6), note="居委、业委会、物业三方验收"
    )
    works = works_services.pay(actor=secretary, works=works, on=D(2026, 5, 20))
    works.refresh_from_db()
    assert works.status == W.PAID and works.paid_amount == Decimal("18600.50")
    assert list(works.steps.values_list("to_status", flat=True)) == [
        "proposed",
        "approved",
        "in_progress",
        "accepted",
        "paid",
    ]
    actions = set(
        AuditEvent.objects.filter(action__startswith="committee.works.").values_list("action", flat=True)
    )
    assert actions == {f"committee.works.{a}" for a in ("propose", "approve", "start", "accept", "pay")}


def test_above_the_line_approval_is_refused_until_the_price_is_reviewed(world):
    committee = committee_in_term(world.a)
    secretary = world.a.users["neighbourhood"]
    works = propose(world.a, committee, amount="68500", title="小区雨污水管道改造")
    with pytest.raises(DomainError) as refused:
        works_services.approve(actor=secretary, works=works, on=D(2026, 4, 3))
    assert "超过审价线 ¥50,000.00" in refused.value.message and "须先登记审价" in refused.value.message
    works.refresh_from_db()
    assert works.status == W.PROPOSED and works.approved_on is None and works.steps.count() == 1
    works = works_services.review_price(
        actor=secretary,
        works=works,
        firm="上海建科造价咨询有限公司",
        reviewed_amount="61230",
        on=D(2026, 4, 8),
    )
    assert works.status == W.PRICE_REVIEWED and works.reviewed_amount == Decimal("61230")
    works = works_services.approve(actor=secretary, works=works, on=D(2026, 4, 9))
    assert works.status == W.APPROVED
    works = works_services.start(actor=secretary, works=works, on=D(2026, 4, 10))
    works = works_services.accept(actor=secretary, works=works, on=D(2026, 5, 1))
    with pytest.raises(DomainError) as over:
        works_services.pay(actor=secretary, works=works, paid_amount="65000", on=D(2026, 5, 2))
    assert "超过审定金额 ¥61,230.00" in over.value.message
    works = works_services.pay(actor=secretary, works=works, on=D(2026, 5, 2))
    assert works.paid_amount == Decimal("61230")


def test_the_line_is_a_setting_and_at_the_line_needs_no_review(world, settings):
    committee = committee_in_term(world.a)
    secretary = world.a.users["neighbourhood"]
    at_line = propose(world.a, committee, amount="50000")
    assert works_services.approve(actor=secretary, works=at_line, on=D(2026, 4, 2)).status == W.APPROVED
    settings.GONGZHI_COMMITTEE_PRICE_REVIEW_ABOVE = 100000
    above_default = propose(world.a, committee, amount="68500")
    assert works_services.approve(actor=secretary, works=above_default, on=D(2026, 4, 2)).status == W.APPROVED
    settings.GONGZHI_COMMITTEE_PRICE_REVIEW_ABOVE = 20000
    with pytest.raises(DomainError, match="超过审价线 ¥20,000.00"):
        works_services.approve(
            actor=secretary, works=propose(world.a, committee, amount="26000"), on=D(2026, 4, 2)
        )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "abc", "有效的金额"),
        ("amount", "-5", "大于零"),
        ("amount", "0", "大于零"),
        ("amount", "1.234", "两位小数"),
        ("amount", "NaN", "大于零"),
        ("title", "  ", "工程名称"),
        ("contractor", "", "施工单位"),
        ("funding", "lottery", "资金来源"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(world, field, value, message):
    committee = committee_in_term(world.a)
    with pytest.raises(DomainError, match=message):
        propose(world.a, committee, **{field: value})
    assert not Works.objects.exists() and not WorksStep.objects.exists()


def test_a_committee_not_yet_formed_cannot_commission_works(world):
    committee = services.create_committee(actor=world.a.users["leader"], area=world.a.estate)
    with pytest.raises(DomainError, match="未组建"):
        propose(world.a, committee)
    assert not Works.objects.exists()


def test_dates_must_follow_each_other(world):
    committee = committee_in_term(world.a)
    secretary = world.a.users["neighbourhood"]
    works = propose(world.a, committee)
    with pytest.raises(DomainError, match="不能早于"):
        works_services.approve(actor=secretary, works=works, on=D(2026, 3, 30))
    works = works_services.approve(actor=secretary, works=works, on=D(2026, 4, 2))
    with pytest.raises(DomainError, match="开工日期不能早于批准日期"):
        works_services.start(actor=secretary, works=works, on=D(2026, 4, 1))
    works.refresh_from_db()
    assert works.status == W.APPROVED and works.started_on is None


def test_drop_needs_a_reason_and_is_final(world):
    committee = committee_in_term(world.a)
    secretary = world.a.users["neighbourhood"]
    works = propose(world.a, committee)
    with pytest.raises(DomainError, match="撤销原因"):
        works_services.drop(actor=secretary, works=works, on=D(2026, 4, 2))
    works = works_services.drop(actor=secretary, works=works, on=D(2026, 4, 2), note="业主大会未通过")
    assert works.status == W.DROPPED and transitions.works_actions_from(works.status) == []
    with pytest.raises(InvalidTransition, match="已撤销"):
        works_services.approve(actor=secretary, works=works, on=D(2026, 4, 3))


def test_only_managers_in_scope_record_works(world):
    committee = committee_in_term(world.a)
    for user in (world.a.users["gridworker"], world.a.users["auditor"], world.b.users["leader"]):
        with pytest.raises(NotAllowed):
            propose(world.a, committee, actor=user)
    works = propose(world.a, committee)
    with pytest.raises(NotAllowed):
        works_services.approve(actor=world.b.users["neighbourhood"], works=works, on=D(2026, 4, 2))
    assert Works.objects.get().status == W.PROPOSED


def test_the_deciding_vote_must_be_a_passed_vote_of_the_committee(world):
    leader = world.a.users["leader"]
    committee = committee_in_term(world.a)
    homes = dwellings(world.a.estate, ["80", "90", "100"])
    vote = services.open_vote(
        actor=leader,
        committee=committee,
        title="使用专项维修资金更换1号楼电梯",
        matter="major",
        opens_on=D(2026, 3, 20),
        closes_on=D(2026, 3, 30),
    )
    with pytest.raises(DomainError, match="未通过或尚未计票"):
        propose(world.a, committee, vote=vote)
    for home in homes:
        services.cast_ballot(
            actor=leader,
            vote=vote,
            dwelling=home,
            voter_name=home.owner_name,
            choice="for",
            on=D(2026, 3, 25),
        )
    vote = services.close_vote(actor=leader, vote=vote)
    works = propose(world.a, committee, vote=vote, amount="380000", title="1号楼电梯更新")
    assert works.vote == vote


def test_audit_finding_amounts_follow_the_same_line(world, settings):
    committee = committee_in_term(world.a)
    leader = world.a.users["leader"]
    record = services.record_audit(
        actor=leader, committee=committee, kind="annual", year=2025, firm="事务所", done_on=D(2026, 4, 1)
    )
    finding = services.add_finding(
        actor=leader,
        audit_record=record,
        text="维修资金使用未经价格评审",
        amount="68500",
        due_on=D(2026, 6, 30),
    )
    assert services.needs_price_review(finding)
    settings.GONGZHI_COMMITTEE_PRICE_REVIEW_ABOVE = 80000
    assert not services.needs_price_review(finding)
    with pytest.raises(DomainError, match="整改期限不能早于"):
        services.add_finding(actor=leader, audit_record=record, text="x", due_on=D(2026, 3, 1))
    with pytest.raises(DomainError, match="已登记"):
        services.record_audit(
            actor=leader, committee=committee, kind="annual", year=2025, done_on=D(2026, 5, 1)
        )


def passed_vote(side, committee, *, matter="major", closes_on=D(2026, 3, 30)):
    """A closed, passed owners' vote of the committee (every owner of three dwellings for)."""
    leader = side.users["leader"]
    found = OwnersVote.objects.filter(
        committee=committee, matter=matter, state="closed", closes_on=closes_on
    ).first()
    if found is not None:
        return found
    homes = list(services.eligible_dwellings(committee.area)) or dwellings(side.estate, ["80", "90", "100"])
    vote = services.open_vote(
        actor=leader,
        committee=committee,
        title="使用专项维修资金更换屋面防水层",
        matter=matter,
        opens_on=closes_on - dt.timedelta(days=10),
        closes_on=closes_on,
    )
    for home in homes:
        services.cast_ballot(
            actor=leader, vote=vote, dwelling=home, voter_name=home.owner_name, choice="for", on=closes_on
        )
    return services.close_vote(actor=leader, vote=vote)


def test_maintenance_fund_works_need_a_passed_major_vote_before_approval_and_start(world):
    committee = committee_in_term(world.a)
    secretary = world.a.users["neighbourhood"]
    works = propose(world.a, committee, funding="maintenance_fund")
    with pytest.raises(DomainError) as refused:
        works_services.approve(actor=secretary, works=works, on=D(2026, 4, 3))
    assert "须经业主大会表决通过" in refused.value.message and "方可批准" in refused.value.message
    works.refresh_from_db()
    assert works.status == W.PROPOSED and works.approved_on is None and works.steps.count() == 1
    ordinary = passed_vote(world.a, committee, matter="ordinary", closes_on=D(2026, 3, 20))
    with pytest.raises(DomainError, match="重大事项表决"):
        works_services.approve(actor=secretary, works=works, on=D(2026, 4, 3), vote=ordinary)
    late = passed_vote(world.a, committee, closes_on=D(2026, 4, 10))
    with pytest.raises(DomainError, match="不能早于业主表决截止日期"):
        works_services.approve(actor=secretary, works=works, on=D(2026, 4, 3), vote=late)
    assert Works.objects.get(pk=works.pk).vote_id is None
    vote = passed_vote(world.a, committee)
    works = works_services.approve(actor=secretary, works=works, on=D(2026, 4, 3), vote=vote)
    assert works.status == W.APPROVED and works.vote == vote
    # the vote later removed (SET_NULL): the works does not start without one
    Works.objects.filter(pk=works.pk).update(vote=None)
    with pytest.raises(DomainError, match="方可开工"):
        works_services.start(actor=secretary, works=works, on=D(2026, 4, 10))
    assert Works.objects.get(pk=works.pk).status == W.APPROVED


def test_a_maintenance_fund_works_linked_to_its_vote_when_proposed_goes_through(world):
    committee = committee_in_term(world.a)
    secretary = world.a.users["neighbourhood"]
    vote = passed_vote(world.a, committee)
    works = propose(world.a, committee, funding="maintenance_fund", vote=vote)
    for step, on in (("approve", D(2026, 4, 3)), ("start", D(2026, 4, 9))):
        works = works_services.act(actor=secretary, works=works, action=step, data={"on": on})
    assert works.status == W.IN_PROGRESS
    with pytest.raises(DomainError, match="重大事项表决"):
        propose(
            world.a,
            committee,
            funding="maintenance_fund",
            vote=passed_vote(world.a, committee, matter="ordinary", closes_on=D(2026, 3, 21)),
        )


def test_the_vote_rule_is_a_setting(world, settings):
    settings.GONGZHI_COMMITTEE_FUND_WORKS_NEED_VOTE = False
    committee = committee_in_term(world.a)
    works = propose(world.a, committee, funding="maintenance_fund")
    works = works_services.approve(actor=world.a.users["neighbourhood"], works=works, on=D(2026, 4, 3))
    assert works.status == W.APPROVED and works.vote_id is None


def reviewed_works(side, committee, amount="172300"):
    secretary = side.users["neighbourhood"]
    works = propose(side, committee, amount="186500", title="小区雨污水管道改造")
    works = works_services.review_price(
        actor=secretary, works=works, firm="上海建科造价咨询", reviewed_amount=amount, on=D(2026, 4, 5)
    )
    works = works_services.approve(actor=secretary, works=works, on=D(2026, 4, 8))
    return works_services.start(actor=secretary, works=works, on=D(2026, 4, 15))


def test_a_change_under_the_line_takes_effect_at_once_and_raises_the_ceiling(world):
    committee = committee_in_term(world.a)
    secretary = world.a.users["neighbourhood"]
    works = reviewed_works(world.a, committee)
    change = works_services.change_budget(
        actor=secretary,
        works=works,
        amount="180,900",
        reason="3号楼北侧增设检查井两座",
        attachment_name="变更签证单 BG-2026-003",
        on=D(2026, 5, 2),
    )
    works.refresh_from_db()
    assert not change.needs_review and change.amount_before == Decimal("172300")
    assert works.status == W.IN_PROGRESS and works.changed_amount == Decimal("180900")
    assert works.ceiling == Decimal("180900") and not works.change_pending
    step = works.steps.last()
    assert step.action == "change_budget" and step.from_status == step.to_status == W.IN_PROGRESS
    assert "BG-2026-003" in step.note and "¥172,300.00 → ¥180,900.00" in step.note
    row = AuditEvent.objects.get(action="committee.works.change_budget")
    assert row.data["after"] == "180900.00" and row.data["needs_review"] is False
    works = works_services.accept(actor=secretary, works=works, on=D(2026, 6, 1))
    with pytest.raises(DomainError, match="超过变更后金额 ¥180,900.00"):
        works_services.pay(actor=secretary, works=works, paid_amount="181000", on=D(2026, 6, 5))
    works = works_services.pay(actor=secretary, works=works, on=D(2026, 6, 5))
    assert works.paid_amount == Decimal("180900")


def test_a_change_above_the_line_waits_for_a_new_price_review(world):
    committee = committee_in_term(world.a)
    secretary = world.a.users["neighbourhood"]
    works = reviewed_works(world.a, committee)
    change = works_services.change_budget(
        actor=secretary,
        works=works,
        amount="240000",
        reason="增加小区东侧污水管道",
        attachment_name="BG-2026-004",
        on=D(2026, 5, 2),
    )
    works.refresh_from_db()
    assert change.needs_review and works.change_pending and works.ceiling == Decimal("172300")
    assert [a.code for a in transitions.works_actions_of(works)] == ["accept", "review_change"]
    with pytest.raises(DomainError, match="尚待审价"):
        works_services.change_budget(
            actor=secretary,
            works=works,
            amount="250000",
            reason="再次变更",
            attachment_name="X",
            on=D(2026, 5, 3),
        )
    works = works_services.accept(actor=secretary, works=works, on=D(2026, 6, 1))
    with pytest.raises(DomainError, match="须先登记变更审价结果，方可结算付款"):
        works_services.pay(actor=secretary, works=works, on=D(2026, 6, 5))
    with pytest.raises(DomainError, match="不能早于变更日期"):
        works_services.review_change(
            actor=secretary, works=works, firm="上海建科造价咨询", reviewed_amount="231500", on=D(2026, 5, 1)
        )
    works = works_services.review_change(
        actor=secretary, works=works, firm="上海建科造价咨询", reviewed_amount="231500", on=D(2026, 6, 3)
    )
    change.refresh_from_db()
    assert change.reviewed_amount == Decimal("231500") and not works.change_pending
    assert works.ceiling == Decimal("231500") and works.status == W.ACCEPTED
    with pytest.raises(DomainError, match="没有待审价"):
        works_services.review_change(
            actor=secretary, works=works, firm="所", reviewed_amount="1000", on=D(2026, 6, 4)
        )
    works = works_services.pay(actor=secretary, works=works, on=D(2026, 6, 5))
    assert works.paid_amount == Decimal("231500")


def test_a_change_that_lifts_an_unreviewed_works_over_the_line_needs_a_review(world, settings):
    settings.GONGZHI_COMMITTEE_CHANGE_REVIEW_ABOVE = 100000
    committee = committee_in_term(world.a)
    secretary = world.a.users["neighbourhood"]
    works = propose(world.a, committee, amount="38600")
    works = works_services.approve(actor=secretary, works=works, on=D(2026, 4, 3))
    small = works_services.change_budget(
        actor=secretary,
        works=works,
        amount="45000",
        reason="增加女儿墙泛水",
        attachment_name="BG-1",
        on=D(2026, 4, 5),
    )
    assert not small.needs_review
    crossing = works_services.change_budget(
        actor=secretary,
        works=works,
        amount="52000",
        reason="增加屋面保温层",
        attachment_name="BG-2",
        on=D(2026, 4, 6),
    )
    assert crossing.needs_review
    with pytest.raises(DomainError, match="方可开工"):
        works_services.start(actor=secretary, works=works, on=D(2026, 4, 8))


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("amount", "abc", "有效的金额"),
        ("amount", "172300", "相同"),
        ("reason", "", "变更原因"),
        ("attachment_name", " ", "变更签证单"),
        ("on", D(2026, 4, 1), "不能早于工程上一步"),
    ],
)
def test_a_bad_change_is_refused_and_nothing_is_written(world, field, value, message):
    committee = committee_in_term(world.a)
    works = reviewed_works(world.a, committee)
    params = dict(amount="180000", reason="增加检查井", attachment_name="BG-9", on=D(2026, 5, 2))
    params[field] = value
    before = Works.objects.get(pk=works.pk)
    with pytest.raises(DomainError, match=message):
        works_services.change_budget(actor=world.a.users["neighbourhood"], works=works, **params)
    after = Works.objects.get(pk=works.pk)
    assert (after.updated_at, after.changed_amount, after.steps.count()) == (
        before.updated_at,
        None,
        before.steps.count(),
    )
    assert not WorksChange.objects.exists()
    assert not AuditEvent.objects.filter(action="committee.works.change_budget").exists()


def test_no_change_before_the_review_or_after_acceptance(world):
    committee = committee_in_term(world.a)
    secretary = world.a.users["neighbourhood"]
    works = propose(world.a, committee)
    with pytest.raises(InvalidTransition):
        works_services.change_budget(
            actor=secretary,
            works=works,
            amount="20000",
            reason="增加",
            attachment_name="BG",
            on=D(2026, 4, 2),
        )
    with pytest.raises(NotAllowed):
        works_services.change_budget(
            actor=world.a.users["gridworker"], works=works, amount="1", reason="xx", attachment_name="x"
        )


ACTION_CODES = sorted(transitions.WORKS_ACTIONS)
GUARDED = {
    # action: the guards that may refuse it although the table allows it
    "approve": {"line", "vote", "pending"},
    "start": {"vote", "pending"},
    "pay": {"pending"},
    "change_budget": {"pending"},
    "review_change": {"no_pending"},
}


def guards_holding(works: Works, amount: str) -> set[str]:
    held = set()
    if Decimal(amount) > Decimal(50000) and works.reviewed_on is None:
        held.add("line")
    if works.funding == "maintenance_fund" and works.vote_id is None:
        held.add("vote")
    held.add("pending" if works.change_pending else "no_pending")
    return held


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    amount=st.sampled_from(["12000", "50000", "50000.01", "68500"]),
    funding=st.sampled_from(["public_income", "maintenance_fund"]),
    linked=st.booleans(),
    actions=st.lists(
        st.tuples(st.sampled_from(ACTION_CODES), st.sampled_from(["-2000", "3000", "60000"])), max_size=10
    ),
)
def test_any_sequence_of_actions_keeps_the_works_on_the_table(world, amount, funding, linked, actions):
    """Every action either moves the works along the table (and writes one step) or is refused
    and changes nothing, and only its guards refuse what the table allows; a works above the line
    is never approved without a price review, a maintenance-fund works never without its vote,
    and nothing is paid above the ceiling or while a change waits for its review."""
    committee = Committee.objects.filter(area=world.a.estate).exclude(
        stage=Stage.DISSOLVED
    ).first() or committee_in_term(world.a)
    secretary = world.a.users["neighbourhood"]
    vote = passed_vote(world.a, committee) if linked else None
    works = propose(world.a, committee, amount=amount, funding=funding, vote=vote)
    day = D(2026, 4, 1)
    for code, delta in actions:
        day += dt.timedelta(days=1)
        before = Works.objects.get(pk=works.pk)
        steps = before.steps.count()
        data = {
            "on": day,
            "note": "原因说明",
            "firm": "造价咨询所",
            "reviewed_amount": amount,
            "amount": before.ceiling + Decimal(delta),
            "reason": "现场变更",
            "attachment_name": "BG-1",
        }
        try:
            works_services.act(actor=secretary, works=works, action=code, data=data)
        except DomainError:
            after = Works.objects.get(pk=works.pk)
            assert (after.status, after.updated_at, after.steps.count(), after.ceiling) == (
                before.status,
                before.updated_at,
                steps,
                before.ceiling,
            )
            allowed = before.status in transitions.WORKS_ACTIONS[code].moves
            assert not allowed or GUARDED.get(code, set()) & guards_holding(before, amount)
            continue
        after = Works.objects.get(pk=works.pk)
        assert after.status == transitions.WORKS_ACTIONS[code].moves[before.status]
        assert after.steps.count() == steps + 1
        if code == "approve":
            assert Decimal(amount) <= Decimal(50000) or after.reviewed_on is not None
            assert funding != "maintenance_fund" or after.vote_id is not None
        if code == "pay":
            assert after.paid_amount <= before.ceiling and not before.change_pending
