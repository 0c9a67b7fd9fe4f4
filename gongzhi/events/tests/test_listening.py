"""A listening day: each problem heard is recorded, becomes a case in one click, and the minutes
say what happened to each."""

import pytest
from django.urls import reverse

from gongzhi.cases.models import Case, Source
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.events import services
from gongzhi.events.models import ListeningItem
from gongzhi.events.tests.helpers import make_event

pytestmark = pytest.mark.django_db


def test_an_item_heard_becomes_a_case_and_shows_in_the_minutes(world, client):
    event = make_event(world, kind="listening_day", title="10日我倾听")
    organiser = world.a.users["neighbourhood"]
    item = services.record_item(event=event, actor=organiser, text="小区门口电动车乱停", raised_by="赵阿姨")
    answered = services.record_item(
        event=event, actor=organiser, text="社区食堂开放时间", answer="每天11点到13点"
    )
    case = services.raise_case(item=item, actor=organiser, category=world.category)
    assert case.source == Source.LISTENING and case.reporter_name == "赵阿姨"
    with pytest.raises(DomainError, match="已转为工单"):
        services.raise_case(item=item, actor=organiser, category=world.category)
    assert Case.objects.count() == 1
    client.force_login(organiser)
    page = client.get(reverse("events:minutes", args=[event.pk])).content.decode()
    assert case.number in page and "现场已答复" in page and answered.text in page


def test_only_listening_days_take_items_and_only_organisers_record(world):
    course = make_event(world)
    with pytest.raises(DomainError, match="只有倾听日"):
        services.record_item(event=course, actor=world.a.users["neighbourhood"], text="x")
    day = make_event(world, kind="listening_day")
    with pytest.raises(NotAllowed):
        services.record_item(event=day, actor=world.a.users["gridworker"], text="x")
    with pytest.raises(DomainError, match="反映的问题"):
        services.record_item(event=day, actor=world.a.users["neighbourhood"], text="  ")
    assert not ListeningItem.objects.exists()


def test_record_and_raise_from_the_page(world, client):
    event = make_event(world, kind="listening_day")
    client.force_login(world.a.users["leader"])
    client.post(
        reverse("events:act", args=[event.pk, "item"]), {"text": "楼道灯坏了", "address": "A小区3号楼"}
    )
    item = ListeningItem.objects.get()
    client.post(
        reverse("events:act", args=[event.pk, "raise_case"]), {"item": item.pk, "category": world.category.pk}
    )
    item.refresh_from_db()
    assert item.case is not None and item.case.address == "A小区3号楼"
    assert item.case.number in client.get(reverse("events:detail", args=[event.pk])).content.decode()


def test_an_idea_heard_becomes_a_suggestion_once_and_shows_in_the_minutes(world, client):
    from gongzhi.participation.models import Channel, Suggestion

    event = make_event(world, kind="listening_day", title="10日我倾听")
    organiser = world.a.users["neighbourhood"]
    item = services.record_item(
        event=event, actor=organiser, text="建议在小区空地加几张休息长椅", raised_by="钱老伯"
    )
    suggestion = services.raise_suggestion(item=item, actor=organiser)
    assert suggestion.channel == Channel.MEETING and suggestion.author_name == "钱老伯"
    assert suggestion.area_id == item.area_id and "10日我倾听" in suggestion.body
    assert suggestion.status == "pending"  # moderated before anything is public, like every other
    with pytest.raises(DomainError, match="已转为居民建议"):
        services.raise_suggestion(item=item, actor=organiser)
    with pytest.raises(DomainError, match="已转为居民建议"):
        services.raise_case(item=item, actor=organiser, category=world.category)
    assert Suggestion.objects.count() == 1 and not Case.objects.exists()
    client.force_login(organiser)
    page = client.get(reverse("events:minutes", args=[event.pk])).content.decode()
    assert suggestion.ref in page


def test_a_handled_item_is_not_also_a_suggestion_and_outsiders_cannot_raise(world):
    event = make_event(world, kind="listening_day")
    organiser = world.a.users["neighbourhood"]
    item = services.record_item(event=event, actor=organiser, text="路灯不亮")
    services.raise_case(item=item, actor=organiser, category=world.category)
    with pytest.raises(DomainError, match="已转为工单"):
        services.raise_suggestion(item=item, actor=organiser)
    other = services.record_item(event=event, actor=organiser, text="想办书法班")
    with pytest.raises(NotAllowed):
        services.raise_suggestion(item=other, actor=world.b.users["neighbourhood"])
    other.refresh_from_db()
    assert other.suggestion_id is None


def test_raise_a_suggestion_from_the_page_and_the_api(world, client):
    event = make_event(world, kind="listening_day")
    leader = world.a.users["leader"]
    client.force_login(leader)
    client.post(reverse("events:act", args=[event.pk, "item"]), {"text": "建议开设老年智能手机课"})
    item = ListeningItem.objects.get()
    client.post(reverse("events:act", args=[event.pk, "raise_suggestion"]), {"item": item.pk})
    item.refresh_from_db()
    assert item.suggestion is not None
    assert item.suggestion.ref in client.get(reverse("events:detail", args=[event.pk])).content.decode()
    second = services.record_item(event=event, actor=leader, text="建议周末开放阅览室")
    url = f"/api/events/events/{event.pk}/items/{second.pk}/suggestion"
    answer = client.post(url, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["suggestion_ref"]
    assert client.post(url, content_type="application/json").status_code == 409
