"""The signed agreement's scan (through the project's image guard) and the court's ruling on the
application for judicial confirmation, as steps of the dispute's table."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.mediation import agreements, services
from gongzhi.mediation.models import Agreement, DisputeEvent
from gongzhi.mediation.tests.helpers import MONDAY, agreed
from gongzhi.open311 import services as tokens

pytestmark = pytest.mark.django_db

LATER = MONDAY + dt.timedelta(days=10)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def scan(name="协议签字页.jpg"):
    buffer = io.BytesIO()
    image = Image.new("RGB", (80, 110), (250, 250, 245))
    exif = Image.Exif()
    exif[0x010F] = "PhoneCam"
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def events(dispute):
    return list(DisputeEvent.objects.filter(dispute=dispute).order_by("seq").values_list("action", flat=True))


def test_a_mediator_uploads_the_signed_scan_reencoded_without_metadata(world):
    dispute = agreed(world)
    mediator = world.a.users["neighbourhood"]
    agreement = agreements.upload_scan(dispute=dispute, actor=mediator, upload=scan(), now=LATER)
    assert agreement.scan_content_type == "image/jpeg" and agreement.scan_uploaded_at == LATER
    with agreement.scan.open("rb") as f:
        stored = Image.open(io.BytesIO(f.read()))
        assert stored.size == (80, 110) and not stored.getexif()
    first = agreement.scan.name
    again = agreements.upload_scan(dispute=dispute, actor=mediator, upload=scan("清晰版.jpg"), now=LATER)
    assert again.scan.name != first
    assert events(dispute)[-2:] == ["scan", "scan"]
    assert DisputeEvent.objects.filter(action="scan").last().note == "替换协议签字扫描件"


def test_a_file_that_is_no_image_or_too_big_is_refused_and_nothing_changes(world, settings):
    dispute = agreed(world)
    mediator = world.a.users["neighbourhood"]
    before = events(dispute)
    fake = SimpleUploadedFile("协议.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    with pytest.raises(DomainError, match="不是有效的图片文件") as refused:
        agreements.upload_scan(dispute=dispute, actor=mediator, upload=fake, now=LATER)
    assert refused.value.details == {"field": "scan"}
    settings.GONGZHI_MAX_PHOTO_BYTES = 100
    with pytest.raises(DomainError, match="太大"):
        agreements.upload_scan(dispute=dispute, actor=mediator, upload=scan(), now=LATER)
    with pytest.raises(DomainError, match="请选择"):
        agreements.upload_scan(dispute=dispute, actor=mediator, upload=None, now=LATER)
    with pytest.raises(NotAllowed):
        agreements.upload_scan(dispute=dispute, actor=world.a.users["gridworker"], upload=scan(), now=LATER)
    assert not Agreement.objects.get(dispute=dispute).scan and events(dispute) == before


def test_an_oral_agreement_has_no_scan(world):
    dispute = agreed(world)
    Agreement.objects.filter(dispute=dispute).update(form="oral")
    with pytest.raises(DomainError, match="口头协议"):
        agreements.upload_scan(
            dispute=dispute, actor=world.a.users["neighbourhood"], upload=scan(), now=LATER
        )
    dispute.refresh_from_db()
    assert "scan" not in agreements.offered(dispute, ["scan", "court_result", "follow_up"])


def test_the_court_result_follows_the_application_once(world):
    dispute = agreed(world)
    mediator = world.a.users["neighbourhood"]
    signed_on = dispute.agreement.signed_on
    with pytest.raises(DomainError, match="尚未申请司法确认"):
        agreements.record_court_result(
            dispute=dispute,
            actor=mediator,
            result="confirmed",
            decided_on=signed_on,
            case_number="（2030）沪0101民特12号",
            now=LATER,
        )
    assert agreements.offered(dispute, ["court_result"]) == []
    services.apply_confirmation(
        dispute=dispute, actor=mediator, applied_on=signed_on + dt.timedelta(days=1), now=LATER
    )
    dispute.refresh_from_db()
    assert agreements.offered(dispute, ["court_result"]) == ["court_result"]
    for kwargs, message in (
        ({"result": "maybe"}, "请选择司法确认结果"),
        ({"decided_on": signed_on}, "裁定日期须在申请日期"),
        ({"decided_on": LATER.date() + dt.timedelta(days=1)}, "裁定日期须在申请日期"),
        ({"case_number": "沪民特号"}, "请填写法院案号"),
    ):
        params = {
            "result": "confirmed",
            "decided_on": LATER.date(),
            "case_number": "（2030）沪0101民特12号",
            **kwargs,
        }
        with pytest.raises(DomainError, match=message):
            agreements.record_court_result(dispute=dispute, actor=mediator, now=LATER, **params)
    assert not Agreement.objects.get(dispute=dispute).court_result and "court_result" not in events(dispute)
    agreement = agreements.record_court_result(
        dispute=dispute,
        actor=mediator,
        result="confirmed",
        decided_on=LATER.date(),
        case_number=" （2030）沪0101民特12号 ",
        now=LATER,
    )
    assert (agreement.court_result, agreement.court_result_on, agreement.court_case_number) == (
        "confirmed",
        LATER.date(),
        "（2030）沪0101民特12号",
    )
    event = DisputeEvent.objects.filter(dispute=dispute).last()
    assert event.action == "court_result" and event.from_status == event.to_status == "agreed"
    assert event.data["case_number"] == "（2030）沪0101民特12号" and "确认有效" in event.note
    with pytest.raises(DomainError, match="已登记司法确认结果（确认有效）"):
        agreements.record_court_result(
            dispute=dispute,
            actor=mediator,
            result="rejected",
            decided_on=LATER.date(),
            case_number="（2030）沪0101民特13号",
            now=LATER,
        )


@time_machine.travel(LATER, tick=False)
def test_the_page_and_the_api(world, client):
    dispute = agreed(world)
    mediator = world.a.users["neighbourhood"]
    client.force_login(mediator)
    url = reverse("mediation:detail", args=[dispute.pk])
    page = client.get(url).content.decode()
    assert 'data-action="scan"' in page and 'enctype="multipart/form-data"' in page
    assert 'data-action="court_result"' not in page
    bad = client.post(
        reverse("mediation:act", args=[dispute.pk, "scan"]),
        {"scan": SimpleUploadedFile("a.jpg", b"nope")},
        follow=True,
    )
    assert "不是有效的图片文件" in bad.content.decode()
    client.post(reverse("mediation:act", args=[dispute.pk, "scan"]), {"scan": scan()})
    page = client.get(url).content.decode()
    assert 'id="scan-link"' in page
    response = client.get(reverse("mediation:agreement_scan", args=[dispute.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    client.force_login(world.a.users["gridworker"])  # reads the dispute, not the parties' papers
    assert client.get(reverse("mediation:agreement_scan", args=[dispute.pk])).status_code == 403
    assert 'id="scan-link"' not in client.get(url).content.decode()
    client.force_login(world.b.users["neighbourhood"])
    assert client.get(reverse("mediation:agreement_scan", args=[dispute.pk])).status_code == 404
    _t, secret = tokens.issue_token(user=mediator, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    json = {**auth, "content_type": "application/json"}
    applied = dispute.agreement.signed_on.isoformat()
    r = client.post(f"/api/mediation/disputes/{dispute.pk}/actions/confirm", {"applied_on": applied}, **json)
    assert r.status_code == 200, r.content
    r = client.post(
        f"/api/mediation/disputes/{dispute.pk}/actions/court_result",
        {"result": "rejected", "decided_on": applied, "case_number": "x"},
        **json,
    )
    assert r.status_code == 400 and "法院案号" in r.json()["message"]
    r = client.post(
        f"/api/mediation/disputes/{dispute.pk}/actions/court_result",
        {"result": "rejected", "decided_on": applied, "case_number": "（2030）沪0101民特7号"},
        **json,
    )
    body = r.json()
    assert (
        r.status_code == 200
        and body["agreement"]["court_result"] == "rejected"
        and body["agreement"]["has_scan"]
    )
    assert "court_result" not in body["actions"]
    r = client.post(
        f"/api/mediation/disputes/{dispute.pk}/agreement/scan",
        {"file": SimpleUploadedFile("x.png", b"GIF89a")},
        **auth,
    )
    assert r.status_code == 400
    r = client.post(f"/api/mediation/disputes/{dispute.pk}/agreement/scan", {"file": scan()}, **auth)
    assert r.status_code == 200
