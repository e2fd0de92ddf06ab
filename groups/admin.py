from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import Count, F, Prefetch, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import CareerArea
from groups import forms as group_forms
from groups import services
from groups.models import (
    SEATED_ROLES,
    Cohort,
    GroupStatus,
    Membership,
    MembershipStatus,
    PeerGroup,
)

# Filters ---------------------------------------------------------------------------------------


class CareerAreaFilter(admin.SimpleListFilter):
    title = _("career area")
    parameter_name = "area"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        areas = [(str(pk), name) for pk, name in CareerArea.objects.values_list("pk", "name")]
        return [*areas, ("mixed", _("Mixed"))]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() == "mixed":
            return queryset.filter(career_area__isnull=True)
        if self.value():
            return queryset.filter(career_area_id=self.value())
        return queryset


class SizeFilter(admin.SimpleListFilter):
    title = _("size")
    parameter_name = "size"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return [
            ("under", _("Under-size")),
            ("full", _("Full")),
            ("waitlist", _("Has a waitlist")),
        ]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        # The changelist's queryset carries the seat counts (PeerGroupAdmin.get_queryset).
        if self.value() == "under":
            return queryset.filter(seated_count__lt=F("cohort__min_group_size"))
        if self.value() == "full":
            return queryset.filter(seated_count__gte=F("capacity"))
        if self.value() == "waitlist":
            return queryset.filter(waitlist_count__gt=0)
        return queryset


# Cohorts ---------------------------------------------------------------------------------------


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "start_date",
        "end_date",
        "size_bounds",
        "cadence",
        "is_self_join_allowed",
        "max_groups_per_trainee",
        "group_count",
    ]
    list_filter = ["is_self_join_allowed", "cadence"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "start_date"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Cohort]:
        return super().get_queryset(request).annotate(group_count=Count("groups"))

    @admin.display(description=_("group size"))
    def size_bounds(self, cohort: Cohort) -> str:
        return f"{cohort.min_group_size}–{cohort.max_group_size}"

    @admin.display(description=_("groups"), ordering="group_count")
    def group_count(self, cohort: Cohort) -> int:
        return cohort.group_count


# Groups ----------------------------------------------------------------------------------------


class PeerGroupAdminForm(forms.ModelForm):
    class Meta:
        model = PeerGroup
        formfield_callback = group_forms.https_urls
        fields = [
            "cohort",
            "name",
            "career_area",
            "capacity",
            "meeting_day",
            "meeting_time",
            "meeting_place",
            "video_link",
            "norms",
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        cohort, capacity = cleaned.get("cohort"), cleaned.get("capacity")
        if cohort and capacity and capacity > cohort.max_group_size:
            self.add_error(
                "capacity",
                _("Groups in %(cohort)s have at most %(max)d seats.")
                % {"cohort": cohort.name, "max": cohort.max_group_size},
            )
        if self.instance.pk and capacity:
            seated = self.instance.memberships.seated().count()
            if capacity < seated:
                self.add_error(
                    "capacity",
                    _("%(n)d members hold seats: move or remove some first.") % {"n": seated},
                )
        return cleaned


class CurrentMembershipInline(admin.TabularInline):
    model = Membership
    verbose_name = _("person")
    verbose_name_plural = _("people in the group and on its waitlist")
    fields = ["user", "role", "status", "seat", "waitlist_ticket", "joined_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return (
            super()
            .get_queryset(request)
            .current()
            .select_related("user")
            .order_by("status", "seat", "waitlist_ticket")
        )

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class AddMembershipFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        group = self.instance
        adding = [f.cleaned_data for f in self.forms if f.cleaned_data.get("user")]
        users = [row["user"] for row in adding]
        if len(users) != len(set(users)):
            raise forms.ValidationError(_("Each person can be added once."))
        if group.pk is None:
            current, seated = set(), 0
        else:
            current = set(group.memberships.current().values_list("user_id", flat=True))
            seated = group.memberships.seated().count()
        for row in adding:
            if row["user"].pk in current:
                raise forms.ValidationError(
                    _("%(person)s is already in this group.") % {"person": row["user"]}
                )
        capacity = self.data.get("capacity") or group.capacity
        new_seats = sum(row["role"] in SEATED_ROLES for row in adding)
        if seated + new_seats > int(capacity):
            raise forms.ValidationError(
                _("Only %(n)d seat(s) are free; facilitators don't need one.")
                % {"n": max(int(capacity) - seated, 0)}
            )


class AddMembershipInline(admin.TabularInline):
    """New people are placed through the services, so they get a seat (or an error)."""

    model = Membership
    formset = AddMembershipFormSet
    verbose_name = _("person to add")
    verbose_name_plural = _("add members, peer leaders or facilitators")
    fields = ["user", "role"]
    autocomplete_fields = ["user"]
    extra = 1
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).none()


@admin.register(PeerGroup)
class PeerGroupAdmin(admin.ModelAdmin):
    form = PeerGroupAdminForm
    list_display = [
        "name",
        "cohort",
        "area",
        "status",
        "size",
        "waitlist",
        "facilitator_names",
        "size_flag",
    ]
    list_filter = ["cohort", CareerAreaFilter, "status", SizeFilter]
    list_select_related = ["cohort", "career_area"]
    search_fields = [
        "name",
        "cohort__name",
        "career_area__name",
        "memberships__user__email",
        "memberships__user__name",
    ]
    autocomplete_fields = ["cohort", "career_area"]
    readonly_fields = ["status", "size_summary"]
    fieldsets = [
        (None, {"fields": ["cohort", "name", "career_area", "status"]}),
        (_("Seats"), {"fields": ["capacity", "size_summary"]}),
        (
            _("Meeting defaults"),
            {"fields": ["meeting_day", "meeting_time", "meeting_place", "video_link"]},
        ),
        (_("Norms"), {"fields": ["norms"]}),
    ]
    inlines = [CurrentMembershipInline, AddMembershipInline]
    actions = ["open_groups", "activate_groups", "close_groups"]

    def formfield_for_dbfield(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "video_link":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_queryset(self, request: HttpRequest) -> QuerySet[PeerGroup]:
        return (
            super()
            .get_queryset(request)
            .with_counts()
            .prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=Membership.objects.facilitators().select_related("user"),
                    to_attr="facilitator_memberships",
                )
            )
        )

    @admin.display(description=_("career area"), ordering="career_area__name")
    def area(self, group: PeerGroup) -> str:
        return group.career_area.name if group.career_area else _("Mixed")

    @admin.display(description=_("members"), ordering="seated_count")
    def size(self, group: PeerGroup) -> str:
        return f"{group.seated_count}/{group.capacity}"

    @admin.display(description=_("waiting"), ordering="waitlist_count")
    def waitlist(self, group: PeerGroup) -> int:
        return group.waitlist_count

    @admin.display(description=_("facilitators"))
    def facilitator_names(self, group: PeerGroup) -> str:
        return ", ".join(m.user.get_full_name() for m in group.facilitator_memberships) or "—"

    @admin.display(description=_("flag"))
    def size_flag(self, group: PeerGroup) -> str:
        if group.seated_count < group.cohort.min_group_size:
            return format_html(
                '<strong class="size-flag under-size">⚠ {}</strong>',
                _("Under-size (fewer than %(min)d)") % {"min": group.cohort.min_group_size},
            )
        if group.seated_count >= group.capacity:
            return format_html('<span class="size-flag full">{}</span>', _("Full"))
        return "—"

    @admin.display(description=_("size"))
    def size_summary(self, group: PeerGroup) -> str:
        if group.pk is None:
            return "—"
        seated = group.memberships.seated().count()
        waiting = group.memberships.waitlisted().count()
        summary = _("%(seated)d of %(capacity)d seats taken, %(waiting)d waiting.") % {
            "seated": seated,
            "capacity": group.capacity,
            "waiting": waiting,
        }
        if seated < group.cohort.min_group_size:
            summary += " " + str(
                _("Under-size: the cohort's minimum is %(min)d.")
                % {"min": group.cohort.min_group_size}
            )
        return summary

    def save_model(self, request: HttpRequest, obj: PeerGroup, form, change: bool) -> None:
        # A capacity change goes through the service: it renumbers seats and fills from the
        # waitlist, inside the group lock.
        new_capacity = obj.capacity
        if change and "capacity" in form.changed_data:
            obj.capacity = form.initial["capacity"]
        super().save_model(request, obj, form, change)
        if obj.capacity != new_capacity:
            try:
                services.group_set_capacity(group=obj, capacity=new_capacity, now=timezone.now())
            except services.GroupError as e:
                self.message_user(request, str(e), messages.ERROR)
            obj.refresh_from_db()

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if not isinstance(formset, AddMembershipFormSet):
            return super().save_formset(request, form, formset, change)
        now = timezone.now()
        # What the admin's history message reads (formset.save() would set these).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.cleaned_data:
            if not row.get("user"):
                continue
            try:
                formset.new_objects.append(
                    services.membership_add(
                        group=form.instance, user=row["user"], role=row["role"], now=now
                    )
                )
            except services.MembershipError as e:
                self.message_user(request, str(e), messages.ERROR)
        return None

    def _set_status(self, request: HttpRequest, queryset: QuerySet, status: str) -> None:
        done, now = 0, timezone.now()
        for group in queryset:
            try:
                services.group_set_status(group=group, status=status, now=now)
                done += 1
            except services.GroupError as e:
                self.message_user(request, str(e), messages.WARNING)
        label = GroupStatus(status).label
        self.message_user(
            request, _("%(n)d group(s) now %(status)s.") % {"n": done, "status": label.lower()}
        )

    @admin.action(description=_("Open for joining"))
    def open_groups(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, GroupStatus.OPEN)

    @admin.action(description=_("Mark active (meeting; no new self-joins)"))
    def activate_groups(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, GroupStatus.ACTIVE)

    @admin.action(description=_("Close (ends the waitlist)"))
    def close_groups(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, GroupStatus.CLOSED)


# Memberships -----------------------------------------------------------------------------------


class MoveForm(forms.Form):
    to_group = forms.ModelChoiceField(
        PeerGroup.objects.exclude(status=GroupStatus.CLOSED).select_related("cohort"),
        label=_("Move to"),
    )


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipAdminForm
    list_display = [
        "user",
        "group",
        "role",
        "status",
        "seat",
        "waitlist_ticket",
        "joined_at",
        "left_at",
    ]
    list_filter = ["status", "role", "group__cohort", "group__status"]
    list_select_related = ["user", "group"]
    search_fields = ["user__email", "user__name", "group__name"]
    readonly_fields = [
        "group",
        "user",
        "status",
        "seat",
        "waitlist_ticket",
        "joined_at",
        "waitlisted_at",
        "left_at",
        "leave_reason",
    ]
    actions = ["move_to_group", "remove_from_group"]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Rows are history (who was in which group); removing someone is an action that frees
        # the seat for the waitlist.
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # people are added from their group's page, through the services

    def save_model(self, request: HttpRequest, obj: Membership, form, change: bool) -> None:
        try:
            services.membership_set_role(membership=obj, role=obj.role, now=timezone.now())
        except services.MembershipError as e:
            self.message_user(request, str(e), messages.ERROR)

    @admin.action(description=_("Remove from the group (frees the seat for the waitlist)"))
    def remove_from_group(self, request: HttpRequest, queryset: QuerySet) -> None:
        now = timezone.now()
        for membership in queryset.exclude(status=MembershipStatus.LEFT):
            services.membership_leave(
                membership=membership, reason=str(_("Removed by the office.")), now=now
            )
        self.message_user(request, _("Done."))

    @admin.action(description=_("Move to another group…"))
    def move_to_group(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        queryset = queryset.select_related("user", "group")
        form = MoveForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            target = form.cleaned_data["to_group"]
            try:
                # All or nothing: if one person can't move, nobody does.
                with transaction.atomic():
                    for membership in queryset:
                        services.membership_move(
                            membership=membership, to_group=target, now=timezone.now()
                        )
            except services.MembershipError as e:
                self.message_user(
                    request, _("Nobody was moved: %(error)s") % {"error": e}, messages.ERROR
                )
            else:
                self.message_user(
                    request,
                    _("Moved %(n)d person(s) to %(group)s.")
                    % {"n": len(queryset), "group": target.name},
                    messages.SUCCESS,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Move to another group"),
            "memberships": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/groups/membership_move.html", context)
