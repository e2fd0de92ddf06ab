from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from notifications.models import Notification
from surveys import tasks
from surveys.models import Survey
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


def test_the_sweep_creates_pulses_and_fans_out_one_task_per_open_survey(survey, group):
    meeting = MeetingFactory(group=group, starts_at=timezone.now() - timedelta(hours=2))
    meeting.status, meeting.held_at = "held", timezone.now()
    meeting.save()
    with mock.patch.object(tasks.invite_survey_audience, "delay") as delay:
        tasks.send_survey_invitations()
    pulse = Survey.objects.get(meeting=meeting)
    assert sorted(call.kwargs["survey_id"] for call in delay.call_args_list) == sorted(
        [survey.pk, pulse.pk]
    )


def test_inviting_takes_an_id_and_is_idempotent(survey, member):
    tasks.invite_survey_audience(survey_id=survey.pk)
    tasks.invite_survey_audience(survey_id=survey.pk)
    assert Notification.objects.filter(recipient=member, kind="survey_invitation").count() == 1


def test_inviting_a_deleted_survey_does_nothing(survey):
    survey_id = survey.pk
    survey.delete()
    tasks.invite_survey_audience(survey_id=survey_id)
    assert not Notification.objects.exists()
