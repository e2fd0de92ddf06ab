"""Writes for notifications: creating them (one, or a sweep's worth), marking them read, email
preferences, and the sender that emails unsent rows."""

from __future__ import annotations

import logging
import smtplib
import time
from collections import Counter
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from notifications import emails, sweeps, tasks, tokens
from notifications.models import (
    Notification,
    NotificationKind,
    NotificationPreference,
    SweepRun,
)

logger = logging.getLogger(__name__)

# Email retries: a transient error waits 1, 2, 4 … minutes (at most an hour) between attempts;
# after the last attempt the row is marked failed.
EMAIL_MAX_ATTEMPTS = 8
EMAIL_RETRY_BASE = timedelta(minutes=1)
EMAIL_RETRY_MAX = timedelta(hours=1)
# A notice still unsent after this long (an outage, or rows from before email existed) is too
# late to be worth an email: it stays in the portal and is marked skipped.
EMAIL_MAX_AGE = timedelta(days=3)
# One sender run stops claiming rows after this many seconds, so that with the SMTP timeout it
# ends well inside the task's time limit; the next run (beat, every minute) carries on.
EMAIL_BATCH_SECONDS = 50

SENT, SKIPPED, DEFERRED, FAILED = "sent", "skipped", "deferred", "failed"


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
def notifications_bulk_create(*, notifications: list[Notification]) -> int:
    """Insert many notifications, skipping keys that exist; the sender runs after commit.

    Returns how many rows were new when planned (a concurrent run may have won some of them).
    """
    fresh = sweeps.without_existing(notifications)
    if not fresh:
        return 0
    Notification.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=500)
    tasks.send_pending_emails.delay_on_commit()
    return len(fresh)


def sweep_run(sweep: sweeps.Sweep, *, now: datetime) -> int:
    """Run one sweep: create what is due now, record the run, return how many were created."""
    started = time.monotonic()
    try:
        created = notifications_bulk_create(notifications=sweep.plan(now=now))
    except Exception as e:
        _sweep_record(name=sweep.name, now=now, started=started, created=0, error=repr(e))
        raise
    _sweep_record(name=sweep.name, now=now, started=started, created=created)
    return created


def sweep_record(
    *, name: str, now: datetime, duration_ms: int, created: int, error: str = ""
) -> None:
    """Remember a sweep's latest run: one row per sweep, overwritten by each run."""
    fields = {
        "started_at": now,
        "duration_ms": duration_ms,
        "created_count": created,
        "error": error[:500],
        "updated_at": timezone.now(),
    }
    if SweepRun.objects.filter(name=name).update(**fields, run_count=F("run_count") + 1):
        return
    _run, created = SweepRun.objects.get_or_create(name=name, defaults={**fields, "run_count": 1})
    if not created:  # a concurrent first run of the same sweep got in first
        SweepRun.objects.filter(name=name).update(**fields, run_count=F("run_count") + 1)


def _sweep_record(*, name: str, now: datetime, started: float, created: int, error: str = ""):
    sweep_record(
        name=name,
        now=now,
        duration_ms=int((time.monotonic() - started) * 1000),
        created=created,
        error=error,
    )


# Reading and preferences ---------------------------------------------------------------------


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


def is_emailed(*, user_id: int, kind: str) -> bool:
    """Does the person want email about this kind? Yes unless they turned it off."""
    return not NotificationPreference.objects.filter(
        user_id=user_id, kind=kind, is_emailed=False
    ).exists()


@transaction.atomic
def notification_preferences_set(*, user: User, emailed: dict[str, bool]) -> None:
    """Save the person's email choice for each kind given."""
    unknown = set(emailed) - set(NotificationKind.values)
    if unknown:
        raise ValueError(f"Unknown notification kinds: {sorted(unknown)}")
    NotificationPreference.objects.bulk_create(
        [NotificationPreference(user=user, kind=k, is_emailed=v) for k, v in emailed.items()],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["is_emailed", "updated_at"],
    )


def notification_unsubscribe(*, token: str) -> tuple[User, str] | None:
    """Turn off email of one kind for the person a signed token names; None if it is invalid.

    Safe to repeat. Needs no sign-in: the signature is the proof.
    """
    parsed = tokens.unsubscribe_token_read(token)
    if parsed is None:
        return None
    user_id, kind = parsed
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None
    notification_preferences_set(user=user, emailed={kind: False})
    return user, kind


# The sender ----------------------------------------------------------------------------------


def is_transient(error: BaseException) -> bool:
    """Worth retrying later: the relay or network had trouble, not this message.

    4xx SMTP replies are temporary by definition; so are dropped or refused connections and
    timeouts. A failed login is the relay's configuration, not the message's fault. Other 5xx
    replies (no such mailbox, message rejected) are permanent.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(error, smtplib.SMTPConnectError | smtplib.SMTPAuthenticationError):
        return True
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, smtplib.SMTPServerDisconnected | OSError)


def retry_delay(attempts: int) -> timedelta:
    return min(EMAIL_RETRY_BASE * 2 ** (attempts - 1), EMAIL_RETRY_MAX)


def emails_sent_since(moment: datetime) -> int:
    return Notification.objects.filter(emailed_at__gt=moment).count()


def notifications_email_pending(
    *, now: datetime, per_minute: int, max_seconds: float = EMAIL_BATCH_SECONDS
) -> Counter:
    """Email unsent notifications one at a time until none is due, the rate limit is reached
    or the time is up. Returns how many were sent, skipped, deferred and failed.

    The rate limit counts emails sent in the last minute by every sender (the database is the
    shared state), so it holds across workers, give or take one email per concurrent sender.
    A transient error ends the run: the relay is likely in trouble, and the row waits its turn.
    """
    outcomes: Counter = Counter()
    started = time.monotonic()
    while time.monotonic() - started < max_seconds:
        if per_minute and emails_sent_since(now - timedelta(minutes=1)) >= per_minute:
            outcomes["rate_limited"] += 1
            break
        outcome = _email_next_pending(now=now)
        if outcome is None:
            break
        outcomes[outcome] += 1
        if outcome == DEFERRED:
            break
    return outcomes


# Durable: each email is its own transaction, committed before the next row is claimed.
@transaction.atomic(durable=True)
def _email_next_pending(*, now: datetime) -> str | None:
    # Lock one due row; a concurrent sender skips it rather than sending it twice. The row stays
    # locked while the email goes out and is marked sent in the same transaction, so a crash
    # between the relay accepting the email and the commit sends that one email again: we
    # prefer a rare duplicate to a lost reminder. (SQLite has no row locks; its transactions
    # take the write lock at BEGIN, which serialises senders just the same.)
    notification = (
        Notification.objects.email_due(now)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("recipient")
        .order_by("created_at", "pk")
        .first()
    )
    if notification is None:
        return None
    outcome, fields = _email_outcome(notification, now)
    for name, value in fields.items():
        setattr(notification, name, value)
    notification.save(update_fields=[*fields, "updated_at"])
    return outcome


def _email_outcome(notification: Notification, now: datetime) -> tuple[str, dict]:
    recipient = notification.recipient
    if not recipient.is_active:
        return SKIPPED, {"email_skipped_at": now, "email_error": "inactive account"}
    if not is_emailed(user_id=recipient.pk, kind=notification.kind):
        return SKIPPED, {"email_skipped_at": now, "email_error": "opted out of this kind"}
    if notification.created_at < now - EMAIL_MAX_AGE:
        return SKIPPED, {"email_skipped_at": now, "email_error": "too old to email"}
    attempts = notification.email_attempts + 1
    try:
        emails.send_notification(notification)
    except SoftTimeLimitExceeded:
        raise  # out of time: roll back, the row stays unsent for the next run
    except Exception as e:
        error = f"{type(e).__name__}: {e}"[:300]
        if is_transient(e) and attempts < EMAIL_MAX_ATTEMPTS:
            logger.warning("Email of notification %s deferred: %s", notification.pk, error)
            return DEFERRED, {
                "email_attempts": attempts,
                "next_attempt_at": now + retry_delay(attempts),
                "email_error": error,
            }
        # One bad row must not block the queue: log it, mark it failed, move on.
        logger.exception("Email of notification %s failed", notification.pk)
        return FAILED, {"email_attempts": attempts, "failed_at": now, "email_error": error}
    return SENT, {"email_attempts": attempts, "emailed_at": now, "email_error": ""}
