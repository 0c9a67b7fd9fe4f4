"""The planted-anomaly run: on the demo, every planted finding is raised by its rule, and the
figures say how many of each rule's alerts were planted."""

from gongzhi.insight import supervision
from gongzhi.insight.models import Alert, InteractionIndex, PlantedAnomaly, WeeklyReport
from gongzhi.insight.tests.helpers import SECTION_KEYS
from gongzhi.territory.models import Area


def test_every_planted_anomaly_is_found_by_its_rule(demo):
    planted = list(PlantedAnomaly.objects.values_list("rule", "key"))
    assert {rule for rule, _key in planted} >= {
        "repeat_address",
        "no_site_evidence",
        "closed_too_fast",
        "reopened",
        "bounced",
        "copied_replies",
        "same_hands",
        "staff_ratings",
        "unusual_reveals",
        "points_bunching",
        "works_split",
    }
    missing = [(rule, key) for rule, key in planted if not Alert.objects.filter(rule=rule, key=key).exists()]
    assert missing == []
    subdistricts = Area.objects.filter(kind="subdistrict")
    rows = {r.code: r for r in supervision.figures(Alert.objects.all(), subdistricts)}
    for rule, _key in planted:
        assert rows[rule].planted_found >= 1 and rows[rule].recall_on_planted == 1.0


def test_demo_has_reports_and_index_rows(demo):
    assert WeeklyReport.objects.filter(status="frozen").exists()
    assert WeeklyReport.objects.filter(status="draft").exists()
    assert InteractionIndex.objects.filter(value__gt=0).exists()


def test_demo_index_counts_every_apps_interactions_and_the_check_agrees(demo):
    """The demo's suggestions (the last 20 days), volunteer hours (weekly) and events (a week ago)
    fall in the three months the demo computes; `check` recomputes each month from the raw rows of
    every provider and agrees."""
    from gongzhi.insight import index

    rows = list(InteractionIndex.objects.select_related("subdistrict"))
    kinds = {kind for row in rows for kind in row.counts}
    assert kinds >= {"report", "rating", "visit", "suggestion", "support", "volunteer_hour", "event"}
    for subdistrict, month in {(r.subdistrict, r.month) for r in rows}:
        assert index.check_month(subdistrict, month) == [], (subdistrict.name, month)
    report_ = WeeklyReport.objects.filter(status="draft").first()
    assert [s["key"] for s in report_.sections] == SECTION_KEYS
