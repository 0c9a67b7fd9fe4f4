"""Photos of a public report kept across a form error (issue 14).

When the report form comes back with an error (a map point outside the platform's areas, a bad
phone number), the photos the resident chose are checked and re-encoded as every case photo is
(cases.photos.check_photo), stored as PendingPhoto rows, and the form carries a signed token in a
hidden field. The rows belong to the visitor's session (a random id kept in it): a token from
another session finds nothing. The corrected form hands them to create_case, and they are
deleted; the periodic sweep deletes those left for more than a day."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.cases import photos
from gongzhi.cases.models import PendingPhoto
from gongzhi.core.errors import DomainError

SALT = "gongzhi.cases.pending-photos"
KEEP = dt.timedelta(days=1)
SESSION_KEY = "pending_photos_owner"


def owner_of(request: HttpRequest) -> str:
    owner = request.session.get(SESSION_KEY)
    if not owner:
        owner = request.session[SESSION_KEY] = secrets.token_urlsafe(24)
    return owner


def sign(token: str) -> str:
    return signing.dumps(token, salt=SALT)


def unsign(signed: str) -> str:
    """The token in a signed value; DomainError (with what to do) when it is tampered or old."""
    try:
        return signing.loads(signed, salt=SALT, max_age=KEEP)
    except signing.SignatureExpired as exc:
        raise DomainError(_("之前选择的照片已超过一天未提交，已删除，请重新选择照片。")) from exc
    except signing.BadSignature as exc:
        raise DomainError(_("照片暂存凭据无效，请重新选择照片。")) from exc


def kept(token: str, owner: str) -> list[PendingPhoto]:
    return list(PendingPhoto.objects.filter(token=token, owner=owner).order_by("pk"))


def keep(*, token: str, owner: str, uploads: Iterable[UploadedFile], already: int = 0) -> list[PendingPhoto]:
    """Check and store `uploads` under the token; all are checked before any is stored, and no more
    than the form's photo count are kept in all."""
    uploads = list(uploads)
    if already + len(uploads) > photos.MAX_PHOTOS:
        raise DomainError(_("最多上传 %(n)d 张照片。") % {"n": photos.MAX_PHOTOS})
    checked = [(upload.name, photos.check_photo(upload)) for upload in uploads]
    return [
        PendingPhoto.objects.create(
            token=token,
            owner=owner,
            file=content,
            name=(name or "")[:100],
            content_type=content_type,
            size=content.size,
            width=width,
            height=height,
        )
        for name, (content, content_type, width, height) in checked
    ]


def as_uploads(rows: Iterable[PendingPhoto]) -> list[UploadedFile]:
    """The stored photos in the form create_case takes (uploaded files)."""
    uploads = []
    for row in rows:
        with row.file.open("rb") as handle:
            uploads.append(SimpleUploadedFile(row.name or row.file.name, handle.read(), row.content_type))
    return uploads


def discard(rows: Iterable[PendingPhoto]) -> int:
    count = 0
    for row in rows:
        row.file.delete(save=False)
        row.delete()
        count += 1
    return count


def purge(*, now: dt.datetime | None = None) -> int:
    """Delete the photos of forms left uncorrected for more than a day (the periodic sweep)."""
    now = now or timezone.now()
    return discard(PendingPhoto.objects.filter(created_at__lt=now - KEEP).iterator())


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class Carried:
    """The photos a re-submitted form carries (the public report, the visit form)."""

    owner: str
    token: str = ""
    rows: list[PendingPhoto] = field(default_factory=list)
    error: str = ""  # what is wrong with the token, if anything

    @property
    def signed(self) -> str:
        return sign(self.token) if self.rows else ""


def carried(request: HttpRequest) -> Carried:
    """The kept photos of this session that the form's signed token names, less those ticked for
    removal (deleted now)."""
    found = Carried(owner=owner_of(request))
    if signed := request.POST.get("photo_token", ""):
        try:
            found.token = unsign(signed)
        except DomainError as exc:
            found.error = exc.message
    rows = kept(found.token, found.owner) if found.token else []
    removed = set(request.POST.getlist("remove_photo"))
    found.rows = [row for row in rows if str(row.pk) not in removed]
    discard([row for row in rows if str(row.pk) in removed])  # after: a deleted row has no pk
    return found


def carry(found: Carried, uploads: list[UploadedFile]) -> str:
    """Keep `uploads` for the form that comes back with an error; the message if they cannot be."""
    if not uploads:
        return ""
    found.token = found.token or new_token()
    for upload in uploads:
        upload.seek(0)
    try:
        found.rows += keep(token=found.token, owner=found.owner, uploads=uploads, already=len(found.rows))
    except DomainError as exc:
        return exc.message
    return ""
