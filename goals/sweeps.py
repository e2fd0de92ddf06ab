"""Goal prompts: "update your goals" three days before a meeting where goals are due, and "set
your next goals" the day after a held meeting, each at 09:00 in the person's own timezone.

Each sweep is a plan (notifications/sweeps.py): a function of `now` returning the notifications
due now, unsaved, in a fixed number of queries. Meetings are reached through relations and
`apps.get_model`, never imported: `meetings` comes after `goals` (DESIGN §3).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.apps import apps
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from goals.models import Goal, GoalStatus
from groups.models import Membership, MembershipStatus
from notifications import sweeps
from notifications.models import Notification, NotificationKind

# meetings.models.MeetingStatus and AttendanceStatus values (not imported, see above).
MEETING_SCHEDULED = "scheduled"
MEETING_HELD = "held"
ATTENDED = "present"

REVIEW_PROMPT_DAYS_BEFORE = 3
# Meetings the next-goals sweep looks back over: the day after, or the day the log was saved if
# the facilitator logged it later (within the week).
NEXT_GOALS_LOOKBACK = timedelta(days=8)


def _active_member(user_ref: str, group_ref: str):
    return Exists(
        Membership.objects.filter(
            user=OuterRef(user_ref), group=OuterRef(group_ref), status=MembershipStatus.ACTIVE
        )
    )


# Goal-review prompt ----------------------------------------------------------------------------


def goal_review_prompts_plan(*, now: datetime) -> list[Notification]:
    """Members with active goals due at a scheduled meeting are asked to update them, on the
    day three days before the meeting (their local dates), from 09:00 their time."""
    horizon = now + timedelta(days=REVIEW_PROMPT_DAYS_BEFORE + 2)
    goals = (
        Goal.objects.filter(
            status=GoalStatus.ACTIVE,
            owner__is_active=True,
            due_meeting__status=MEETING_SCHEDULED,
            due_meeting__starts_at__gt=now,
            due_meeting__starts_at__lte=horizon,
        )
        .filter(_active_member("owner", "group"))
        .select_related("owner", "group", "due_meeting")
        .order_by("due_meeting_id", "owner_id", "pk")
    )
    by_person: dict[tuple[int, int], list[Goal]] = defaultdict(list)
    for goal in goals:
        by_person[(goal.due_meeting_id, goal.owner_id)].append(goal)
    rows = []
    for person_goals in by_person.values():
        first = person_goals[0]
        meeting, owner = first.due_meeting, first.owner
        tz = owner.tzinfo
        day = sweeps.local_date(meeting.starts_at, tz) - timedelta(days=REVIEW_PROMPT_DAYS_BEFORE)
        if sweeps.due_on_local_day(day=day, tz=tz, now=now):
            rows.append(_goal_review_prompt(meeting, first.group, owner, person_goals))
    return rows


def _goal_review_prompt(meeting, group, owner, goals: list[Goal]) -> Notification:
    # The person's own goals only. Private ones are counted, not named: an email travels further
    # than the portal.
    shared = [f"- {g.title}" for g in goals if not g.is_private]
    private = sum(1 for g in goals if g.is_private)
    if private:
        shared.append(
            "- " + ngettext("%(n)d private goal", "%(n)d private goals", private) % {"n": private}
        )
    body = "\n".join(
        [
            _("%(group)s meets on %(when)s. Your goals due then:")
            % {"group": group.name, "when": sweeps.local_text(meeting.starts_at, owner.tzinfo)},
            *shared,
            "",
            _(
                "Update them before the meeting: mark what you did and note what you learned, "
                "so the review round goes quickly."
            ),
        ]
    )
    return Notification(
        recipient=owner,
        kind=NotificationKind.GOAL_REVIEW_PROMPT,
        subject=_("Update your goals before %(group)s meets") % {"group": group.name},
        body=body,
        link=reverse("goals:goal_list"),
        dedupe_key=(
            f"{NotificationKind.GOAL_REVIEW_PROMPT}:{meeting.pk}:"
            f"{int(meeting.starts_at.timestamp())}:{owner.pk}"
        ),
    )


# Next-goals prompt -----------------------------------------------------------------------------


def next_goals_prompts_plan(*, now: datetime) -> list[Notification]:
    """People who attended a held meeting and have no active goal in that group are asked to
    set their next goals: at 09:00 their time on the day after the meeting (or on the day the
    meeting was logged, if the facilitator logged it later)."""
    attendance_model = apps.get_model("meetings", "Attendance")
    active_goal = Goal.objects.filter(
        owner=OuterRef("user"), group=OuterRef("meeting__group"), status=GoalStatus.ACTIVE
    )
    attendances = (
        attendance_model.objects.filter(
            status=ATTENDED,
            user__is_active=True,
            meeting__status=MEETING_HELD,
            meeting__starts_at__gte=now - NEXT_GOALS_LOOKBACK,
            meeting__starts_at__lte=now,
        )
        .filter(_active_member("user", "meeting__group"), ~Exists(active_goal))
        .select_related("user", "meeting__group")
        .order_by("meeting_id", "user_id")
    )
    rows = []
    for attendance in attendances:
        meeting, user = attendance.meeting, attendance.user
        tz = user.tzinfo
        day = max(
            sweeps.local_date(meeting.starts_at, tz) + timedelta(days=1),
            sweeps.local_date(meeting.held_at, tz),
        )
        if sweeps.due_on_local_day(day=day, tz=tz, now=now):
            rows.append(_next_goals_prompt(meeting, user))
    return rows


def _next_goals_prompt(meeting, user) -> Notification:
    group = meeting.group
    local = meeting.starts_at.astimezone(user.tzinfo)
    return Notification(
        recipient=user,
        kind=NotificationKind.NEXT_GOALS_PROMPT,
        subject=_("Set your next goals for %(group)s") % {"group": group.name},
        body=_(
            "Thanks for coming to the meeting of %(group)s on %(day)s. While it is fresh, set 1 "
            "to 3 SMART goals for the next meeting: specific, measurable, achievable, relevant "
            "to the careers you are exploring, and with a date."
        )
        % {"group": group.name, "day": f"{local:%a %d %b}"},
        link=f"{reverse('goals:goal_create')}?group={group.pk}",
        dedupe_key=f"{NotificationKind.NEXT_GOALS_PROMPT}:{meeting.pk}:{user.pk}",
    )


GOAL_REVIEW_PROMPTS = sweeps.Sweep(
    name="goal_review_prompts",
    description="Members with goals due at a meeting in three days (09:00 local)",
    plan=goal_review_prompts_plan,
)
NEXT_GOALS_PROMPTS = sweeps.Sweep(
    name="next_goals_prompts",
    description="Attendees without an active goal, the day after a held meeting (09:00 local)",
    plan=next_goals_prompts_plan,
)
SWEEPS = [GOAL_REVIEW_PROMPTS, NEXT_GOALS_PROMPTS]
