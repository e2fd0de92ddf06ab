"""The sender. Beat runs it every minute and every sweep that creates notifications asks for it
after commit; it is routed to the `email` queue. It takes no arguments: the rows are the work."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from notifications import services


@shared_task
def send_pending_emails(**kwargs) -> dict:
    outcomes = services.notifications_email_pending(
        now=timezone.now(), per_minute=settings.EMAIL_RATE_LIMIT_PER_MINUTE
    )
    return dict(outcomes)
