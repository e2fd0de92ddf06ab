"""Writes for surveys: copying templates, answering, pulses after meetings, invitations.

Anonymity. An anonymous survey stores *that* someone completed it (`Completion`, for reminders)
apart from *what* they answered (`Response` with no user, no timestamps, a random UUID, and answers
likewise). The two are written in separate transactions (durable atomic blocks), so they don't
share a transaction id. While the survey is open the person's draft is found again through
`respondent_key`, a keyed hash of (survey, person); when it closes, `surveys_seal_closed` erases
the keys, drops unsubmitted drafts and rewrites the rows in one transaction.

Residual risks, accepted and documented: (1) while an anonymous survey is open, someone holding
both the database and SECRET_KEY can recompute respondent keys; (2) someone with raw database or
server access (PostgreSQL transaction ids and physical row order, the WAL, web-server access logs
with request times) may correlate a POST with the rows it wrote. Office staff, through the admin,
results page and export, have no path from an answer to a person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone as dj_timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from accounts.models import User
from groups.models import Cohort, PeerGroup
from meetings.models import FlagKind, Meeting, MeetingStatus, OfficeFlag
from notifications import services as notification_services
from notifications.models import Notification, NotificationKind
from surveys import permissions
from surveys.models import (
    Answer,
    Completion,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyKind,
)

logger = logging.getLogger(__name__)

PULSE_TEMPLATE_SLUG = "template-pulse"
PULSE_OPEN_FOR = timedelta(days=7)
# Meetings logged as held within this window get a pulse; older ones are history.
PULSE_LOOKBACK = timedelta(days=3)
# The one reminder goes out in the last few days, but never in the first half of the window
# (a one-day survey is reminded after twelve hours), and never right after the invitation.
REMINDER_LEAD = timedelta(days=3)
REMINDER_MIN_GAP = timedelta(hours=12)
SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 5000


class SurveyError(Exception):
    """A rule about surveys was broken; the message is safe to show."""


# Building surveys ------------------------------------------------------------------------------


@transaction.atomic
def survey_copy(
    *,
    source: Survey,
    created_by: User | None,
    title: str = "",
    cohort: Cohort | None = None,
    group: PeerGroup | None = None,
    meeting: Meeting | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    baseline: Survey | None = None,
    slug: str = "",
) -> Survey:
    """A new survey (never a template) with the source's questions, keys and all.

    An exit survey for a cohort is compared with the cohort's latest intake unless told otherwise.
    """
    if baseline is None and source.kind == SurveyKind.EXIT and cohort is not None:
        baseline = (
            Survey.objects.real()
            .filter(kind=SurveyKind.INTAKE, cohort=cohort, is_anonymous=False)
            .order_by("-opens_at", "-pk")
            .first()
        )
    survey = Survey.objects.create(
        kind=source.kind,
        title=title or _("Copy of %(title)s") % {"title": source.title},
        intro=source.intro,
        slug=slug,
        is_anonymous=source.is_anonymous,
        cohort=cohort,
        group=group,
        meeting=meeting,
        opens_at=opens_at,
        closes_at=closes_at,
        baseline=baseline,
        copied_from=source,
        created_by=created_by,
    )
    Question.objects.bulk_create(
        Question(
            survey=survey,
            position=q.position,
            key=q.key,
            kind=q.kind,
            text=q.text,
            help_text=q.help_text,
            is_required=q.is_required,
            choices=q.choices,
            min_label=q.min_label,
            max_label=q.max_label,
            min_value=q.min_value,
            max_value=q.max_value,
            flag_choice=q.flag_choice,
        )
        for q in source.questions.all()
    )
    return survey


# Answering -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanAnswer:
    number: int | None = None
    text: str = ""
    choices: tuple[str, ...] = ()


def _as_int(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise ValueError


def clean_answer(question: Question, value: object) -> CleanAnswer | None:
    """The stored form of one answer; None when it is empty; ValueError when it is invalid."""
    if value is None or value == "" or value == [] or value == ():
        return None
    kind = question.kind
    if kind in (QuestionKind.LIKERT, QuestionKind.SCALE):
        number = _as_int(value)
        if number not in {point for point, _label in question.point_labels()}:
            raise ValueError
        return CleanAnswer(number=number)
    if kind == QuestionKind.NUMBER:
        number = _as_int(value)
        low = question.min_value if question.min_value is not None else -(2**31)
        high = question.max_value if question.max_value is not None else 2**31 - 1
        if not low <= number <= high:
            raise ValueError
        return CleanAnswer(number=number)
    values = {v for v, _label in question.choice_list()}
    if kind == QuestionKind.SINGLE:
        if not isinstance(value, str) or value not in values:
            raise ValueError
        return CleanAnswer(text=value)
    if kind == QuestionKind.MULTIPLE:
        if isinstance(value, str) or not all(isinstance(v, str) and v in values for v in value):
            raise ValueError
        return CleanAnswer(choices=tuple(dict.fromkeys(value)))
    if not isinstance(value, str):
        raise ValueError
    text = value.strip().replace("\x00", "")
    limit = SHORT_TEXT_MAX if kind == QuestionKind.SHORT_TEXT else LONG_TEXT_MAX
    if len(text) > limit:
        raise ValueError
    return CleanAnswer(text=text) if text else None


def _clean_all(
    questions: list[Question], answers: dict[str, object], *, submit: bool
) -> dict[Question, CleanAnswer]:
    by_key = {q.key: q for q in questions}
    unknown = set(answers) - set(by_key)
    if unknown:
        raise SurveyError(_("The survey has no question %(key)s.") % {"key": sorted(unknown)[0]})
    cleaned: dict[Question, CleanAnswer] = {}
    for key, value in answers.items():
        try:
            answer = clean_answer(by_key[key], value)
        except (ValueError, TypeError) as e:
            raise SurveyError(
                _("The answer to “%(q)s” is not valid.") % {"q": by_key[key].text}
            ) from e
        if answer is not None:
            cleaned[by_key[key]] = answer
    if submit:
        missing = [q for q in questions if q.is_required and q not in cleaned]
        if missing:
            raise SurveyError(
                _("Please answer “%(q)s” before submitting.") % {"q": missing[0].text}
            )
    return cleaned


def respondent_key(*, survey: Survey, user: User) -> str:
    """The keyed hash that finds a person's anonymous draft while the survey is open."""
    return salted_hmac(
        "surveys.anonymous-respondent", f"{survey.pk}:{user.pk}", algorithm="sha256"
    ).hexdigest()


def _write_answers(response: Response, cleaned: dict[Question, CleanAnswer]) -> None:
    response.answers.all().delete()
    Answer.objects.bulk_create(
        Answer(
            response=response,
            question=question,
            number=answer.number,
            text=answer.text,
            choices=list(answer.choices),
        )
        for question, answer in sorted(cleaned.items(), key=lambda item: item[0].position)
    )


def _check_open(survey: Survey, now: datetime) -> None:
    if survey.is_template or survey.opens_at is None or now < survey.opens_at:
        raise SurveyError(_("This survey is not open yet."))
    if survey.is_closed(now):
        raise SurveyError(_("This survey has closed; answers can no longer be changed."))


def response_save(
    *, survey: Survey, user: User, answers: dict[str, object], submit: bool, now: datetime
) -> Response:
    """Save a person's answers: a draft to finish later, or submitted (required ones enforced).

    A submitted response stays editable until the survey closes; every later save is checked as
    a submission. Answers are keyed by question key; empty answers are dropped.
    """
    _check_open(survey, now)
    if survey.is_anonymous:
        response = _anonymous_answers_save(survey=survey, user=user, answers=answers, submit=submit)
        if response.is_submitted:
            _completion_record(survey=survey, user=user)
        return response
    return _identified_response_save(
        survey=survey, user=user, answers=answers, submit=submit, now=now
    )


@transaction.atomic
def _identified_response_save(
    *, survey: Survey, user: User, answers: dict[str, object], submit: bool, now: datetime
) -> Response:
    response, _created = Response.objects.get_or_create(
        survey=survey, user=user, defaults={"created_at": now}
    )
    response = Response.objects.select_for_update().get(pk=response.pk)
    submit = submit or response.is_submitted
    questions = list(survey.questions.all())
    cleaned = _clean_all(questions, answers, submit=submit)
    _write_answers(response, cleaned)
    response.updated_at = now
    if submit:
        response.is_submitted = True
        response.submitted_at = response.submitted_at or now
    response.save(update_fields=["is_submitted", "submitted_at", "updated_at"])
    if submit:
        Completion.objects.get_or_create(survey=survey, user=user)
        _raise_office_flags(survey=survey, user=user, cleaned=cleaned)
    return response


# Durable: never part of a caller's transaction, so the answers and the completion are
# committed separately and share no transaction id.
@transaction.atomic(durable=True)
def _anonymous_answers_save(
    *, survey: Survey, user: User, answers: dict[str, object], submit: bool
) -> Response:
    key = respondent_key(survey=survey, user=user)
    response, _created = Response.objects.get_or_create(survey=survey, respondent_key=key)
    response = Response.objects.select_for_update().get(pk=response.pk)
    submit = submit or response.is_submitted
    cleaned = _clean_all(list(survey.questions.all()), answers, submit=submit)
    _write_answers(response, cleaned)
    if submit and not response.is_submitted:
        response.is_submitted = True
        response.save(update_fields=["is_submitted"])
    return response


@transaction.atomic(durable=True)
def _completion_record(*, survey: Survey, user: User) -> Completion:
    completion, _created = Completion.objects.get_or_create(survey=survey, user=user)
    return completion


def _raise_office_flags(
    *, survey: Survey, user: User, cleaned: dict[Question, CleanAnswer]
) -> None:
    """A flagged choice (mid-cycle "no" to staying) tells the office, once per survey and group.

    Only for identified surveys: a flag names the person, so in an anonymous survey it would
    reveal their answer.
    """
    flagged = [
        (q, a)
        for q, a in cleaned.items()
        if q.kind == QuestionKind.SINGLE and q.flag_choice and a.text == q.flag_choice
    ]
    if not flagged or survey.is_anonymous:
        return
    if survey.group_id is not None:
        groups = [survey.group]
    else:
        groups = list(
            PeerGroup.objects.filter(
                memberships__in=permissions.audience_of(survey).filter(user=user)
            ).distinct()
        )
    for question, answer in flagged:
        marker = f"[survey {survey.pk}: {question.key}]"
        label = dict(question.choice_list()).get(answer.text, answer.text)
        for group in groups:
            if OfficeFlag.objects.filter(
                group=group, member=user, note__startswith=marker
            ).exists():
                continue
            OfficeFlag.objects.create(
                group=group,
                member=user,
                kind=FlagKind.OTHER,
                note=_(
                    "%(marker)s Answered “%(answer)s” to “%(question)s” in %(survey)s. "
                    "Please get in touch with them."
                )
                % {
                    "marker": marker,
                    "answer": label,
                    "question": question.text,
                    "survey": survey.title,
                },
                raised_by=None,
            )


# Pulse after a held meeting --------------------------------------------------------------------


@transaction.atomic
def pulse_for_meeting(*, meeting: Meeting, now: datetime) -> Survey:
    """The pulse survey about a held meeting, for its group, created once."""
    # The lock serialises concurrent sweeps for the same meeting; the unique constraint on
    # Survey.meeting is the backstop.
    meeting = (
        Meeting.objects.select_for_update(of=("self",)).select_related("group").get(pk=meeting.pk)
    )
    existing = Survey.objects.filter(meeting=meeting).first()
    if existing is not None:
        return existing
    if meeting.status != MeetingStatus.HELD:
        raise SurveyError(_("A pulse survey is sent after a meeting is held."))
    templates = Survey.objects.templates().filter(kind=SurveyKind.PULSE).order_by("pk")
    template = templates.filter(slug=PULSE_TEMPLATE_SLUG).first() or templates.first()
    if template is None:
        raise SurveyError(_("There is no pulse survey template."))
    day = dj_timezone.localtime(meeting.starts_at).date()
    return survey_copy(
        source=template,
        created_by=None,
        title=_("%(title)s: %(group)s, meeting of %(day)s")
        % {"title": template.title, "group": meeting.group.name, "day": f"{day:%d %b %Y}"},
        group=meeting.group,
        meeting=meeting,
        opens_at=now,
        closes_at=now + PULSE_OPEN_FOR,
    )


def pulses_for_held_meetings(*, now: datetime) -> list[Survey]:
    """A pulse for every meeting logged as held recently that has none yet."""
    meetings = Meeting.objects.filter(
        status=MeetingStatus.HELD, held_at__gte=now - PULSE_LOOKBACK, surveys__isnull=True
    ).order_by("held_at")
    created = []
    for meeting in meetings:
        try:
            created.append(pulse_for_meeting(meeting=meeting, now=now))
        except SurveyError:
            logger.warning("No pulse for meeting %s: no pulse template", meeting.pk)
            break
    return created


# Invitations and reminders ---------------------------------------------------------------------


def reminder_due_at(survey: Survey) -> datetime:
    window = survey.closes_at - survey.opens_at
    return max(survey.opens_at + window / 2, survey.closes_at - REMINDER_LEAD)


def _closing_text(survey: Survey, user: User) -> str:
    when = dj_timezone.localtime(survey.closes_at, user.tzinfo)
    return f"{when:%a %d %b %Y, %H:%M} ({user.tzinfo.key})"


def _privacy_text(survey: Survey) -> str:
    if survey.is_anonymous:
        return _("Your answers are anonymous: the office sees that you answered, not what.")
    return _("The office sees your answers; reports only show totals for five or more people.")


def _already_notified(survey: Survey, kind: str) -> dict[int, datetime]:
    prefix = f"{kind}:{survey.pk}:"
    return dict(
        Notification.objects.filter(kind=kind, dedupe_key__startswith=prefix).values_list(
            "recipient_id", "created_at"
        )
    )


def survey_invitations_send(*, survey: Survey, now: datetime) -> int:
    """Invite the audience of an open survey, and remind non-respondents once before it closes.

    Safe to repeat: every notice has a dedupe key per survey and person. Returns how many
    notices were created.
    """
    if not survey.is_open(now):
        return 0
    audience = set(permissions.audience_of(survey).values_list("user_id", flat=True))
    invited = _already_notified(survey, NotificationKind.SURVEY_INVITATION)
    created = 0
    for user in User.objects.filter(pk__in=audience - set(invited), is_active=True):
        notification_services.notification_create(
            recipient=user,
            kind=NotificationKind.SURVEY_INVITATION,
            subject=_("Survey: %(title)s") % {"title": survey.title},
            body=_("Please answer by %(when)s. It takes a few minutes. %(privacy)s")
            % {"when": _closing_text(survey, user), "privacy": _privacy_text(survey)},
            link=survey.get_absolute_url(),
            dedupe_key=f"{NotificationKind.SURVEY_INVITATION}:{survey.pk}:{user.pk}",
        )
        created += 1
    if now < reminder_due_at(survey):
        return created
    completed = set(Completion.objects.filter(survey=survey).values_list("user_id", flat=True))
    reminded = set(_already_notified(survey, NotificationKind.SURVEY_REMINDER))
    due = (
        {
            user_id
            for user_id, invited_at in invited.items()
            if invited_at <= now - REMINDER_MIN_GAP and user_id in audience
        }
        - completed
        - reminded
    )
    for user in User.objects.filter(pk__in=due, is_active=True):
        notification_services.notification_create(
            recipient=user,
            kind=NotificationKind.SURVEY_REMINDER,
            subject=_("Reminder: %(title)s closes soon") % {"title": survey.title},
            body=_("The survey closes on %(when)s. Your answers help the program. %(privacy)s")
            % {"when": _closing_text(survey, user), "privacy": _privacy_text(survey)},
            link=survey.get_absolute_url(),
            dedupe_key=f"{NotificationKind.SURVEY_REMINDER}:{survey.pk}:{user.pk}",
        )
        created += 1
    return created


def surveys_to_invite(*, now: datetime) -> list[int]:
    """IDs of the open surveys, for the sweep to fan out."""
    return list(Survey.objects.open(now).order_by("pk").values_list("pk", flat=True))


# Closing ---------------------------------------------------------------------------------------


@transaction.atomic
def surveys_seal_closed(*, now: datetime) -> int:
    """Erase what could still find a person's anonymous answers once a survey has closed.

    Respondent keys go, unsubmitted drafts go, and the remaining rows are rewritten together in
    one transaction. Returns how many surveys were sealed.
    """
    # A save that was already under way when the survey closed may leave a key behind, even on
    # a survey sealed earlier: clear those too (the partial unique index makes this cheap).
    Response.objects.filter(
        survey__in=Survey.objects.closed(now).filter(is_anonymous=True)
    ).exclude(respondent_key="").update(respondent_key="")
    surveys = list(
        Survey.objects.closed(now)
        .filter(is_anonymous=True, sealed_at__isnull=True)
        .select_for_update(skip_locked=True)
    )
    for survey in surveys:
        Response.objects.filter(survey=survey, is_submitted=False).delete()
        # Rewriting every row in one transaction gives them all the same transaction id.
        Response.objects.filter(survey=survey).update(respondent_key="")
        Answer.objects.filter(response__survey=survey).update(number=F("number"))
        survey.sealed_at = now
        survey.save(update_fields=["sealed_at", "updated_at"])
    return len(surveys)
