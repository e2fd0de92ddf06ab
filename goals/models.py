from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from peergroups.lib.models import TimeStampedModel


class GoalCategory(models.TextChoices):
    INFORMATIONAL_INTERVIEW = "informational_interview", _("Informational interview")
    NETWORKING = "networking", _("Networking or event")
    READING = "reading", _("Reading or research on a career")
    APPLICATION_MATERIALS = "materials", _("CV, resume or application materials")
    SKILL = "skill", _("Skill building")
    APPLYING = "applying", _("Applying")
    OTHER = "other", _("Other")


class GoalStatus(models.TextChoices):
    ACTIVE = "active", _("In progress")
    DONE = "done", _("Done")
    PARTLY = "partly", _("Partly done")
    NOT_STARTED = "not_started", _("Not started")
    DROPPED = "dropped", _("Dropped")


# Statuses a goal can still move on from (the others are reviewed outcomes).
OPEN_STATUSES = [GoalStatus.ACTIVE]
UNFINISHED_STATUSES = [GoalStatus.ACTIVE, GoalStatus.PARTLY, GoalStatus.NOT_STARTED]


class Visibility(models.TextChoices):
    GROUP = "group", _("My group")
    PRIVATE = "private", _("Only me")


class ReviewOutcome(models.TextChoices):
    DONE = "done", _("Done")
    PARTLY = "partly", _("Partly done")
    NOT_STARTED = "not_started", _("Not started")
    DROPPED = "dropped", _("Dropped")


class Blocker(models.TextChoices):
    TIME = "time", _("Time")
    ACCESS = "access", _("Access or contacts")
    UNCLEAR = "unclear", _("Unclear goal")
    ANXIETY = "anxiety", _("Anxiety or avoidance")
    OTHER = "other", _("Other")


class GoalQuerySet(models.QuerySet["Goal"]):
    def visible_to_group(self) -> GoalQuerySet:
        return self.filter(visibility=Visibility.GROUP)

    def current(self) -> GoalQuerySet:
        """Goals still being worked on."""
        return self.filter(status=GoalStatus.ACTIVE)

    def wins(self) -> GoalQuerySet:
        """Done goals shared with the group; a goal made private since stays out of sight."""
        return self.filter(
            status=GoalStatus.DONE, shared_as_win_at__isnull=False, visibility=Visibility.GROUP
        )


class Goal(TimeStampedModel):
    """A career-exploration goal set by a member, reviewed at one of their group's meetings."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="goals", verbose_name=_("owner")
    )
    group = models.ForeignKey(
        "groups.PeerGroup", models.CASCADE, related_name="goals", verbose_name=_("group")
    )
    title = models.CharField(_("goal"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    category = models.CharField(_("kind of goal"), max_length=30, choices=GoalCategory)
    career_area = models.ForeignKey(
        "accounts.CareerArea",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="goals",
        verbose_name=_("career area"),
    )
    due_meeting = models.ForeignKey(
        "meetings.Meeting",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="goals_due",
        verbose_name=_("review at meeting"),
        help_text=_("The meeting where the group reviews this goal."),
    )
    due_date = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=GoalStatus, default=GoalStatus.ACTIVE
    )
    visibility = models.CharField(
        _("who can see it"), max_length=10, choices=Visibility, default=Visibility.GROUP
    )
    is_specific = models.BooleanField(_("Specific: says exactly what you will do"), default=False)
    is_measurable = models.BooleanField(
        _("Measurable: you will know when it is done"), default=False
    )
    is_achievable = models.BooleanField(_("Achievable before the next meeting"), default=False)
    is_relevant = models.BooleanField(_("Relevant to the careers you are exploring"), default=False)
    is_time_bound = models.BooleanField(_("Time-bound: has a date"), default=False)
    confidence = models.PositiveSmallIntegerField(
        _("confidence (0–10)"),
        null=True,
        blank=True,
        help_text=_("How sure are you that you will do it? 0 = not at all, 10 = certain."),
    )
    carried_from = models.OneToOneField(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_to",
        verbose_name=_("carried over from"),
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    shared_as_win_at = models.DateTimeField(_("shared as a win"), null=True, blank=True)

    objects = GoalQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=GoalCategory.values), name="goal_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=GoalStatus.values), name="goal_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="goal_visibility_valid"
            ),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=0, confidence__lte=10),
                name="goal_confidence_range",
            ),
            models.CheckConstraint(
                condition=Q(shared_as_win_at__isnull=True) | Q(status=GoalStatus.DONE),
                name="goal_win_is_done",
            ),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(status=GoalStatus.DONE),
                name="goal_completed_is_done",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="goal_title_not_empty"),
        ]
        indexes = [
            models.Index(fields=["group", "status"], name="goal_group_status_idx"),
            models.Index(fields=["owner", "status"], name="goal_owner_status_idx"),
            # The office dashboard: goals set since a group's last meeting, and each person's
            # latest goal activity.
            models.Index(fields=["group", "created_at"], name="goal_group_created_idx"),
            models.Index(fields=["owner", "updated_at"], name="goal_owner_updated_idx"),
        ]

    def __str__(self) -> str:
        # No title: this string shows in the admin, where private goals keep their text hidden.
        return f"Goal #{self.pk} of user {self.owner_id}"

    def get_absolute_url(self) -> str:
        return reverse("goals:goal_update", args=[self.pk])

    @property
    def is_private(self) -> bool:
        return self.visibility == Visibility.PRIVATE

    @property
    def is_unfinished(self) -> bool:
        return self.status in UNFINISHED_STATUSES

    @property
    def smart_count(self) -> int:
        return sum(
            [
                self.is_specific,
                self.is_measurable,
                self.is_achievable,
                self.is_relevant,
                self.is_time_bound,
            ]
        )


class GoalReview(TimeStampedModel):
    """What happened to a goal, as recorded at the meeting that reviewed it."""

    goal = models.ForeignKey(Goal, models.CASCADE, related_name="reviews")
    meeting = models.ForeignKey("meetings.Meeting", models.CASCADE, related_name="goal_reviews")
    outcome = models.CharField(_("outcome"), max_length=20, choices=ReviewOutcome)
    learned = models.TextField(_("what was learned"), blank=True)
    blocker = models.CharField(_("what got in the way"), max_length=20, choices=Blocker, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="goal_reviews_recorded",
    )

    class Meta:
        ordering = ["meeting", "goal"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "meeting"], name="goalreview_once_per_meeting"),
            models.CheckConstraint(
                condition=Q(outcome__in=ReviewOutcome.values), name="goalreview_outcome_valid"
            ),
            models.CheckConstraint(
                condition=Q(blocker__in=[*Blocker.values, ""]), name="goalreview_blocker_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Review of goal #{self.goal_id} at meeting #{self.meeting_id}: {self.outcome}"
