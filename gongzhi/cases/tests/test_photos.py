import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gongzhi.cases.models import Attachment, Case
from gongzhi.cases.tests.helpers import public_report
from gongzhi.core.errors import DomainError


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
