from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications import forms, permissions, selectors, services, tokens
from notifications.models import NotificationKind

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


@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    emailed = selectors.notification_preferences_for(user=request.user)
    form = forms.PreferencesForm(
        request.POST if request.method == "POST" else None, user=request.user, emailed=emailed
    )
    if form.is_valid():
        services.notification_preferences_set(user=request.user, emailed=form.cleaned_data)
        messages.success(request, _("Your email settings are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences_form.html", {"form": form})


# The signed token is the credential, so no sign-in and no CSRF token: mail clients send the
# RFC 8058 one-click POST without either. A forged request would need a valid signature.
@login_not_required
@csrf_exempt
@require_http_methods(["GET", "POST"])
def notification_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    parsed = tokens.unsubscribe_token_read(token)
    if parsed is None:
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        if services.notification_unsubscribe(token=token) is None:
            return render(request, "notifications/unsubscribe_invalid.html", status=400)
        return redirect("notifications:unsubscribe", token=token)
    user_id, kind = parsed
    context = {
        "kind_label": NotificationKind(kind).label,
        "is_emailed": services.is_emailed(user_id=user_id, kind=kind),
    }
    return render(request, "notifications/unsubscribe.html", context)
