import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys import selectors, services
from surveys.models import Completion, Response
from tests.factories import MembershipFactory, SurveyFactory
from tests.surveys.conftest import FULL_ANSWERS

pytestmark = pytest.mark.django_db

POST = {
    "q-agree": "4",
    "q-recommend": "9",
    "q-stage": "exploring",
    "q-did": ["cv"],
    "q-count": "3",
    "q-one_word": "=HYPERLINK(1)",
    "q-comments": "",
    "action": "submit",
}


def url(survey):
    return reverse("surveys:survey_respond", args=[survey.pk])


# Access ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_sign_in(client, survey, method):
    response = getattr(client, method)(url(survey))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_people_outside_the_audience_get_404(client, survey, outsider, facilitator, method):
    for person in (outsider, facilitator):
        client.force_login(person)
        assert getattr(client, method)(url(survey), POST).status_code == 404
    assert not Response.objects.exists()


def test_a_member_of_another_group_of_the_cohort_gets_404(client, survey, group):
    from tests.factories import PeerGroupFactory

    neighbour = MembershipFactory(group=PeerGroupFactory(cohort=group.cohort)).user
    client.force_login(neighbour)
    assert client.get(url(survey)).status_code == 404


def test_templates_and_unscheduled_surveys_are_nobodys_to_answer(client, member, staff, group):
    from surveys.models import Survey

    template = Survey.objects.get(slug="template-pulse")
    draft = SurveyFactory(group=group, opens_at=None, closes_at=None)
    for person in (member, staff):
        client.force_login(person)
        assert client.get(url(template)).status_code == 404
        assert client.get(url(draft)).status_code == 404


def test_staff_preview_but_cannot_answer(client, survey, staff):
    client.force_login(staff)
    page = client.get(url(survey))
    assert page.status_code == 200 and b"Preview" in page.content
    assert client.post(url(survey), POST).status_code == 403


# Answering -------------------------------------------------------------------------------------


def test_a_member_answers_and_sees_their_answers_again(client, survey, member):
    client.force_login(member)
    page = client.get(url(survey))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<fieldset" in html and "<legend" in html and 'for="id_q-count"' in html
    response = client.post(url(survey), POST)
    assert response.status_code == 302 and response["Location"] == url(survey)
    saved = Response.objects.get(survey=survey, user=member)
    assert saved.is_submitted and Completion.objects.filter(user=member).exists()
    again = client.get(url(survey)).content.decode()
    assert "Update my answers" in again and 'value="=HYPERLINK(1)"' in again
    assert re.search(r'name="q-stage" value="exploring"[^>]*checked', again)


def test_save_and_finish_later_keeps_a_draft_without_required_answers(client, survey, member):
    client.force_login(member)
    response = client.post(url(survey), {"q-agree": "2", "action": "save"})
    assert response.status_code == 302
    draft = Response.objects.get(user=member)
    assert not draft.is_submitted and not Completion.objects.exists()
    page = client.get(url(survey)).content.decode()
    assert "Draft saved" in page and "Save and finish later" in page


def test_missing_required_answers_are_shown_as_errors_not_saved(client, survey, member):
    client.force_login(member)
    response = client.post(url(survey), {"q-agree": "9", "action": "submit"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="form-errors"' in html and "Please answer this question." in html
    assert "Select a valid choice" in html and 'aria-invalid="true"' in html
    assert not Response.objects.exists()


def test_garbage_input_is_a_form_error_never_a_500(client, survey, member):
    client.force_login(member)
    garbage = {**POST, "q-count": "9" * 40, "q-did": ["cv", "x" * 5000], "q-agree": "\x00"}
    assert client.post(url(survey), garbage).status_code == 200


def test_a_closed_survey_shows_its_state_and_cannot_be_answered(client, survey, member):
    services.response_save(
        survey=survey, user=member, answers=FULL_ANSWERS, submit=True, now=timezone.now()
    )
    survey.opens_at = timezone.now() - timedelta(days=10)
    survey.closes_at = timezone.now() - timedelta(days=1)
    survey.save()
    client.force_login(member)
    page = client.get(url(survey)).content.decode()
    assert 'id="survey-closed"' in page and "your answers were recorded" in page
    assert 'id="survey-form"' not in page
    response = client.post(url(survey), {**POST, "q-agree": "1"}, follow=True)
    assert b"not open" in response.content
    assert Response.objects.get().answers.get(question__key="agree").number == 4


def test_an_anonymous_survey_says_so_and_finds_the_draft_again(client, anonymous_survey, member):
    client.force_login(member)
    assert b"Anonymous" in client.get(url(anonymous_survey)).content
    client.post(url(anonymous_survey), {"q-agree": "5", "action": "save"})
    page = client.get(url(anonymous_survey)).content.decode()
    assert re.search(r'name="q-agree" value="5"[^>]*checked', page)
    assert Response.objects.get().user is None


def test_response_page_query_budget(client, survey, group, member, django_assert_num_queries):
    def others_answer(n):
        for _ in range(n):
            user = MembershipFactory(group=group).user
            services.response_save(
                survey=survey, user=user, answers=FULL_ANSWERS, submit=True, now=timezone.now()
            )

    services.response_save(
        survey=survey, user=member, answers=FULL_ANSWERS, submit=True, now=timezone.now()
    )
    others_answer(1)
    client.force_login(member)
    # session, user, survey (with audience check), questions, my response, its answers,
    # my completion
    with django_assert_num_queries(7):
        assert client.get(url(survey)).status_code == 200
    others_answer(6)
    with django_assert_num_queries(7):
        client.get(url(survey))


# Lists -----------------------------------------------------------------------------------------


def test_open_surveys_for_the_home_page(survey, member, outsider, group):
    now = timezone.now()
    SurveyFactory(group=group, opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=2))
    SurveyFactory(group=group, opens_at=now + timedelta(days=2), closes_at=now + timedelta(days=9))
    assert [(s, s.is_completed) for s in selectors.open_surveys_for(member, now)] == [
        (survey, False)
    ]
    services.response_save(survey=survey, user=member, answers=FULL_ANSWERS, submit=True, now=now)
    assert [s.is_completed for s in selectors.open_surveys_for(member, now)] == [True]
    assert list(selectors.open_surveys_for(outsider, now)) == []


def test_my_surveys_page(client, survey, member, django_assert_num_queries):
    client.force_login(member)
    # session, user, surveys with completion flags
    with django_assert_num_queries(3):
        page = client.get(reverse("surveys:survey_list"))
    assert survey.title.encode() in page.content and b"To answer" in page.content
