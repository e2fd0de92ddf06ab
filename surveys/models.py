"""Surveys: intake, post-meeting pulse, mid-cycle and exit, with answers kept per question.

Anonymous surveys keep *who has completed* (`Completion`, so reminders work) apart from *what was
answered* (`Response` with no user). Nothing in a row links the two: anonymous responses have
random ids, no user and no timestamps. See `surveys/services.py` for the residual risks.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from peergroups.lib.models import TimeStampedModel


class SurveyKind(models.TextChoices):
    INTAKE = "intake", _("Intake")
    PULSE = "pulse", _("Post-meeting pulse")
    MID_CYCLE = "mid_cycle", _("Mid-cycle check")
    EXIT = "exit", _("Exit")
    CUSTOM = "custom", _("Custom")


class QuestionKind(models.TextChoices):
    LIKERT = "likert", _("Likert 1–5 (labelled points)")
    SCALE = "scale", _("Scale 0–10")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    NUMBER = "number", _("Number")
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")


# Answers to these kinds are stored in `Answer.number` and can be averaged and paired.
NUMERIC_KINDS = [QuestionKind.LIKERT, QuestionKind.SCALE, QuestionKind.NUMBER]
CHOICE_KINDS = [QuestionKind.SINGLE, QuestionKind.MULTIPLE]
TEXT_KINDS = [QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT]

AGREEMENT_LABELS = [
    _("Strongly disagree"),
    _("Disagree"),
    _("Neither agree nor disagree"),
    _("Agree"),
    _("Strongly agree"),
]


class SurveyQuerySet(models.QuerySet["Survey"]):
    def templates(self) -> SurveyQuerySet:
        return self.filter(is_template=True)

    def real(self) -> SurveyQuerySet:
        """Surveys people answer (not the templates they are copied from)."""
        return self.filter(is_template=False)

    def open(self, now: datetime) -> SurveyQuerySet:
        return self.filter(is_template=False, opens_at__lte=now, closes_at__gt=now)

    def closed(self, now: datetime) -> SurveyQuerySet:
        return self.filter(is_template=False, closes_at__lte=now)


class Survey(TimeStampedModel):
    """A questionnaire sent to a cohort or a group between two dates (or a template to copy)."""

    kind = models.CharField(_("kind"), max_length=10, choices=SurveyKind, default=SurveyKind.CUSTOM)
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(
        _("introduction"), blank=True, help_text=_("Shown above the questions.")
    )
    slug = models.SlugField(
        _("stable name"),
        max_length=100,
        blank=True,
        help_text=_("Optional; used by scripts and shipped templates to find this survey."),
    )
    is_template = models.BooleanField(
        _("template"),
        default=False,
        help_text=_("A template is never sent; copy it to make a survey for a cohort or group."),
    )
    is_anonymous = models.BooleanField(
        _("anonymous"),
        default=False,
        help_text=_(
            "Answers are stored without the person. The office still sees who has completed "
            "the survey (so reminders work), never who gave which answer. Anonymous answers "
            "cannot be paired with an earlier survey."
        ),
    )
    cohort = models.ForeignKey(
        "groups.Cohort",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="surveys",
        verbose_name=_("cohort"),
        help_text=_("Audience: the active members of every group of this cohort."),
    )
    group = models.ForeignKey(
        "groups.PeerGroup",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="surveys",
        verbose_name=_("group"),
        help_text=_("Audience: the active members of this group (leave empty for a cohort)."),
    )
    meeting = models.ForeignKey(
        "meetings.Meeting",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="surveys",
        verbose_name=_("meeting"),
        help_text=_("The held meeting a pulse survey asks about."),
    )
    baseline = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="followups",
        verbose_name=_("compare with"),
        help_text=_(
            "An earlier survey (usually the intake) whose items with the same key are paired "
            "with this one, person by person, in the results."
        ),
    )
    copied_from = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="copies", editable=False
    )
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    # When an anonymous survey's respondent keys were erased after closing (see services).
    sealed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="surveys_created",
        editable=False,
    )

    objects = SurveyQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at", "title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SurveyKind.values), name="survey_kind_valid"
            ),
            models.UniqueConstraint(
                fields=["slug"], condition=~Q(slug=""), name="survey_slug_unique"
            ),
            # One pulse per held meeting, however often the sweep runs.
            models.UniqueConstraint(
                fields=["meeting"],
                condition=Q(meeting__isnull=False),
                name="survey_one_per_meeting",
            ),
            models.CheckConstraint(
                condition=Q(is_template=False)
                | Q(
                    cohort__isnull=True,
                    group__isnull=True,
                    meeting__isnull=True,
                    opens_at__isnull=True,
                ),
                name="survey_template_has_no_audience",
                violation_error_message=_("A template has no audience, meeting or dates."),
            ),
            models.CheckConstraint(
                condition=Q(cohort__isnull=True) | Q(group__isnull=True),
                name="survey_one_audience",
                violation_error_message=_("Choose a cohort or a group, not both."),
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True, closes_at__isnull=True)
                # closes_at must be non-null explicitly: NULL > opens_at would pass the check.
                | Q(opens_at__isnull=False, closes_at__isnull=False, closes_at__gt=F("opens_at")),
                name="survey_dates_ordered",
                violation_error_message=_("Give both dates, the closing one after the opening."),
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(cohort__isnull=False)
                | Q(group__isnull=False),
                name="survey_scheduled_has_audience",
                violation_error_message=_("A survey with dates needs a cohort or a group."),
            ),
            models.CheckConstraint(
                condition=Q(meeting__isnull=True) | Q(group__isnull=False),
                name="survey_meeting_has_group",
            ),
        ]
        indexes = [models.Index(fields=["opens_at", "closes_at"], name="survey_window_idx")]

    def __str__(self) -> str:
        return f"{self.title} (#{self.pk})"

    def get_absolute_url(self) -> str:
        return reverse("surveys:survey_respond", args=[self.pk])

    def is_open(self, now: datetime) -> bool:
        return (
            not self.is_template
            and self.opens_at is not None
            and self.opens_at <= now < self.closes_at
        )

    def is_closed(self, now: datetime) -> bool:
        return self.closes_at is not None and self.closes_at <= now

    def state(self, now: datetime) -> str:
        if self.is_template:
            return "template"
        if self.opens_at is None:
            return "draft"
        if now < self.opens_at:
            return "upcoming"
        return "open" if now < self.closes_at else "closed"


class Question(TimeStampedModel):
    """One item of a survey. Its `key` is stable, so the same item pairs up across surveys."""

    survey = models.ForeignKey(Survey, models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    key = models.SlugField(
        _("key"),
        max_length=60,
        help_text=_(
            "Stable name of the item, e.g. conf_make_plan. Use the same key in the intake and "
            "exit surveys to pair answers; '<name>_before' and '<name>_now' pair within a survey."
        ),
    )
    kind = models.CharField(_("type"), max_length=12, choices=QuestionKind)
    text = models.CharField(_("question"), max_length=500)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    is_required = models.BooleanField(_("required"), default=True)
    choices = models.TextField(
        _("choices"),
        blank=True,
        help_text=_(
            "One per line. Choices: 'value | Label' (or just a label). Likert: five point labels "
            "from 1 to 5 (empty: Strongly disagree … Strongly agree)."
        ),
    )
    min_label = models.CharField(_("label of the low end"), max_length=80, blank=True)
    max_label = models.CharField(_("label of the high end"), max_length=80, blank=True)
    min_value = models.IntegerField(_("smallest number"), null=True, blank=True)
    max_value = models.IntegerField(_("largest number"), null=True, blank=True)
    flag_choice = models.CharField(
        _("choice that raises an office flag"),
        max_length=60,
        blank=True,
        help_text=_(
            "Single choice only: this answer raises an office flag about the person, for "
            "follow-up. Ignored in anonymous surveys."
        ),
    )

    class Meta:
        ordering = ["survey", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=QuestionKind.values), name="question_kind_valid"
            ),
            models.UniqueConstraint(fields=["survey", "key"], name="question_key_per_survey"),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(max_value__gte=F("min_value")),
                name="question_number_bounds_ordered",
            ),
            models.CheckConstraint(condition=~Q(key=""), name="question_key_not_empty"),
        ]

    def __str__(self) -> str:
        return f"Question {self.key} of survey #{self.survey_id}"

    @property
    def is_numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    def choice_list(self) -> list[tuple[str, str]]:
        """(value, label) pairs of a choice question, in order."""
        pairs = []
        for line in self.choices.splitlines():
            if not line.strip():
                continue
            value, sep, label = line.partition("|")
            value, label = value.strip(), label.strip()
            if not sep:
                label = value
            pairs.append((value, label or value))
        return pairs

    def point_labels(self) -> list[tuple[int, str]]:
        """(value, label) for every point of a likert or 0–10 scale."""
        if self.kind == QuestionKind.LIKERT:
            labels = [label for _value, label in self.choice_list()]
            if len(labels) != 5:
                labels = [str(label) for label in AGREEMENT_LABELS]
            return list(enumerate(labels, start=1))
        if self.kind == QuestionKind.SCALE:
            points = [(n, str(n)) for n in range(11)]
            if self.min_label:
                points[0] = (0, f"0 – {self.min_label}")
            if self.max_label:
                points[10] = (10, f"10 – {self.max_label}")
            return points
        return []


class Completion(TimeStampedModel):
    """Who has submitted a survey. Kept apart from the answers, so anonymous surveys can
    remind non-respondents without knowing what anyone answered."""

    survey = models.ForeignKey(Survey, models.CASCADE, related_name="completions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="survey_completions"
    )

    class Meta:
        ordering = ["survey", "user"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="completion_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"Completion of survey #{self.survey_id} by user {self.user_id}"


class Response(models.Model):
    """One person's answers to a survey, a draft until submitted, editable until it closes.

    Deliberately not a TimeStampedModel and keyed by a random UUID: an anonymous response has no
    user, no timestamps and no id sequence that could be lined up with `Completion` rows.
    Identified responses record their times explicitly (the service sets them).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, models.CASCADE, related_name="responses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="survey_responses",
    )
    # Anonymous drafts only: a keyed hash of (survey, person), so the person can come back to
    # their answers while the survey is open. Erased when the survey closes.
    respondent_key = models.CharField(max_length=64, blank=True, editable=False)
    is_submitted = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "user"],
                condition=Q(user__isnull=False),
                name="response_once_per_user",
            ),
            models.UniqueConstraint(
                fields=["survey", "respondent_key"],
                condition=~Q(respondent_key=""),
                name="response_once_per_respondent_key",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False)
                | Q(created_at__isnull=True, updated_at__isnull=True, submitted_at__isnull=True),
                name="response_anonymous_has_no_times",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=True) | Q(respondent_key=""),
                name="response_identified_has_no_key",
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True) | Q(is_submitted=True),
                name="response_submitted_at_is_submitted",
            ),
        ]

    def __str__(self) -> str:
        return f"Response {self.pk} to survey #{self.survey_id}"


class Answer(models.Model):
    """The answer to one question. Like `Response`, no timestamps and a random id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, models.CASCADE, related_name="answers")
    # RESTRICT: a question that has answers can't be deleted on its own (that would silently
    # drop data), only together with its whole survey.
    question = models.ForeignKey(Question, models.RESTRICT, related_name="answers")
    number = models.IntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    choices = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="answer_once_per_question"
            ),
            models.CheckConstraint(
                condition=Q(number__isnull=False) | ~Q(text="") | ~Q(choices=[]),
                name="answer_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"Answer to question #{self.question_id} in response {self.response_id}"
