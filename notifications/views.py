from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from notifications import permissions, services

PAGE_SIZE = 25


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = permissions.notifications_visible_to(request.user).order_by(
        "-created_at", "-pk"
    )
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {"page": page})


@require_GET
def notification_badge(request: HttpRequest) -> HttpResponse:
    """The unread count for the navigation bar, fetched by htmx after the page has loaded, so
    pages themselves spend no query on it."""
    count = permissions.notifications_visible_to(request.user).unread().count()
    return render(request, "notifications/_badge.html", {"unread_count": count})


@require_POST
def notification_mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = permissions.get_notification_for_user(request.user, notification_id)
    services.notification_mark_read(notification=notification, now=timezone.now())
    link = notification.link
    if "open" in request.POST and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(link)
    return redirect("notifications:notification_list")


@require_POST
def notifications_mark_all_read(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(recipient=request.user, now=timezone.now())
    return redirect("notifications:notification_list")
