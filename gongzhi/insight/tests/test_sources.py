"""What the other apps' providers add to the weekly report, the index and the cockpit, each on a
hand-built week or month with the clock frozen."""

import datetime as dt
from itertools import count

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.insight import index, reports
from gongzhi.insight.cockpit import cockpit_data
from gongzhi.insight.tests.helpers import MONDAY, SECTION_KEYS, at
from gongzhi.participation.models import (
    Attendance,
    ItemKind,
    ItemStatus,
    ListItem,
    Meeting,
    MeetingStatus,
    Suggestion,
    SuggestionStatus,
    Support,
)

pytestmark = pytest.mark.django_db
NOW = at(MONDAY + dt.timedelta(days=3), 18)  # Thursday evening of the report's week
JUNE = dt.date(2026, 6, 1)
_refs = count(1)


def section(sections, key):
    return next(s for s in sections if s["key"] == key)


def figures(sections, key):
    return {f["key"]: f["value"] for f in section(sections, key)["figures"]}


def table(sections, key, title):
    return next(t for t in section(sections, key)["tables"] if t["title"] == title)


def draft(world, now=NOW):
    return reports.draft_sections(world.a.grid, MONDAY, now=now)


# ---------------------------------------------------------------- participation


def suggestion(area, *, when, status=SuggestionStatus.PENDING, phone="", title="楼下需要充电桩", **kw):
    with time_machine.travel(when, tick=False):
        return Suggestion.objects.create(
            subdistrict=area.subdistrict or area,
            area=area,
            ref=f"JY{next(_refs):06d}",
            title=title + " 13800138000",
            body="楼下经常有人飞线充电。",
            public_title=title,
            public_body="楼下经常有人飞线充电。",
            status=status,
            phone=phone,
            **kw,
        )


def item(area, *, due, status=ItemStatus.PLANNED, title="更换3号楼路灯", **kw):
    return ListItem.objects.create(
        subdistrict=area.subdistrict or area,
        area=area,
        kind=ItemKind.TASK,
        title=title,
        due_at=due,
        status=status,
        **kw,
    )


@pytest.fixture
def participation_week(world):
    """Grid A-G1, week of Monday 1 June 2026, looked at on Thursday evening:
    - new this week: one pending (Tuesday), one in triage (Wednesday), one answered (Monday, answer
      published Wednesday); one pending from the week before (still waiting, not new);
    - elsewhere: one in grid A-G2, one in subdistrict B (never counted);
    - list items: one overdue since last Friday, one due on Saturday, one due next week (not
      listed), one done and past its date (not listed), one overdue in grid A-G2."""
    a = world.a
    old = suggestion(a.neighbourhood, when=at(MONDAY - dt.timedelta(days=4), 9), title="上周的建议")
    suggestion(a.estate, when=at(MONDAY + dt.timedelta(days=1), 9), title="增设晾衣架")
    suggestion(
        a.neighbourhood,
        when=at(MONDAY + dt.timedelta(days=2), 9),
        status=SuggestionStatus.TRIAGE,
        title="加装电梯",
    )
    suggestion(
        a.neighbourhood,
        when=at(MONDAY, 9),
        status=SuggestionStatus.ANSWERED,
        title="修补人行道",
        answer="已排入计划",
        answer_published_at=at(MONDAY + dt.timedelta(days=2), 15),
    )
    suggestion(a.other_neighbourhood, when=at(MONDAY + dt.timedelta(days=1), 9), title="二网格的建议")
    suggestion(world.b.neighbourhood, when=at(MONDAY + dt.timedelta(days=1), 9), title="B街道的建议")
    overdue = item(
        a.neighbourhood, due=at(MONDAY - dt.timedelta(days=3), 17), title="清理楼道堆物", owner=a.committee
    )
    saturday = item(a.estate, due=at(MONDAY + dt.timedelta(days=5), 17), title="修复健身器材")
    item(a.neighbourhood, due=at(MONDAY + dt.timedelta(days=9), 17), title="下周的任务")
    item(
        a.neighbourhood,
        due=at(MONDAY - dt.timedelta(days=1), 17),
        status=ItemStatus.DONE,
        title="已完成的任务",
        verified_at=None,
    )
    item(a.other_neighbourhood, due=at(MONDAY - dt.timedelta(days=1), 17), title="二网格的任务")
    return {"old": old, "overdue": overdue, "saturday": saturday}


def test_participation_section_counts_the_grids_week(world, participation_week):
    sections = draft(world)
    assert [s["key"] for s in sections] == SECTION_KEYS
    assert figures(sections, "participation") == {
        "suggestions_new": 3,
        "suggestions_answered": 1,
        "suggestions_pending": 2,
        "suggestions_triage": 1,
        "items_due": 1,
        "items_overdue": 1,
    }
    waiting = table(sections, "participation", "待处理建议")
    assert [row[1] for row in waiting["rows"]] == ["上周的建议", "增设晾衣架", "加装电梯"]
    assert "13800138000" not in str(waiting)  # the public (redacted) title only
    assert waiting["links"][0] == f"/participation/suggestions/{participation_week['old'].pk}/"
    due = table(sections, "participation", "清单事项到期与逾期")
    assert [row[0] for row in due["rows"]] == ["清理楼道堆物", "修复健身器材"]
    assert due["rows"][0][2] == "A一居委" and due["rows"][0][5] == "已逾期"
    assert due["rows"][1][5] == "计划"
    assert due["links"][1] == f"/participation/items/{participation_week['saturday'].pk}/"


def test_participation_section_on_monday_morning_has_nothing_new(world, participation_week):
    sections = draft(world, now=at(MONDAY, 8))
    counted = figures(sections, "participation")
    assert (counted["suggestions_new"], counted["suggestions_answered"]) == (0, 0)
    # The Saturday item is not overdue yet; last Friday's is.
    assert (counted["items_due"], counted["items_overdue"]) == (1, 1)


@pytest.fixture
def participation_month(reg):
    """June 2026 in A一居: 王秀英 (registered) makes two suggestions, someone unregistered one, and
    one declined suggestion (spam) is not counted; three supports; a held council with four
    signed in, a cancelled one with two; a May suggestion and one in B are outside."""
    world = reg.world
    a = world.a
    first = suggestion(a.estate, when=at(JUNE + dt.timedelta(days=2), 9), phone="13900001111")
    suggestion(a.neighbourhood, when=at(JUNE + dt.timedelta(days=9), 9), phone="13900001111", title="二")
    suggestion(a.neighbourhood, when=at(JUNE + dt.timedelta(days=9), 10), phone="13700000000", title="三")
    suggestion(
        a.neighbourhood,
        when=at(JUNE + dt.timedelta(days=9), 11),
        status=SuggestionStatus.DECLINED,
        title="广告",
    )
    suggestion(a.neighbourhood, when=at(dt.date(2026, 5, 20), 9), phone="13900001111", title="五月")
    suggestion(world.b.neighbourhood, when=at(JUNE + dt.timedelta(days=3), 9), phone="13900002222", title="B")
    for n in range(3):
        with time_machine.travel(at(JUNE + dt.timedelta(days=4), 9 + n), tick=False):
            Support.objects.create(suggestion=first, phone_digest=f"d{n}")
    for status, names in (
        (MeetingStatus.HELD, ["甲", "乙", "丙", "丁"]),
        (MeetingStatus.CANCELLED, ["戊", "己"]),
    ):
        meeting = Meeting.objects.create(
            subdistrict=a.subdistrict,
            area=a.neighbourhood,
            title="加装电梯议事会",
            starts_at=at(JUNE + dt.timedelta(days=12), 19),
            status=status,
            sign_in_token=f"token-{status}",
        )
        for name in names:
            Attendance.objects.create(meeting=meeting, name=name, sign_in="worker_tick")
    return reg


def test_participation_counts_in_the_index_and_the_check_agrees(participation_month):
    world = participation_month.world
    with time_machine.travel(at(dt.date(2026, 7, 2), 9), tick=False):
        rows = {r.area: r for r in index.compute_month(world.a.subdistrict, JUNE)}
        assert index.check_month(world.a.subdistrict, JUNE) == []
    row = rows[world.a.neighbourhood]
    assert row.counts == {"deliberation": 4, "suggestion": 3, "support": 3}
    assert (row.households, row.reached) == (1, 1)  # 王秀英's household, through her phone
    assert row.weighted == 3 * 2.0 + 3 * 0.5 + 4 * 2.0


def test_check_command_covers_the_new_kinds(participation_month):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from gongzhi.insight.models import InteractionIndex

    world = participation_month.world
    with time_machine.travel(at(dt.date(2026, 7, 2), 9), tick=False):
        call_command("insight", "index", "compute", "--month", "2026-06", "--area", "A", stdout=io.StringIO())
        call_command("insight", "index", "check", "--month", "2026-06", "--area", "A", stdout=io.StringIO())
        row = InteractionIndex.objects.get(area=world.a.neighbourhood, month=JUNE)
        row.counts = {**row.counts, "deliberation": 3}
        row.save(update_fields=["counts"])
        with pytest.raises(CommandError):
            call_command(
                "insight", "index", "check", "--month", "2026-06", "--area", "A", stdout=io.StringIO()
            )
        assert any("counts" in p for p in index.check_month(world.a.subdistrict, JUNE))


def test_cockpit_shows_suggestions_waiting_in_scope(world, participation_week):
    with time_machine.travel(NOW, tick=False):
        extra = {f["key"]: f for f in cockpit_data(world.a.users["leader"], world.a.subdistrict)["extra"]}
        other = {f["key"]: f for f in cockpit_data(world.b.users["leader"], world.b.subdistrict)["extra"]}
    # A's three waiting in grid 1 and the one in grid 2; B's own one.
    assert extra["suggestions_waiting"]["value"] == 4 and extra["suggestions_waiting"]["url"]
    assert other["suggestions_waiting"]["value"] == 1


# ---------------------------------------------------------------- care


@pytest.fixture
def care_week(reg):
    """Grid A-G1, week of 1 June, Thursday evening (today 4 June). Cared for: 王秀英, 赵敏, 陈阿婆
    (A), 李建国 (B).
    - 王秀英: a contact due Tuesday, never made (missed, 2 days); an overdue alert raised Wednesday;
    - 赵敏: due Wednesday, made Wednesday morning (on time); next due Monday 8th (not missed); an
      alert closed on Wednesday (not open);
    - 陈阿婆: due last Friday, made Tuesday (late, but met by now); an acknowledged alert sent up to
      the subdistrict last Saturday (open); an alert raised on Friday 5th (after the report's now);
    - 李建国 in B: a missed contact and an open alert (never counted in A)."""
    from gongzhi.care.models import Alert, AlertLevel, AlertState, Due, Recipient
    from gongzhi.registry import services as registry_services
    from gongzhi.registry.tests.conftest import person_id

    world = reg.world
    people = {"王秀英": reg.resident_a, "李建国": reg.resident_b}
    for n, name in enumerate(["赵敏", "陈阿婆"], start=3):
        dwelling = registry_services.create_dwelling(actor=None, area=reg.building_a, data={"room": f"{n}01"})
        people[name] = registry_services.register_resident(
            actor=None,
            dwelling=dwelling,
            data={"name": name, "id_number": person_id(n), "phone": f"1390000{n:04d}"},
        )
    cared = {
        name: Recipient.objects.create(
            subdistrict=r.subdistrict, area=r.area, resident=r, enrolled_on=dt.date(2026, 1, 1)
        )
        for name, r in people.items()
    }
    keys = count(1)

    def due(name, day, met=None):
        r = cared[name]
        return Due.objects.create(
            subdistrict=r.subdistrict, area=r.area, recipient=r, due_on=day, frequency="weekly", met_at=met
        )

    def alert(name, raised, reason="overdue", **kw):
        r = cared[name]
        return Alert.objects.create(
            subdistrict=r.subdistrict,
            area=r.area,
            recipient=r,
            reason=reason,
            key=f"test:{next(keys)}",
            raised_at=raised,
            **kw,
        )

    day = MONDAY.__add__
    missed = due("王秀英", day(dt.timedelta(days=1)))
    first = alert("王秀英", at(day(dt.timedelta(days=2)), 8))
    due("赵敏", day(dt.timedelta(days=2)), met=at(day(dt.timedelta(days=2)), 10))
    due("赵敏", day(dt.timedelta(days=7)))
    alert(
        "赵敏",
        at(day(dt.timedelta(days=1)), 8),
        state=AlertState.CLOSED,
        closed_at=at(day(dt.timedelta(days=2)), 10),
        resolution="已上门，老人安好",
    )
    due("陈阿婆", day(dt.timedelta(days=-3)), met=at(day(dt.timedelta(days=1)), 10))
    alert(
        "陈阿婆",
        at(day(dt.timedelta(days=-2)), 8),
        state=AlertState.ACKNOWLEDGED,
        level=AlertLevel.SUBDISTRICT,
        reason="not_reached",
    )
    alert("陈阿婆", at(day(dt.timedelta(days=4)), 8))
    due("李建国", day(dt.timedelta(days=0)))
    alert("李建国", at(day(dt.timedelta(days=1)), 8))
    return {"world": world, "missed": missed, "first": first, "cared": cared}


def test_care_section_counts_missed_contacts_and_open_alerts(care_week):
    world = care_week["world"]
    sections = draft(world)
    assert figures(sections, "care") == {
        "dues_missed": 1,
        "dues_week": 2,
        "dues_on_time": 1,
        "alerts_open": 2,
        "alerts_subdistrict": 1,
    }
    missed = table(sections, "care", "关爱联系逾期")
    assert missed["rows"] == [["王**", "A小区1号楼", "06-02", 2]]
    assert missed["links"] == [f"/care/people/{care_week['cared']['王秀英'].pk}/"]
    alerts = table(sections, "care", "关爱预警未办结")
    assert [row[0] for row in alerts["rows"]] == ["陈**", "王**"]
    assert alerts["rows"][0][1:4] == ["连续未联系上", "街道", "已接收"]
    assert alerts["links"][1] == f"/care/alerts/{care_week['first'].pk}/"
    assert "秀英" not in str(section(sections, "care"))


def test_care_cockpit_figure_is_for_care_readers_only(care_week):
    world = care_week["world"]
    with time_machine.travel(NOW, tick=False):
        leader = {f["key"]: f for f in cockpit_data(world.a.users["leader"], world.a.subdistrict)["extra"]}
        dispatcher = {
            f["key"] for f in cockpit_data(world.a.users["dispatcher"], world.a.subdistrict)["extra"]
        }
    assert leader["care_alerts_open"]["value"] == 3  # live: 王秀英's, 陈阿婆's two
    assert "care_alerts_open" not in dispatcher


# ---------------------------------------------------------------- volunteers and events

_codes = count(1)


def volunteer(area, name, *, phone="", resident=None):
    from gongzhi.volunteers.models import Volunteer

    v = Volunteer(
        subdistrict=area.subdistrict or area,
        area=area,
        name=name,
        resident=resident,
        joined_on=dt.date(2026, 1, 5),
    )
    if phone:
        v.seal("phone", phone)
    v.save()
    return v


def served(v, area, start, hours):
    from gongzhi.volunteers.models import ServiceRecord

    return ServiceRecord.objects.create(
        subdistrict=area.subdistrict or area,
        area=area,
        volunteer=v,
        source="other",
        source_ref=f"test:{next(_codes)}",
        activity="楼道清扫",
        started_at=start,
        ended_at=start + dt.timedelta(hours=hours),
        hours=hours,
    )


def event(area, title, sessions, *, status="published", kind="activity"):
    from gongzhi.events.models import Event, EventSession

    e = Event.objects.create(
        subdistrict=area.subdistrict or area,
        area=area,
        kind=kind,
        title=title,
        venue="党群服务站",
        status=status,
        capacity=30,
        registration_opens_at=at(dt.date(2026, 5, 1), 9),
        registration_closes_at=at(dt.date(2026, 5, 25), 9),
    )
    for n, start in enumerate(sessions, start=1):
        EventSession.objects.create(event=e, number=n, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    return e


def attended(e, name, *, session=1, phone="13600000000", resident=None):
    from gongzhi.events.models import Attendance, Registration
    from gongzhi.registry.crypto import blind_index

    registration, _ = Registration.objects.get_or_create(
        event=e,
        phone_hash=blind_index(phone, kind="phone"),
        defaults=dict(
            subdistrict=e.subdistrict,
            area=e.area,
            name=name,
            phone_mask=phone[:3] + "****" + phone[-4:],
            resident=resident,
            status="attended",
            code=f"C{next(_codes):08d}",
        ),
    )
    one = e.sessions.get(number=session)
    return Attendance.objects.create(registration=registration, session=one, checked_in_at=one.starts_at)


@pytest.fixture
def activity_week(world):
    """Grid A-G1, week of 1 June, Thursday evening:
    - volunteers: 2.5 h and 1.5 h served in the grid this week by two volunteers, 3 h last week, 4 h
      in grid A-G2, 2 h on Friday (after now);
    - events: 读书会 with sessions on Tuesday (two signed in) and Saturday (coming); a 倾听日 on
      Wednesday that heard two problems, one turned into a case; a draft event and an event in
      grid A-G2 this week (not listed)."""
    from gongzhi.events.models import ListeningItem
    from gongzhi.insight.tests.helpers import report

    a = world.a
    li, wang = volunteer(a.neighbourhood, "李志强"), volunteer(a.neighbourhood, "王芳")
    served(li, a.estate, at(MONDAY + dt.timedelta(days=1), 9), 2.5)
    served(wang, a.neighbourhood, at(MONDAY + dt.timedelta(days=2), 9), 1.5)
    served(li, a.estate, at(MONDAY - dt.timedelta(days=3), 9), 3)
    served(wang, a.other_neighbourhood, at(MONDAY + dt.timedelta(days=2), 14), 4)
    served(li, a.estate, at(MONDAY + dt.timedelta(days=4), 9), 2)
    books = event(
        a.estate, "邻里读书会", [at(MONDAY + dt.timedelta(days=1), 19), at(MONDAY + dt.timedelta(days=5), 19)]
    )
    attended(books, "张三", phone="13600000001")
    attended(books, "李四", phone="13600000002")
    listening = event(
        a.neighbourhood, "六月倾听日", [at(MONDAY + dt.timedelta(days=2), 9)], kind="listening_day"
    )
    case = report(world, now=at(MONDAY + dt.timedelta(days=2), 10), title="倾听日：楼道灯坏")
    for text, to_case in (("楼道灯坏了", case), ("希望多办亲子活动", None)):
        with time_machine.travel(at(MONDAY + dt.timedelta(days=2), 10), tick=False):
            ListeningItem.objects.create(
                subdistrict=a.subdistrict, area=a.neighbourhood, event=listening, text=text, case=to_case
            )
    event(a.estate, "草稿活动", [at(MONDAY + dt.timedelta(days=3), 9)], status="draft")
    event(a.other_neighbourhood, "二网格的活动", [at(MONDAY + dt.timedelta(days=3), 9)])
    return {"books": books, "listening": listening}


def test_volunteer_section_sums_the_weeks_hours_in_the_grid(world, activity_week):
    assert figures(draft(world), "volunteers") == {
        "volunteer_hours": 4.0,
        "volunteer_records": 2,
        "volunteers": 2,
    }


def test_events_section_lists_the_grids_events_of_the_week(world, activity_week):
    sections = draft(world)
    assert figures(sections, "events") == {
        "sessions_held": 2,
        "sessions_coming": 1,
        "attended": 2,
        "listening_items": 2,
        "listening_to_case": 1,
    }
    listed = table(sections, "events", "本周活动")
    assert [row[:3] for row in listed["rows"]] == [
        ["邻里读书会", "社区活动", "06-02 19:00"],
        ["六月倾听日", "倾听日", "06-03 09:00"],
    ]
    assert listed["rows"][0][5] == 2
    assert listed["links"][0] == f"/events/{activity_week['books'].pk}/"


@pytest.fixture
def activity_month(reg):
    """June 2026 in A一居. Volunteers: 王秀英 (linked to her registry row) 2.5 h + 1 h, one whose
    phone is 赵敏's (registered) 1.5 h, one unregistered 2 h; May hours and a volunteer of B are
    outside. Events: 王秀英 attends two sessions of a course, 赵敏 (by phone) one, an unregistered
    attendee one; 王秀英 also attends a subdistrict-wide event (counted where she lives)."""
    from gongzhi.registry import services as registry_services
    from gongzhi.registry.tests.conftest import person_id

    world = reg.world
    a = world.a
    other = registry_services.create_dwelling(actor=None, area=reg.building_a, data={"room": "102"})
    zhao = registry_services.register_resident(
        actor=None, dwelling=other, data={"name": "赵敏", "id_number": person_id(3), "phone": "13900003333"}
    )
    wang = volunteer(a.neighbourhood, "王秀英", resident=reg.resident_a)
    served(wang, a.estate, at(JUNE + dt.timedelta(days=3), 9), 2.5)
    served(wang, a.neighbourhood, at(JUNE + dt.timedelta(days=17), 9), 1)
    served(wang, a.estate, at(dt.date(2026, 5, 28), 9), 3)
    served(
        volunteer(a.neighbourhood, "赵敏", phone="13900003333"),
        a.estate,
        at(JUNE + dt.timedelta(days=5), 9),
        1.5,
    )
    served(
        volunteer(a.neighbourhood, "周杰", phone="13600009999"),
        a.estate,
        at(JUNE + dt.timedelta(days=5), 9),
        2,
    )
    served(volunteer(world.b.neighbourhood, "B志愿者"), world.b.estate, at(JUNE + dt.timedelta(days=5), 9), 5)
    course = event(a.neighbourhood, "智能手机课", [at(JUNE + dt.timedelta(days=d), 14) for d in (8, 15)])
    attended(course, "王秀英", session=1, phone="13900001111", resident=reg.resident_a)
    attended(course, "王秀英", session=2, phone="13900001111", resident=reg.resident_a)
    attended(course, "赵敏", phone="13900003333")
    attended(course, "路人", phone="13600000007")
    fair = event(a.subdistrict, "街道游园会", [at(JUNE + dt.timedelta(days=20), 9)])
    attended(fair, "王秀英", phone="13900001111", resident=reg.resident_a)
    return {"reg": reg, "zhao": zhao}


def test_volunteer_hours_and_events_count_in_the_index_and_the_check_agrees(activity_month):
    world = activity_month["reg"].world
    with time_machine.travel(at(dt.date(2026, 7, 2), 9), tick=False):
        rows = {r.area: r for r in index.compute_month(world.a.subdistrict, JUNE)}
        assert index.check_month(world.a.subdistrict, JUNE) == []
    row = rows[world.a.neighbourhood]
    assert row.counts == {"event": 5, "volunteer_hour": 7.0}
    assert (row.households, row.reached) == (2, 2)  # 王秀英's (linked) and 赵敏's (by phone)
    assert row.weighted == 5 * 1.0 + 7.0 * 1.0
    assert (
        rows[world.b.neighbourhood].counts == {"volunteer_hour": 5.0}
        if world.b.neighbourhood in rows
        else True
    )


def test_cockpit_counts_todays_events_for_event_readers(world, activity_week):
    with time_machine.travel(at(MONDAY + dt.timedelta(days=1), 10), tick=False):
        leader = {f["key"]: f for f in cockpit_data(world.a.users["leader"], world.a.subdistrict)["extra"]}
        dispatcher = {
            f["key"] for f in cockpit_data(world.a.users["dispatcher"], world.a.subdistrict)["extra"]
        }
    assert leader["events_today"]["value"] == 1  # the reading club's Tuesday session
    assert "events_today" not in dispatcher


# ---------------------------------------------------------------- text (hot issues) and cobuilding


@pytest.fixture
def hot_week(world):
    """Grid A-G1: the overflowing bins at 3号楼 reported three times (twice this week, once two
    weeks before); the broken street lights twice, both last week (not hot this week); a
    singleton; the bins reported in grid A-G2 too (another grid's matter)."""
    from gongzhi.insight.tests.helpers import report

    def bins(day, hour):
        return report(
            world,
            now=at(day, hour),
            title="3号楼垃圾桶满溢无人清运",
            description="3号楼门口垃圾桶满溢，垃圾散落一地，天热臭味很大，无人清运。",
        )

    bins(MONDAY - dt.timedelta(days=12), 9)
    bins(MONDAY + dt.timedelta(days=1), 9)
    newest = bins(MONDAY + dt.timedelta(days=2), 9)
    for day in (MONDAY - dt.timedelta(days=5), MONDAY - dt.timedelta(days=4)):
        report(
            world,
            now=at(day, 20),
            title="小区路灯不亮",
            description="小区东门到5号楼的路灯晚上不亮，老人走路看不清。",
        )
    report(
        world,
        now=at(MONDAY + dt.timedelta(days=2), 11),
        title="楼上漏水",
        description="楼上卫生间漏水到我家。",
    )
    report(
        world,
        area=world.a.other_neighbourhood,
        now=at(MONDAY + dt.timedelta(days=2), 12),
        title="3号楼垃圾桶满溢无人清运",
        description="3号楼门口垃圾桶满溢，垃圾散落一地，天热臭味很大，无人清运。",
    )
    return {"newest": newest}


def test_hot_issues_are_the_grids_groups_with_a_case_this_week(world, hot_week):
    sections = draft(world)
    hot = table(sections, "hot", "热点诉求（文本聚类）")
    assert len(hot["rows"]) == 1
    terms, size, this_week, last, title = hot["rows"][0]
    assert "垃圾桶" in terms and (size, this_week, last) == (3, 2, "06-03")
    assert hot["links"] == [f"/cases/{hot_week['newest'].number}/"]


def test_hot_issues_note_when_nothing_groups(world):
    sections = draft(world)
    assert section(sections, "hot")["tables"] == [] and section(sections, "hot")["note"]


@pytest.fixture
def places_week(world):
    """Grid A-G1: 骑手驿站 with two open reports (closed, missing) and one resolved; 饮水点 with one
    open report made on Friday (after now); a suspended charging point; a published toilet whose
    check was due on Wednesday; a station in grid A-G2 with an open report."""
    from gongzhi.cobuilding.models import Place, PlaceReport

    def place(area, name, kind, state="published", **kw):
        return Place.objects.create(
            subdistrict=area.subdistrict,
            area=area,
            kind=kind,
            name=name,
            lat=31.2001,
            lng=121.4001,
            address="A路1号",
            opening_hours="24/7",
            state=state,
            **kw,
        )

    def flag(p, kind, when, resolved=None):
        with time_machine.travel(when, tick=False):
            return PlaceReport.objects.create(place=p, kind=kind, resolved_at=resolved)

    station = place(world.a.estate, "骑手驿站", "station")
    flag(station, "closed", at(MONDAY + dt.timedelta(days=1), 12))
    flag(station, "missing", at(MONDAY - dt.timedelta(days=2), 12))
    flag(station, "wrong", at(MONDAY - dt.timedelta(days=3), 12), resolved=at(MONDAY, 9))
    water = place(world.a.neighbourhood, "饮水点", "water")
    flag(water, "closed", at(MONDAY + dt.timedelta(days=4), 12))
    place(world.a.neighbourhood, "充电桩", "charging", state="suspended", suspended_reason="三次反馈")
    place(world.a.neighbourhood, "公共厕所", "toilet", check_due_on=MONDAY + dt.timedelta(days=2))
    elsewhere = place(world.a.other_neighbourhood, "二网格驿站", "station")
    flag(elsewhere, "closed", at(MONDAY + dt.timedelta(days=1), 12))
    return {"station": station}


def test_places_flagged_on_the_service_map(world, places_week):
    sections = draft(world)
    assert figures(sections, "places") == {
        "places_flagged": 1,
        "place_reports_open": 2,
        "places_suspended": 1,
        "places_check_due": 1,
    }
    flagged = table(sections, "places", "服务地图被反馈的点位")
    assert flagged["rows"] == [["骑手驿站", "已上图", 2, "来的时候没开门 1、找不到这个点 1", "06-02"]]
    assert flagged["links"] == [f"/cobuilding/places/{places_week['station'].pk}/"]


# ---------------------------------------------------------------- all together


def test_report_queries_do_not_grow_with_rows(
    world, participation_week, care_week, activity_week, places_week
):
    """Every provider's section reads in a fixed number of queries: twelve more suggestions, list
    items, missed contacts with alerts, service records, events with sign-ins and flagged places
    change nothing."""
    from gongzhi.care.models import Alert, Due, Recipient
    from gongzhi.cobuilding.models import Place, PlaceReport
    from gongzhi.registry import services as registry_services
    from gongzhi.registry.tests.conftest import person_id

    draft(world)  # warm the caches (content types, roles, the tokenizer)
    with CaptureQueriesContext(connection) as few:
        draft(world)
    a = world.a
    building = care_week["cared"]["王秀英"].area
    helper = volunteer(a.neighbourhood, "钱多多")
    for i in range(12):
        suggestion(a.neighbourhood, when=at(MONDAY + dt.timedelta(days=1), 10), title=f"建议{i}")
        item(a.neighbourhood, due=at(MONDAY + dt.timedelta(days=4), 10), title=f"任务{i}", owner=a.committee)
        dwelling = registry_services.create_dwelling(actor=None, area=building, data={"room": f"9{i:02d}"})
        person = registry_services.register_resident(
            actor=None, dwelling=dwelling, data={"name": f"孙{i}", "id_number": person_id(100 + i)}
        )
        cared = Recipient.objects.create(
            subdistrict=person.subdistrict, area=person.area, resident=person, enrolled_on=dt.date(2026, 1, 1)
        )
        due = Due.objects.create(
            subdistrict=cared.subdistrict, area=cared.area, recipient=cared, due_on=MONDAY, frequency="weekly"
        )
        Alert.objects.create(
            subdistrict=cared.subdistrict,
            area=cared.area,
            recipient=cared,
            reason="overdue",
            key=f"more:{i}",
            due=due,
            raised_at=at(MONDAY + dt.timedelta(days=1), 8),
        )
        served(helper, a.estate, at(MONDAY + dt.timedelta(days=1), 8 + i % 8), 1)
        e = event(a.estate, f"活动{i}", [at(MONDAY + dt.timedelta(days=2), 9)])
        attended(e, f"居民{i}", phone=f"1350000{i:04d}")
        p = Place.objects.create(
            subdistrict=a.subdistrict,
            area=a.estate,
            kind="water",
            name=f"饮水点{i}",
            lat=31.2,
            lng=121.4,
            address="A路",
            opening_hours="24/7",
            state="published",
        )
        with time_machine.travel(at(MONDAY + dt.timedelta(days=1), 9), tick=False):
            PlaceReport.objects.create(place=p, kind="closed")
    with CaptureQueriesContext(connection) as many:
        sections = draft(world)
    assert (
        figures(sections, "care")["alerts_open"] == 14 and figures(sections, "places")["places_flagged"] == 13
    )
    assert len(many.captured_queries) == len(few.captured_queries)
