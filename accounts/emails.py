from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import Invitation


def send_invitation(*, invitation: Invitation, token: str) -> None:
    context = {
        "user": invitation.user,
        "link": settings.SITE_URL + reverse("accounts:invitation_accept", args=[token]),
        "expires_at": invitation.expires_at,
        "site_url": settings.SITE_URL,
    }
    subject = render_to_string("accounts/emails/invitation_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("accounts/emails/invitation_body.txt", context),
        to=[invitation.user.email],
    )
    message.attach_alternative(
        render_to_string("accounts/emails/invitation_body.html", context), "text/html"
    )
    message.send()
