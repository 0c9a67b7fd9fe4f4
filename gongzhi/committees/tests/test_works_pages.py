"""The works, audit and finding pages and their API: they open, act through the services,
refuse bad input with a clear message and write nothing, and lay tables out as phone cards."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from gongzhi.committees import services
from gongzhi.committees import works as works_services
from gongzhi.committees.models import Audit, Finding, Works, WorksStatus
from gongzhi.committees.tests.helpers import committee_in_term
from gongzhi.open311 import services as tokens

pytestmark = pytest.mark.django_db

D = dt.date


def test_secretary_records_a_works_above_the_line_through_the_pages(world, client):
    committee = committee_in_term(world.a)
    client.force_login(world.a.users["neighbourhood"])
    page = client.get(reverse("committees:detail", args=[committee.pk])).content.decode()
    assert "登记维修工程" in page
    new = reverse("committees:works_new", args=[committee.pk])
    response = client.post(
        new,
        {"title": "外墙渗水修缮", "contractor": "某公司", "amount": "五万", "funding": "public_income"},
        follow=True,
    )
    assert "有效的金额" in response.content.decode() and not Works.objects.exists()
    response = client.post(
        new,
        {
            "title": "外墙渗水修缮",
            "contractor": "上海恒固防水工程有限公司",
            "amount": "72400",
            "funding": "public_income",
            "proposed_on": "2026-04-01",
        },
        follow=True,
    )
    works = Works.objects.get()
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("committees:works", args=[works.pk])
    assert "超过 ¥50,000.00，须审价" in page and "登记审价" in page
    act = reverse("committees:works_act", args=[works.pk])
    response = client.post(act, {"action": "approve", "on": "2026-04-02"}, follow=True)
    assert "须先登记审价结果" in response.content.decode()
    works.refresh_from_db()
    assert works.status == WorksStatus.PROPOSED
    client.post(
        act,
        {
            "action": "review_price",
            "on": "2026-04-05",
            "firm": "上海建科造价咨询",
            "reviewed_amount": "69800",
        },
    )
    client.post(act, {"action": "approve", "on": "2026-04-06"})
    works.refresh_from_db()
    assert works.status == WorksStatus.APPROVED and works.reviewed_amount == 69800
    listing = client.get(reverse("committees:works_index")).content.decode()
    assert 'data-label="预算金额（元）"' in listing and "外墙渗水修缮" in listing


def test_out_of_scope_works_and_audits_are_not_found(world, client):
    committee = committee_in_term(world.a)
    works = works_services.create_works(
        actor=world.a.users["leader"],
        committee=committee,
        title="门禁更新",
        contractor="某公司",
        amount="9000",
        funding="public_income",
        proposed_on=D(2026, 4, 1),
    )
    record = services.record_audit(
        actor=world.a.users["leader"], committee=committee, kind="annual", year=2025, done_on=D(2026, 4, 1)
    )
    client.force_login(world.b.users["leader"])
    for url in (
        reverse("committees:works", args=[works.pk]),
        reverse("committees:audit", args=[record.pk]),
    ):
        assert client.get(url).status_code == 404
    assert (
        client.post(reverse("committees:works_act", args=[works.pk]), {"action": "approve"}).status_code
        == 404
    )
    assert "门禁更新" not in client.get(reverse("committees:works_index")).content.decode()
    client.force_login(world.a.users["gridworker"])
    page = client.get(reverse("committees:works", args=[works.pk])).content.decode()
    assert "门禁更新" in page and "下一步" not in page  # reads, no actions


def test_leader_opens_an_audit_adds_findings_and_the_neighbourhood_remedies_one(world, client):
    committee = committee_in_term(world.a)
    leader = world.a.users["leader"]
    client.force_login(leader)
    new = reverse("committees:audit_new", args=[committee.pk])
    response = client.post(new, {"kind": "annual", "year": "去年", "done_on": "2026-04-10"}, follow=True)
    assert "有效的审计年度" in response.content.decode() and not Audit.objects.exists()
    response = client.post(
        new,
        {"kind": "annual", "year": "2025", "firm": "上海立信会计师事务所", "done_on": "2026-04-10"},
        follow=True,
    )
    record = Audit.objects.get()
    assert response.redirect_chain[-1][0] == reverse("committees:audit", args=[record.pk])
    add = reverse("committees:finding_new", args=[record.pk])
    response = client.post(add, {"text": "公共收益未按季度公布", "due_on": ""}, follow=True)
    assert "请填写整改期限" in response.content.decode() and not Finding.objects.exists()
    client.post(add, {"text": "公共收益未按季度公布", "remedy": "按季度公示", "due_on": "2026-06-30"})
    client.post(add, {"text": "维修资金使用未经价格评审", "amount": "68500", "due_on": "2026-07-31"})
    page = client.get(reverse("committees:audit", args=[record.pk])).content.decode()
    assert "须价格评审" in page and 'data-label="整改期限"' in page
    again = client.post(new, {"kind": "annual", "year": "2025", "done_on": "2026-04-11"}, follow=True)
    assert "年度审计已登记" in again.content.decode() and Audit.objects.count() == 1
    finding = Finding.objects.get(text="公共收益未按季度公布")
    client.force_login(world.a.users["neighbourhood"])
    page = client.get(reverse("committees:audit", args=[record.pk])).content.decode()
    assert "登记整改完成" in page and "添加审计发现" not in page
    client.post(add, {"text": "越权", "due_on": "2026-06-30"})  # refused: audits are the subdistrict's
    assert not Finding.objects.filter(text="越权").exists()
    client.post(reverse("committees:finding_remedy", args=[finding.pk]), {"on": "2026-05-02"})
    finding.refresh_from_db()
    assert finding.remedied_on == D(2026, 5, 2) and Finding.objects.count() == 2


def test_api_works_and_audits(world, client):
    committee = committee_in_term(world.a)
    _t, secret = tokens.issue_token(user=world.a.users["neighbourhood"], name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "content_type": "application/json"}
    r = client.post(
        f"/api/committees/committees/{committee.pk}/works",
        {"title": "监控更新", "contractor": "某安防公司", "amount": "-1", "funding": "public_income"},
        **headers,
    )
    assert r.status_code == 400 and r.json()["code"] and "大于零" in r.json()["message"]
    r = client.post(
        f"/api/committees/committees/{committee.pk}/works",
        {
            "title": "监控更新",
            "contractor": "某安防公司",
            "amount": "56000",
            "funding": "public_income",
            "proposed_on": "2026-04-01",
        },
        **headers,
    )
    assert r.status_code == 201 and r.json()["needs_price_review"] is True
    pk = r.json()["id"]
    r = client.post(
        f"/api/committees/works/{pk}/actions", {"action": "approve", "on": "2026-04-02"}, **headers
    )
    assert r.status_code == 400 and "审价" in r.json()["message"]
    r = client.post(
        f"/api/committees/works/{pk}/actions",
        {"action": "review_price", "on": "2026-04-03", "firm": "造价所", "reviewed_amount": "52000"},
        **headers,
    )
    assert (
        r.status_code == 200 and r.json()["status"] == "price_reviewed" and "approve" in r.json()["actions"]
    )
    r = client.post(f"/api/committees/works/{pk}/actions", {"action": "pay"}, **headers)
    assert r.status_code == 409
    assert [w["id"] for w in client.get("/api/committees/works", **headers).json()] == [pk]
    _t, b_secret = tokens.issue_token(user=world.b.users["leader"], name="t")
    assert client.get("/api/committees/works", HTTP_AUTHORIZATION=f"Bearer {b_secret}").json() == []
    assert (
        client.get(f"/api/committees/works/{pk}", HTTP_AUTHORIZATION=f"Bearer {b_secret}").status_code == 404
    )
    r = client.post(
        f"/api/committees/committees/{committee.pk}/audits", {"kind": "annual", "year": 2025}, **headers
    )
    assert r.status_code == 403  # audits are the subdistrict's
    _t, l_secret = tokens.issue_token(user=world.a.users["leader"], name="t")
    lh = {"HTTP_AUTHORIZATION": f"Bearer {l_secret}", "content_type": "application/json"}
    r = client.post(
        f"/api/committees/committees/{committee.pk}/audits",
        {"kind": "annual", "year": 2025, "firm": "事务所", "done_on": "2026-04-01"},
        **lh,
    )
    assert r.status_code == 201
    audit_id = r.json()["id"]
    r = client.post(
        f"/api/committees/audits/{audit_id}/findings",
        {"text": "维修资金使用未经价格评审", "amount": "68500", "due_on": "2026-06-30"},
        **lh,
    )
    assert r.status_code == 201 and r.json()["needs_price_review"] is True
    assert len(client.get(f"/api/committees/audits/{audit_id}", **lh).json()["findings"]) == 1


def test_a_change_order_through_the_page_and_the_api(world, client):
    committee = committee_in_term(world.a)
    secretary = world.a.users["neighbourhood"]
    works = works_services.create_works(
        actor=secretary,
        committee=committee,
        title="小区雨污水管道改造",
        contractor="上海市政管网工程有限公司",
        amount="186500",
        funding="public_income",
        proposed_on=D(2026, 4, 1),
    )
    works = works_services.review_price(
        actor=secretary, works=works, firm="上海建科造价咨询", reviewed_amount="172300", on=D(2026, 4, 5)
    )
    client.force_login(secretary)
    act = reverse("committees:works_act", args=[works.pk])
    page = client.get(reverse("committees:works", args=[works.pk])).content.decode()
    assert 'id="act-change_budget"' in page and 'id="act-review_change"' not in page
    response = client.post(
        act,
        {
            "action": "change_budget",
            "on": "2026-04-06",
            "amount": "260000",
            "reason": "",
            "attachment_name": "BG-1",
        },
        follow=True,
    )
    assert "请写明变更原因" in response.content.decode() and not works.changes.exists()
    response = client.post(
        act,
        {
            "action": "change_budget",
            "on": "2026-04-06",
            "amount": "260000",
            "reason": "增加东侧污水管道",
            "attachment_name": "变更签证单 BG-2026-004",
        },
        follow=True,
    )
    page = response.content.decode()
    assert (
        "变更签证待审价" in page and 'id="act-review_change"' in page and 'id="act-change_budget"' not in page
    )
    assert 'data-label="签证单">变更签证单 BG-2026-004' in page
    _t, secret = tokens.issue_token(user=secretary, name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "content_type": "application/json"}
    r = client.get(f"/api/committees/works/{works.pk}", **headers)
    assert r.json()["change_pending"] is True and r.json()["actions"] == ["approve", "drop", "review_change"]
    r = client.post(
        f"/api/committees/works/{works.pk}/actions", {"action": "approve", "on": "2026-04-07"}, **headers
    )
    assert r.status_code == 400 and "变更审价" in r.json()["message"]
    r = client.post(
        f"/api/committees/works/{works.pk}/actions",
        {
            "action": "review_change",
            "on": "2026-04-08",
            "firm": "上海建科造价咨询",
            "reviewed_amount": "251000",
        },
        **headers,
    )
    assert (
        r.status_code == 200
        and Decimal(r.json()["ceiling"]) == 251000
        and r.json()["change_pending"] is False
    )
    r = client.post(
        f"/api/committees/works/{works.pk}/actions",
        {
            "action": "change_budget",
            "on": "2026-04-09",
            "amount": "0",
            "reason": "减少",
            "attachment_name": "BG",
        },
        **headers,
    )
    assert r.status_code == 400 and "大于零" in r.json()["message"]


def test_the_approve_form_asks_for_the_vote_of_a_maintenance_fund_works(world, client):
    committee = committee_in_term(world.a)
    secretary = world.a.users["neighbourhood"]
    works = works_services.create_works(
        actor=secretary,
        committee=committee,
        title="3号楼屋面防水修缮",
        contractor="上海恒固防水工程有限公司",
        amount="38600",
        funding="maintenance_fund",
        proposed_on=D(2026, 4, 1),
    )
    client.force_login(secretary)
    response = client.post(
        reverse("committees:works_act", args=[works.pk]),
        {"action": "approve", "on": "2026-04-02"},
        follow=True,
    )
    assert "须经业主大会表决通过" in response.content.decode()
    assert Works.objects.get(pk=works.pk).status == WorksStatus.PROPOSED
