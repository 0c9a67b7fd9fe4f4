"""Scoped reads of participation, and the public reads (only what passed moderation)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from gongzhi.accounts.models import User
from gongzhi.core.errors import NotFound
from gongzhi.participation.models import (
    CLOSED_ITEM_STATUSES,
    PUBLIC_SUGGESTION_STATUSES,
    Ballot,
    Campaign,
    Entry,
    ItemStatus,
    ListItem,
    Meeting,
    MeetingStatus,
    Project,
    Suggestion,
    Topic,
)
from gongzhi.participation.rules import HANDLERS, READERS
from gongzhi.registry import crypto
from gongzhi.registry.models import Resident
from gongzhi.territory.models import Area
from gongzhi.territory.scope import overlapping, scope_filter, scoped


def suggestions_for(user: User) -> QuerySet[Suggestion]:
    return scoped(Suggestion.objects.all(), user, roles=READERS)


def topics_for(user: User) -> QuerySet[Topic]:
    return scoped(Topic.objects.all(), user, roles=READERS)


def meetings_for(user: User) -> QuerySet[Meeting]:
    return scoped(Meeting.objects.all(), user, roles=READERS)


def projects_for(user: User) -> QuerySet[Project]:
    return scoped(Project.objects.all(), user, roles=READERS)


def ballots_for(user: User) -> QuerySet[Ballot]:
    """Ballots of the user's scope and those of the areas that contain it."""
    if not READERS.held_by(user):
        return Ballot.objects.none()
    return overlapping(Ballot.objects.all(), user)


def public_ballots() -> QuerySet[Ballot]:
    """Ballots the public may see: open, closed (counting) and published; never drafts."""
    return Ballot.objects.filter(status__in=["open", "closed", "published"]).select_related("area")


def items_for(user: User) -> QuerySet[ListItem]:
    """Mirrors "participation.item.view": readers see their scope, a handler its unit's items."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.scope_id is None:
        return ListItem.objects.none()
    if READERS.held_by(user):
        return scoped(ListItem.objects.all(), user)
    if HANDLERS.held_by(user) and user.unit_id:
        mine = ListItem.objects.filter(Q(owner_id=user.unit_id) | Q(co_owners=user.unit_id)).values("pk")
        return scoped(ListItem.objects.filter(pk__in=mine), user)
    return ListItem.objects.none()


def campaigns_for(user: User) -> QuerySet[Campaign]:
    """Campaigns whose area is inside the user's scope or contains it."""
    if not (READERS.held_by(user) or HANDLERS.held_by(user)):
        return Campaign.objects.none()
    return overlapping(Campaign.objects.all(), user)


def _one(qs: QuerySet, **lookup):
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


def suggestion_for(user: User, pk: int) -> Suggestion:
    return _one(
        suggestions_for(user).select_related(
            "area", "campaign", "case", "topic", "referred_to", "merged_into"
        ),
        pk=pk,
    )


def topic_for(user: User, pk: int) -> Topic:
    return _one(topics_for(user).select_related("area"), pk=pk)


def meeting_for(user: User, pk: int) -> Meeting:
    return _one(meetings_for(user).select_related("area", "topic"), pk=pk)


def item_for(user: User, pk: int) -> ListItem:
    return _one(items_for(user).select_related("area", "owner", "parent", "topic"), pk=pk)


def project_for(user: User, pk: int) -> Project:
    return _one(projects_for(user).select_related("area", "task"), pk=pk)


def ballot_for(user: User, pk: int) -> Ballot:
    return _one(ballots_for(user).select_related("area"), pk=pk)


def campaign_for(user: User, pk: int) -> Campaign:
    return _one(campaigns_for(user).select_related("area"), pk=pk)


def timeline(subject: str, subject_id: int, *, public_only: bool = False) -> QuerySet[Entry]:
    qs = Entry.objects.filter(subject=subject, subject_id=subject_id).select_related("actor")
    return qs.filter(public=True) if public_only else qs


# ---------------------------------------------------------------- public reads


def public_campaigns() -> QuerySet[Campaign]:
    return Campaign.objects.select_related("area").annotate(
        n_public=Count("suggestions", filter=Q(suggestions__status__in=PUBLIC_SUGGESTION_STATUSES))
    )


def public_suggestions() -> QuerySet[Suggestion]:
    """Only what moderation approved; pages show `public_title`/`public_body` only."""
    return Suggestion.objects.filter(status__in=PUBLIC_SUGGESTION_STATUSES).select_related("area", "topic")


def public_suggestion(ref: str) -> Suggestion:
    return _one(public_suggestions().select_related("campaign", "case"), ref=ref)


def public_items(area: Area) -> QuerySet[ListItem]:
    return (
        ListItem.objects.filter(scope_filter(area), public=True)
        .select_related("owner", "area", "parent")
        .order_by("parent_id", "id")
    )


def public_meetings(area: Area) -> QuerySet[Meeting]:
    return Meeting.objects.filter(scope_filter(area), status=MeetingStatus.PUBLISHED).select_related("topic")


@dataclass
class BoardSummary:
    total: int
    closed: int
    by_status: dict[str, int]

    @property
    def closed_share(self) -> int | None:
        """The share of items finished (done, verified or closed), as Hunan Road reports it."""
        return round(100 * self.closed / self.total) if self.total else None


def board_summary(items: QuerySet[ListItem]) -> BoardSummary:
    counts = dict(items.order_by().values_list("status").annotate(n=Count("id")))
    total = sum(counts.values())
    closed = sum(counts.get(s, 0) for s in CLOSED_ITEM_STATUSES)
    return BoardSummary(
        total=total, closed=closed, by_status={s: counts.get(s, 0) for s in ItemStatus.values}
    )


def boards_in(items: QuerySet[ListItem]) -> list[str]:
    return sorted({b for b in items.order_by().values_list("board", flat=True).distinct() if b})


def _grams(text: str) -> set[str]:
    text = "".join(ch for ch in (text or "") if ch.isalnum())
    return {text[i : i + 2] for i in range(len(text) - 1)}


def similar_suggestions(user: User, suggestion: Suggestion, *, limit: int = 5, threshold: float = 0.25):
    """Likely duplicates among the user's suggestions of the same subdistrict (character-bigram
    Jaccard over title and text, the newest 300 compared), best first: candidates to merge."""
    mine = _grams(suggestion.public_title + suggestion.public_body)
    if not mine:
        return []
    others = (
        suggestions_for(user)
        .filter(subdistrict_id=suggestion.subdistrict_id)
        .exclude(pk=suggestion.pk)
        .exclude(status__in=["declined", "withdrawn", "merged"])
        .order_by("-created_at")[:300]
    )
    scored = []
    for other in others:
        theirs = _grams(other.public_title + other.public_body)
        score = len(mine & theirs) / len(mine | theirs) if theirs else 0
        if score >= threshold:
            scored.append((score, other))
    scored.sort(key=lambda pair: (-pair[0], pair[1].pk))
    return [other for _score, other in scored[:limit]]


def households_of_phone(phone: str, area: Area) -> list[int]:
    """The registry households in `area` with a current (not moved out, not pseudonymised)
    resident whose phone is `phone`, matched through the registry's keyed phone hash. Used by
    per-household ballots, where the voter has no account (so no user's scope applies)."""
    if not phone:
        return []
    return sorted(
        set(
            Resident.objects.filter(
                scope_filter(area),
                subdistrict_id=area.subdistrict_id,
                phone_hash=crypto.blind_index(phone, kind="phone"),
                household__isnull=False,
                moved_out_on__isnull=True,
                pseudonymised_on__isnull=True,
            ).values_list("household_id", flat=True)
        )
    )
