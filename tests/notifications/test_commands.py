"""manage.py run_sweeps: the dry run prints who would be reminded of what and saves nothing; the
real run creates the notifications once."""

from collections import Counter
from datetime import datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from groups.models import GroupStatus, MembershipRole
from meetings.models import Attendance, MeetingStatus
from notifications import services as notification_services
from notifications.models import Notification, SweepRun
from surveys import services as survey_services
from surveys import tasks as survey_tasks
from tests.factories import (
    GoalFactory,
    MeetingFactory,
    MembershipFactory,
    PeerGroupFactory,
    SurveyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def due(group, member, facilitator):
    MeetingFactory(group=group, starts_at=timezone.now() + timedelta(hours=20))
    return SurveyFactory(group=group, title="Pulse check")


def run_sweeps(*args) -> str:
    out = StringIO()
    call_command("run_sweeps", *args, stdout=out)
    return out.getvalue()


def test_the_dry_run_prints_who_would_be_reminded_and_saves_nothing(due, member, facilitator):
    output = run_sweeps("--dry-run")
    assert "meeting_reminders (Members and facilitators of meetings starting soon): 2 due" in output
    assert f"{member.email}  [meeting_reminder]  Reminder: Data Science Group meets" in output
    assert f"{member.email}  [survey_invitation]  Survey: Pulse check" in output
    assert "Dry run: nothing was saved or sent." in output
    assert not Notification.objects.exists()
    assert not SweepRun.objects.exists()
    assert due.__class__.objects.filter(pk=due.pk).exists()


def test_the_real_run_creates_once_and_says_so(due, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = run_sweeps("--sweep", "meeting_reminders")
    assert "meeting_reminders: 2 created" in first and len(callbacks) == 1
    assert "meeting_reminders: 0 created" in run_sweeps("--sweep", "meeting_reminders")
    assert member.notifications.get().kind == "meeting_reminder"
    assert SweepRun.objects.get(name="meeting_reminders").run_count == 2
    # Nothing is due any more: the dry run agrees.
    assert "meeting_reminders (Members and facilitators of meetings starting soon): 0 due" in (
        run_sweeps("--dry-run", "--sweep", "meeting_reminders")
    )


def a_zone_where_it_is_daytime(now) -> str:
    """A fixed-offset zone where it is between 10:00 and 21:59 now, so every 09:00 prompt of
    today is due whatever the time the test runs."""
    for hours in range(-12, 15):
        name = "Etc/GMT" if hours == 0 else f"Etc/GMT{-hours:+d}"  # Etc signs are inverted
        if 10 <= now.astimezone(ZoneInfo(name)).hour <= 21:
            return name
    raise AssertionError("no such zone")


def test_running_every_sweep_twice_creates_each_notification_and_sends_each_email_once(
    group, published
):
    now = timezone.now()
    zone = a_zone_where_it_is_daytime(now)
    tz = ZoneInfo(zone)
    local_today = now.astimezone(tz).date()
    at = lambda day, hour: datetime.combine(day, time(hour), tzinfo=tz)  # noqa: E731
    member = MembershipFactory(group=group, user__timezone=zone).user
    attendee = MembershipFactory(group=group, user__timezone=zone).user
    MembershipFactory(group=group, role=MembershipRole.FACILITATOR, user__timezone=zone)
    UserFactory(is_staff=True, timezone=zone)
    soon = MeetingFactory(group=group, starts_at=now + timedelta(hours=5))  # reminders
    in_three_days = MeetingFactory(group=group, starts_at=at(local_today + timedelta(days=3), 20))
    GoalFactory(owner=member, group=group, due_meeting=in_three_days)  # goal review
    yesterday = MeetingFactory(
        group=group, starts_at=at(local_today - timedelta(days=1), 18), status=MeetingStatus.HELD
    )
    Attendance.objects.create(meeting=yesterday, user=attendee, status="present")  # next goals
    stalled = PeerGroupFactory(status=GroupStatus.ACTIVE)  # scheduling prompt
    MembershipFactory(group=stalled, role=MembershipRole.FACILITATOR, user__timezone=zone)
    MeetingFactory(group=stalled, starts_at=now - timedelta(days=40), status=MeetingStatus.HELD)
    SurveyFactory(group=group)  # invitations (the digest needs no data)
    assert soon.pk

    for _round in range(2):
        run_sweeps()
        # The survey sweep hands its invitations to a task; run it here as the worker would.
        for survey_id in survey_services.surveys_to_invite(now=timezone.now()):
            survey_tasks.invite_survey_audience(survey_id=survey_id)
        notification_services.notifications_email_pending(now=timezone.now(), per_minute=0)

    kinds = Counter(Notification.objects.values_list("kind", flat=True))
    assert set(kinds) >= {
        "meeting_reminder",
        "goal_review_prompt",
        "next_goals_prompt",
        "scheduling_prompt",
        "office_digest",
        "survey_invitation",
    }
    sent = Counter((m.to[0], m.subject) for m in mail.outbox)
    assert set(sent.values()) == {1}
    assert sorted(sent) == sorted(Notification.objects.values_list("recipient__email", "subject"))
    assert not Notification.objects.unsent().exists()
