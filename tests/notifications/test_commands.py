"""manage.py run_sweeps: the dry run prints who would be reminded of what and saves nothing; the
real run creates the notifications once."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications.models import Notification, SweepRun
from tests.factories import MeetingFactory, SurveyFactory

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
