"""Training, suggesting and recording: the text app's writes and its model cache.

Labels come from the deployment's own history: the leaf category (and the handling unit) of
closed and rated cases. A fixed share of cases (by a hash of the id) is always held back for
evaluation, so no version ever trains on them and versions are compared on the same cases.
"""

from __future__ import annotations

import datetime as dt
import pickle
import threading
import zlib
from collections import Counter
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction
from django.db.models import CharField, Max, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task
from sklearn.metrics import accuracy_score, f1_score

from gongzhi.accounts.models import Unit, User
from gongzhi.cases.models import Case, Category, Status
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.territory.models import Area, AreaKind
from gongzhi.text import classify
from gongzhi.text.models import ModelVersion, Suggestion

TRAIN_STATUSES = [Status.CLOSED, Status.RATED]
# The newest part of the history is the test of a new version (a time split: the model is
# judged on cases that came after the ones it learned from, as it will be used).
TEST_SHARE = 0.2
# Routing: a case closed this many days ago weighs half as much as one closed today.
HALF_LIFE_DAYS = 180
MIN_PER_CLASS = 3  # a class needs this many training cases (the temperature is fitted on 3 folds)
MIN_CASES = 30
MAX_CASES = 200_000  # the most recently closed; enough for a linear model, bounded memory and time


def local_words() -> list[str]:
    """Place names the segmenter should keep whole: areas below the district (subdistricts,
    grids, neighbourhoods, estates) and, when the registry app provides them, organisations."""
    names = set(
        Area.objects.filter(
            kind__in=[AreaKind.SUBDISTRICT, AreaKind.GRID, AreaKind.NEIGHBOURHOOD, AreaKind.ESTATE]
        ).values_list("name", flat=True)
    )
    names |= set(Unit.objects.values_list("name", flat=True))
    try:
        org = apps.get_model("registry", "Organization")
    except LookupError:
        org = None
    if org is not None:
        names |= set(org.objects.values_list("name", flat=True)[:50_000])
    return sorted(n for n in names if n and 2 <= len(n) <= 20)


# ---------------------------------------------------------------- training


@dataclass
class Bundle:
    """What a ModelVersion's blob holds."""

    category: object  # a fitted classify.CategoryModel (older versions: a pipeline); Category ids as strings
    unit: object | None  # the same for Unit ids, or None when there is too little history
    user_words: list[str] = field(default_factory=list)


def _dump(bundle: Bundle) -> bytes:
    return zlib.compress(pickle.dumps(bundle, protocol=pickle.HIGHEST_PROTOCOL), 6)


def _load(blob: bytes) -> Bundle:
    # The blob was written by train_category_model into our own database, never uploaded.
    return pickle.loads(zlib.decompress(bytes(blob)))  # noqa: S301


def _fit(texts: list[str], labels: list[str], user_words: list[str], weights: list[float] | None = None):
    counts = Counter(labels)
    keep = [i for i, y in enumerate(labels) if counts[y] >= MIN_PER_CLASS]
    if len({labels[i] for i in keep}) < 2:
        return None, sorted(y for y, n in counts.items() if n < MIN_PER_CLASS)
    model = classify.build_model(user_words=user_words)
    model.fit(
        [texts[i] for i in keep],
        [labels[i] for i in keep],
        sample_weight=[weights[i] for i in keep] if weights is not None else None,
    )
    return model, sorted(y for y, n in counts.items() if n < MIN_PER_CLASS)


def _score(pipe, texts: list[str], labels: list[str]) -> dict:
    if pipe is None or not texts:
        return {}
    pred = list(pipe.predict(texts))
    proba = pipe.predict_proba(texts)
    classes = list(pipe.classes_)
    top3 = 0
    for row, y in zip(proba, labels, strict=True):
        best = [classes[i] for i in row.argsort()[::-1][:3]]
        top3 += y in best
    return {
        "accuracy": round(float(accuracy_score(labels, pred)), 4),
        "macro_f1": round(float(f1_score(labels, pred, labels=sorted(set(labels)), average="macro")), 4),
        "top3": round(top3 / len(labels), 4),
        "n": len(labels),
    }


@dataclass
class TrainResult:
    version: ModelVersion
    activated: bool
    reason: str


@dataclass
class HistoryRow:
    pk: int
    text: str
    category: str
    unit: str | None  # the unit that answers for it now (a retired unit's successor)
    closed_at: dt.datetime | None


def answering_units() -> dict[int, int | None]:
    """For every unit, the unit that answers for it now: itself when active, the end of its
    successor chain when renamed or merged, None when dissolved without a successor."""
    rows = {
        pk: (active, succ) for pk, active, succ in Unit.objects.values_list("pk", "active", "successor_id")
    }
    out: dict[int, int | None] = {}
    for pk in rows:
        unit, seen = pk, set()
        while unit is not None and not rows[unit][0] and unit not in seen:
            seen.add(unit)
            unit = rows[unit][1]
        out[pk] = unit if unit is not None and rows[unit][0] else None
    return out


def _history() -> list[HistoryRow]:
    """The closed cases to learn from, oldest first (the most recent MAX_CASES)."""
    answering = answering_units()
    rows = (
        Case.objects.filter(status__in=TRAIN_STATUSES, category__parent__isnull=False)
        .order_by("-closed_at", "-pk")
        .values_list("pk", "title", "description", "category_id", "assigned_unit_id", "closed_at")[:MAX_CASES]
    )
    out = []
    for pk, t, d, c, u, closed in rows:
        now_unit = answering.get(u) if u else None
        out.append(
            HistoryRow(pk, classify.document(t, d), str(c), str(now_unit) if now_unit else None, closed)
        )
    out.sort(key=lambda r: (r.closed_at or dt.datetime.min.replace(tzinfo=dt.UTC), r.pk))
    return out


def time_split(history: list[HistoryRow]) -> tuple[list[HistoryRow], list[HistoryRow]]:
    """The older (1 − TEST_SHARE) to learn from, the newest TEST_SHARE to judge by."""
    cut = len(history) - max(1, round(len(history) * TEST_SHARE))
    return history[:cut], history[cut:]


def _recency(rows: list[HistoryRow], now: dt.datetime) -> list[float]:
    weights = []
    for r in rows:
        age = (now - r.closed_at).total_seconds() / 86400 if r.closed_at else 10 * HALF_LIFE_DAYS
        weights.append(0.5 ** (max(0.0, age) / HALF_LIFE_DAYS))
    # Relative weights (mean 1), so that the model's regularisation means what it did unweighted.
    mean = sum(weights) / len(weights) if weights else 1.0
    return [w / mean for w in weights]


def train_category_model(*, actor: User | None = None, now: dt.datetime | None = None) -> TrainResult:
    """Train a new version on the closed cases; activate it only if it is not worse (macro-F1
    on the held-back cases) than the active version. `actor` None means the system (a task)."""
    if actor is not None:
        permissions.require(actor, "text.manage")
    now = now or timezone.now()
    history = _history()
    train, test = time_split(history)
    if len(train) < MIN_CASES or not test:
        raise DomainError(
            _("已结案的工单太少（%(n)d 件），至少需要 %(min)d 件才能训练。")
            % {"n": len(history), "min": MIN_CASES},
            code="too_little_history",
        )
    words = local_words()
    category, dropped = _fit([r.text for r in train], [r.category for r in train], words)
    if category is None:
        raise DomainError(_("已结案工单的类别太少，至少需要两个类别各 3 件。"), code="too_little_history")
    unit_rows = [r for r in train if r.unit]
    unit, _unit_dropped = _fit(
        [r.text for r in unit_rows], [r.unit for r in unit_rows], words, _recency(unit_rows, now)
    )
    test_texts, test_labels = [r.text for r in test], [r.category for r in test]
    unit_test = [r for r in test if r.unit]
    metrics = {
        "split": "time",
        "category": _score(category, test_texts, test_labels),
        "unit": _score(unit, [r.text for r in unit_test], [r.unit for r in unit_test]) if unit else {},
        "dropped_classes": dropped,
        "classes": len(category.classes_),
    }
    current = ModelVersion.objects.filter(active=True).first()
    activated, reason = True, _("首个模型版本。")
    if current is not None:
        try:
            baseline = _score(_load(current.blob).category, test_texts, test_labels)
        except Exception:  # a version pickled by an incompatible library cannot be compared
            baseline = {}
        metrics["baseline"] = {"version": current.version, **baseline}
        new_f1, old_f1 = metrics["category"]["macro_f1"], baseline.get("macro_f1", -1.0)
        activated = new_f1 >= old_f1
        reason = (
            _("留出样本 macro-F1 %(new).3f ≥ 当前 v%(v)d 的 %(old).3f，已启用。")
            if activated
            else _("留出样本 macro-F1 %(new).3f 低于当前 v%(v)d 的 %(old).3f，未启用。")
        ) % {"new": new_f1, "old": old_f1, "v": current.version}
    return _save(Bundle(category, unit, words), metrics, len(train), len(test), activated, reason, actor, now)


@transaction.atomic
def _save(
    bundle: Bundle,
    metrics: dict,
    trained_on: int,
    held: int,
    activated: bool,
    reason: str,
    actor: User | None,
    now: dt.datetime,
) -> TrainResult:
    number = (ModelVersion.objects.select_for_update().aggregate(m=Max("version"))["m"] or 0) + 1
    if activated:
        ModelVersion.objects.filter(active=True).update(active=False)
    version = ModelVersion.objects.create(
        version=number,
        created_at=now,
        trained_on=trained_on,
        held_back=held,
        metrics=metrics,
        blob=_dump(bundle),
        active=activated,
        note=reason[:300],
        trained_by=actor,
    )
    return TrainResult(version, activated, reason)


@task()
def train_category_model_task() -> dict:
    result = train_category_model()
    return {"version": result.version.version, "activated": result.activated, "reason": result.reason}


@transaction.atomic
def activate_version(*, version: ModelVersion, actor: User) -> ModelVersion:
    """Make an older (or rejected) version the active one, e.g. to roll back."""
    permissions.require(actor, "text.manage")
    ModelVersion.objects.filter(active=True).update(active=False)
    version.active = True
    version.save(update_fields=["active"])
    return version


# ---------------------------------------------------------------- the active model, cached

_cache_lock = threading.Lock()
_cache: dict[str, object] = {"pk": None, "bundle": None}


def active_model() -> tuple[ModelVersion | None, Bundle | None]:
    """The active version and its unpickled bundle (kept in memory until another is active)."""
    current = ModelVersion.objects.filter(active=True).only("pk", "version").first()
    if current is None:
        return None, None
    with _cache_lock:
        if _cache["pk"] != current.pk:
            blob = ModelVersion.objects.values_list("blob", flat=True).get(pk=current.pk)
            _cache["bundle"], _cache["pk"] = _load(blob), current.pk
        return current, _cache["bundle"]  # type: ignore[return-value]


# ---------------------------------------------------------------- suggestions


@dataclass
class Suggested:
    categories: list[tuple[Category, float]]
    unit: tuple[Unit, float] | None
    version: ModelVersion


def suggest(title: str, description: str, subdistrict: Area | None = None, *, k: int = 3) -> Suggested | None:
    """The k most likely leaf categories with confidence, and the most likely handling unit
    (among the units of `subdistrict` when given). None when no model is trained yet."""
    version, bundle = active_model()
    if bundle is None or not (title or "").strip() and not (description or "").strip():
        return None
    text = classify.document(title or "", description or "")
    ranked = classify.top_k(bundle.category, text, k=len(bundle.category.classes_))
    ids = [int(label) for label, _ in ranked]
    live = {c.pk: c for c in Category.objects.filter(pk__in=ids, active=True).select_related("parent")}
    categories = [(live[int(label)], p) for label, p in ranked if int(label) in live][:k]
    unit = None
    if bundle.unit is not None:
        units = classify.top_k(bundle.unit, text, k=len(bundle.unit.classes_))
        found = Unit.objects.filter(pk__in=[int(u) for u, _ in units], active=True)
        if subdistrict is not None:
            found = found.filter(subdistrict_id=subdistrict.subdistrict_id or subdistrict.pk)
        by_pk = {u.pk: u for u in found}
        unit = next(((by_pk[int(u)], p) for u, p in units if int(u) in by_pk), None)
    return Suggested(categories, unit, version)


def record_choice(
    *, case: Case, suggested: Suggested | list | None, chosen: Category | None = None
) -> Suggestion | None:
    """Record what was suggested for a case and what the dispatcher chose (the case's category
    unless given). Call it from intake after the case is created; a no-op without suggestions."""
    if suggested is None:
        return None
    chosen = chosen or case.category
    if isinstance(suggested, Suggested):
        pairs, version = suggested.categories, suggested.version
        unit = (
            {
                "id": suggested.unit[0].pk,
                "name": suggested.unit[0].name,
                "confidence": round(suggested.unit[1], 4),
            }
            if suggested.unit
            else {}
        )
    else:
        pairs, version, unit = list(suggested), None, {}
    rows = []
    for cat, p in pairs:
        cat_id = cat.pk if isinstance(cat, Category) else int(cat)
        rows.append([cat_id, str(cat) if isinstance(cat, Category) else "", round(float(p), 4)])
    ids = [r[0] for r in rows]
    return Suggestion.objects.create(
        case=case,
        model_version=version,
        suggested=rows,
        suggested_unit=unit,
        chosen=chosen,
        accepted=bool(ids) and chosen is not None and ids[0] == chosen.pk,
        in_top3=chosen is not None and chosen.pk in ids[:3],
    )


def record_intake(case: Case, *, k: int = 3) -> Suggestion | None:
    """`suggest()` then `record_choice()` for a case just reported, in two SQL statements instead
    of five (issue 19): the model in memory ranks the categories and units, then ONE read answers
    the three questions the database must — which version is active, which of the ranked
    categories are live, which of the ranked units are live in the case's subdistrict — as a
    UNION ALL, and one INSERT records the suggestion. The same answer as suggest() +
    record_choice() (gongzhi/text/tests/test_intake.py compares them). When no model is in
    memory yet, or the read shows another version active, it falls back on suggest(), which
    loads that version; with no active version it records nothing."""
    with _cache_lock:
        pk, bundle = _cache["pk"], _cache["bundle"]
    if not (case.title or "").strip() and not (case.description or "").strip():
        return None
    if bundle is None:
        return record_choice(
            case=case, suggested=suggest(case.title, case.description, case.subdistrict, k=k)
        )
    text = classify.document(case.title or "", case.description or "")
    ranked = classify.top_k(bundle.category, text, k=len(bundle.category.classes_))
    units = classify.top_k(bundle.unit, text, k=len(bundle.unit.classes_)) if bundle.unit is not None else []
    label = CharField()
    read = ModelVersion.objects.filter(active=True).order_by()
    read = read.values_list(
        Value("v", output_field=label), "pk", Value("", output_field=label), Value("", output_field=label)
    )
    categories = Category.objects.filter(pk__in=[int(c) for c, _ in ranked], active=True).order_by()
    categories = categories.values_list(
        Value("c", output_field=label), "pk", Coalesce("parent__name", Value("", output_field=label)), "name"
    )
    parts = [categories]
    if units:
        found = Unit.objects.filter(
            pk__in=[int(u) for u, _ in units], active=True, subdistrict_id=case.subdistrict_id
        )
        parts.append(
            found.order_by().values_list(
                Value("u", output_field=label), "pk", Value("", output_field=label), "name"
            )
        )
    rows = list(read.union(*parts, all=True))
    active = [row[1] for row in rows if row[0] == "v"]
    if not active:
        return None
    if active != [pk]:  # another version is active: suggest() loads it
        return record_choice(
            case=case, suggested=suggest(case.title, case.description, case.subdistrict, k=k)
        )
    live = {row[1]: (f"{row[2]} / {row[3]}" if row[2] else row[3]) for row in rows if row[0] == "c"}
    unit_names = {row[1]: row[3] for row in rows if row[0] == "u"}
    suggested = [[int(c), live[int(c)], round(float(p), 4)] for c, p in ranked if int(c) in live][:k]
    unit = next(
        (
            {"id": int(u), "name": unit_names[int(u)], "confidence": round(p, 4)}
            for u, p in units
            if int(u) in unit_names
        ),
        {},
    )
    ids = [row[0] for row in suggested]
    return Suggestion.objects.create(
        case=case,
        model_version_id=pk,
        suggested=suggested,
        suggested_unit=unit,
        chosen=case.category,
        accepted=bool(ids) and ids[0] == case.category_id,
        in_top3=case.category_id in ids[:3],
    )


# ---------------------------------------------------------------- hot issue → tier-3 coordination


@transaction.atomic
def escalate_hot_issue(*, cases: list[Case], actor: User, now: dt.datetime | None = None) -> Case:
    """Put a hot issue before the subdistrict working committee: its earliest case in handling
    is escalated, tier by tier, to tier 3, with the numbers of the other cases in the reason.
    The committee then records its coordination on that case (cases.services.record_coordination)."""
    from gongzhi.cases import services as case_services

    permissions.require(actor, "text.hot_escalate")
    handling = sorted(
        (c for c in cases if c.status == Status.ASSIGNED and c.tier is not None),
        key=lambda c: (c.created_at, c.pk),
    )
    if not handling:
        raise DomainError(_("这个热点问题中没有处置中的工单，无法提交街道协调。"))
    master = handling[0]
    others = [c.number for c in cases if c.pk != master.pk]
    reason = _("热点问题：同类工单 %(n)d 件（%(numbers)s），提交街道协调。") % {
        "n": len(cases),
        "numbers": "、".join(others[:20]) + ("…" if len(others) > 20 else ""),
    }
    while master.tier < 3:
        master = case_services.escalate_case(case=master, actor=actor, reason=reason[:500], now=now)
    return master
