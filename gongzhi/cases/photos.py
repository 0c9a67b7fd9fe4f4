"""Checking and storing photos: the content decides what a file is, never its name.

Every image upload of every app goes through check_photo (or checked_content): the bytes are
opened by Pillow (a file that is not a JPEG, PNG or WebP is refused whatever it is called),
pixel bombs refused, and the picture re-encoded from its pixels alone, so EXIF (GPS position,
camera, time), XMP and JPEG comments never reach the disk (research note A18)."""

from __future__ import annotations

import io
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from gongzhi.core.errors import DomainError

ALLOWED = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
MAX_PHOTOS = 6


def check_photo(upload: UploadedFile) -> tuple[ContentFile, str, int, int]:
    """Return the re-encoded image (metadata such as GPS dropped), its type, width and height."""
    if upload.size > settings.GONGZHI_MAX_PHOTO_BYTES:
        raise DomainError(
            _("照片“%(name)s”太大（最大 %(mb)d MB）。")
            % {"name": upload.name, "mb": settings.GONGZHI_MAX_PHOTO_BYTES // 1024 // 1024}
        )
    data = upload.read()
    Image.MAX_IMAGE_PIXELS = settings.GONGZHI_MAX_PHOTO_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        kind = image.format
        if kind not in ALLOWED:
            raise DomainError(_("“%(name)s”不是支持的图片格式（JPEG、PNG、WebP）。") % {"name": upload.name})
        image = ImageOps.exif_transpose(image)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError, ValueError) as exc:
        raise DomainError(_("“%(name)s”不是有效的图片文件。") % {"name": upload.name}) from exc
    # Only the pixels travel: EXIF, XMP and comments (a JPEG comment is copied from info by
    # Pillow's encoder) are dropped; PNG transparency is part of the picture and stays.
    image.info = {k: v for k, v in image.info.items() if k == "transparency"}
    out = io.BytesIO()
    if kind == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85)
    else:
        image.save(out, kind)
    content_type, ext = ALLOWED[kind]
    return (
        ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{ext}"),
        content_type,
        image.width,
        image.height,
    )


def checked_content(upload: UploadedFile | None) -> ContentFile | None:
    """The re-encoded file for a model's FileField/ImageField, or None when nothing was sent."""
    if not upload:
        return None
    return check_photo(upload)[0]
