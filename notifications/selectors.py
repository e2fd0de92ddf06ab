"""Read queries for the operations panel (and the office dashboard, which reuses the counts)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q
from django_celery_beat.models import PeriodicTask

from notifications.models import Notification, NotificationPreference, SweepRun

RECENT = timedelta(hours=24)


def notifications_email_counts(*, now: datetime) -> dict[str, int]:
    """Emails by state, in one query: pending (due now), retrying (waiting after a transient
    error), sent, failed and skipped, with sent and failed also over the last 24 hours."""
    since = now - RECENT
    unsent = Q(emailed_at__isnull=True, failed_at__isnull=True, email_skipped_at__isnull=True)
    waiting = Q(next_attempt_at__gt=now)
    return Notification.objects.aggregate(
        pending=Count("pk", filter=unsent & ~waiting),
        retrying=Count("pk", filter=unsent & waiting),
        sent=Count("pk", filter=Q(emailed_at__isnull=False)),
        sent_recently=Count("pk", filter=Q(emailed_at__gt=since)),
        failed=Count("pk", filter=Q(failed_at__isnull=False)),
        failed_recently=Count("pk", filter=Q(failed_at__gt=since)),
        skipped=Count("pk", filter=Q(email_skipped_at__isnull=False)),
    )


def notifications_failed_recent(*, limit: int = 20) -> list[Notification]:
    """The latest failed emails (who, what kind, why), newest first, without their text."""
    return list(
        Notification.objects.filter(failed_at__isnull=False)
        .select_related("recipient")
        .only("pk", "kind", "failed_at", "email_error", "email_attempts", "recipient__email")
        .order_by("-failed_at", "-pk")[:limit]
    )


def sweep_runs_latest() -> list[SweepRun]:
    return list(SweepRun.objects.order_by("name"))


def beat_schedules() -> list[PeriodicTask]:
    """The periodic tasks beat runs (staff pause them in the admin), with their last run."""
    return list(
        PeriodicTask.objects.select_related("interval", "crontab")
        .exclude(task="celery.backend_cleanup")
        .order_by("name")
    )


def notification_preferences_for(*, user) -> dict[str, bool]:
    """The person's email choice per kind; kinds without a row are emailed."""
    return dict(NotificationPreference.objects.filter(user=user).values_list("kind", "is_emailed"))
