"""Read queries for the goals pages."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F

from accounts.models import User
from goals.models import Goal, GoalStatus

HISTORY_LIMIT = 50


def goals_page(*, user: User, now: datetime) -> dict:
    """My goals in three lists: in progress, to carry over or share, and finished."""
    goals = list(
        Goal.objects.filter(owner=user)
        .select_related("group", "due_meeting", "career_area", "carried_to")
        .order_by("-created_at")[: HISTORY_LIMIT * 2]
    )
    current = [g for g in goals if g.status == GoalStatus.ACTIVE]
    current.sort(key=lambda g: (g.due_date is None, g.due_date or now.date()))
    follow_up = [
        g
        for g in goals
        if (g.status in (GoalStatus.PARTLY, GoalStatus.NOT_STARTED) and not _carried(g))
        or (g.status == GoalStatus.DONE and g.shared_as_win_at is None and not g.is_private)
    ]
    finished = [g for g in goals if g not in current and g not in follow_up][:HISTORY_LIMIT]
    return {
        "current": current,
        "follow_up": follow_up,
        "finished": finished,
        "status_choices": GoalStatus.choices,
    }


def _carried(goal: Goal) -> bool:
    try:
        return goal.carried_to is not None
    except Goal.carried_to.RelatedObjectDoesNotExist:
        return False


def goals_due_for(*, user: User, limit: int = 10) -> list[Goal]:
    """The person's goals in progress, soonest due first, for the home page."""
    return list(
        Goal.objects.filter(owner=user, status=GoalStatus.ACTIVE)
        .select_related("group", "due_meeting")
        .order_by(F("due_date").asc(nulls_last=True), "pk")[:limit]
    )
