from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from surveys.models import Answer, Completion, Question, Response, Survey
from tests.factories import CohortFactory, QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def test_str_identifies_rows(survey, member):
    question = survey.questions.first()
    response = Response.objects.create(survey=survey, user=member, created_at=NOW)
    assert str(survey) == f"Group check (#{survey.pk})"
    assert str(question) == f"Question agree of survey #{survey.pk}"
    assert str(response) == f"Response {response.pk} to survey #{survey.pk}"
    completion = Completion.objects.create(survey=survey, user=member)
    assert str(completion) == f"Completion of survey #{survey.pk} by user {member.pk}"


@pytest.mark.parametrize(
    "fields",
    [
        {"is_template": True},  # a template with an audience and dates
        {"opens_at": NOW, "closes_at": NOW},  # closes when it opens
        {"closes_at": None},  # one date only
        {"cohort_id": "cohort"},  # cohort and group together
        {"group": None},  # dates but no audience
        {"kind": "poll"},
    ],
)
def test_survey_constraints(group, fields):
    if fields.get("cohort_id") == "cohort":
        fields = {"cohort_id": CohortFactory().pk}
    with pytest.raises(IntegrityError):
        SurveyFactory(group=fields.pop("group", group), **fields)


def test_a_template_has_no_audience_and_no_dates():
    template = SurveyFactory(is_template=True, group=None, opens_at=None, closes_at=None)
    assert template.state(NOW) == "template" and not template.is_open(NOW)


def test_state_follows_the_dates(survey):
    assert survey.state(survey.opens_at - timedelta(seconds=1)) == "upcoming"
    assert survey.state(survey.opens_at) == "open"
    assert survey.state(survey.closes_at) == "closed"


def test_one_pulse_per_meeting_and_unique_slugs(group):
    SurveyFactory(slug="spring-intake")
    with pytest.raises(IntegrityError):
        SurveyFactory(slug="spring-intake")


def test_question_keys_are_unique_per_survey(survey):
    with pytest.raises(IntegrityError):
        QuestionFactory(survey=survey, key="agree")


def test_an_anonymous_response_cannot_carry_times(survey):
    with pytest.raises(IntegrityError):
        Response.objects.create(survey=survey, respondent_key="k", created_at=NOW)


def test_an_identified_response_cannot_carry_a_respondent_key(survey, member):
    with pytest.raises(IntegrityError):
        Response.objects.create(survey=survey, user=member, respondent_key="k")


def test_one_response_per_person(survey, member):
    Response.objects.create(survey=survey, user=member)
    with pytest.raises(IntegrityError):
        Response.objects.create(survey=survey, user=member)


def test_an_empty_answer_is_refused(survey, member):
    response = Response.objects.create(survey=survey, user=member)
    with pytest.raises(IntegrityError):
        Answer.objects.create(response=response, question=survey.questions.first())


def test_a_question_with_answers_cannot_be_deleted_alone(survey, member):
    question = survey.questions.first()
    response = Response.objects.create(survey=survey, user=member)
    Answer.objects.create(response=response, question=question, number=3)
    from django.db.models import RestrictedError

    with pytest.raises(RestrictedError):
        question.delete()
    Survey.objects.filter(pk=survey.pk).delete()  # the whole survey may go
    assert not Answer.objects.exists()


def test_choice_lists_and_point_labels():
    question = Question(kind="single", choices="yes | Yes\nno\n\n  maybe |  ")
    assert question.choice_list() == [("yes", "Yes"), ("no", "no"), ("maybe", "maybe")]
    likert = Question(kind="likert", choices="a\nb\nc\nd\ne")
    assert likert.point_labels() == [(1, "a"), (2, "b"), (3, "c"), (4, "d"), (5, "e")]
    assert Question(kind="likert").point_labels()[0] == (1, "Strongly disagree")
    assert len(Question(kind="scale").point_labels()) == 11
