"""Celery wiring: beat's schedules, routing to the email queue, and what goes through the broker."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from goals import tasks as goal_tasks
from meetings import tasks as meeting_tasks
from notifications import services, tasks
from peergroups.celery import app
from tests.factories import MeetingFactory, MembershipFactory

pytestmark = pytest.mark.django_db

SCHEDULED = {
    "notifications.tasks.send_pending_emails",
    "meetings.tasks.send_meeting_reminders",
    "meetings.tasks.send_scheduling_prompts",
    "meetings.tasks.send_office_digest",
    "goals.tasks.send_goal_review_prompts",
    "goals.tasks.send_next_goals_prompts",
    "surveys.tasks.send_survey_invitations",
}


def test_the_migration_schedules_every_sweep_and_the_sender_for_beat():
    schedules = {t.task: t for t in PeriodicTask.objects.filter(task__in=SCHEDULED)}
    assert set(schedules) == SCHEDULED
    assert all(t.enabled for t in schedules.values())
    sender = schedules.pop("notifications.tasks.send_pending_emails")
    assert sender.interval.every == 60 and sender.interval.period == "seconds"
    assert {t.crontab.minute for t in schedules.values()} == {"*/15"}
    assert all(t.expire_seconds for t in [sender, *schedules.values()])


def test_every_scheduled_task_exists():
    app.loader.import_default_modules()
    assert set(app.tasks) >= SCHEDULED


def test_the_sender_goes_to_the_email_queue_and_the_sweeps_to_the_default_one():
    router = app.amqp.router
    assert router.route({}, "notifications.tasks.send_pending_emails")["queue"].name == "email"
    assert (
        router.route({}, "meetings.tasks.send_meeting_reminders")["queue"].name
        == app.conf.task_default_queue
    )


def test_time_limits_fit_inside_the_visibility_timeout():
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_VISIBILITY_TIMEOUT > settings.CELERY_TASK_TIME_LIMIT
    # The sender stops claiming after 50 s; one more SMTP call still ends before the soft limit.
    longest_sender_run = services.EMAIL_BATCH_SECONDS + settings.EMAIL_TIMEOUT
    assert longest_sender_run < settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST


def test_tasks_take_no_personal_data_through_the_broker(published, group, member):
    """Beat publishes sweeps with no arguments, and sweeps publish only the sender."""
    MeetingFactory(group=group, starts_at=timezone.now() + timedelta(hours=5))
    MembershipFactory(group=group, user__name="Zed Unique-Name", user__email="zed@example.edu")
    for task in [
        meeting_tasks.send_meeting_reminders,
        meeting_tasks.send_scheduling_prompts,
        meeting_tasks.send_office_digest,
        goal_tasks.send_goal_review_prompts,
        goal_tasks.send_next_goals_prompts,
        tasks.send_pending_emails,
    ]:
        task.delay()
    assert len(published) == 6
    for message in published:
        args, kwargs, _embed = message.body
        assert list(args) == [] and kwargs == {}
        payload = message.payload()
        for secret in ["zed@example.edu", "Zed Unique-Name", member.email, member.name]:
            assert secret not in payload
