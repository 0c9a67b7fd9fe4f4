"""Resources, needs, claims and projects; the matching."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.cobuilding import matching
from gongzhi.cobuilding.models import Claim, ClaimStatus, Need, NeedState, Resource, ResourceState
from gongzhi.cobuilding.services import lists
from gongzhi.core.errors import DomainError, InvalidTransition, NotAllowed

pytestmark = pytest.mark.django_db

D = dt.date


def need(world, **extra):
    data = {
        "category": "elderly",
        "title": "独居老人助餐",
        "description": "为 8 位独居老人每天送餐",
        "quantity": 8,
    }
    data.update(extra)
    return lists.raise_need(actor=world.a.users["neighbourhood"], area=world.a.neighbourhood, **data)


def test_partial_then_full_claim(net, world):
    leader = world.a.users["leader"]
    n = need(world)
    assert n.state == NeedState.PUBLISHED
    lists.claim_need(actor=leader, need=n, organization=net.shop_a, quantity=3)
    n.refresh_from_db()
    assert (n.state, n.claimed, n.remaining) == (NeedState.PARTLY_CLAIMED, 3, 5)
    lists.claim_need(actor=leader, need=n, organization=net.firm_a)
    n.refresh_from_db()
    assert (n.state, n.claimed) == (NeedState.CLAIMED, 8)
    with pytest.raises(InvalidTransition):
        lists.claim_need(actor=leader, need=n, organization=net.social_a, quantity=1)
    lists.deliver_need(actor=leader, need=n, result="已连续送餐一个月")
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.DELIVERED}
    lists.evaluate_need(actor=leader, need=n, score=5)
    n.refresh_from_db()
    assert n.state == NeedState.EVALUATED


def test_overclaim_is_refused_and_nothing_changes(net, world):
    n = need(world)
    with pytest.raises(DomainError) as excinfo:
        lists.claim_need(actor=world.a.users["leader"], need=n, organization=net.shop_a, quantity=9)
    assert "超过" in excinfo.value.message
    n.refresh_from_db()
    assert (n.claimed, n.state) == (0, NeedState.PUBLISHED)
    assert not Claim.objects.exists()


def test_claiming_from_a_resource_uses_its_capacity_and_release_gives_it_back(net, world):
    leader = world.a.users["leader"]
    r = lists.offer_resource(
        actor=leader, organization=net.shop_a, category="elderly", title="爱心午餐", capacity=5
    )
    assert r.state == ResourceState.ACTIVE
    n = need(world)
    with pytest.raises(DomainError):
        lists.claim_need(actor=leader, need=n, organization=net.shop_a, quantity=6, resource=r)
    claim = lists.claim_need(actor=leader, need=n, organization=net.shop_a, quantity=5, resource=r)
    r.refresh_from_db()
    assert (r.used, r.state) == (5, ResourceState.EXHAUSTED)
    lists.release_claim(actor=leader, claim=claim, reason="人手不足")
    r.refresh_from_db()
    n.refresh_from_db()
    assert (r.used, r.state, n.claimed, n.state) == (0, ResourceState.ACTIVE, 0, NeedState.PUBLISHED)
    with pytest.raises(DomainError):
        lists.claim_need(actor=leader, need=n, organization=net.firm_a, quantity=1, resource=r)


def test_a_handler_claims_only_for_its_own_unit(net, world):
    from gongzhi.registry.services import organization_for_unit

    handler = world.a.users["handler"]
    own = organization_for_unit(unit=world.a.department)
    n = need(world)
    with pytest.raises(NotAllowed):
        lists.claim_need(actor=handler, need=n, organization=net.shop_a, quantity=1)
    lists.claim_need(actor=handler, need=n, organization=own, quantity=1)
    r = lists.offer_resource(actor=handler, organization=own, category="legal", title="法律咨询", capacity=10)
    assert r.state == ResourceState.OFFERED  # a unit's offer waits for the subdistrict's review
    lists.activate_resource(actor=world.a.users["leader"], resource=r)


def test_bad_input_gets_a_clear_message(net, world):
    with pytest.raises(DomainError, match="类别"):
        need(world, category="nonsense")
    with pytest.raises(DomainError, match="所需数量"):
        need(world, quantity=0)
    with pytest.raises(DomainError, match="期望完成"):
        need(world, due_on=D(2000, 1, 1))
    assert not Need.objects.exists()


def test_matching_ranks_the_right_resource_first(net, world):
    leader = world.a.users["leader"]
    right = lists.offer_resource(
        actor=leader,
        organization=net.shop_a,
        category="elderly",
        title="为独居老人送午餐",
        description="每天中午送餐上门",
        capacity=10,
        area=world.a.neighbourhood,
    )
    lists.offer_resource(  # the right category but far away and small
        actor=leader,
        organization=net.shop_a2,
        category="elderly",
        title="老年人理发",
        capacity=2,
        area=world.a.other_neighbourhood,
    )
    lists.offer_resource(  # near, words alike, but another category
        actor=leader,
        organization=net.firm_a,
        category="goods",
        title="送餐保温箱捐赠",
        capacity=10,
        area=world.a.neighbourhood,
    )
    lists.offer_resource(
        actor=world.b.users["leader"],
        organization=net.firm_b,
        category="elderly",
        title="为独居老人送午餐",
        capacity=10,
    )
    n = need(world)
    ranked = matching.matches_for(leader, n)
    assert ranked[0].resource == right
    assert len(ranked) == 3  # the other subdistrict's resource is not a candidate
    assert all(ranked[i].score >= ranked[i + 1].score for i in range(len(ranked) - 1))


def test_project_takes_needs_in_and_completing_it_delivers_them(net, world):
    leader = world.a.users["leader"]
    n = need(world)
    lists.claim_need(actor=leader, need=n, organization=net.firm_a, quantity=2)
    project = lists.create_project(
        actor=leader,
        area=world.a.neighbourhood,
        title="银龄助餐点",
        lead=net.firm_a,
        partners=[net.shop_a],
        needs=[n],
        tags=["项目共建", "资源共享"],
        budget="12000",
        starts_on=D(2026, 1, 1),
        ends_on=D(2026, 12, 31),
    )
    n.refresh_from_db()
    assert n.state == NeedState.IN_PROJECT
    with pytest.raises(DomainError, match="六共"):
        lists.create_project(
            actor=leader,
            area=world.a.neighbourhood,
            title="x",
            lead=net.firm_a,
            tags=["乱写"],
            starts_on=D(2026, 1, 1),
            ends_on=D(2026, 2, 1),
        )
    lists.sign_project(actor=leader, project=project)
    lists.start_project(actor=leader, project=project)
    lists.update_progress(actor=leader, project=project, progress=60)
    with pytest.raises(DomainError):
        lists.update_progress(actor=leader, project=project, progress=40)
    lists.complete_project(actor=leader, project=project, result="助餐点开业，日均 40 人次")
    n.refresh_from_db()
    assert n.state == NeedState.DELIVERED and "银龄助餐点" in n.result


def test_open_needs_past_due_expire(net, world):
    n = need(world, due_on=D(2099, 1, 1))
    assert lists.expire_needs(today=D(2099, 1, 2)) == 1
    n.refresh_from_db()
    assert n.state == NeedState.EXPIRED


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(["claim", "release"]), st.integers(1, 6)), max_size=12))
def test_claims_ledger_always_adds_up(net, world, steps):
    """Whatever mix of claims and releases: claimed = sum of active claims ≤ quantity, the state
    follows the numbers, and resource use equals the claims drawn from it."""
    leader = world.a.users["leader"]
    Claim.objects.all().delete()
    Need.objects.all().delete()
    Resource.objects.all().delete()
    r = lists.offer_resource(
        actor=leader, organization=net.shop_a, category="elderly", title="助餐", capacity=7
    )
    n = need(world)
    for step, amount in steps:
        try:
            if step == "claim":
                lists.claim_need(
                    actor=leader,
                    need=n,
                    organization=net.shop_a,
                    quantity=amount,
                    resource=r if amount % 2 else None,
                )
            else:
                active = list(Claim.objects.filter(need=n, status=ClaimStatus.ACTIVE).order_by("pk"))
                if active:
                    lists.release_claim(actor=leader, claim=active[amount % len(active)], reason="调整")
        except DomainError:
            pass
        n.refresh_from_db()
        r.refresh_from_db()
        active = Claim.objects.filter(need=n, status=ClaimStatus.ACTIVE)
        assert n.claimed == sum(c.quantity for c in active) <= n.quantity
        assert r.used == sum(c.quantity for c in active if c.resource_id == r.pk) <= r.capacity
        expected = {0: NeedState.PUBLISHED, n.quantity: NeedState.CLAIMED}.get(
            n.claimed, NeedState.PARTLY_CLAIMED
        )
        assert n.state == expected


def test_a_units_demand_found_on_a_visit_goes_on_the_need_list(net, world):
    from gongzhi.visits.services import record_visit

    visit = record_visit(
        actor=world.a.users["gridworker"],
        visited_on=D(2026, 3, 2),
        mode="door",
        findings="员工多为外卖骑手",
        needs="希望有骑手休息点",
        organization=net.shop_a,
        now=dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC),
    )
    need = lists.need_from_visit(actor=world.a.users["neighbourhood"], visit=visit, category="venue")
    assert (need.title, need.raised_by, need.state) == ("希望有骑手休息点", net.shop_a, NeedState.PUBLISHED)
    assert "走访" in need.description
