"""智慧监督: supervision rules over the apps' data, the alerts they raise, and their review.

A rule is a small class registered here by the source module beside the figures of the same app
(`gongzhi/insight/sources/<label>_rules.py`), active only when its app's models exist. Each rule
reads its thresholds from config (GONGZHI_INSIGHT["supervision"]) and returns findings, each with
a stable key (the same finding is never raised twice) and its evidence: the rows that triggered
it, linked. The scan writes only insight's own Alert rows. Auditors review an alert (confirm or
dismiss, with a written reason, audited); nothing is ever written back into the app it is about."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import audit
from gongzhi.accounts.models import User
from gongzhi.core.errors import DomainError
from gongzhi.core.rules import require
from gongzhi.insight import config, transitions
from gongzhi.insight.models import Alert, AlertStatus, PlantedAnomaly
from gongzhi.territory.models import Area


@dataclass
class Evidence:
    type: str
    id: int | str
    label: str
    url: str = ""


@dataclass
class Finding:
    key: str
    title: str
    area: Area | int
    evidence: list[Evidence]
    detail: str = ""
    unit_id: int | None = None
    person_id: int | None = None


@dataclass
class ScanContext:
    subdistrict: Area
    now: dt.datetime
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def since(self) -> dt.datetime:
        return self.now - dt.timedelta(days=int(self.settings["lookback_days"]))


class Rule:
    code: ClassVar[str]
    number: ClassVar[int]
    title: ClassVar[str]
    app_label: ClassVar[str]
    requires: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def active(cls) -> bool:
        for name in cls.requires:
            try:
                apps.get_model(name)
            except LookupError:
                return False
        return True

    def find(self, ctx: ScanContext) -> Iterable[Finding]:
        raise NotImplementedError


RULES: dict[str, type[Rule]] = {}


def register(rule: type[Rule]) -> type[Rule]:
    RULES[rule.code] = rule
    return rule


def active_rules() -> list[type[Rule]]:
    return sorted((r for r in RULES.values() if r.active()), key=lambda r: r.number)


@dataclass
class ScanResult:
    found: Counter = field(default_factory=Counter)
    new: Counter = field(default_factory=Counter)


@transaction.atomic
def scan(
    *,
    subdistrict: Area,
    now: dt.datetime | None = None,
    actor: User | None = None,
    only: Iterable[str] | None = None,
) -> ScanResult:
    """Run the active rules over one subdistrict; new findings become open alerts, known ones are
    refreshed (their evidence while still open). `actor` None is the nightly job."""
    now = now or timezone.now()
    if actor is not None:
        require(actor, "alert.scan", subdistrict)
    ctx = ScanContext(subdistrict=subdistrict, now=now, settings=config.get("supervision"))
    result = ScanResult()
    wanted = set(only) if only else None
    for rule_class in active_rules():
        if wanted is not None and rule_class.code not in wanted:
            continue
        findings = {f.key: f for f in rule_class().find(ctx)}
        known = {a.key: a for a in Alert.objects.filter(rule=rule_class.code, key__in=list(findings))}
        for key, finding in findings.items():
            result.found[rule_class.code] += 1
            evidence = [e.__dict__ for e in finding.evidence]
            area_id = finding.area if isinstance(finding.area, int) else finding.area.pk
            alert = known.get(key)
            if alert is None:
                Alert.objects.create(
                    subdistrict=subdistrict,
                    area_id=area_id,
                    rule=rule_class.code,
                    key=key[:200],
                    title=finding.title[:200],
                    detail=finding.detail,
                    evidence=evidence,
                    unit_id=finding.unit_id,
                    person_id=finding.person_id,
                    found_at=now,
                    last_seen_at=now,
                )
                result.new[rule_class.code] += 1
            elif alert.status == AlertStatus.OPEN:
                alert.evidence, alert.detail, alert.last_seen_at = evidence, finding.detail, now
                alert.save(update_fields=["evidence", "detail", "last_seen_at", "updated_at"])
            else:
                alert.last_seen_at = now
                alert.save(update_fields=["last_seen_at", "updated_at"])
    return result


@transaction.atomic
def review_alert(
    *, alert: Alert, actor: User, action: str, reason: str, now: dt.datetime | None = None
) -> Alert:
    """Confirm, dismiss or reopen an alert: a written reason is required, and the review is audited."""
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    step = transitions.ALERT_ACTIONS.get(action)
    require(actor, step.permission if step else "alert.review", alert)
    step = transitions.check(transitions.ALERT_ACTIONS, action, alert.status)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise DomainError(_("请写明研判意见（至少4个字）。"))
    if len(reason) > 2000:
        raise DomainError(_("研判意见不能超过2000字。"))
    now = now or timezone.now()
    previous = alert.status
    alert.status = step.to
    alert.reason = reason
    alert.decided_by = actor
    alert.decided_at = now
    alert.save(update_fields=["status", "reason", "decided_by", "decided_at", "updated_at"])
    audit.record(
        actor=actor,
        action=f"insight.alert.{action}",
        target=alert,
        data={"rule": alert.rule, "from": previous, "to": step.to, "reason": reason},
    )
    return alert


@dataclass
class RuleFigures:
    code: str
    number: int
    title: str
    alerts: int = 0
    open: int = 0
    confirmed: int = 0
    dismissed: int = 0
    planted: int = 0
    planted_found: int = 0

    @property
    def precision_on_planted(self) -> float | None:
        """Of this rule's alerts, the share that were planted by the demo (the others may still be
        real: the demo's ordinary data is not guaranteed clean)."""
        return self.planted_found / self.alerts if self.alerts else None

    @property
    def recall_on_planted(self) -> float | None:
        return self.planted_found / self.planted if self.planted else None


def figures(alerts, subdistricts) -> list[RuleFigures]:
    """Per rule: alerts by status, and how many were planted (demo) and found."""
    table = {r.code: RuleFigures(r.code, r.number, str(r.title)) for r in active_rules()}
    planted_keys: dict[str, set[str]] = defaultdict(set)
    for rule, key in PlantedAnomaly.objects.filter(subdistrict__in=subdistricts).values_list("rule", "key"):
        planted_keys[rule].add(key)
    for rule, key, status in alerts.values_list("rule", "key", "status"):
        row = table.get(rule)
        if row is None:
            continue
        row.alerts += 1
        setattr(row, status, getattr(row, status) + 1)
        row.planted_found += key in planted_keys[rule]
    for rule, keys in planted_keys.items():
        if rule in table:
            table[rule].planted = len(keys)
    return sorted(table.values(), key=lambda r: r.number)


def by_unit_and_month(alerts) -> list[dict]:
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    return list(
        alerts.annotate(month=TruncMonth("found_at"))
        .values("unit__name", "month")
        .annotate(n=Count("id"))
        .order_by("-month", "-n", "unit__name")[:60]
    )
