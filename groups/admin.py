from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import Count, F, Prefetch, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.models import CareerArea
from groups import formation, formation_services, services
from groups import forms as group_forms
from groups.models import (
    MAX_FORMATION_WEIGHT,
    SEATED_ROLES,
    Cohort,
    DoNotPair,
    FormationMode,
    FormationRun,
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


# Group formation -------------------------------------------------------------------------------


class FormationStartForm(forms.Form):
    cohort = forms.ModelChoiceField(Cohort.objects.all(), label=_("Cohort"))
    career_areas = forms.ModelMultipleChoiceField(
        CareerArea.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Only people interested in"),
        help_text=_(
            "Leave all unticked to include everyone with a complete profile who is not yet in a "
            "group of the cohort. Ticked areas also limit the areas groups are formed in."
        ),
    )
    mode = forms.ChoiceField(
        choices=FormationMode.choices,
        initial=FormationMode.AREA,
        widget=forms.RadioSelect,
        label=_("Groups"),
        help_text=_(
            "By career area: every member chose the group's area. Mixed: areas are not matched."
        ),
    )
    weight_discipline = forms.FloatField(
        label=_("Discipline diversity"), min_value=0, max_value=MAX_FORMATION_WEIGHT, initial=1
    )
    weight_stage = forms.FloatField(
        label=_("Stage mix (PhD students with postdocs)"),
        min_value=0,
        max_value=MAX_FORMATION_WEIGHT,
        initial=1,
    )
    weight_repeat = forms.FloatField(
        label=_("No repeat group-mates"), min_value=0, max_value=MAX_FORMATION_WEIGHT, initial=1
    )
    weight_interest = forms.FloatField(
        label=_("First-choice career area"),
        min_value=0,
        max_value=MAX_FORMATION_WEIGHT,
        initial=1,
        help_text=_("Weights say how much each criterion counts (0 to 10; 0 ignores it)."),
    )
    seed = forms.IntegerField(
        label=_("Seed"),
        min_value=0,
        max_value=2**31 - 1,
        initial=1,
        help_text=_(
            "The same seed and pool always give the same groups; try another for a variant."
        ),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        weights = [cleaned.get(f"weight_{name}") for name in WEIGHT_NAMES]
        if all(w is not None for w in weights) and not any(weights):
            raise forms.ValidationError(_("At least one weight must be above 0."))
        return cleaned

    def weights(self) -> formation.Weights:
        return formation.Weights(
            **{name: self.cleaned_data[f"weight_{name}"] for name in WEIGHT_NAMES}
        )


WEIGHT_NAMES = ["discipline", "stage", "repeat", "interest"]


class FormationMoveForm(forms.Form):
    trainee = forms.TypedChoiceField(coerce=int, label=_("Person"))
    to = forms.ChoiceField(label=_("Move to"))

    def __init__(self, *args, details: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        people = [
            (
                f"{card.name} ({card.area})",
                [(row.trainee_id, row.label) for row in card.members],
            )
            for card in details["cards"]
        ]
        if details["unplaced"]:
            people.append(
                (_("Unplaced"), [(row.trainee_id, row.label) for row in details["unplaced"]])
            )
        self.fields["trainee"].choices = people
        self.fields["to"].choices = [
            *(
                (card.key, f"{card.name} ({card.area}, {len(card.members)})")
                for card in details["cards"]
            ),
            (formation_services.UNPLACED, _("Unplaced (take them out of the groups)")),
        ]


class FormationLockForm(forms.Form):
    key = forms.CharField(max_length=20)
    locked = forms.BooleanField(required=False)


class FormationRerunForm(forms.Form):
    seed = forms.IntegerField(
        label=_("Seed"),
        min_value=0,
        max_value=2**31 - 1,
        help_text=_(
            "Keep it to re-form the same way around your changes; change it for a variant."
        ),
    )


class FormationAdminMixin:
    """The group-formation pages, in the admin's look, on the cohort admin: pick a cohort and a
    pool → preview score cards and the unplaced → adjust → publish. Reading needs the view
    permission on formation runs, changing anything the add permission."""

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("formation/", view(self.formation_start_view), name="groups_cohort_formation"),
            path(
                "formation/<int:run_id>/",
                view(self.formation_run_view),
                name="groups_cohort_formation_run",
            ),
            path(
                "formation/<int:run_id>/move/",
                view(self.formation_move_view),
                name="groups_cohort_formation_move",
            ),
            path(
                "formation/<int:run_id>/lock/",
                view(self.formation_lock_view),
                name="groups_cohort_formation_lock",
            ),
            path(
                "formation/<int:run_id>/rerun/",
                view(self.formation_rerun_view),
                name="groups_cohort_formation_rerun",
            ),
            path(
                "formation/<int:run_id>/publish/",
                view(self.formation_publish_view),
                name="groups_cohort_formation_publish",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("formation"))
    def formation_link(self, cohort: Cohort) -> str:
        url = reverse("admin:groups_cohort_formation") + f"?cohort={cohort.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Form groups"))

    def _formation_context(self, request: HttpRequest, title: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": FormationRun._meta,
            "cohort_opts": Cohort._meta,
            "title": title,
            **extra,
        }

    @staticmethod
    def _may_form(request: HttpRequest) -> bool:
        return request.user.has_perm("groups.add_formationrun")

    @staticmethod
    def _may_review(request: HttpRequest) -> bool:
        return request.user.has_perm("groups.view_formationrun")

    @staticmethod
    def _run(run_id: int) -> FormationRun:
        return get_object_or_404(
            FormationRun.objects.select_related("cohort", "created_by", "published_by"),
            pk=run_id,
        )

    @staticmethod
    def _to_run(run_id: int) -> HttpResponse:
        return redirect(reverse("admin:groups_cohort_formation_run", args=[run_id]))

    def formation_start_view(self, request: HttpRequest) -> HttpResponse:
        if not self._may_form(request):
            return HttpResponse(status=403)
        form = FormationStartForm(
            request.POST if request.method == "POST" else None,
            initial={"cohort": request.GET.get("cohort")},
        )
        if request.method == "POST" and form.is_valid():
            try:
                run = formation_services.formation_run_create(
                    cohort=form.cleaned_data["cohort"],
                    career_areas=form.cleaned_data["career_areas"],
                    mode=form.cleaned_data["mode"],
                    weights=form.weights(),
                    seed=form.cleaned_data["seed"],
                    created_by=request.user,
                    now=timezone.now(),
                )
            except formation_services.FormationRunError as e:
                form.add_error(None, str(e))
            else:
                summary = run.summary
                self.message_user(
                    request,
                    _(
                        "Proposal ready: %(groups)d groups, %(placed)d of %(pool)d people placed. "
                        "Nothing is published yet."
                    )
                    % {
                        "groups": summary["groups"],
                        "placed": summary["placed"],
                        "pool": run.pool_size,
                    },
                    messages.SUCCESS,
                )
                return self._to_run(run.pk)
        recent = FormationRun.objects.select_related("cohort", "created_by")[:10]
        context = self._formation_context(request, _("Form groups"), form=form, recent_runs=recent)
        return TemplateResponse(request, "admin/groups/formation_start.html", context)

    def formation_run_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        if not self._may_review(request):
            return HttpResponse(status=403)
        run = self._run(run_id)
        details = formation_services.formation_run_details(run=run)
        may_change = run.is_draft and self._may_form(request)
        context = self._formation_context(
            request,
            _("Group formation for %(cohort)s") % {"cohort": run.cohort.name},
            run=run,
            pool_areas=list(run.pool_career_areas.all()),
            may_change=may_change,
            move_form=FormationMoveForm(details=details) if may_change else None,
            rerun_form=FormationRerunForm(initial={"seed": run.seed}) if may_change else None,
            **details,
        )
        return TemplateResponse(request, "admin/groups/formation_run.html", context)

    def _adjust(
        self,
        request: HttpRequest,
        run_id: int,
        form_class: type[forms.Form],
        change: Callable[[FormationRun, dict], str],
    ) -> HttpResponse:
        """POST only: validate the form, make one change to the draft, back to the run page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self._may_form(request):
            return HttpResponse(status=403)
        run = self._run(run_id)
        kwargs = (
            {"details": formation_services.formation_run_details(run=run)}
            if form_class is FormationMoveForm
            else {}
        )
        form = form_class(request.POST, **kwargs)
        if not form.is_valid():
            errors = "; ".join(str(e) for errors in form.errors.values() for e in errors)
            self.message_user(request, errors, messages.ERROR)
            return self._to_run(run.pk)
        try:
            message = change(run, form.cleaned_data)
        except formation_services.FormationRunError as e:
            self.message_user(request, str(e), messages.ERROR)
        else:
            self.message_user(request, message, messages.SUCCESS)
        return self._to_run(run.pk)

    def formation_move_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        def change(run: FormationRun, data: dict) -> str:
            formation_services.formation_run_move(
                run=run,
                trainee_id=data["trainee"],
                to=data["to"],
                by=request.user,
                now=timezone.now(),
            )
            if data["to"] == formation_services.UNPLACED:
                return _("Moved to the unplaced list.")
            return _("Moved. That group is now locked, so a re-run keeps your change.")

        return self._adjust(request, run_id, FormationMoveForm, change)

    def formation_lock_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        def change(run: FormationRun, data: dict) -> str:
            formation_services.formation_run_lock(
                run=run,
                key=data["key"],
                locked=data["locked"],
                by=request.user,
                now=timezone.now(),
            )
            return (
                _("Group locked: a re-run keeps it.")
                if data["locked"]
                else _("Group unlocked: a re-run may change it.")
            )

        return self._adjust(request, run_id, FormationLockForm, change)

    def formation_rerun_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        def change(run: FormationRun, data: dict) -> str:
            run = formation_services.formation_run_rerun(
                run=run, seed=data["seed"], by=request.user, now=timezone.now()
            )
            return _("Re-formed everyone outside the locked groups: %(placed)d placed.") % {
                "placed": run.summary["placed"]
            }

        return self._adjust(request, run_id, FormationRerunForm, change)

    def formation_publish_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        if not self._may_form(request):
            return HttpResponse(status=403)
        run = self._run(run_id)
        if not run.is_draft:
            self.message_user(request, _("This run is already published."), messages.WARNING)
            return self._to_run(run.pk)
        if request.method == "POST":
            try:
                run = formation_services.formation_run_publish(
                    run=run, by=request.user, now=timezone.now()
                )
            except formation_services.FormationRunError as e:
                self.message_user(request, str(e), messages.ERROR)
                return self._to_run(run.pk)
            self.message_user(
                request,
                _("Published %(groups)d groups; %(people)d people were placed and notified.")
                % {"groups": len(run.groups), "people": run.summary["placed"]},
                messages.SUCCESS,
            )
            changelist = reverse("admin:groups_peergroup_changelist")
            return redirect(f"{changelist}?cohort__id__exact={run.cohort_id}")
        details = formation_services.formation_run_details(run=run)
        context = self._formation_context(
            request,
            _("Publish the groups for %(cohort)s?") % {"cohort": run.cohort.name},
            run=run,
            people=sum(len(card.members) for card in details["cards"]),
            **details,
        )
        return TemplateResponse(request, "admin/groups/formation_publish.html", context)


# Cohorts ---------------------------------------------------------------------------------------


@admin.register(Cohort)
class CohortAdmin(FormationAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "start_date",
        "end_date",
        "size_bounds",
        "cadence",
        "is_self_join_allowed",
        "max_groups_per_trainee",
        "group_count",
        "formation_link",
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


# Formation runs and do-not-pair pairs ------------------------------------------------------------


@admin.register(FormationRun)
class FormationRunAdmin(admin.ModelAdmin):
    """Past and draft runs, read-only: runs are made and changed on the formation pages."""

    list_display = [
        "__str__",
        "cohort",
        "mode",
        "status",
        "pool_size",
        "group_total",
        "unplaced_total",
        "worst_score",
        "created_by",
        "created_at",
        "published_at",
        "review_link",
    ]
    list_filter = ["status", "mode", "cohort"]
    list_select_related = ["cohort", "created_by"]
    search_fields = ["cohort__name", "cohort__slug", "created_by__email"]
    date_hierarchy = "created_at"
    fields = [
        "review_link",
        "cohort",
        "mode",
        "status",
        "size_bounds",
        "weights",
        "seed",
        "pool_career_areas",
        "pool_size",
        "summary_text",
        "history_text",
        "created_by",
        "created_at",
        "published_by",
        "published_at",
    ]
    readonly_fields = fields
    change_list_template = "admin/groups/formationrun/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Drafts nobody will publish can go; a published run is the record of who was placed.
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_draft)

    def get_actions(self, request: HttpRequest) -> dict:
        return {}  # bulk delete would remove published runs too

    @admin.display(description=_("groups"))
    def group_total(self, run: FormationRun) -> int:
        return len(run.groups)

    @admin.display(description=_("unplaced"))
    def unplaced_total(self, run: FormationRun) -> int:
        return len(run.unplaced)

    @admin.display(description=_("worst group"))
    def worst_score(self, run: FormationRun) -> str:
        return f"{run.summary.get('worst_score', 0):.2f}" if run.groups else "—"

    @admin.display(description=_("group size"))
    def size_bounds(self, run: FormationRun) -> str:
        return f"{run.min_size}–{run.max_size}"

    @admin.display(description=_("weights"))
    def weights(self, run: FormationRun) -> str:
        return _(
            "discipline %(d)s, stage %(s)s, no repeat group-mates %(r)s, interest rank %(i)s"
        ) % {
            "d": run.weight_discipline,
            "s": run.weight_stage,
            "r": run.weight_repeat,
            "i": run.weight_interest,
        }

    @admin.display(description=_("result"))
    def summary_text(self, run: FormationRun) -> str:
        summary = run.summary
        if not summary:
            return "—"
        return _(
            "%(placed)d of %(people)d placed in %(groups)d groups; worst group %(worst).2f, "
            "mean %(mean).2f"
        ) % {
            "placed": summary["placed"],
            "people": summary["trainees"],
            "groups": summary["groups"],
            "worst": summary["worst_score"],
            "mean": summary["mean_score"],
        }

    @admin.display(description=_("changes by staff"))
    def history_text(self, run: FormationRun) -> str:
        return (
            format_html_join(
                "", "<div>{} — {}</div>", ((entry["at"], _describe(entry)) for entry in run.history)
            )
            or "—"
        )

    @admin.display(description=_("review"))
    def review_link(self, run: FormationRun) -> str:
        if run.pk is None:
            return "—"
        url = reverse("admin:groups_cohort_formation_run", args=[run.pk])
        label = _("Adjust and publish") if run.is_draft else _("Review")
        return format_html('<a href="{}">{}</a>', url, label)


def _describe(entry: dict) -> str:
    action = entry.get("action")
    if action == "move":
        return _("moved person #%(id)s from %(from)s to %(to)s") % {
            "id": entry["trainee_id"],
            "from": entry["from"],
            "to": entry["to"],
        }
    if action in ("lock", "unlock"):
        return _("%(action)s group %(key)s") % {"action": action, "key": entry["key"]}
    if action == "rerun":
        return _("re-ran with seed %(seed)s") % {"seed": entry["seed"]}
    return str(action)


class DoNotPairForm(forms.ModelForm):
    class Meta:
        model = DoNotPair
        fields = ["user_a", "user_b", "note"]

    def clean(self) -> dict:
        cleaned = super().clean()
        a, b = cleaned.get("user_a"), cleaned.get("user_b")
        if a and b:
            if a == b:
                raise forms.ValidationError(_("Choose two different people."))
            # Stored once per pair, lower id first, whichever order staff enter them in.
            if a.pk > b.pk:
                cleaned["user_a"], cleaned["user_b"] = b, a
            duplicate = DoNotPair.objects.filter(
                user_a=cleaned["user_a"], user_b=cleaned["user_b"]
            ).exclude(pk=self.instance.pk)
            if duplicate.exists():
                raise forms.ValidationError(_("These two are already recorded."))
        return cleaned


@admin.register(DoNotPair)
class DoNotPairAdmin(admin.ModelAdmin):
    form = DoNotPairForm
    list_display = ["user_a", "user_b", "note", "created_by", "created_at"]
    list_select_related = ["user_a", "user_b", "created_by"]
    search_fields = ["user_a__email", "user_a__name", "user_b__email", "user_b__name", "note"]
    autocomplete_fields = ["user_a", "user_b"]

    def save_model(self, request: HttpRequest, obj: DoNotPair, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
