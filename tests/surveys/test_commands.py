import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from surveys import selectors
from surveys.models import Completion, Response, Survey

pytestmark = pytest.mark.django_db


def test_seed_surveys_needs_the_demo_cohort():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_surveys", stdout=io.StringIO())


def test_seed_surveys_gives_a_pre_post_picture_and_an_open_pulse():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_surveys", stdout=io.StringIO())
    exit_survey = Survey.objects.get(slug="demo-spring-2027-exit")
    assert exit_survey.baseline == Survey.objects.get(slug="demo-spring-2027-intake")
    results = selectors.survey_results(survey=exit_survey)
    assert results["completed"] >= 20 and results["response_rate"] > 0.5
    shown = [item for item in results["pre_post"] if not item.overall.is_suppressed]
    assert len(shown) >= 9  # clarity and the eight confidence items, at least
    assert sum(item.overall.mean_change for item in shown) / len(shown) > 0.3
    assert results["retrospective"] and results["chart_data"]["pre_post"]

    trainee = User.objects.get(email="trainee@example.edu")
    open_now = list(selectors.open_surveys_for(trainee, timezone.now()))
    assert [s.kind for s in open_now] == ["pulse"] and not open_now[0].is_completed

    counts = (Survey.objects.count(), Response.objects.count(), Completion.objects.count())
    call_command("seed_surveys", stdout=io.StringIO())
    assert (Survey.objects.count(), Response.objects.count(), Completion.objects.count()) == counts
