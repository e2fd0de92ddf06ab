"""The response form: every question type validates, and no input makes it (or the service) fail."""

import pytest
from django.http import QueryDict
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys import services
from surveys.forms import SurveyResponseForm
from surveys.models import Response

pytestmark = pytest.mark.django_db


def post(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        if isinstance(value, list):
            query.setlist(f"q-{key}", value)
        else:
            query[f"q-{key}"] = value
    return query


VALID = {
    "agree": "4",
    "recommend": "10",
    "stage": "applying",
    "did": ["cv", "interview"],
    "count": "12",
    "one_word": "  curious ",
    "comments": "Line one\nline two",
}


def form_for(survey, data, *, final=True):
    return SurveyResponseForm(post(data), questions=list(survey.questions.all()), final=final)


def test_a_full_valid_answer_cleans_to_typed_values(survey):
    form = form_for(survey, VALID)
    assert form.is_valid(), form.errors
    assert form.answers() == {
        "agree": 4,
        "recommend": 10,
        "stage": "applying",
        "did": ["cv", "interview"],
        "count": 12,
        "one_word": "curious",
        "comments": "Line one\nline two",
    }


@pytest.mark.parametrize(
    "key, bad",
    [
        ("agree", "6"),
        ("agree", "strongly"),
        ("recommend", "-1"),
        ("stage", "ceo"),
        ("did", ["cv", "ceo"]),
        ("count", "1.5"),
        ("count", "1000"),
        ("count", "ten"),
        ("one_word", "x" * 301),
        ("comments", "nul\x00byte"),
    ],
)
def test_bad_input_is_a_form_error(survey, key, bad):
    form = form_for(survey, {**VALID, key: bad})
    assert not form.is_valid() and key in form.errors


def test_required_questions_are_enforced_on_submit_only(survey):
    assert set(form_for(survey, {}).errors) == {"agree", "recommend", "stage", "count"}
    draft = form_for(survey, {"agree": "2"}, final=False)
    assert draft.is_valid() and draft.answers() == {"agree": 2}


def test_likert_points_are_labelled_and_scale_ends_anchored(survey):
    form = SurveyResponseForm(questions=list(survey.questions.all()), final=True)
    assert [label for _v, label in form.fields["agree"].choices][0] == "Strongly disagree"
    scale = dict(form.fields["recommend"].choices)
    assert scale["0"] == "0 – Not likely" and scale["10"] == "10 – Very likely"


anything = st.one_of(
    st.text(max_size=400),
    st.sampled_from(["", "0", "1", "5", "10", "11", "-3", "1e3", "cv", "none", "exploring"]),
    st.lists(st.one_of(st.text(max_size=10), st.sampled_from(["cv", "interview", "none"]))),
)
KEYS = ["agree", "recommend", "stage", "did", "count", "one_word", "comments", "unknown"]


@settings(
    max_examples=150,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.dictionaries(st.sampled_from(KEYS), anything), final=st.booleans())
def test_any_input_is_either_a_form_error_or_accepted_by_the_service(survey, member, data, final):
    form = form_for(survey, data, final=final)
    if not form.is_valid():
        assert form.errors
        return
    # Whatever the form accepts, the service stores without complaint.
    response = services.response_save(
        survey=survey, user=member, answers=form.answers(), submit=final, now=timezone.now()
    )
    stored = {a.question.key for a in response.answers.select_related("question")}
    assert stored == set(form.answers())
    Response.objects.all().delete()
