"""Meeting sweeps, run by beat on the quarter hour (see notifications/migrations/0005). They take
no arguments: what is due is in the database. The emails follow through the sender."""

from celery import shared_task
from django.utils import timezone

from meetings import sweeps
from notifications import services as notification_services


@shared_task
def send_meeting_reminders(**kwargs) -> int:
    return notification_services.sweep_run(sweeps.MEETING_REMINDERS, now=timezone.now())


@shared_task
def send_scheduling_prompts(**kwargs) -> int:
    return notification_services.sweep_run(sweeps.SCHEDULING_PROMPTS, now=timezone.now())


@shared_task
def send_office_digest(**kwargs) -> int:
    return notification_services.sweep_run(sweeps.OFFICE_DIGEST, now=timezone.now())
