"""Survey fixtures: a survey with one question of every type, for the group persona."""

import pytest

from tests.factories import QuestionFactory, SurveyFactory


@pytest.fixture
def survey(group):
    """An open, identified survey for the group, with one question of each type."""
    survey = SurveyFactory(group=group, title="Group check")
    QuestionFactory(survey=survey, key="agree", kind="likert", position=1)
    QuestionFactory(
        survey=survey,
        key="recommend",
        kind="scale",
        position=2,
        min_label="Not likely",
        max_label="Very likely",
    )
    QuestionFactory(
        survey=survey,
        key="stage",
        kind="single",
        position=3,
        choices="unsure | Not sure yet\nexploring | Exploring\napplying | Applying",
    )
    QuestionFactory(
        survey=survey,
        key="did",
        kind="multiple",
        position=4,
        is_required=False,
        choices="cv | Updated my CV\ninterview | Had an informational interview\nnone",
    )
    QuestionFactory(
        survey=survey, key="count", kind="number", position=5, min_value=0, max_value=100
    )
    QuestionFactory(survey=survey, key="one_word", kind="short_text", position=6, is_required=False)
    QuestionFactory(survey=survey, key="comments", kind="long_text", position=7, is_required=False)
    return survey


@pytest.fixture
def anonymous_survey(survey):
    survey.is_anonymous = True
    survey.save(update_fields=["is_anonymous"])
    return survey


FULL_ANSWERS = {
    "agree": 4,
    "recommend": 9,
    "stage": "exploring",
    "did": ["cv", "none"],
    "count": 3,
    "one_word": "curious",
    "comments": "Helpful group.",
}
