from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["subject", "recipient", "kind", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind", "read_at", "emailed_at", "failed_at"]
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
        "created_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False
