"""Read queries for surveys: the home page list, the response page, results and the export.

Every function here runs a fixed number of queries, whatever the number of responses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from accounts.models import CareerInterest, Stage, TraineeProfile, User
from surveys import analytics, permissions, services
from surveys.models import (
    NUMERIC_KINDS,
    TEXT_KINDS,
    Answer,
    Completion,
    Question,
    QuestionKind,
    Response,
    Survey,
)


def open_surveys_for(user: User, now: datetime) -> QuerySet[Survey]:
    """Open surveys the person is asked to answer, soonest closing first, each with
    `is_completed`. For the home page: one query."""
    return (
        Survey.objects.open(now)
        .filter(permissions.audience_filter(user))
        .annotate(is_completed=Exists(Completion.objects.filter(survey=OuterRef("pk"), user=user)))
        .order_by("closes_at", "pk")
    )


def surveys_for(user: User, now: datetime) -> dict:
    """The person's surveys page: open ones, then the last closed ones."""
    surveys = list(
        Survey.objects.real()
        .filter(opens_at__lte=now)
        .filter(permissions.audience_filter(user))
        .annotate(is_completed=Exists(Completion.objects.filter(survey=OuterRef("pk"), user=user)))
        .order_by("-closes_at", "pk")[:30]
    )
    return {
        "open_surveys": sorted(
            (s for s in surveys if s.is_open(now)), key=lambda s: (s.closes_at, s.pk)
        ),
        "closed_surveys": [s for s in surveys if s.is_closed(now)][:10],
    }


def survey_page(*, survey: Survey, user: User, now: datetime) -> dict:
    """The response page: questions, the person's saved answers and the survey's state."""
    questions = list(survey.questions.all())
    if survey.is_anonymous:
        responses = Response.objects.filter(
            survey=survey, respondent_key=services.respondent_key(survey=survey, user=user)
        )
    else:
        responses = Response.objects.filter(survey=survey, user=user)
    response = responses.prefetch_related("answers").first()
    by_question = {a.question_id: a for a in response.answers.all()} if response else {}
    initial = {}
    for q in questions:
        answer = by_question.get(q.pk)
        if answer is None:
            continue
        if q.kind == QuestionKind.MULTIPLE:
            initial[q.key] = answer.choices
        elif q.kind in (QuestionKind.SINGLE, *TEXT_KINDS):
            initial[q.key] = answer.text
        else:
            initial[q.key] = answer.number
    can_respond = not user.is_staff or permissions.can_respond(user, survey)
    return {
        "survey": survey,
        "questions": questions,
        "response": response,
        "initial": initial,
        "state": survey.state(now),
        "can_respond": can_respond,
        "has_completed": Completion.objects.filter(survey=survey, user=user).exists(),
    }


# Results ---------------------------------------------------------------------------------------

# Text answers listed on the page; the export has them all.
TEXT_LIMIT = 200


@dataclass
class QuestionResult:
    question: Question
    distribution: analytics.Distribution | None = None
    texts: list[str] = field(default_factory=list)
    n: int = 0

    @property
    def is_suppressed(self) -> bool:
        return self.n < analytics.MIN_CELL


@dataclass
class ItemChange:
    question: Question
    overall: analytics.PairedChange
    by_area: list[tuple[str, analytics.PairedChange]]
    by_stage: list[tuple[str, analytics.PairedChange]]


def _answer_value(kind: str, number, text, choices):
    if kind in NUMERIC_KINDS:
        return number
    if kind == QuestionKind.MULTIPLE:
        return choices
    return text


def _people(user_ids: set[int]) -> dict[int, tuple[str, str]]:
    """(career area, stage) labels per person: the first-ranked career interest and the stage."""
    first_area = CareerInterest.objects.filter(profile=OuterRef("pk"), rank=1).values(
        "career_area__name"
    )[:1]
    stages = dict(Stage.choices)
    rows = (
        TraineeProfile.objects.filter(user_id__in=user_ids)
        .annotate(first_area=Subquery(first_area))
        .values_list("user_id", "first_area", "stage")
    )
    people = {
        user_id: (area or _("No career interest given"), str(stages.get(stage, _("Not given"))))
        for user_id, area, stage in rows
    }
    unknown = (_("No career interest given"), _("Not given"))
    return {user_id: people.get(user_id, unknown) for user_id in user_ids}


def survey_results(*, survey: Survey) -> dict:
    """Response rate, per-question distributions, paired pre/post change and charts."""
    questions = list(survey.questions.all())
    audience_size = permissions.audience_of(survey).values("user_id").distinct().count()
    completed = Completion.objects.filter(survey=survey).count()
    answers = Answer.objects.filter(response__survey=survey, response__is_submitted=True)
    values: dict[int, list] = defaultdict(list)
    by_response: dict[object, dict[str, int]] = defaultdict(dict)
    post_by_person: dict[str, dict[int, int]] = defaultdict(dict)
    kinds = {q.pk: q for q in questions}
    responses = set()
    for question_id, number, text, choices, response_id, user_id in answers.values_list(
        "question_id", "number", "text", "choices", "response_id", "response__user_id"
    ):
        question = kinds[question_id]
        responses.add(response_id)
        values[question_id].append(_answer_value(question.kind, number, text, choices))
        if question.is_numeric and number is not None:
            by_response[response_id][question.key] = number
            if user_id is not None:
                post_by_person[question.key][user_id] = number

    results = [_question_result(q, values[q.pk]) for q in questions]
    pre_post, pre_post_note = _pre_post(survey, questions, post_by_person)
    retrospective = _retrospective(questions, by_response)
    return {
        "survey": survey,
        "audience_size": audience_size,
        "completed": completed,
        "submitted": len(responses),
        "response_rate": completed / audience_size if audience_size else None,
        "results": results,
        "pre_post": pre_post,
        "pre_post_note": pre_post_note,
        "retrospective": retrospective,
        "min_cell": analytics.MIN_CELL,
        "chart_data": _chart_data(results, pre_post),
    }


def _question_result(question: Question, values: list) -> QuestionResult:
    result = QuestionResult(question=question, n=len(values))
    if question.kind in TEXT_KINDS:
        # Sorted, not in the order given: order could hint at who wrote what.
        if not result.is_suppressed:
            result.texts = sorted(values, key=str.casefold)[:TEXT_LIMIT]
    elif question.kind == QuestionKind.NUMBER:
        result.distribution = analytics.number_distribution(values)
    elif question.kind in (QuestionKind.LIKERT, QuestionKind.SCALE):
        result.distribution = analytics.distribution(question.point_labels(), values)
    else:
        result.distribution = analytics.distribution(question.choice_list(), values)
    return result


def _pre_post(
    survey: Survey, questions: list[Question], post_by_person: dict[str, dict[int, int]]
) -> tuple[list[ItemChange], str]:
    baseline = survey.baseline
    if baseline is None:
        return [], ""
    if survey.is_anonymous or baseline.is_anonymous:
        return [], _("Anonymous answers can't be paired person by person.")
    numeric = {q.key: q for q in questions if q.is_numeric}
    pre_by_person: dict[str, dict[int, int]] = defaultdict(dict)
    rows = Answer.objects.filter(
        response__survey=baseline,
        response__is_submitted=True,
        question__key__in=list(numeric),
        number__isnull=False,
    ).values_list("question__key", "question__kind", "response__user_id", "number")
    for key, kind, user_id, number in rows:
        if user_id is not None and kind == numeric[key].kind:
            pre_by_person[key][user_id] = number
    paired = {
        key: analytics.pair_up(pre_by_person[key], post_by_person[key])
        for key in numeric
        if key in pre_by_person
    }
    people = _people({person for pairs in paired.values() for person in pairs})
    items = [
        ItemChange(
            question=numeric[key],
            overall=analytics.paired_change(list(pairs.values())),
            by_area=analytics.breakdown(pairs, lambda person: people[person][0]),
            by_stage=analytics.breakdown(pairs, lambda person: people[person][1]),
        )
        for key, pairs in paired.items()
    ]
    if not items:
        return [], _("No items are shared with %(baseline)s.") % {"baseline": baseline.title}
    return items, ""


def _retrospective(
    questions: list[Question], by_response: dict[object, dict[str, int]]
) -> list[tuple[Question, Question, analytics.PairedChange]]:
    """Within-survey pairs: '<name>_before' and '<name>_now' answered in the same response."""
    by_key = {q.key: q for q in questions if q.is_numeric}
    pairs = []
    for key, before in by_key.items():
        if not key.endswith("_before"):
            continue
        now = by_key.get(key.removesuffix("_before") + "_now")
        if now is None:
            continue
        values = [
            (answers[before.key], answers[now.key])
            for answers in by_response.values()
            if before.key in answers and now.key in answers
        ]
        pairs.append((before, now, analytics.paired_change(values)))
    return pairs


def _chart_data(results: list[QuestionResult], pre_post: list[ItemChange]) -> dict:
    charts = [
        {
            "canvas": f"chart-q{r.question.pk}",
            "label": _("Respondents"),
            "labels": [label for label, _count in r.distribution.rows],
            "values": [count for _label, count in r.distribution.rows],
        }
        for r in results
        if r.distribution is not None and not r.distribution.is_suppressed
    ]
    # Likert items only: they share the 1–5 axis (counts and 0–10 scales are in the table).
    shown = [
        item
        for item in pre_post
        if not item.overall.is_suppressed and item.question.kind == QuestionKind.LIKERT
    ]
    pre_post_chart = None
    if shown:
        pre_post_chart = {
            "canvas": "chart-pre-post",
            "labels": [item.question.key for item in shown],
            "datasets": [
                {"label": _("Before (mean)"), "values": [item.overall.mean_pre for item in shown]},
                {"label": _("After (mean)"), "values": [item.overall.mean_post for item in shown]},
            ],
        }
    return {"distributions": charts, "pre_post": pre_post_chart}


# Export ----------------------------------------------------------------------------------------


EXPORT_CHUNK = 500


def survey_export(*, survey: Survey) -> tuple[list[str], Iterator[list]]:
    """Header and rows of the responses export. Anonymous surveys export no person, no time,
    and rows in random order (response ids are random)."""
    questions = list(survey.questions.all())
    keys = [q.key for q in questions]
    header = ["row"] if survey.is_anonymous else ["row", "email", "name", "stage", "submitted_at"]
    header += keys
    responses = Response.objects.filter(survey=survey, is_submitted=True).prefetch_related(
        "answers"
    )
    if survey.is_anonymous:
        responses = responses.order_by("id")
    else:
        responses = responses.select_related("user__profile").order_by("submitted_at", "id")

    def rows() -> Iterator[list]:
        for number, response in enumerate(responses.iterator(chunk_size=EXPORT_CHUNK), start=1):
            by_question = {a.question_id: a for a in response.answers.all()}
            cells: list = [number]
            if not survey.is_anonymous:
                profile = getattr(response.user, "profile", None)
                cells += [
                    response.user.email,
                    response.user.name,
                    profile.get_stage_display() if profile else "",
                    response.submitted_at,
                ]
            for question in questions:
                answer = by_question.get(question.pk)
                if answer is None:
                    cells.append("")
                elif question.kind == QuestionKind.MULTIPLE:
                    cells.append("; ".join(answer.choices))
                elif question.kind in NUMERIC_KINDS:
                    cells.append(answer.number)
                else:
                    cells.append(answer.text)
            yield cells

    return header, rows()
