"""The planted-anomaly run: on the demo, every planted finding is raised by its rule, and the
figures say how many of each rule's alerts were planted."""

from gongzhi.insight import supervision
from gongzhi.insight.models import Alert, InteractionIndex, PlantedAnomaly, WeeklyReport
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
