"""Rule 11: owners' committee works split under the price-review line, on constructed positive
and negative examples."""

import datetime as dt

import pytest

from gongzhi.committees import works as works_services
from gongzhi.committees.tests.helpers import committee_in_term
from gongzhi.insight import supervision
from gongzhi.insight.models import Alert
from gongzhi.insight.tests.helpers import at

pytestmark = pytest.mark.django_db

NOW = at(dt.date(2026, 6, 20), 12)
D = dt.date


def works(world, committee, amount, on, contractor="上海恒固防水工程有限公司", title="屋面防水修缮"):
    return works_services.create_works(
        actor=world.a.users["neighbourhood"],
        committee=committee,
        title=title,
        contractor=contractor,
        amount=amount,
        funding="maintenance_fund",
        proposed_on=on,
    )


def found(world):
    supervision.scan(subdistrict=world.a.subdistrict, now=NOW, only=["works_split"])
    return list(Alert.objects.filter(rule="works_split").order_by("key"))


def test_rule_11_is_registered_and_active():
    rule = supervision.RULES["works_split"]
    assert rule.number == 11 and rule.active()


def test_three_works_of_one_contractor_each_under_the_line_together_above_it(world):
    committee = committee_in_term(world.a)
    first = works(world, committee, "18000", D(2026, 4, 10), title="1号楼屋面防水")
    works(
        world,
        committee,
        "19500",
        D(2026, 5, 2),
        contractor="上海恒固防水工程有限公司 ",
        title="2号楼屋面防水",
    )
    works(
        world,
        committee,
        "16800",
        D(2026, 6, 1),
        contractor="上海 恒固防水工程有限公司",
        title="3号楼屋面防水",
    )
    works(world, committee, "12000", D(2026, 5, 5), contractor="上海明亮电气工程有限公司", title="车库照明")
    alerts = found(world)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.key.endswith(f"|{first.pk}") and len(alert.evidence) == 3
    assert "合计 ¥54,300.00" in alert.title and "审价线 ¥50,000" in alert.title
    assert alert.evidence[0]["url"] == f"/committees/works/{first.pk}/"
    assert alert.area_id == world.a.estate.pk
    assert found(world) == alerts  # a second scan raises nothing new


def test_not_a_split_spread_out_below_the_line_dropped_reviewed_or_elsewhere(world, settings):
    committee = committee_in_term(world.a)
    # far apart: 120 days between them
    works(world, committee, "30000", D(2026, 2, 10), contractor="甲公司")
    works(world, committee, "30000", D(2026, 6, 10), contractor="甲公司")
    # together still under the line
    works(world, committee, "20000", D(2026, 5, 1), contractor="乙公司")
    works(world, committee, "25000", D(2026, 5, 20), contractor="乙公司")
    # one above the line is price-reviewed anyway; with it the others are under
    works(world, committee, "68000", D(2026, 5, 1), contractor="丙公司")
    works(world, committee, "30000", D(2026, 5, 9), contractor="丙公司")
    # a dropped works does not count
    dropped = works(world, committee, "30000", D(2026, 5, 1), contractor="丁公司")
    works_services.drop(actor=world.a.users["neighbourhood"], works=dropped, on=D(2026, 5, 2), note="取消")
    works(world, committee, "30000", D(2026, 5, 9), contractor="丁公司")
    # another subdistrict's committee is not this scan's
    other = committee_in_term(world.b)
    for day in (1, 2):
        works_services.create_works(
            actor=world.b.users["leader"],
            committee=other,
            title="外墙修缮",
            contractor="戊公司",
            amount="40000",
            funding="public_income",
            proposed_on=D(2026, 5, day),
        )
    assert found(world) == []


def test_the_window_and_the_line_are_configuration(world, settings):
    committee = committee_in_term(world.a)
    works(world, committee, "30000", D(2026, 4, 1))
    works(world, committee, "30000", D(2026, 5, 20))  # 49 days later
    settings.GONGZHI_INSIGHT = {"supervision": {"works_split_window_days": 30}}
    assert found(world) == []
    settings.GONGZHI_INSIGHT = {"supervision": {"works_split_window_days": 60}}
    assert len(found(world)) == 1
    Alert.objects.all().delete()
    settings.GONGZHI_COMMITTEE_PRICE_REVIEW_ABOVE = 80000
    assert found(world) == []
