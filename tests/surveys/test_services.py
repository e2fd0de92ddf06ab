from datetime import timedelta

import pytest
from django.utils import timezone

from meetings.models import FlagKind, MeetingStatus, OfficeFlag
from surveys import services
from surveys.models import Answer, Completion, Response, Survey, SurveyKind
from tests.factories import (
    CohortFactory,
    MeetingFactory,
    MembershipFactory,
    PeerGroupFactory,
    QuestionFactory,
    SurveyFactory,
)
from tests.surveys.conftest import FULL_ANSWERS

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def save(survey, user, answers=None, *, submit=True, now=NOW):
    return services.response_save(
        survey=survey, user=user, answers=answers or FULL_ANSWERS, submit=submit, now=now
    )


# Answering -------------------------------------------------------------------------------------


def test_every_question_type_is_stored_in_its_column(survey, member):
    response = save(survey, member)
    stored = {a.question.key: a for a in Answer.objects.filter(response=response)}
    assert stored["agree"].number == 4 and stored["recommend"].number == 9
    assert stored["count"].number == 3
    assert stored["stage"].text == "exploring"
    assert stored["did"].choices == ["cv", "none"]
    assert stored["one_word"].text == "curious" and stored["comments"].text == "Helpful group."
    assert response.user == member and response.is_submitted and response.submitted_at == NOW
    assert Completion.objects.filter(survey=survey, user=member).exists()


@pytest.mark.parametrize(
    "key, bad",
    [
        ("agree", 6),
        ("agree", 0),
        ("recommend", 11),
        ("recommend", "x"),
        ("stage", "astronaut"),
        ("stage", ["exploring"]),
        ("did", "cv"),
        ("did", ["cv", "hacker"]),
        ("count", 101),
        ("count", -1),
        ("count", True),
        ("one_word", "x" * 301),
        ("comments", 12),
    ],
)
def test_invalid_answers_are_refused_with_a_message(survey, member, key, bad):
    with pytest.raises(services.SurveyError):
        save(survey, member, {**FULL_ANSWERS, key: bad})
    assert not Response.objects.exists()


def test_unknown_questions_are_refused(survey, member):
    with pytest.raises(services.SurveyError, match="no question"):
        save(survey, member, {**FULL_ANSWERS, "sneaky": 1})


def test_submitting_needs_the_required_answers_but_a_draft_does_not(survey, member):
    with pytest.raises(services.SurveyError, match="Please answer"):
        save(survey, member, {"agree": 2})
    draft = save(survey, member, {"agree": 2}, submit=False)
    assert not draft.is_submitted and draft.submitted_at is None
    assert not Completion.objects.exists()
    done = save(survey, member)
    assert done.pk == draft.pk and done.is_submitted


def test_a_submitted_response_can_be_changed_until_close_and_stays_submitted(survey, member):
    first = save(survey, member)
    later = NOW + timedelta(hours=2)
    # A "save for later" after submitting is still checked as a submission.
    with pytest.raises(services.SurveyError):
        save(survey, member, {"agree": 1}, submit=False, now=later)
    edited = save(survey, member, {**FULL_ANSWERS, "agree": 1}, submit=False, now=later)
    assert edited.pk == first.pk and edited.is_submitted
    assert edited.submitted_at == NOW and edited.updated_at == later
    assert Answer.objects.get(response=edited, question__key="agree").number == 1
    assert Completion.objects.count() == 1


def test_empty_answers_are_dropped(survey, member):
    response = save(survey, member, {**FULL_ANSWERS, "comments": "   ", "did": []})
    assert not Answer.objects.filter(response=response, question__key__in=["did", "comments"])


def test_a_closed_or_unopened_survey_cannot_be_answered(survey, member):
    with pytest.raises(services.SurveyError, match="closed"):
        save(survey, member, now=survey.closes_at)
    with pytest.raises(services.SurveyError, match="not open"):
        save(survey, member, now=survey.opens_at - timedelta(seconds=1))
    assert not Response.objects.exists()


# Anonymous surveys -----------------------------------------------------------------------------


def test_anonymous_answers_carry_no_person_and_no_time(anonymous_survey, member):
    response = save(anonymous_survey, member)
    response.refresh_from_db()
    assert response.user is None
    assert (response.created_at, response.updated_at, response.submitted_at) == (None, None, None)
    assert len(response.respondent_key) == 64  # a keyed hash, not the person's id
    # Completion is still known, so reminders skip this person.
    assert Completion.objects.filter(survey=anonymous_survey, user=member).exists()
    # The person finds their own answers again while the survey is open.
    again = save(anonymous_survey, member, {**FULL_ANSWERS, "agree": 2})
    assert again.pk == response.pk and Response.objects.count() == 1


def test_anonymous_respondents_do_not_share_a_response(anonymous_survey, member, group):
    other = MembershipFactory(group=group).user
    save(anonymous_survey, member)
    save(anonymous_survey, other)
    assert Response.objects.filter(survey=anonymous_survey, user__isnull=True).count() == 2
    keys = set(Response.objects.values_list("respondent_key", flat=True))
    assert len(keys) == 2


def test_sealing_a_closed_anonymous_survey_erases_keys_and_drafts(anonymous_survey, member, group):
    drafter = MembershipFactory(group=group).user
    save(anonymous_survey, member)
    save(anonymous_survey, drafter, {"agree": 3}, submit=False)
    assert services.surveys_seal_closed(now=NOW) == 0  # still open
    after = anonymous_survey.closes_at + timedelta(minutes=1)
    assert services.surveys_seal_closed(now=after) == 1
    assert list(Response.objects.values_list("respondent_key", "is_submitted")) == [("", True)]
    assert Answer.objects.count() == len(FULL_ANSWERS)
    assert services.surveys_seal_closed(now=after) == 0


# Office flags ----------------------------------------------------------------------------------


@pytest.fixture
def mid_cycle(group):
    survey = SurveyFactory(group=group, kind=SurveyKind.MID_CYCLE)
    QuestionFactory(
        survey=survey,
        key="mid_continue",
        kind="single",
        choices="yes | Yes\nunsure | Not sure\nno | No",
        flag_choice="no",
    )
    return survey


def test_saying_no_to_continuing_raises_one_office_flag(mid_cycle, member, group):
    save(mid_cycle, member, {"mid_continue": "no"}, submit=False)
    assert not OfficeFlag.objects.exists()  # a draft tells nobody
    save(mid_cycle, member, {"mid_continue": "no"})
    save(mid_cycle, member, {"mid_continue": "no"})
    flag = OfficeFlag.objects.get()
    assert (flag.group, flag.member, flag.kind) == (group, member, FlagKind.OTHER)
    assert "No" in flag.note and "mid_continue" in flag.note


def test_saying_yes_raises_no_flag(mid_cycle, member):
    save(mid_cycle, member, {"mid_continue": "yes"})
    assert not OfficeFlag.objects.exists()


def test_an_anonymous_no_raises_no_flag_that_would_name_the_person(mid_cycle, member):
    mid_cycle.is_anonymous = True
    mid_cycle.save()
    save(mid_cycle, member, {"mid_continue": "no"})
    assert not OfficeFlag.objects.exists()


def test_a_cohort_survey_flags_the_persons_group_in_that_cohort(member, group):
    survey = SurveyFactory(group=None, cohort=group.cohort, kind=SurveyKind.MID_CYCLE)
    QuestionFactory(survey=survey, key="go_on", kind="single", choices="yes\nno", flag_choice="no")
    save(survey, member, {"go_on": "no"})
    assert OfficeFlag.objects.get().group == group


# Copying and templates -------------------------------------------------------------------------


def test_the_shipped_templates_exist_and_pair_intake_with_exit():
    templates = {s.slug: s for s in Survey.objects.templates()}
    assert {"template-intake", "template-pulse", "template-mid-cycle", "template-exit"} <= set(
        templates
    )
    intake = set(templates["template-intake"].questions.values_list("key", flat=True))
    exit_ = set(templates["template-exit"].questions.values_list("key", flat=True))
    confidence = {k for k in intake if k.startswith("conf_")}
    assert len(confidence) == 8 and intake <= exit_
    assert templates["template-pulse"].questions.count() == 4
    assert templates["template-pulse"].is_anonymous
    assert templates["template-mid-cycle"].questions.filter(flag_choice="no").exists()


def test_copying_a_template_makes_a_survey_with_the_same_questions(staff):
    cohort = CohortFactory()
    intake_template = Survey.objects.get(slug="template-intake")
    intake = services.survey_copy(
        source=intake_template,
        created_by=staff,
        title="Intake",
        cohort=cohort,
        opens_at=NOW,
        closes_at=NOW + timedelta(days=14),
    )
    assert not intake.is_template and intake.copied_from == intake_template
    assert list(intake.questions.values_list("key", flat=True)) == list(
        intake_template.questions.values_list("key", flat=True)
    )
    exit_survey = services.survey_copy(
        source=Survey.objects.get(slug="template-exit"), created_by=staff, cohort=cohort
    )
    assert exit_survey.baseline == intake  # the exit compares with the cohort's intake
    assert exit_survey.opens_at is None and exit_survey.title.startswith("Copy of")


# Pulse after a held meeting --------------------------------------------------------------------


def test_a_held_meeting_gets_one_pulse_for_its_group(group):
    meeting = MeetingFactory(group=group, starts_at=NOW - timedelta(hours=3), status="held")
    pulse = services.pulse_for_meeting(meeting=meeting, now=NOW)
    assert (pulse.kind, pulse.group, pulse.meeting) == (SurveyKind.PULSE, group, meeting)
    assert pulse.is_anonymous and pulse.is_open(NOW) and pulse.questions.count() == 4
    assert services.pulse_for_meeting(meeting=meeting, now=NOW + timedelta(hours=1)) == pulse
    assert Survey.objects.filter(meeting=meeting).count() == 1


def test_a_scheduled_meeting_gets_no_pulse(group):
    meeting = MeetingFactory(group=group)
    with pytest.raises(services.SurveyError):
        services.pulse_for_meeting(meeting=meeting, now=NOW)


def test_the_sweep_makes_pulses_for_recently_held_meetings_only(group):
    recent = MeetingFactory(group=group, starts_at=NOW - timedelta(hours=5), status="held")
    old = MeetingFactory(group=group, starts_at=NOW - timedelta(days=20), status="held")
    MeetingFactory(group=group, status=MeetingStatus.SCHEDULED)
    assert [s.meeting for s in services.pulses_for_held_meetings(now=NOW)] == [recent]
    assert services.pulses_for_held_meetings(now=NOW) == []
    assert not Survey.objects.filter(meeting=old).exists()


# Invitations and the reminder ------------------------------------------------------------------


def notices(kind):
    from notifications.models import Notification

    return sorted(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def test_invitations_go_to_the_audience_once(survey, group, member, facilitator, outsider):
    waitlisted = MembershipFactory(group=group, status="waitlisted").user
    other_group_member = MembershipFactory(group=PeerGroupFactory(cohort=group.cohort)).user
    assert services.survey_invitations_send(survey=survey, now=NOW) == 1
    assert services.survey_invitations_send(survey=survey, now=NOW) == 0
    invited = notices("survey_invitation")
    assert invited == [member.pk]
    assert not {facilitator.pk, outsider.pk, waitlisted.pk, other_group_member.pk} & set(invited)


def test_a_cohort_survey_invites_every_group_of_the_cohort(group, member):
    other = MembershipFactory(group=PeerGroupFactory(cohort=group.cohort)).user
    survey = SurveyFactory(group=None, cohort=group.cohort)
    services.survey_invitations_send(survey=survey, now=NOW)
    assert notices("survey_invitation") == sorted([member.pk, other.pk])


def test_one_reminder_goes_to_non_respondents_near_the_close(survey, group, member):
    answered = MembershipFactory(group=group).user
    services.survey_invitations_send(survey=survey, now=NOW)
    save(survey, answered)
    assert services.reminder_due_at(survey) == survey.closes_at - services.REMINDER_LEAD
    before = services.reminder_due_at(survey) - timedelta(minutes=1)
    services.survey_invitations_send(survey=survey, now=before)
    assert notices("survey_reminder") == []
    due = services.reminder_due_at(survey) + timedelta(minutes=1)
    services.survey_invitations_send(survey=survey, now=due)
    services.survey_invitations_send(survey=survey, now=due + timedelta(hours=1))
    assert notices("survey_reminder") == [member.pk]


def test_a_late_joiner_is_invited_but_not_reminded_at_the_same_time(survey, group):
    due = services.reminder_due_at(survey) + timedelta(hours=1)
    late = MembershipFactory(group=group).user
    services.survey_invitations_send(survey=survey, now=due)
    assert notices("survey_invitation") == [late.pk] and notices("survey_reminder") == []


def test_closed_surveys_send_nothing(survey, member):
    assert services.survey_invitations_send(survey=survey, now=survey.closes_at) == 0
    assert services.surveys_to_invite(now=survey.closes_at) == []
    assert services.surveys_to_invite(now=NOW) == [survey.pk]


def test_an_anonymous_invitation_says_answers_are_anonymous(anonymous_survey, member):
    from notifications.models import Notification

    services.survey_invitations_send(survey=anonymous_survey, now=NOW)
    notice = Notification.objects.get()
    assert "anonymous" in notice.body and notice.link == f"/surveys/{anonymous_survey.pk}/"
    assert notice.dedupe_key == f"survey_invitation:{anonymous_survey.pk}:{member.pk}"
