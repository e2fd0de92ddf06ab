from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from peergroups.lib.models import TimeStampedModel


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


class FlagKind(models.TextChoices):
    DISTRESS = "distress", _("Member in distress")
    STALLED = "stalled", _("Stalled")
    CONFLICT = "conflict", _("Group conflict")
    OTHER = "other", _("Other")


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def upcoming(self, now: datetime) -> MeetingQuerySet:
        """Scheduled meetings that have not ended yet, soonest first."""
        return self.filter(status=MeetingStatus.SCHEDULED, ends_at__gt=now).order_by("starts_at")

    def past(self, now: datetime) -> MeetingQuerySet:
        """Held meetings, and scheduled ones already over, most recent first."""
        return (
            self.exclude(status=MeetingStatus.CANCELLED)
            .filter(Q(status=MeetingStatus.HELD) | Q(ends_at__lte=now))
            .order_by("-starts_at")
        )

    def not_cancelled(self) -> MeetingQuerySet:
        return self.exclude(status=MeetingStatus.CANCELLED)


class Meeting(TimeStampedModel):
    """One meeting of a group. Times are stored in UTC and shown in each viewer's timezone."""

    group = models.ForeignKey(
        "groups.PeerGroup", models.CASCADE, related_name="meetings", verbose_name=_("group")
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus, default=MeetingStatus.SCHEDULED
    )
    held_at = models.DateTimeField(_("logged as held"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # Bumped on every change a calendar should pick up (RFC 5545 SEQUENCE).
    sequence = models.PositiveIntegerField(default=0, editable=False)
    summary = models.TextField(
        _("group summary"), blank=True, help_text=_("Members of the group can read this.")
    )
    private_notes = models.TextField(
        _("facilitator notes"),
        blank=True,
        help_text=_("Only the group's facilitators and the office see these."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings_created",
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MeetingStatus.values), name="meeting_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status=MeetingStatus.HELD, held_at__isnull=False)
                | (~Q(status=MeetingStatus.HELD) & Q(held_at__isnull=True)),
                name="meeting_held_at_iff_held",
            ),
            models.CheckConstraint(
                condition=Q(status=MeetingStatus.CANCELLED, cancelled_at__isnull=False)
                | (~Q(status=MeetingStatus.CANCELLED) & Q(cancelled_at__isnull=True)),
                name="meeting_cancelled_at_iff_cancelled",
            ),
        ]
        indexes = [
            models.Index(fields=["group", "starts_at"], name="meeting_group_starts_idx"),
            models.Index(fields=["status", "starts_at"], name="meeting_status_starts_idx"),
            # The office dashboard: each group's last held and next scheduled meetings.
            models.Index(fields=["group", "status", "starts_at"], name="meeting_group_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Meeting #{self.pk} of group {self.group_id} at {self.starts_at:%Y-%m-%d %H:%M} UTC"

    def get_absolute_url(self) -> str:
        return reverse("meetings:meeting_detail", args=[self.pk])

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    @property
    def duration_minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)

    @property
    def is_scheduled(self) -> bool:
        return self.status == MeetingStatus.SCHEDULED

    @property
    def is_held(self) -> bool:
        return self.status == MeetingStatus.HELD

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED


class Attendance(TimeStampedModel):
    """Whether a member came to a meeting, and the update they posted if they did not."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="attendances")
    status = models.CharField(_("attendance"), max_length=10, choices=AttendanceStatus)
    async_update = models.TextField(
        _("update for the group"),
        blank=True,
        help_text=_("Couldn't come? Tell the group how your goals went."),
    )
    async_update_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "user"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="attendance_once_per_meeting"),
            models.CheckConstraint(
                condition=Q(status__in=AttendanceStatus.values), name="attendance_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(async_update="") | ~Q(status=AttendanceStatus.PRESENT),
                name="attendance_update_only_if_absent",
            ),
        ]

    def __str__(self) -> str:
        return f"Attendance of user {self.user_id} at meeting #{self.meeting_id}: {self.status}"


class OfficeFlagQuerySet(models.QuerySet["OfficeFlag"]):
    def open(self) -> OfficeFlagQuerySet:
        return self.filter(resolved_at__isnull=True)


class OfficeFlag(TimeStampedModel):
    """Something a facilitator wants the office to know. Only office staff see flags."""

    meeting = models.ForeignKey(
        Meeting, models.CASCADE, null=True, blank=True, related_name="office_flags"
    )
    group = models.ForeignKey("groups.PeerGroup", models.CASCADE, related_name="office_flags")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="office_flags_about",
        verbose_name=_("about member"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=FlagKind)
    note = models.TextField(_("note for the office"), blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="office_flags_raised",
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    objects = OfficeFlagQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("office flag")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=FlagKind.values), name="flag_kind_valid"),
        ]
        indexes = [models.Index(fields=["group", "resolved_at"], name="flag_group_open_idx")]

    def __str__(self) -> str:
        return f"Office flag #{self.pk} ({self.kind}) on group {self.group_id}"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(TimeStampedModel):
    """A person's secret calendar address. Resetting the token stops the old address working."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token)

    def __str__(self) -> str:
        return f"Calendar feed of user {self.user_id}"
