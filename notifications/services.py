"""Writes for notifications: creating them (idempotently) and marking them read."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from accounts.models import User
from notifications.models import Notification


@transaction.atomic
def notification_create(
    *, recipient: User, kind: str, subject: str, body: str, link: str, dedupe_key: str
) -> Notification:
    """Create a notification once per dedupe_key; a repeat call returns the existing one."""
    # ignore_conflicts turns a duplicate key into a no-op, even when a concurrent transaction
    # inserts the same key first, without a savepoint or an error to catch.
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=recipient,
                kind=kind,
                subject=subject,
                body=body,
                link=link,
                dedupe_key=dedupe_key,
            )
        ],
        ignore_conflicts=True,
    )
    return Notification.objects.get(dedupe_key=dedupe_key)


@transaction.atomic
def notification_mark_read(*, notification: Notification, now: datetime) -> Notification:
    """Mark one notification read; marking it again keeps the first time."""
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=now, updated_at=now
    )
    notification.refresh_from_db(fields=["read_at", "updated_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, recipient: User, now: datetime) -> int:
    """Mark all of a person's unread notifications read; returns how many changed."""
    return (
        Notification.objects.unread()
        .filter(recipient=recipient)
        .update(read_at=now, updated_at=now)
    )
