"""Visits carry photos (issue 14): checked by content and re-encoded like case photos, at most six,
one bad photo refuses the whole visit, kept across a form error, shown only to those who may see
the visit, and recorded from a phone through the REST API."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from gongzhi.accounts.tokens import issue_token
from gongzhi.cases.models import Case, PendingPhoto
from gongzhi.registry.validators import FieldError
from gongzhi.visits import services
from gongzhi.visits.models import Visit, VisitPhoto

NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 18)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def jpeg(name="corridor.jpg", size=(64, 48)):
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (90, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # camera make: metadata that must not survive
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def fake_jpeg():
    return SimpleUploadedFile(
        "fake.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg"
    )


def visit_form(reg, **extra):
    return {
        "household": reg.resident_a.household_id,
        "visited_on": TODAY.isoformat(),
        "mode": "door",
        "findings": "楼道堆物，已拍照",
        **extra,
    }


def test_a_visit_stores_its_photos_reencoded_without_metadata(reg):
    visit = services.record_visit(
        actor=reg.world.a.users["gridworker"],
        household=reg.resident_a.household,
        visited_on=TODAY,
        mode="door",
        findings="楼道堆物",
        photos=[jpeg(), jpeg("second.png")],
    )
    stored = list(visit.photos.all())
    assert len(stored) == 2
    assert all(p.content_type == "image/jpeg" and p.width == 64 and p.height == 48 for p in stored)
    assert all(p.subdistrict_id == reg.world.a.subdistrict.pk for p in stored)
    with Image.open(stored[0].file.path) as image:
        assert not image.getexif()
    assert not stored[0].file.name.endswith("corridor.jpg")


def test_one_bad_photo_refuses_the_whole_visit_and_the_cases_it_would_raise(reg):
    with pytest.raises(FieldError) as refused:
        services.record_visit(
            actor=reg.world.a.users["gridworker"],
            household=reg.resident_a.household,
            visited_on=TODAY,
            mode="door",
            findings="楼道堆物",
            cases=[services.CaseSpec(reg.world.category, "楼道堆物", "3楼")],
            photos=[jpeg(), fake_jpeg()],
        )
    assert refused.value.field == "photos" and "不是有效的图片" in refused.value.message
    assert not Visit.objects.exists() and not Case.objects.exists() and not VisitPhoto.objects.exists()


def test_more_than_six_photos_are_refused(reg):
    with pytest.raises(FieldError, match="最多上传 6 张"):
        services.record_visit(
            actor=reg.world.a.users["gridworker"],
            household=reg.resident_a.household,
            visited_on=TODAY,
            mode="door",
            findings="x",
            photos=[jpeg(f"{i}.jpg") for i in range(7)],
        )
    assert not Visit.objects.exists()


def test_the_visit_form_takes_photos_and_the_visit_page_shows_them_in_scope_only(client, reg):
    client.force_login(reg.world.a.users["gridworker"])
    response = client.post(reverse("visits:new"), visit_form(reg, photos=[jpeg()]))
    assert response.status_code == 302
    visit = Visit.objects.get()
    photo = visit.photos.get()
    page = client.get(response["Location"]).content.decode()
    url = reverse("visits:photo", args=[visit.pk, photo.pk])
    assert url in page
    shown = client.get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert b"".join(shown.streaming_content)[:2] == b"\xff\xd8"
    for other in (reg.world.b.users["gridworker"], reg.world.a.users["handler"]):
        outsider = Client()
        outsider.force_login(other)
        assert outsider.get(url).status_code in (403, 404)
    assert client.get(reverse("visits:photo", args=[visit.pk, photo.pk + 100])).status_code == 404


def test_a_form_error_keeps_the_photos_and_the_corrected_form_saves_them(client, reg):
    client.force_login(reg.world.a.users["gridworker"])
    first = client.post(reverse("visits:new"), visit_form(reg, findings="", photos=[jpeg()]))
    assert first.status_code == 400 and "请填写走访情况" in first.content.decode()
    kept = PendingPhoto.objects.get()
    token = first.context["photo_token"]
    assert token and f'value="{token}"' in first.content.decode()
    assert reverse("public:pending_photo", args=[kept.pk]) in first.content.decode()
    assert not Visit.objects.exists()

    second = client.post(reverse("visits:new"), visit_form(reg, photo_token=token))
    assert second.status_code == 302
    assert Visit.objects.get().photos.count() == 1
    assert not PendingPhoto.objects.exists()  # handed over, not left behind


def test_kept_photos_ticked_for_removal_are_not_saved(client, reg):
    client.force_login(reg.world.a.users["gridworker"])
    first = client.post(reverse("visits:new"), visit_form(reg, findings="", photos=[jpeg(), jpeg("b.jpg")]))
    rows = list(PendingPhoto.objects.order_by("pk"))
    assert len(rows) == 2
    second = client.post(
        reverse("visits:new"),
        visit_form(reg, photo_token=first.context["photo_token"], remove_photo=[str(rows[0].pk)]),
    )
    assert second.status_code == 302
    assert Visit.objects.get().photos.count() == 1


def test_another_session_cannot_claim_kept_photos(client, reg):
    client.force_login(reg.world.a.users["gridworker"])
    first = client.post(reverse("visits:new"), visit_form(reg, findings="", photos=[jpeg()]))
    other = Client()
    other.force_login(reg.world.a.users["neighbourhood"])
    response = other.post(reverse("visits:new"), visit_form(reg, photo_token=first.context["photo_token"]))
    assert response.status_code == 302
    assert Visit.objects.get().photos.count() == 0
    assert PendingPhoto.objects.count() == 1  # still the first session's


def test_a_bad_photo_on_the_form_is_named_and_nothing_is_written(client, reg):
    client.force_login(reg.world.a.users["gridworker"])
    response = client.post(reverse("visits:new"), visit_form(reg, photos=[fake_jpeg()]))
    assert response.status_code == 400 and "不是有效的图片" in response.content.decode()
    assert not Visit.objects.exists() and not PendingPhoto.objects.exists()


def bearer(user):
    _token, secret = issue_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_the_api_records_a_visit_with_photos_and_serves_them_in_scope(client, reg):
    auth = bearer(reg.world.a.users["gridworker"])
    response = client.post(
        "/api/visits/visits",
        {
            "household": reg.resident_a.household_id,
            "visited_on": TODAY.isoformat(),
            "mode": "door",
            "findings": "楼道堆物",
            "photos": [jpeg(), jpeg("b.jpg")],
        },
        **auth,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["photos"]) == 2 and Visit.objects.get().pk == body["id"]
    listed = client.get("/api/visits/visits", **auth).json()
    assert listed[0]["photos"] == body["photos"]
    assert client.get(body["photos"][0], **auth).status_code == 200
    assert client.get(body["photos"][0], **bearer(reg.world.b.users["gridworker"])).status_code == 404


def test_the_api_refuses_a_bad_photo_or_an_outside_household_and_writes_nothing(client, reg):
    auth = bearer(reg.world.a.users["gridworker"])
    bad = client.post(
        "/api/visits/visits",
        {
            "household": reg.resident_a.household_id,
            "visited_on": TODAY.isoformat(),
            "findings": "x",
            "photos": [fake_jpeg()],
        },
        **auth,
    )
    assert bad.status_code == 400 and bad.json()["details"]["field"] == "photos"
    outside = client.post(
        "/api/visits/visits",
        {"household": reg.resident_b.household_id, "visited_on": TODAY.isoformat(), "findings": "x"},
        **auth,
    )
    assert outside.status_code == 404
    neither = client.post("/api/visits/visits", {"visited_on": TODAY.isoformat(), "findings": "x"}, **auth)
    assert neither.status_code == 400
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()
