"""Survey sweeps. Beat runs `send_survey_invitations` (wired with the other reminder schedules);
it fans out one task per open survey. Tasks take IDs only and are safe to repeat."""

from celery import shared_task
from django.utils import timezone

from surveys import services
from surveys.models import Survey


@shared_task
def send_survey_invitations(**kwargs) -> None:
    """Pulses for newly held meetings, then invitations and reminders per open survey, then
    seal anonymous surveys that have closed."""
    now = timezone.now()
    services.pulses_for_held_meetings(now=now)
    for survey_id in services.surveys_to_invite(now=now):
        invite_survey_audience.delay(survey_id=survey_id)
    services.surveys_seal_closed(now=now)


@shared_task
def invite_survey_audience(*, survey_id: int, **kwargs) -> None:
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None:
        return
    services.survey_invitations_send(survey=survey, now=timezone.now())
