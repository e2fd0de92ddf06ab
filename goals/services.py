"""Writes for goals: setting, updating, reviewing, carrying over and sharing wins.

Meetings are reached through relations (`group.meetings`), never imported: `meetings` comes after
`goals` in the dependency order and calls `goal_review_record` when a facilitator logs a meeting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Model, Q

from accounts.models import CareerArea, User
from goals.models import Goal, GoalReview, GoalStatus, ReviewOutcome
from groups.models import PeerGroup


class GoalError(Exception):
    """A rule about goals was broken; the message is safe to show."""


@dataclass(frozen=True)
class GoalFields:
    title: str
    category: str
    details: str = ""
    career_area: CareerArea | None = None
    visibility: str = "group"
    is_specific: bool = False
    is_measurable: bool = False
    is_achievable: bool = False
    is_relevant: bool = False
    is_time_bound: bool = False
    confidence: int | None = None


def next_meeting(*, group: PeerGroup, now: datetime, exclude: Model | None = None) -> Model | None:
    """The group's next scheduled meeting, where new goals are reviewed by default."""
    meetings = group.meetings.upcoming(now)
    if exclude is not None:
        meetings = meetings.exclude(pk=exclude.pk)
    return meetings.first()


def _due(*, group: PeerGroup, due_meeting: Model | None, due_date: date | None, now: datetime):
    """Where a goal is reviewed: the given meeting, else the group's first meeting on or after
    the due date, else its next meeting. The date defaults to that meeting's."""
    if due_meeting is not None and due_meeting.group_id != group.pk:
        raise GoalError("A goal is reviewed at a meeting of its own group.")
    if due_meeting is None:
        meetings = group.meetings.upcoming(now)
        if due_date is not None:
            meetings = meetings.filter(starts_at__date__gte=due_date)
        due_meeting = meetings.first()
    if due_date is None and due_meeting is not None:
        due_date = due_meeting.starts_at.date()
    return due_meeting, due_date


@transaction.atomic
def goal_create(
    *,
    owner: User,
    group: PeerGroup,
    fields: GoalFields,
    now: datetime,
    due_meeting: Model | None = None,
    due_date: date | None = None,
) -> Goal:
    """Set a new goal, due at the group's next meeting unless a date or meeting is given."""
    due_meeting, due_date = _due(group=group, due_meeting=due_meeting, due_date=due_date, now=now)
    return Goal.objects.create(
        owner=owner,
        group=group,
        due_meeting=due_meeting,
        due_date=due_date,
        **vars(fields),
    )


@transaction.atomic
def goal_update(
    *,
    goal: Goal,
    fields: GoalFields,
    now: datetime,
    due_meeting: Model | None = None,
    due_date: date | None = None,
) -> Goal:
    goal.due_meeting, goal.due_date = _due(
        group=goal.group, due_meeting=due_meeting, due_date=due_date, now=now
    )
    for name, value in vars(fields).items():
        setattr(goal, name, value)
    goal.save()
    return goal


def _apply_status(goal: Goal, status: str, now: datetime) -> None:
    goal.status = status
    if status == GoalStatus.DONE:
        goal.completed_at = goal.completed_at or now
    else:
        goal.completed_at = None
        goal.shared_as_win_at = None


@transaction.atomic
def goal_set_status(*, goal: Goal, status: str, now: datetime) -> Goal:
    """The owner's own update, typically before the meeting reviews the goal."""
    if status not in GoalStatus.values:
        raise GoalError("Unknown goal status.")
    _apply_status(goal, status, now)
    goal.save(update_fields=["status", "completed_at", "shared_as_win_at", "updated_at"])
    return goal


@transaction.atomic
def goal_carry_over(*, goal: Goal, now: datetime) -> Goal:
    """Copy an unfinished goal to the group's next meeting; doing it twice returns the copy."""
    existing = Goal.objects.filter(carried_from=goal).first()
    if existing is not None:
        return existing
    if goal.status in (GoalStatus.DONE, GoalStatus.DROPPED):
        raise GoalError("Only a goal that is not done can be carried over.")
    if goal.status == GoalStatus.ACTIVE:
        # Carrying over closes this round of the goal: it was not finished in time.
        _apply_status(goal, GoalStatus.PARTLY, now)
        goal.save(update_fields=["status", "completed_at", "shared_as_win_at", "updated_at"])
    due_meeting = next_meeting(group=goal.group, now=now, exclude=goal.due_meeting)
    return Goal.objects.create(
        owner=goal.owner,
        group=goal.group,
        title=goal.title,
        details=goal.details,
        category=goal.category,
        career_area=goal.career_area,
        visibility=goal.visibility,
        is_specific=goal.is_specific,
        is_measurable=goal.is_measurable,
        is_achievable=goal.is_achievable,
        is_relevant=goal.is_relevant,
        is_time_bound=goal.is_time_bound,
        confidence=goal.confidence,
        due_meeting=due_meeting,
        due_date=due_meeting.starts_at.date() if due_meeting else None,
        carried_from=goal,
    )


@transaction.atomic
def goal_share_win(*, goal: Goal, now: datetime) -> Goal:
    """Show a done goal on the group page as a win; sharing again changes nothing."""
    if goal.status != GoalStatus.DONE:
        raise GoalError("Only a done goal can be shared as a win.")
    if goal.is_private:
        raise GoalError("This goal is private: make it visible to your group to share it.")
    if goal.shared_as_win_at is None:
        goal.shared_as_win_at = now
        goal.save(update_fields=["shared_as_win_at", "updated_at"])
    return goal


@transaction.atomic
def goal_review_record(
    *,
    goal: Goal,
    meeting: Model,
    outcome: str,
    learned: str,
    blocker: str,
    reviewed_by: User | None,
    now: datetime,
) -> GoalReview:
    """Record (or correct) a goal's review at a meeting; the goal takes the outcome as status."""
    if outcome not in ReviewOutcome.values:
        raise GoalError("Unknown review outcome.")
    if goal.group_id != meeting.group_id:
        raise GoalError("A goal is reviewed at a meeting of its own group.")
    review, _created = GoalReview.objects.update_or_create(
        goal=goal,
        meeting=meeting,
        defaults={
            "outcome": outcome,
            "learned": learned,
            "blocker": blocker if outcome != ReviewOutcome.DONE else "",
            "reviewed_by": reviewed_by,
        },
    )
    _apply_status(goal, outcome, now)
    goal.save(update_fields=["status", "completed_at", "shared_as_win_at", "updated_at"])
    return review


def goals_attach_to_meeting(*, meeting: Model) -> int:
    """Goals of the group still waiting for a meeting are reviewed at this one."""
    day = meeting.starts_at.date()
    return (
        Goal.objects.filter(
            group_id=meeting.group_id, status=GoalStatus.ACTIVE, due_meeting__isnull=True
        )
        .filter(Q(due_date__isnull=True) | Q(due_date__lte=day))
        .update(due_meeting=meeting, due_date=day)
    )


def goals_detach_from_meeting(*, meeting: Model, now: datetime) -> int:
    """A cancelled meeting hands its open goals to the group's next meeting."""
    following = next_meeting(group=meeting.group, now=now, exclude=meeting)
    return Goal.objects.filter(due_meeting=meeting, status=GoalStatus.ACTIVE).update(
        due_meeting=following, due_date=following.starts_at.date() if following else None
    )
