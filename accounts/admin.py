from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import CareerArea, CareerInterest, Discipline, Invitation, TraineeProfile, User

MAX_ROSTER_BYTES = 5 * 1024 * 1024


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster CSV file"),
        help_text=_(
            "Columns: email, name, stage, discipline, career_interests (optional: program_year, "
            "department, lab_or_pi). Comma or semicolon separated, UTF-8. Separate several "
            "career interests with '|'."
        ),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_ROSTER_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB: split it."))
        return upload.read()


class RosterConfirmForm(forms.Form):
    content = forms.CharField(widget=forms.HiddenInput, strip=False)


class CareerInterestInline(admin.TabularInline):
    model = CareerInterest
    extra = 0
    max_num = 3
    autocomplete_fields = ["career_area"]


class TraineeProfileInline(admin.StackedInline):
    model = TraineeProfile
    can_delete = False
    fields = [
        "stage",
        "program_year",
        "discipline",
        "department",
        "lab_or_pi",
        "availability",
        "wants_multiple_groups",
    ]
    autocomplete_fields = ["discipline"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "stage", "is_staff", "is_active", "has_password"]
    list_filter = ["is_staff", "is_active", "profile__stage", "profile__career_areas"]
    list_select_related = ["profile"]
    search_fields = ["email", "name"]
    readonly_fields = ["last_login", "created_at"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["name", "timezone"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "created_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]}),
    ]
    inlines = [TraineeProfileInline]
    actions = ["send_invitation"]
    change_list_template = "admin/accounts/user/change_list.html"

    @admin.display(description=_("stage"), ordering="profile__stage")
    def stage(self, user: User) -> str:
        profile = getattr(user, "profile", None)
        return profile.get_stage_display() if profile and profile.stage else "—"

    @admin.display(description=_("password set"), boolean=True)
    def has_password(self, user: User) -> bool:
        return user.has_usable_password()

    @admin.action(description=_("Send (or resend) an invitation email"))
    def send_invitation(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        sent, skipped = 0, 0
        for user in queryset:
            try:
                services.invitation_create(user=user, invited_by=request.user)
                sent += 1
            except services.AccountError:
                skipped += 1
        self.message_user(request, _("%(n)d invitation(s) queued.") % {"n": sent})
        if skipped:
            self.message_user(
                request,
                _("%(n)d person(s) skipped: they have already set a password.") % {"n": skipped},
                messages.WARNING,
            )

    def get_urls(self) -> list:
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.roster_import_view),
                name="accounts_user_import",
            ),
            *super().get_urls(),
        ]

    def roster_import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import a roster"),
        }
        if request.method == "POST" and "confirm" in request.POST:
            confirm = RosterConfirmForm(request.POST)
            if confirm.is_valid():
                data = confirm.cleaned_data["content"].encode()
                try:
                    result = services.roster_import(data=data, invited_by=request.user)
                except services.RosterInvalid as e:
                    context.update(result=e.result, form=RosterUploadForm())
                    return TemplateResponse(request, "admin/accounts/roster_import.html", context)
                self.message_user(
                    request,
                    _(
                        "Imported %(created)d people; %(existing)d were already registered. "
                        "Invitations are being sent."
                    )
                    % {"created": result.created, "existing": len(result.existing_emails)},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:accounts_user_changelist"))
        form = RosterUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data["file"]
            result = services.roster_check(data=data)
            context["result"] = result
            if result.check.is_valid:
                text = data.decode("utf-8-sig")
                context["confirm_form"] = RosterConfirmForm(initial={"content": text})
        context["form"] = form
        return TemplateResponse(request, "admin/accounts/roster_import.html", context)


@admin.register(CareerArea, Discipline)
class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(TraineeProfile)
class TraineeProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "stage", "program_year", "discipline", "department"]
    list_filter = ["stage", "discipline", "career_areas", "wants_multiple_groups"]
    list_select_related = ["user", "discipline"]
    search_fields = ["user__email", "user__name", "department", "lab_or_pi"]
    autocomplete_fields = ["user", "discipline"]
    inlines = [CareerInterestInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["user", "status", "sent_at", "expires_at", "accepted_at", "invited_by"]
    list_filter = ["sent_at", "accepted_at"]
    list_select_related = ["user", "invited_by"]
    search_fields = ["user__email", "user__name"]
    readonly_fields = ["user", "invited_by", "sent_at", "expires_at", "accepted_at"]
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
