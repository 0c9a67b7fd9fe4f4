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
from gongzhi.committees.models import Committee, Stage, Works, WorksStatus, WorksStep
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
        funding="maintenance_fund",
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


ACTION_CODES = sorted(transitions.WORKS_ACTIONS)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    amount=st.sampled_from(["12000", "50000", "50000.01", "68500"]),
    actions=st.lists(st.sampled_from(ACTION_CODES), max_size=10),
)
def test_any_sequence_of_actions_keeps_the_works_on_the_table(world, amount, actions):
    """Every action either moves the works along the table (and writes one step) or is refused
    and changes nothing; a works above the line is never approved without a price review."""
    committee = Committee.objects.filter(area=world.a.estate).exclude(
        stage=Stage.DISSOLVED
    ).first() or committee_in_term(world.a)
    secretary = world.a.users["neighbourhood"]
    works = propose(world.a, committee, amount=amount)
    day = D(2026, 4, 1)
    for code in actions:
        day += dt.timedelta(days=1)
        before = Works.objects.get(pk=works.pk)
        steps = before.steps.count()
        data = {"on": day, "note": "原因说明", "firm": "造价咨询所", "reviewed_amount": amount}
        try:
            works_services.act(actor=secretary, works=works, action=code, data=data)
        except DomainError:
            after = Works.objects.get(pk=works.pk)
            assert (after.status, after.updated_at, after.steps.count()) == (
                before.status,
                before.updated_at,
                steps,
            )
            allowed = before.status in transitions.WORKS_ACTIONS[code].moves
            # refused although the table allows it: only the price-review guard
            assert not allowed or (code == "approve" and Decimal(amount) > Decimal(50000))
            continue
        after = Works.objects.get(pk=works.pk)
        assert after.status == transitions.WORKS_ACTIONS[code].moves[before.status]
        assert after.steps.count() == steps + 1
        if after.status == W.APPROVED:
            assert Decimal(amount) <= Decimal(50000) or after.reviewed_on is not None
