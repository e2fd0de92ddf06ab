"""The office's survey tools: results page, CSV export, building and copying in the admin."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from accounts.models import CareerArea, Stage
from surveys import services
from surveys.models import Answer, Completion, Response, Survey
from tests.factories import (
    CohortFactory,
    MembershipFactory,
    PeerGroupFactory,
    QuestionFactory,
    SurveyFactory,
    TraineeFactory,
)
from tests.surveys.conftest import FULL_ANSWERS

pytestmark = pytest.mark.django_db


def results_url(survey):
    return reverse("admin:surveys_survey_results", args=[survey.pk])


def export_url(survey):
    return reverse("admin:surveys_survey_export", args=[survey.pk])


def answer_as(survey, user, answers, when=None):
    when = when or (survey.opens_at + timedelta(hours=1))
    return services.response_save(survey=survey, user=user, answers=answers, submit=True, now=when)


def add_respondents(survey, group, n, answers=FULL_ANSWERS):
    people = [MembershipFactory(group=group).user for _ in range(n)]
    for person in people:
        answer_as(survey, person, answers)
    return people


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


# Access ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["results", "export"])
def test_trainees_cannot_reach_results_or_export(client, survey, member, name):
    client.force_login(member)
    url = results_url(survey) if name == "results" else export_url(survey)
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_without_the_view_permission_get_403(client, survey, staff):
    client.force_login(staff)
    assert client.get(results_url(survey)).status_code == 403
    assert client.get(export_url(survey)).status_code == 403


def test_responses_and_answers_are_not_in_the_admin():
    registered = {model.__name__ for model in admin.site._registry}
    assert "Survey" in registered
    assert not {"Response", "Answer", "Completion"} & registered


# Results ---------------------------------------------------------------------------------------


def test_results_show_rate_charts_tables_and_hide_small_questions(office, survey, group):
    add_respondents(survey, group, 6)
    few = QuestionFactory(survey=survey, key="rare", kind="short_text", is_required=False)
    MembershipFactory(group=group)  # in the audience, never answers
    answer_as(survey, MembershipFactory(group=group).user, {**FULL_ANSWERS, "rare": "only me"})
    page = office.get(results_url(survey))
    assert page.status_code == 200
    html = page.content.decode()
    # 7 of the 8 people in the audience answered.
    assert "7 (88% response rate)" in html
    assert 'id="survey-chart-data" type="application/json"' in html
    assert '<canvas id="chart-q' in html and "vendor/chartjs/chart.umd.min.js" in html
    assert "js/survey_results.js" in html and "<script>" not in html.replace(" ", "")
    assert "Strongly agree" in html and "Helpful group." in html
    assert "only me" not in html and f"q{few.pk}-title" in html
    assert "Fewer than 5 answers: not shown." in html


@pytest.fixture
def cohort_pre_post():
    """A cohort with an intake and an exit, answered by seven PhD students and three postdocs."""
    cohort = CohortFactory()
    group = PeerGroupFactory(cohort=cohort, status="active", capacity=12)
    now = timezone.now()
    intake = SurveyFactory(
        group=None,
        cohort=cohort,
        kind="intake",
        opens_at=now - timedelta(days=100),
        closes_at=now - timedelta(days=90),
    )
    exit_ = SurveyFactory(
        group=None,
        cohort=cohort,
        kind="exit",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=9),
        baseline=intake,
    )
    for survey in (intake, exit_):
        QuestionFactory(survey=survey, key="conf_make_plan", kind="likert")
    QuestionFactory(survey=exit_, key="only_at_exit", kind="likert", is_required=False)
    area = CareerArea.objects.get(slug="policy")
    people = []
    for n in range(10):
        stage = Stage.POSTDOC if n >= 7 else Stage.PHD_STUDENT
        person = TraineeFactory(profile__stage=stage, profile__interests=[area])
        MembershipFactory(group=group, user=person)
        people.append(person)
    # PhD students go from 2 to 4 (five of them) or stay at 3 (two); postdocs 3 -> 2.
    before = [2, 2, 2, 2, 2, 3, 3, 3, 3, 3]
    after = [4, 4, 4, 4, 4, 3, 3, 2, 2, 2]
    for person, pre, post in zip(people, before, after, strict=True):
        answer_as(intake, person, {"conf_make_plan": pre})
        answer_as(exit_, person, {"conf_make_plan": post})
    return exit_


def test_pre_post_change_is_paired_per_person_with_small_cells_suppressed(office, cohort_pre_post):
    html = office.get(results_url(cohort_pre_post)).content.decode()
    overall = html[html.index('id="pre-post-table"') :]
    # Mean before 2.5, after 3.2, change +0.7, 5 of 10 improved.
    assert "<td>10</td><td>2.50</td><td>3.20</td><td>+0.70</td><td>50%</td>" in overall
    # By stage: 7 PhD students (16/7 -> 26/7, +10/7, 5 of 7 improved); 3 postdocs suppressed.
    assert "<td>7</td><td>2.29</td><td>3.71</td><td>+1.43</td><td>71%</td>" in overall
    postdocs = overall[overall.index("Stage: Postdoc") :]
    assert postdocs.split("</tr>")[0].strip().endswith('class="suppressed">fewer than 5</td>')
    assert 'id="chart-pre-post"' in html


def test_anonymous_surveys_are_not_paired(office, cohort_pre_post):
    Survey.objects.filter(pk=cohort_pre_post.pk).update(is_anonymous=True)
    html = office.get(results_url(cohort_pre_post)).content.decode()
    assert "can&#x27;t be paired" in html and 'id="pre-post-table"' not in html


def test_results_page_query_budget_is_constant(office, survey, group, django_assert_num_queries):
    survey.baseline = SurveyFactory(group=group)
    survey.save()
    QuestionFactory(survey=survey.baseline, key="agree", kind="likert")
    for person in add_respondents(survey, group, 5):
        answer_as(survey.baseline, person, {"agree": 2})
    # session, user, survey, questions, audience size, completions, answers, baseline answers,
    # people's stage and career area
    with django_assert_num_queries(9):
        assert office.get(results_url(survey)).status_code == 200
    add_respondents(survey, group, 3)
    with django_assert_num_queries(9):
        office.get(results_url(survey))


# Export ----------------------------------------------------------------------------------------


def test_export_escapes_formula_cells(office, survey, group):
    person = MembershipFactory(group=group, user__name="=cmd|' /C calc'!A0").user
    answer_as(survey, person, FULL_ANSWERS, when=survey.opens_at)
    hostile = ["=1+1", "+SUM(A1)", "-2+3", "@IMPORT", "x\tTAB", "=\rCR"]
    for n, text in enumerate(hostile):
        user = MembershipFactory(group=group).user
        when = survey.opens_at + timedelta(minutes=n + 1)
        answer_as(survey, user, {**FULL_ANSWERS, "comments": text, "count": n}, when=when)
    response = office.get(export_url(survey))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    header, body = rows[0], rows[1:]
    assert header[:5] == ["row", "email", "name", "stage", "submitted_at"]
    comments = [row[header.index("comments")] for row in body]
    assert comments == ["Helpful group.", "'=1+1", "'+SUM(A1)", "'-2+3", "'@IMPORT"] + [
        "x\tTAB",
        "'=\rCR",
    ]
    assert body[0][header.index("name")] == "'=cmd|' /C calc'!A0"
    assert body[0][header.index("did")] == "cv; none"
    assert [row[header.index("count")] for row in body] == ["3", "0", "1", "2", "3", "4", "5"]


def test_an_anonymous_export_has_no_people_and_no_times(office, anonymous_survey, group):
    people = add_respondents(anonymous_survey, group, 5)
    rows = read_csv(office.get(export_url(anonymous_survey)))
    header = rows[0]
    assert header == ["row", "agree", "recommend", "stage", "did", "count", "one_word", "comments"]
    text = "\n".join(",".join(row) for row in rows)
    for person in people:
        assert person.email not in text and person.name not in text
    assert len(rows) == 6


def test_no_path_from_an_anonymous_answer_to_a_person(anonymous_survey, group):
    """The model: an anonymous response has no user, no time, no key after closing, and
    nothing in Answer points anywhere but its response and question."""
    add_respondents(anonymous_survey, group, 5)
    services.surveys_seal_closed(now=anonymous_survey.closes_at)
    assert not Response.objects.filter(user__isnull=False).exists()
    assert set(Response.objects.values_list("respondent_key", "created_at", "submitted_at")) == {
        ("", None, None)
    }
    answer_links = {f.name for f in Answer._meta.get_fields() if f.is_relation}
    assert answer_links == {"response", "question"}
    assert Completion.objects.filter(survey=anonymous_survey).count() == 5


# Building surveys in the admin -----------------------------------------------------------------


def test_copy_action_makes_unscheduled_drafts(office):
    template = Survey.objects.get(slug="template-exit")
    response = office.post(
        reverse("admin:surveys_survey_changelist"),
        {"action": "copy_surveys", "_selected_action": [template.pk]},
    )
    assert response.status_code == 302
    copy = Survey.objects.get(copied_from=template)
    assert not copy.is_template and copy.opens_at is None
    assert copy.questions.count() == template.questions.count()


def test_questions_of_a_survey_with_responses_are_locked(office, survey, member):
    answer_as(survey, member, FULL_ANSWERS)
    page = office.get(reverse("admin:surveys_survey_change", args=[survey.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "Results" in html
    # Key, type and choices show as text, not inputs; no row can be added or deleted.
    assert 'name="questions-0-key"' not in html and 'name="questions-0-text"' in html
    assert 'name="questions-0-DELETE"' not in html
    assert 'name="is_anonymous"' not in html


def test_changelist_and_add_page_render(office, survey):
    assert office.get(reverse("admin:surveys_survey_changelist")).status_code == 200
    assert office.get(reverse("admin:surveys_survey_add")).status_code == 200


def survey_form(**overrides) -> dict:
    data = {
        "title": "Spring check-in",
        "kind": "custom",
        "intro": "",
        "slug": "",
        "cohort": "",
        "group": "",
        "meeting": "",
        "opens_at_0": "2027-02-01",
        "opens_at_1": "09:00",
        "closes_at_0": "2027-02-15",
        "closes_at_1": "17:00",
        "baseline": "",
        "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
        "questions-0-position": "1",
        "questions-0-key": "go_on",
        "questions-0-kind": "single",
        "questions-0-text": "Stay in the group?",
        "questions-0-help_text": "",
        "questions-0-is_required": "on",
        "questions-0-choices": "yes | Yes\nno | No",
        "questions-0-min_label": "",
        "questions-0-max_label": "",
        "questions-0-min_value": "",
        "questions-0-max_value": "",
        "questions-0-flag_choice": "no",
    }
    return {**data, **overrides}


def test_staff_build_a_survey_with_questions_in_the_admin(office, group):
    response = office.post(reverse("admin:surveys_survey_add"), survey_form(group=group.pk))
    assert response.status_code == 302, response.context["errors"]
    survey = Survey.objects.get(title="Spring check-in")
    assert survey.group == group and survey.created_by.is_staff
    assert survey.questions.get().flag_choice == "no"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({}, "A survey with dates needs a cohort or a group."),
        ({"closes_at_0": "2027-01-01"}, "the closing one after the opening"),
        ({"questions-0-choices": "only"}, "at least two choices"),
        ({"questions-0-flag_choice": "maybe"}, "Use one of the values"),
    ],
)
def test_the_admin_form_explains_what_is_wrong(office, group, overrides, message):
    data = survey_form(**overrides)
    if message != "A survey with dates needs a cohort or a group.":
        data["group"] = group.pk
    response = office.post(reverse("admin:surveys_survey_add"), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Survey.objects.filter(title="Spring check-in").exists()
