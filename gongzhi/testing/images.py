"""Test images: a photo as a phone sends it (EXIF with a GPS position), and a way to read it back."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GPS_IFD = 0x8825
# 31°14′N 121°28′E: the Bund, where the phone says the photo was taken.
GPS = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}


def photo_with_gps(
    name: str = "现场.jpg", fmt: str = "JPEG", size: tuple[int, int] = (40, 30)
) -> SimpleUploadedFile:
    """An image whose EXIF names a camera and a GPS position, with a JPEG comment for good measure."""
    image = Image.new("RGB", size, (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "TestPhone"
    exif[GPS_IFD] = GPS
    buffer = io.BytesIO()
    extra = {"comment": b"138 0013 8000"} if fmt == "JPEG" else {}
    image.save(buffer, fmt, exif=exif.tobytes(), **extra)
    data = buffer.getvalue()
    assert metadata_of(data)["gps"], "the test photo must carry a GPS position"
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[fmt]
    return SimpleUploadedFile(name, data, content_type=content_type)


def not_an_image(name: str = "photo.jpg") -> SimpleUploadedFile:
    """A page of HTML that calls itself a JPEG."""
    return SimpleUploadedFile(name, b"<html><script>alert(1)</script></html>", content_type="image/jpeg")


def metadata_of(data: bytes) -> dict:
    """What the file still tells about where and how it was taken."""
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return {
            "exif": dict(exif),
            "gps": dict(exif.get_ifd(GPS_IFD)),
            "comment": image.info.get("comment"),
            "xmp": image.info.get("xmp"),
            "format": image.format,
        }
