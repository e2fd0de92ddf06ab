from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from goals.models import Goal, GoalReview

PRIVATE_TEXT = _("(private goal: only its owner sees the text)")
TEXT_FIELDS = ["title", "details"]


class GoalReviewInline(admin.TabularInline):
    model = GoalReview
    extra = 0
    fields = ["meeting", "outcome", "blocker", "reviewed_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Goal | None = None) -> bool:
        return False


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    """Read-only for the office: goals belong to trainees. Private goals show no text."""

    list_display = ["owner", "group", "goal_text", "category", "status", "due_date", "visibility"]
    list_filter = ["status", "category", "visibility", "group__cohort", "group__career_area"]
    list_select_related = ["owner", "group"]
    # Searching goal text would reveal private goals, so only people and groups are searchable.
    search_fields = ["owner__email", "owner__name", "group__name"]
    date_hierarchy = "created_at"
    inlines = [GoalReviewInline]

    @admin.display(description=_("goal"))
    def goal_text(self, goal: Goal) -> str:
        return PRIVATE_TEXT if goal.is_private else goal.title

    def get_fields(self, request: HttpRequest, obj: Goal | None = None) -> list[str]:
        fields = [
            "owner",
            "group",
            "goal_text",
            "details",
            "category",
            "career_area",
            "status",
            "visibility",
            "due_meeting",
            "due_date",
            "confidence",
            "carried_from",
            "completed_at",
            "shared_as_win_at",
        ]
        if obj is not None and obj.is_private:
            fields.remove("details")
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Goal | None = None) -> list[str]:
        return self.get_fields(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Goal | None = None) -> bool:
        return False
