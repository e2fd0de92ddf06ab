from __future__ import annotations

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


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def unsent(self) -> NotificationQuerySet:
        return self.filter(emailed_at__isnull=True, failed_at__isnull=True)


class Notification(TimeStampedModel):
    """One message to one person, shown in the portal (and emailed, once sending exists)."""

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
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
            models.Index(
                fields=["created_at"],
                condition=Q(emailed_at__isnull=True, failed_at__isnull=True),
                name="notification_unsent_idx",
            ),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Notification #{self.pk} ({self.kind}) for {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
