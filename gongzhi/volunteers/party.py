"""The yearly summary of 在职党员双报到 sent to each unit's party organisation: for every party
organisation with members registered here, how many registered, how many served, how often and
how long that year — written as an in-app notice to the accounts of the organisation's unit
(`Organization.unit`, the users of that unit), for a year that is over. Once per organisation
and year (a dedupe key), so
sending again tells only those not told yet. An organisation without an account on the platform
is listed in the result, to be sent the download (`/volunteers/export/?kind=party_units`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import audit
from gongzhi.accounts.models import User
from gongzhi.accounts.notices import notify
from gongzhi.core import rules as permissions
from gongzhi.core.errors import NotAllowed
from gongzhi.registry.models import Organization
from gongzhi.registry.validators import FieldError
from gongzhi.volunteers import export

KIND = "volunteers.party_summary"


@dataclass
class UnitSummary:
    organization: Organization
    members: int = 0
    served: int = 0
    times: int = 0
    hours: Decimal = Decimal(0)

    def title(self, year: int) -> str:
        return _(
            "%(year)s年在职党员双报到服务汇总：%(unit)s报到党员%(members)s人，参加服务%(served)s人，"
            "服务%(times)s次，共%(hours)s小时"
        ) % {
            "year": year,
            "unit": self.organization.name,
            "members": self.members,
            "served": self.served,
            "times": self.times,
            "hours": export._hours(self.hours),
        }


@dataclass
class Sent:
    year: int
    sent: list[str] = field(default_factory=list)  # organisations told now
    already: list[str] = field(default_factory=list)  # told before (this year)
    without_account: list[str] = field(default_factory=list)  # no users on the platform


def summaries(user: User, *, year: int) -> list[UnitSummary]:
    """Per party organisation, the year's service of its members registered in the user's scope."""
    totals: dict[int, UnitSummary] = {}
    members = export._party_members(user, year).filter(party_unit__isnull=False).select_related("party_unit")
    for volunteer in members:
        row = totals.setdefault(volunteer.party_unit_id, UnitSummary(volunteer.party_unit))
        row.members += 1
        row.served += volunteer.times > 0
        row.times += volunteer.times
        row.hours += volunteer.hours or Decimal(0)
    return sorted(totals.values(), key=lambda s: (s.organization.name, s.organization.pk))


@transaction.atomic
def send_party_summaries(*, actor: User, year: int, now: dt.datetime | None = None) -> Sent:
    now = now or timezone.now()
    if actor.scope_id is None or not permissions.has(actor, "party_summary.send", actor.scope):
        raise NotAllowed()
    # A yearly summary is sent once the year is over: sent mid-year, it would be the only one.
    if not isinstance(year, int) or not 2000 <= year < timezone.localdate(now).year:
        raise FieldError("year", _("只能发送已结束年度的汇总（2000年至去年）。"))
    result = Sent(year=year)
    for summary in summaries(actor, year=year):
        organization = summary.organization
        users = (
            list(User.objects.filter(is_active=True, unit_id=organization.unit_id).order_by("pk"))
            if organization.unit_id
            else []
        )
        if not users:
            result.without_account.append(organization.name)
            continue
        made = notify(
            users,
            kind=KIND,
            title=summary.title(year),
            dedupe_key=f"{KIND}:{year}:{organization.pk}",
            at=now,
        )
        (result.sent if made else result.already).append(organization.name)
    audit.record(
        actor=actor,
        action="volunteer.party_summary_send",
        target=actor.scope,
        data={"year": year, "sent": result.sent, "without_account": result.without_account},
    )
    return result
