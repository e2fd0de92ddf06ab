"""Read queries for groups used by more than one page."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Case, OuterRef, Prefetch, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from accounts.models import CareerInterest, User
from groups.models import (
    GroupStatus,
    Membership,
    MembershipRole,
    MembershipStatus,
    PeerGroup,
)

MIXED = "mixed"
PAST_MEETINGS_SHOWN = 6
WINS_SHOWN = 10


def groups_joinable_for(
    *, user: User, career_area: str = "", cohort_id: int | None = None
) -> QuerySet[PeerGroup]:
    """Groups open for joining, the person's own career interests first (by rank), then mixed
    groups, then the rest. Each has `seated_count`, `waitlist_count`, `facilitator_memberships`
    and `my_memberships` (the person's own place, with its waitlist position)."""
    rank = CareerInterest.objects.filter(
        profile__user=user, career_area=OuterRef("career_area")
    ).values("rank")[:1]
    groups = (
        PeerGroup.objects.joinable()
        .with_counts()
        .select_related("cohort", "career_area")
        .annotate(
            match_rank=Coalesce(
                Subquery(rank),
                Case(When(career_area__isnull=True, then=Value(8)), default=Value(9)),
            )
        )
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.facilitators().select_related("user"),
                to_attr="facilitator_memberships",
            ),
            Prefetch(
                "memberships",
                queryset=Membership.objects.current().filter(user=user).with_waitlist_position(),
                to_attr="my_memberships",
            ),
        )
        .order_by("match_rank", "-cohort__start_date", "name", "pk")
    )
    if career_area == MIXED:
        groups = groups.filter(career_area__isnull=True)
    elif career_area:
        groups = groups.filter(career_area__slug=career_area)
    if cohort_id is not None:
        groups = groups.filter(cohort_id=cohort_id)
    return groups


def group_memberships(*, group: PeerGroup) -> list[Membership]:
    """Current memberships of a group with what the group page shows of each person:
    facilitators, then members by seat, then the waitlist in order."""
    return list(
        group.memberships.current()
        .select_related("user__profile__discipline")
        .order_by(
            Case(
                When(role=MembershipRole.FACILITATOR, then=Value(0)),
                When(status=MembershipStatus.ACTIVE, then=Value(1)),
                default=Value(2),
            ),
            "seat",
            "waitlist_ticket",
            "pk",
        )
    )


def memberships_current_for(*, user: User) -> QuerySet[Membership]:
    """A person's groups and waitlist places, for the home page (closed groups left out)."""
    return (
        Membership.objects.current()
        .filter(user=user)
        .exclude(group__status=GroupStatus.CLOSED)
        .select_related("group__cohort", "group__career_area")
        .with_waitlist_position()
        .order_by(
            Case(When(status=MembershipStatus.ACTIVE, then=Value(0)), default=Value(1)),
            "group__name",
            "pk",
        )
    )


def waitlist_position(*, membership: Membership) -> int | None:
    if membership.status != MembershipStatus.WAITLISTED:
        return None
    return (
        Membership.objects.waitlisted()
        .filter(group_id=membership.group_id, waitlist_ticket__lte=membership.waitlist_ticket)
        .count()
    )


def membership_current(*, group: PeerGroup, user: User) -> Membership | None:
    return group.memberships.current().filter(user=user).first()


def waitlist_position_in(
    memberships: list[Membership], membership: Membership | None
) -> int | None:
    """The position of `membership` in an already loaded, ordered list of a group's rows."""
    if membership is None or membership.status != MembershipStatus.WAITLISTED:
        return None
    waiting = [m.pk for m in memberships if m.status == MembershipStatus.WAITLISTED]
    return waiting.index(membership.pk) + 1


def group_program(*, group: PeerGroup, now: datetime) -> dict:
    """The group's meetings, current goals and wins for its page.

    Meetings and goals are reached through the group's relations: `groups` comes before
    `meetings` and `goals` in the dependency order and never imports them.
    """
    return {
        "next_meeting": group.meetings.upcoming(now).first(),
        "past_meetings": list(group.meetings.past(now)[:PAST_MEETINGS_SHOWN]),
        "current_goals": list(
            group.goals.visible_to_group()
            .current()
            .filter(
                owner__memberships__group=group,
                owner__memberships__status=MembershipStatus.ACTIVE,
            )
            .select_related("owner")
            .order_by("owner__name", "due_date", "pk")
        ),
        "wins": list(
            group.goals.visible_to_group()
            .wins()
            .select_related("owner")
            .order_by("-shared_as_win_at")[:WINS_SHOWN]
        ),
    }
