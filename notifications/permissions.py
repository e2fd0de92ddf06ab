from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from notifications.models import Notification


def notifications_visible_to(user: User) -> QuerySet[Notification]:
    """A person sees their own notifications only (office staff included)."""
    return Notification.objects.filter(recipient=user)


def get_notification_for_user(user: User, notification_id: int) -> Notification:
    """404 for anyone but the recipient."""
    return get_object_or_404(notifications_visible_to(user), pk=notification_id)
