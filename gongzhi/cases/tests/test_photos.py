import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gongzhi.cases.models import Attachment, Case
from gongzhi.cases.photos import check_photo
from gongzhi.cases.tests.helpers import public_report
from gongzhi.core.errors import DomainError
from gongzhi.testing.images import metadata_of, photo_with_gps


def jpeg_upload(name="photo.jpg", size=(40, 30)):
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_real_image_is_stored_reencoded(world):
    case = public_report(world, photos_=[jpeg_upload()])
    attachment = Attachment.objects.get(case=case)
    assert attachment.content_type == "image/jpeg" and attachment.width == 40
    with Image.open(attachment.file.path) as stored:
        assert not stored.getexif()  # metadata (camera, GPS) dropped
    assert not attachment.file.name.endswith("photo.jpg")


def test_html_named_jpg_is_refused_and_nothing_written(world):
    fake = SimpleUploadedFile(
        "photo.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg"
    )
    with pytest.raises(DomainError):
        public_report(world, photos_=[fake])
    assert Case.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_oversized_photo_refused(world, settings):
    settings.GONGZHI_MAX_PHOTO_BYTES = 100
    with pytest.raises(DomainError, match="太大"):
        public_report(world, photos_=[jpeg_upload(size=(400, 400))])


def test_the_tracking_page_shows_the_reports_photos_to_the_session_that_opened_it(world, client):
    from django.test import Client
    from django.urls import reverse

    case = public_report(world, photos_=[jpeg_upload()])
    photo = Attachment.objects.get(case=case)
    url = reverse("public:tracked_photo", args=[case.number, photo.pk])
    assert client.get(url).status_code == 404  # not opened with the digits yet
    page = client.post(reverse("public:track"), {"number": case.number, "phone_last4": "5678"})
    assert page.status_code == 200 and url in page.content.decode()
    shown = client.get(url)
    assert shown.status_code == 200 and shown["Cache-Control"] == "private, no-store"
    assert b"".join(shown.streaming_content)[:2] == b"\xff\xd8"
    assert Client().get(url).status_code == 404  # another visitor
    other = public_report(world, photos_=[jpeg_upload()])
    other_photo = Attachment.objects.get(case=other)
    # a photo of another case, under the number this session opened, is not served either
    assert client.get(reverse("public:tracked_photo", args=[case.number, other_photo.pk])).status_code == 404
    wrong = Client()
    wrong.post(reverse("public:track"), {"number": case.number, "phone_last4": "0000"})
    assert wrong.get(url).status_code == 404  # wrong digits open nothing


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_gps_exif_and_comments_are_dropped_in_every_format(fmt):
    content, content_type, width, height = check_photo(photo_with_gps(fmt=fmt))
    left = metadata_of(content.read())
    assert left["format"] == fmt and content_type == f"image/{fmt.lower()}" and (width, height) == (40, 30)
    assert left["gps"] == {} and left["exif"] == {} and not left["comment"] and not left["xmp"]


def test_a_photo_sent_with_a_gps_position_is_stored_without_it(world):
    case = public_report(world, photos_=[photo_with_gps()])
    attachment = Attachment.objects.get(case=case)
    with open(attachment.file.path, "rb") as stored:
        left = metadata_of(stored.read())
    assert left["gps"] == {} and not left["comment"]


def test_every_module_that_stores_an_uploaded_image_checks_it_first():
    """Each model file/image field is written only by code that ran the upload through
    cases.photos (a new upload path that forgets it fails here)."""
    import re
    from pathlib import Path

    from django.apps import apps
    from django.db import models

    import gongzhi

    image_models, image_fields = set(), set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if model.__module__.startswith("gongzhi.") and isinstance(field, models.FileField):
                image_models.add(model.__name__)
                image_fields.add(field.name)
    assert {"Attachment", "CheckIn", "Ballot", "ListItem"} <= image_models
    fields = "|".join(sorted(image_fields - {"file"}))
    writes = [
        re.compile(rf"\.(?:{fields})\s*=(?!=)"),
        re.compile(rf"\b(?:{'|'.join(sorted(image_models))})(?:\.objects\.create)?\([^)]*\bfile\s*=", re.S),
    ]
    root = Path(gongzhi.__file__).parent
    writers, unchecked = [], []
    for path in sorted(root.rglob("*.py")):
        if {"tests", "migrations"} & set(path.parts):
            continue
        text = path.read_text(encoding="utf-8")
        if any(p.search(text) for p in writes):
            writers.append(path.relative_to(root).as_posix())
            if not re.search(r"\b(check_photo|checked_content|_check_photos)\b", text):
                unchecked.append(path.relative_to(root).as_posix())
    assert {"care/services.py", "committees/services.py", "participation/services/lists.py"} <= set(writers)
    assert unchecked == []


def test_a_pixel_bomb_is_refused(settings):
    settings.GONGZHI_MAX_PHOTO_PIXELS = 100  # the 40×30 photo is twelve times over
    with pytest.raises(DomainError, match="不是有效的图片"):
        check_photo(photo_with_gps())
