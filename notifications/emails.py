"""The notification email: text and HTML parts from templates, with a one-click unsubscribe."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from notifications import tokens
from notifications.models import Notification


def absolute(path: str) -> str:
    return settings.SITE_URL + path if path.startswith("/") else path


def unsubscribe_url(notification: Notification) -> str:
    token = tokens.unsubscribe_token(user_id=notification.recipient_id, kind=notification.kind)
    return absolute(reverse("notifications:unsubscribe", args=[token]))


def notification_message(notification: Notification) -> EmailMultiAlternatives:
    recipient = notification.recipient
    unsubscribe = unsubscribe_url(notification)
    context = {
        "notification": notification,
        "recipient": recipient,
        "kind_label": notification.get_kind_display(),
        "link": absolute(notification.link) if notification.link else "",
        "unsubscribe_url": unsubscribe,
        "preferences_url": absolute(reverse("notifications:preferences")),
        "site_url": settings.SITE_URL,
    }
    subject = render_to_string("notifications/emails/notification_subject.txt", context)
    message = EmailMultiAlternatives(
        # Headers cannot hold line breaks.
        subject=" ".join(subject.split()),
        body=render_to_string("notifications/emails/notification_body.txt", context),
        to=[recipient.email],
        headers={
            # RFC 2369 and RFC 8058: mail clients show an unsubscribe button that POSTs here.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(
        render_to_string("notifications/emails/notification_body.html", context), "text/html"
    )
    return message


def send_notification(notification: Notification) -> None:
    notification_message(notification).send()
