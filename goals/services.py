"""Writes for goals: setting, updating, reviewing, carrying over and sharing wins.

Meetings are reached through relations (`group.meetings`), never imported: `meetings` comes after
`goals` in the dependency order and calls `goal_review_record` when a facilitator logs a meeting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone as dj_timezone

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


def meeting_day(meeting: Model, owner: User) -> date:
    """The meeting's date where the goal's owner lives: an evening meeting in New York is due
    that evening, though in UTC it is already the next day."""
    return dj_timezone.localtime(meeting.starts_at, owner.tzinfo).date()


def _due(
    *,
    owner: User,
    group: PeerGroup,
    due_meeting: Model | None,
    due_date: date | None,
    now: datetime,
):
    """Where a goal is reviewed: the given meeting, else the group's first meeting on or after
    the due date (in the owner's timezone), else its next meeting. The date defaults to that
    meeting's."""
    if due_meeting is not None and due_meeting.group_id != group.pk:
        raise GoalError("A goal is reviewed at a meeting of its own group.")
    if due_meeting is None:
        meetings = group.meetings.upcoming(now)
        if due_date is not None:
            day_starts = datetime.combine(due_date, time.min, tzinfo=owner.tzinfo)
            meetings = meetings.filter(starts_at__gte=day_starts)
        due_meeting = meetings.first()
    if due_date is None and due_meeting is not None:
        due_date = meeting_day(due_meeting, owner)
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
    due_meeting, due_date = _due(
        owner=owner, group=group, due_meeting=due_meeting, due_date=due_date, now=now
    )
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
        owner=goal.owner,
        group=goal.group,
        due_meeting=due_meeting,
        due_date=due_date,
        now=now,
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
    # Lock the goal: a double click must find the first copy, not collide with it.
    goal = Goal.objects.select_for_update().select_related("owner").get(pk=goal.pk)
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
        due_date=meeting_day(due_meeting, goal.owner) if due_meeting else None,
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


def _review_at(goals: QuerySet[Goal], meeting: Model | None, *, waiting: bool = False) -> int:
    """Point goals at `meeting` (or at none), each due on the meeting's date where its owner
    lives. `waiting`: only goals whose own due date, if any, comes by that date."""
    rows = []
    for goal in goals.select_related("owner"):
        day = meeting_day(meeting, goal.owner) if meeting is not None else None
        if waiting and goal.due_date is not None and goal.due_date > day:
            continue
        goal.due_meeting, goal.due_date = meeting, day
        rows.append(goal)
    Goal.objects.bulk_update(rows, ["due_meeting", "due_date"])
    return len(rows)


def goals_attach_to_meeting(*, meeting: Model) -> int:
    """Goals of the group still waiting for a meeting are reviewed at this one."""
    waiting = Goal.objects.filter(
        group_id=meeting.group_id, status=GoalStatus.ACTIVE, due_meeting__isnull=True
    )
    return _review_at(waiting, meeting, waiting=True)


def goals_follow_meeting(*, meeting: Model) -> int:
    """A meeting moved: the goals due at it take its new date."""
    return _review_at(Goal.objects.filter(due_meeting=meeting), meeting)


def goals_detach_from_meeting(*, meeting: Model, now: datetime) -> int:
    """A cancelled meeting hands its open goals to the group's next meeting."""
    following = next_meeting(group=meeting.group, now=now, exclude=meeting)
    open_goals = Goal.objects.filter(due_meeting=meeting, status=GoalStatus.ACTIVE)
    return _review_at(open_goals, following)
