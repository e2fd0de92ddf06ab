from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications import selectors
from notifications.models import Notification, SweepRun

EMAIL_STATES = {
    "pending": Q(emailed_at__isnull=True, failed_at__isnull=True, email_skipped_at__isnull=True),
    "sent": Q(emailed_at__isnull=False),
    "failed": Q(failed_at__isnull=False),
    "skipped": Q(email_skipped_at__isnull=False),
}


class EmailStateFilter(admin.SimpleListFilter):
    title = _("email")
    parameter_name = "email"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [
            ("pending", _("Pending or retrying")),
            ("sent", _("Sent")),
            ("failed", _("Failed")),
            ("skipped", _("Not emailed (opted out, inactive or too old)")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        state = EMAIL_STATES.get(self.value() or "")
        return queryset.filter(state) if state is not None else queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["subject", "recipient", "kind", "created_at", "email_state", "read_at"]
    list_filter = [EmailStateFilter, "kind", "read_at", "created_at"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__email", "recipient__name", "subject", "dedupe_key"]
    readonly_fields = [
        "recipient",
        "kind",
        "subject",
        "body",
        "link",
        "dedupe_key",
        "read_at",
        "emailed_at",
        "failed_at",
        "email_skipped_at",
        "email_attempts",
        "next_attempt_at",
        "email_error",
        "created_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("email"))
    def email_state(self, notification: Notification) -> str:
        if notification.emailed_at:
            return _("Sent")
        if notification.failed_at:
            return _("Failed")
        if notification.email_skipped_at:
            return _("Not emailed")
        if notification.next_attempt_at:
            return _("Retrying")
        return _("Pending")

    def get_urls(self) -> list:
        return [
            path(
                "operations/",
                self.admin_site.admin_view(self.operations_view),
                name="notifications_operations",
            ),
            *super().get_urls(),
        ]

    def operations_view(self, request: HttpRequest) -> HttpResponse:
        """Email counts, the latest run of each sweep and beat's schedules, for the office."""
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        now = timezone.now()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Reminders and email: operations"),
            "counts": selectors.notifications_email_counts(now=now),
            "sweep_runs": selectors.sweep_runs_latest(),
            "schedules": selectors.beat_schedules(),
            "failures": selectors.notifications_failed_recent(limit=10),
            "now": now,
        }
        return TemplateResponse(request, "admin/notifications/operations.html", context)


@admin.register(SweepRun)
class SweepRunAdmin(admin.ModelAdmin):
    list_display = ["name", "started_at", "duration_ms", "created_count", "run_count", "error"]
    readonly_fields = list_display
    fields = list_display

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
