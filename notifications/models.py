from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peergroups.lib.models import TimeStampedModel


class NotificationKind(models.TextChoices):
    WAITLIST_PROMOTED = "waitlist_promoted", _("Off the waitlist")
    GROUP_MOVED = "group_moved", _("Moved to another group")
    MEETING_SCHEDULED = "meeting_scheduled", _("Meeting scheduled")
    MEETING_CHANGED = "meeting_changed", _("Meeting moved")
    MEETING_CANCELLED = "meeting_cancelled", _("Meeting cancelled")
    SURVEY_INVITATION = "survey_invitation", _("Survey invitation")
    SURVEY_REMINDER = "survey_reminder", _("Survey reminder")
    GROUP_PLACED = "group_placed", _("Placed in a group")
    MEETING_REMINDER = "meeting_reminder", _("Meeting reminder")
    SCHEDULING_PROMPT = "scheduling_prompt", _("Time to schedule a meeting")
    GOAL_REVIEW_PROMPT = "goal_review_prompt", _("Update your goals before a meeting")
    NEXT_GOALS_PROMPT = "next_goals_prompt", _("Set your next goals after a meeting")
    OFFICE_DIGEST = "office_digest", _("Weekly office digest")


# Kinds only office staff receive; the preferences page shows them to staff alone.
STAFF_KINDS = [NotificationKind.OFFICE_DIGEST]


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def unsent(self) -> NotificationQuerySet:
        """Rows whose email is still to go out (including those waiting to be retried)."""
        return self.filter(
            emailed_at__isnull=True, failed_at__isnull=True, email_skipped_at__isnull=True
        )

    def email_due(self, now: datetime) -> NotificationQuerySet:
        """Unsent rows the sender may try now: new ones, and retries whose wait is over."""
        return self.unsent().filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


class Notification(TimeStampedModel):
    """One message to one person, shown in the portal and emailed unless they opted out.

    Email state: unsent (`emailed_at`, `failed_at` and `email_skipped_at` all empty; a transient
    error sets `next_attempt_at`), then exactly one of sent, failed (permanently, or after the
    last retry) or skipped (opted out, inactive account, or too old to be worth sending).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=NotificationKind)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(
        max_length=500, blank=True, help_text=_("A path on this site, such as /groups/12/.")
    )
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    email_skipped_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True)
    # The same notice for the same person and occasion has one key, so retries and duplicated
    # tasks can never create it twice.
    dedupe_key = models.CharField(max_length=200, unique=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(dedupe_key=""), name="notification_dedupe_key_not_empty"
            ),
            # An email ends in one state only: sent, failed or skipped.
            models.CheckConstraint(
                condition=Q(emailed_at__isnull=True, failed_at__isnull=True)
                | Q(emailed_at__isnull=True, email_skipped_at__isnull=True)
                | Q(failed_at__isnull=True, email_skipped_at__isnull=True),
                name="notification_one_email_outcome",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
            models.Index(
                fields=["created_at"],
                condition=Q(
                    emailed_at__isnull=True, failed_at__isnull=True, email_skipped_at__isnull=True
                ),
                name="notification_unsent_idx",
            ),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            # The sender counts emails sent in the last minute (the rate limit).
            models.Index(fields=["emailed_at"], name="notification_emailed_idx"),
        ]

    def __str__(self) -> str:
        return f"Notification #{self.pk} ({self.kind}) for {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(TimeStampedModel):
    """Whether a person wants email about one kind of notification. No row means yes.

    Opting out stops the email only: the notice still appears in the portal's list.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40, choices=NotificationKind)
    is_emailed = models.BooleanField(_("email me"), default=True)

    class Meta:
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notificationpref_once_per_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notificationpref_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        state = "on" if self.is_emailed else "off"
        return f"Email preference of user {self.user_id} for {self.kind}: {state}"


class SweepRun(TimeStampedModel):
    """The latest run of one reminder sweep (one row per sweep), for the operations panel."""

    name = models.CharField(max_length=60, unique=True)
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(
        default=0, help_text=_("Notifications the run created.")
    )
    error = models.CharField(max_length=500, blank=True)
    run_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sweep run")

    def __str__(self) -> str:
        return f"Sweep {self.name}, last run {self.started_at:%Y-%m-%d %H:%M} UTC"

    @property
    def succeeded(self) -> bool:
        return not self.error
