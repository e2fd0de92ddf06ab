"""Surveys in a real browser: the demo trainee answers the open pulse; staff read the results
(charts drawn under the CSP, no console errors); both pages pass axe-core."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from surveys.models import Completion, Survey
from tests.e2e.conftest import sign_in
from tests.e2e.test_sign_in import serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_surveys(demo):
    call_command("seed_surveys", stdout=io.StringIO())


def test_demo_trainee_answers_the_open_pulse(page, live_server, demo_surveys):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, "trainee@example.edu")
    # The home page lists the open pulse.
    page.locator("#open-surveys").get_by_role("link", name="Meeting pulse").click()
    assert serious_violations(page) == []
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Some answers need another look")).to_be_visible()
    for group in page.locator("fieldset fieldset").all():
        group.get_by_label("Agree", exact=True).check()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("your answers are in")).to_be_visible()
    expect(page.get_by_role("button", name="Update my answers")).to_be_visible()
    assert serious_violations(page) == []
    pulse = Survey.objects.get(kind="pulse", is_template=False)
    assert Completion.objects.filter(survey=pulse, user__email="trainee@example.edu").exists()
    assert not pulse.responses.filter(user__isnull=False).exists()
    assert [e for e in errors if "404" not in e] == []  # the favicon is not ours


def test_staff_read_the_exit_results_with_charts(page, live_server, demo_surveys):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, "staff@example.edu")
    exit_survey = Survey.objects.get(slug="demo-spring-2027-exit")
    page.goto(f"{live_server.url}/admin/surveys/survey/{exit_survey.pk}/results/")
    expect(page.get_by_role("heading", name="Change since Intake survey")).to_be_visible()
    expect(page.locator("#response-rate")).to_contain_text("response rate")
    drawn = page.evaluate("Object.keys(window.Chart.instances).length")
    assert drawn == page.locator("canvas").count() > 5
    assert serious_violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Export responses (CSV)").click()
    assert download.value.suggested_filename.startswith(f"survey-{exit_survey.pk}-")
    assert [e for e in errors if "404" not in e] == []  # the favicon is not ours
