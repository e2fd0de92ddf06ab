import smtplib

from celery import shared_task
from django.utils import timezone

from accounts import services

# Temporary mail-relay trouble is retried with backoff; a permanent refusal is not.
TRANSIENT_MAIL_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    ConnectionError,
    TimeoutError,
)


@shared_task(
    autoretry_for=TRANSIENT_MAIL_ERRORS, retry_backoff=30, retry_backoff_max=900, max_retries=8
)
def send_invitations(*, invitation_ids: list[int], **kwargs) -> None:
    for invitation_id in invitation_ids:
        services.invitation_send(invitation_id=invitation_id, now=timezone.now())
