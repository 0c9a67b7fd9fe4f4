import datetime as dt

from django.utils import timezone

from gongzhi.mediation import services
from gongzhi.mediation.models import PartyRole

# A Monday morning in term time, far from any holiday.
MONDAY = timezone.make_aware(dt.datetime(2030, 3, 4, 9, 0))


def parties(applicant="张建华", respondent="刘美玲"):
    return [
        services.PartySpec(
            role=PartyRole.APPLICANT, name=applicant, phone="13811112222", address="A小区1号楼601"
        ),
        services.PartySpec(
            role=PartyRole.RESPONDENT, name=respondent, phone="13933334444", address="A小区1号楼701"
        ),
    ]


def new_dispute(world, *, side="a", actor="gridworker", now=MONDAY, **kwargs):
    s = getattr(world, side)
    fields = {
        "kind": "leak",
        "title": "楼上卫生间漏水",
        "matter": "701 卫生间防水层老化，601 天花板渗水发霉，双方协商未果。",
        "parties": parties(),
    }
    fields.update(kwargs)
    return services.register_dispute(actor=s.users[actor], area=s.estate, now=now, **fields)


def agreed(world, *, now=MONDAY):
    dispute = new_dispute(world, now=now)
    mediator = world.a.users["neighbourhood"]
    services.accept_dispute(dispute=dispute, actor=mediator, now=now + dt.timedelta(hours=2))
    services.record_session(
        dispute=dispute,
        actor=mediator,
        held_at=now + dt.timedelta(days=2),
        place="A一居调解室",
        attendees="张建华、刘美玲、调解员",
        summary="双方同意由 701 重做防水，601 天花板由 701 负责修复。",
        now=now + dt.timedelta(days=2, hours=2),
    )
    services.sign_agreement(
        dispute=dispute,
        actor=mediator,
        terms="701 于 3 月 31 日前重做卫生间防水并修复 601 天花板。",
        signed_on=(now + dt.timedelta(days=2)).date(),
        signed_by="张建华、刘美玲",
        perform_by=(now + dt.timedelta(days=27)).date(),
        now=now + dt.timedelta(days=2, hours=3),
    )
    dispute.refresh_from_db()
    return dispute
