"""The accountability loop end to end through the services: schedule, set goals, log, carry over."""

from datetime import timedelta

import pytest
from django.utils import timezone

from goals import services as goal_services
from goals.models import GoalStatus
from meetings import services
from meetings.models import Attendance, MeetingStatus, OfficeFlag
from notifications.models import Notification
from tests.factories import GoalFactory, MembershipFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def schedule(group, by, *, days=7):
    return services.meeting_schedule(
        group=group,
        fields=services.MeetingFields(starts_at=NOW + timedelta(days=days), duration_minutes=90),
        created_by=by,
        now=NOW,
    )


def test_scheduling_attaches_waiting_goals_and_tells_the_group(group, facilitator, member):
    goal = GoalFactory(owner=member, group=group)
    meeting = schedule(group, facilitator)
    goal.refresh_from_db()
    assert goal.due_meeting == meeting and goal.due_date == meeting.starts_at.date()
    assert "goal review round, about" in meeting.agenda.lower()
    assert list(Notification.objects.values_list("recipient", flat=True)) == [member.pk]


def test_log_records_attendance_reviews_notes_and_marks_held_once(group, facilitator, member):
    other = MembershipFactory(group=group).user
    meeting = schedule(group, facilitator, days=-1)
    done = GoalFactory(owner=member, group=group, due_meeting=meeting)
    stuck = GoalFactory(owner=other, group=group, due_meeting=meeting)
    services.meeting_log_save(
        meeting=meeting,
        by=facilitator,
        attendance={member.pk: "present", other.pk: "absent"},
        reviews=[
            services.ReviewInput(goal=done, outcome="done", learned="Editors want clips"),
            services.ReviewInput(goal=stuck, outcome="not_started", blocker="time"),
        ],
        summary="Good session",
        private_notes="Keep an eye on pacing",
        flags=[services.FlagInput(kind="stalled", member=other, note="Missed twice")],
        now=NOW,
    )
    meeting.refresh_from_db()
    first_held_at = meeting.held_at
    assert meeting.status == MeetingStatus.HELD and first_held_at == NOW
    assert Attendance.objects.get(meeting=meeting, user=other).status == "absent"
    done.refresh_from_db()
    stuck.refresh_from_db()
    assert (done.status, stuck.status) == (GoalStatus.DONE, GoalStatus.NOT_STARTED)
    assert OfficeFlag.objects.get().member == other
    services.meeting_log_save(
        meeting=meeting,
        by=facilitator,
        attendance={},
        reviews=[],
        summary="Edited",
        private_notes="",
        flags=[],
        now=NOW + timedelta(hours=3),
    )
    meeting.refresh_from_db()
    assert meeting.held_at == first_held_at and meeting.summary == "Edited"

    # The member carries the unfinished goal over to the next meeting in one step.
    following = schedule(group, facilitator, days=30)
    copy = goal_services.goal_carry_over(goal=stuck, now=NOW)
    assert copy.carried_from == stuck and copy.due_meeting == following
    assert goal_services.goal_carry_over(goal=stuck, now=NOW) == copy


def test_cancelling_moves_goals_to_the_next_meeting(group, facilitator, member):
    first = schedule(group, facilitator, days=3)
    second = schedule(group, facilitator, days=30)
    goal = GoalFactory(owner=member, group=group, due_meeting=first)
    services.meeting_cancel(meeting=first, now=NOW)
    goal.refresh_from_db()
    assert goal.due_meeting == second
    assert services.meeting_cancel(meeting=first, now=NOW).status == MeetingStatus.CANCELLED


def test_a_meeting_entered_after_the_fact_tells_nobody(group, facilitator, member):
    schedule(group, facilitator, days=-2)
    assert not Notification.objects.exists()


def test_changes_and_cancellations_tell_everyone_but_the_person_who_made_them(
    group, facilitator, member
):
    meeting = schedule(group, facilitator)
    Notification.objects.all().delete()
    moved = services.MeetingFields(
        starts_at=meeting.starts_at + timedelta(days=1), duration_minutes=90
    )
    services.meeting_update(meeting=meeting, fields=moved, now=NOW, by=facilitator)
    services.meeting_cancel(meeting=meeting, now=NOW, by=facilitator)
    recipients = list(Notification.objects.values_list("recipient", "kind").order_by("kind"))
    assert recipients == [(member.pk, "meeting_cancelled"), (member.pk, "meeting_changed")]
