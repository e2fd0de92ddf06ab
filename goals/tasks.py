"""Goal prompts, run by beat on the quarter hour (see notifications/migrations/0005). They take
no arguments: what is due is in the database. The emails follow through the sender."""

from celery import shared_task
from django.utils import timezone

from goals import sweeps
from notifications import services as notification_services


@shared_task
def send_goal_review_prompts(**kwargs) -> int:
    return notification_services.sweep_run(sweeps.GOAL_REVIEW_PROMPTS, now=timezone.now())


@shared_task
def send_next_goals_prompts(**kwargs) -> int:
    return notification_services.sweep_run(sweeps.NEXT_GOALS_PROMPTS, now=timezone.now())
