from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.models import Attendance, Meeting, OfficeFlag


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    fields = ["user", "status", "async_update"]
    readonly_fields = ["user", "async_update"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Meeting | None = None) -> bool:
        return False


class OfficeFlagInline(admin.TabularInline):
    model = OfficeFlag
    extra = 0
    fields = ["kind", "member", "note", "raised_by", "resolved_at"]
    readonly_fields = ["kind", "member", "note", "raised_by"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Meeting | None = None) -> bool:
        return False


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["group", "starts_at", "status", "held_at", "open_flags"]
    list_filter = ["status", "group__cohort", "group__career_area", "starts_at"]
    list_select_related = ["group"]
    search_fields = ["group__name", "summary"]
    date_hierarchy = "starts_at"
    # Meetings are scheduled and logged on the portal (which tells the group); here the office
    # reviews them and may correct the text.
    readonly_fields = ["group", "status", "held_at", "cancelled_at", "sequence", "created_by"]
    fields = [
        "group",
        "starts_at",
        "ends_at",
        "place",
        "video_link",
        "agenda",
        "status",
        "held_at",
        "cancelled_at",
        "summary",
        "private_notes",
        "created_by",
        "sequence",
    ]
    inlines = [AttendanceInline, OfficeFlagInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Meeting]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                open_flag_count=Count(
                    "office_flags", filter=Q(office_flags__resolved_at__isnull=True)
                )
            )
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("open office flags"), ordering="open_flag_count")
    def open_flags(self, meeting: Meeting) -> int:
        return meeting.open_flag_count


@admin.register(OfficeFlag)
class OfficeFlagAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "group", "member", "raised_by", "is_open"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter), "group__cohort"]
    list_select_related = ["group", "member", "raised_by"]
    search_fields = ["group__name", "member__email", "member__name", "note"]
    readonly_fields = ["meeting", "group", "member", "kind", "note", "raised_by", "created_at"]
    fields = [*readonly_fields, "resolved_at"]
    actions = ["mark_resolved"]
    date_hierarchy = "created_at"

    @admin.display(description=_("open"), boolean=True)
    def is_open(self, flag: OfficeFlag) -> bool:
        return flag.resolved_at is None

    @admin.action(description=_("Mark the selected flags resolved"))
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet[OfficeFlag]) -> None:
        count = queryset.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        self.message_user(request, _("%(n)d flag(s) resolved.") % {"n": count})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
