"""The public report form keeps its photos across an error (issue 14): stored server-side under a
signed token bound to the visitor's session, shown again, attached once the form succeeds, and
deleted then or after a day."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import signing
from django.test import Client

from gongzhi.cases import pending
from gongzhi.cases.models import Attachment, Case, PendingPhoto
from gongzhi.cases.tests.test_photos import jpeg_upload

OUTSIDE = {"lat": "31.21", "lng": "121.45"}  # between the two subdistricts, in neither
INSIDE = {"lat": "31.2025", "lng": "121.4025"}  # A一居


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def form(world, **overrides):
    data = {
        "category": world.category.pk,
        "title": "楼道里堆满纸箱",
        "description": "3号楼一楼楼道堆满纸箱，消防通道被堵。",
        "address": "A小区3号楼",
        "reporter_phone": "13700001111",
    }
    data.update(overrides)
    return data


def token_of(page) -> str:
    found = re.search(r'name="photo_token" value="([^"]*)"', page.content.decode())
    return found.group(1) if found else ""


def test_a_photo_survives_a_map_point_outside_the_area_and_goes_with_the_case(world, client):
    first = client.post("/public/report/", {**form(world, **OUTSIDE), "photos": jpeg_upload("楼道.jpg")})
    body = first.content.decode()
    assert first.status_code == 422 and "不在本平台管辖的区域内" in body
    assert Case.objects.count() == 0
    kept = PendingPhoto.objects.get()
    assert 'id="kept-photos"' in body and f"/public/report/photo/{kept.pk}/" in body
    thumb = client.get(f"/public/report/photo/{kept.pk}/")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"

    second = client.post("/public/report/", {**form(world, **INSIDE), "photo_token": token_of(first)})
    assert second.status_code == 302, second.content.decode()[:2000]
    case = Case.objects.get()
    attachment = Attachment.objects.get(case=case)
    assert attachment.content_type == "image/jpeg" and attachment.width == 40
    assert PendingPhoto.objects.count() == 0  # deleted after success
    assert not (pending.PendingPhoto.file.field.storage.exists(kept.file.name))


def test_kept_and_new_photos_together_and_one_removed(world, client):
    first = client.post(
        "/public/report/", {**form(world, reporter_phone="12345"), "photos": [jpeg_upload(), jpeg_upload()]}
    )
    assert first.status_code == 422 and PendingPhoto.objects.count() == 2
    drop = PendingPhoto.objects.order_by("pk").first()
    second = client.post(
        "/public/report/",
        {
            **form(world, area=world.a.neighbourhood.pk),
            "photo_token": token_of(first),
            "remove_photo": [drop.pk],
            "photos": jpeg_upload(size=(20, 10)),
        },
    )
    assert second.status_code == 302
    widths = sorted(Attachment.objects.values_list("width", flat=True))
    assert widths == [20, 40]


def test_no_more_than_the_form_allows(world, client):
    first = client.post(
        "/public/report/", {**form(world, reporter_phone="1"), "photos": [jpeg_upload() for _ in range(4)]}
    )
    second = client.post(
        "/public/report/",
        {
            **form(world, area=world.a.neighbourhood.pk),
            "photo_token": token_of(first),
            "photos": [jpeg_upload() for _ in range(3)],
        },
    )
    assert second.status_code == 422 and "最多上传 6 张照片" in second.content.decode()
    assert Case.objects.count() == 0 and PendingPhoto.objects.count() == 4


def test_an_image_that_is_not_one_is_not_kept(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.jpg", b"<html>", content_type="image/jpeg")
    page = client.post("/public/report/", {**form(world, **OUTSIDE), "photos": fake})
    assert page.status_code == 422 and "不是有效的图片文件" in page.content.decode()
    assert PendingPhoto.objects.count() == 0


def test_a_token_from_another_session_is_ignored(world, client):
    first = client.post("/public/report/", {**form(world, **OUTSIDE), "photos": jpeg_upload()})
    kept = PendingPhoto.objects.get()
    other = Client()
    assert other.get(f"/public/report/photo/{kept.pk}/").status_code == 404
    page = other.post("/public/report/", {**form(world, **INSIDE), "photo_token": token_of(first)})
    assert page.status_code == 302
    assert Attachment.objects.count() == 0  # the other visitor's photo did not go with this case
    assert PendingPhoto.objects.filter(pk=kept.pk).exists()  # and is still the first visitor's


def test_a_tampered_token_is_refused_with_a_message(world, client):
    signed = signing.dumps("x" * 32, salt=pending.SALT)
    page = client.post("/public/report/", {**form(world, **INSIDE), "photo_token": signed[:-2] + "zz"})
    assert page.status_code == 422 and "照片暂存凭据无效" in page.content.decode()
    assert Case.objects.count() == 0


def test_photos_left_for_a_day_are_purged_and_their_token_expires(world, client):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        first = client.post("/public/report/", {**form(world, **OUTSIDE), "photos": jpeg_upload()})
        kept = PendingPhoto.objects.get()
        clock.shift(dt.timedelta(hours=23))
        assert pending.purge() == 0
        clock.shift(dt.timedelta(hours=2))
        assert pending.purge() == 1
        assert PendingPhoto.objects.count() == 0
        assert not PendingPhoto.file.field.storage.exists(kept.file.name)
        page = client.post("/public/report/", {**form(world, **INSIDE), "photo_token": token_of(first)})
        assert page.status_code == 422 and "已超过一天未提交" in page.content.decode()


def test_the_courier_maps_problem_form_keeps_photos_too(world, client):
    from django.urls import reverse

    from gongzhi.cobuilding.services import places

    leader = world.a.users["leader"]
    place = places.nominate_place(
        actor=leader,
        lat=31.2012,
        lng=121.4012,
        address="A路 1 号",
        kind="station",
        name="暖新巢",
        opening_hours="24/7",
    )
    places.verify_place(actor=leader, place=place)
    places.publish_place(actor=leader, place=place)
    url = reverse("cobuilding:map_problem", args=[place.pk])
    first = client.post(url, {**form(world, reporter_phone="1"), "photos": jpeg_upload()})
    assert first.status_code == 422 and PendingPhoto.objects.count() == 1
    second = client.post(url, {**form(world, **INSIDE), "photo_token": token_of(first)})
    assert second.status_code == 302 and Attachment.objects.count() == 1


def test_the_map_opens_on_a_subdistrict(world, client):
    page = client.get("/public/report/").content.decode()
    a = world.a.subdistrict
    assert f'data-centre="{a.centre_lat:.6f},{a.centre_lng:.6f}"' in page
    b = world.b.subdistrict
    page = client.get("/public/report/", {"subdistrict": b.code}).content.decode()
    assert f'data-centre="{b.centre_lat:.6f},{b.centre_lng:.6f}"' in page
