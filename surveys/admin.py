"""The office's survey tools: build and copy surveys, and read their results.

Responses and answers are deliberately not registered: staff read them only through the results
page and the export, which never show a person beside an anonymous answer.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from peergroups.lib.csv import streaming_csv_response
from surveys import selectors, services
from surveys.models import Question, QuestionKind, Survey

# Once a survey has responses these define what the stored answers mean.
LOCKED_QUESTION_FIELDS = ["key", "kind", "choices", "min_value", "max_value", "is_required"]


class QuestionInlineForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = [
            "position",
            "key",
            "kind",
            "text",
            "help_text",
            "is_required",
            "choices",
            "min_label",
            "max_label",
            "min_value",
            "max_value",
            "flag_choice",
        ]
        widgets = {
            "choices": forms.Textarea(attrs={"rows": 3, "cols": 40}),
            "text": forms.Textarea(attrs={"rows": 2, "cols": 50}),
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        kind = cleaned.get("kind", getattr(self.instance, "kind", ""))
        probe = Question(kind=kind, choices=cleaned.get("choices", self.instance.choices))
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            values = [value for value, _label in probe.choice_list()]
            if len(values) < 2:
                self.add_error("choices", _("Give at least two choices, one per line."))
            elif len(set(values)) != len(values):
                self.add_error("choices", _("Each choice needs its own value."))
        if kind == QuestionKind.LIKERT and probe.choices.strip() and len(probe.choice_list()) != 5:
            self.add_error("choices", _("A likert item has five point labels, or none."))
        flag = cleaned.get("flag_choice")
        if flag and (
            kind != QuestionKind.SINGLE or flag not in [v for v, _l in probe.choice_list()]
        ):
            self.add_error("flag_choice", _("Use one of the values of a single-choice question."))
        return cleaned


class QuestionInline(admin.StackedInline):
    model = Question
    form = QuestionInlineForm
    extra = 0
    ordering = ["position", "pk"]
    fieldsets = [
        (None, {"fields": [("position", "key", "kind", "is_required"), "text", "help_text"]}),
        (
            _("Answer options"),
            {
                "fields": [
                    "choices",
                    ("min_label", "max_label"),
                    ("min_value", "max_value"),
                    "flag_choice",
                ]
            },
        ),
    ]

    def _has_responses(self, obj: Survey | None) -> bool:
        return obj is not None and obj.responses.exists()

    def get_readonly_fields(self, request: HttpRequest, obj: Survey | None = None) -> list[str]:
        # Changing what a stored answer means would corrupt the data: wording may still be fixed.
        return LOCKED_QUESTION_FIELDS if self._has_responses(obj) else []

    def has_add_permission(self, request: HttpRequest, obj: Survey | None = None) -> bool:
        return not self._has_responses(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Survey | None = None) -> bool:
        return not self._has_responses(obj) and super().has_delete_permission(request, obj)


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "kind",
        "audience",
        "opens_at",
        "closes_at",
        "is_anonymous",
        "completion_count",
        "results_link",
    ]
    list_filter = ["is_template", "kind", "is_anonymous", "cohort"]
    list_select_related = ["cohort", "group"]
    search_fields = ["title", "slug", "group__name", "cohort__name"]
    autocomplete_fields = ["cohort", "group", "baseline"]
    raw_id_fields = ["meeting"]
    date_hierarchy = "opens_at"
    fieldsets = [
        (None, {"fields": ["title", "kind", "intro", "slug", "is_template", "is_anonymous"]}),
        (
            _("Audience and dates"),
            {"fields": ["cohort", "group", "meeting", "opens_at", "closes_at"]},
        ),
        (_("Analysis"), {"fields": ["baseline"]}),
    ]
    inlines = [QuestionInline]
    actions = ["copy_surveys"]
    change_form_template = "admin/surveys/survey/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Survey]:
        return super().get_queryset(request).annotate(completion_total=Count("completions"))

    def get_readonly_fields(self, request: HttpRequest, obj: Survey | None = None) -> list[str]:
        # Switching anonymity on a survey that has answers would either expose or orphan them.
        if obj is not None and obj.responses.exists():
            return ["kind", "is_anonymous", "is_template"]
        return []

    @admin.display(description=_("audience"))
    def audience(self, survey: Survey) -> str:
        if survey.is_template:
            return _("Template")
        return str(survey.group or survey.cohort or "—")

    @admin.display(description=_("completed"), ordering="completion_total")
    def completion_count(self, survey: Survey) -> int:
        return survey.completion_total

    @admin.display(description=_("results"))
    def results_link(self, survey: Survey) -> str:
        if survey.is_template or survey.opens_at is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:surveys_survey_results", args=[survey.pk]),
            _("Results"),
        )

    @admin.action(description=_("Copy the selected surveys (as unscheduled drafts)"))
    def copy_surveys(self, request: HttpRequest, queryset: QuerySet[Survey]) -> None:
        for survey in queryset:
            services.survey_copy(source=survey, created_by=request.user)
        self.message_user(
            request,
            _("%(n)d survey(s) copied. Give each copy an audience and dates.")
            % {"n": len(queryset)},
            messages.SUCCESS,
        )

    def save_model(self, request: HttpRequest, obj: Survey, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self) -> list:
        return [
            path(
                "<int:survey_id>/results/",
                self.admin_site.admin_view(self.results_view),
                name="surveys_survey_results",
            ),
            path(
                "<int:survey_id>/results/export/",
                self.admin_site.admin_view(self.export_view),
                name="surveys_survey_export",
            ),
            *super().get_urls(),
        ]

    def _survey(self, request: HttpRequest, survey_id: int) -> Survey:
        return get_object_or_404(
            Survey.objects.real().select_related("cohort", "group", "baseline"), pk=survey_id
        )

    def results_view(self, request: HttpRequest, survey_id: int) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        survey = self._survey(request, survey_id)
        results = selectors.survey_results(survey=survey)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Results: %(title)s") % {"title": survey.title},
            "original": survey,
            "state": survey.state(timezone.now()),
            **results,
        }
        return TemplateResponse(request, "admin/surveys/survey_results.html", context)

    def export_view(self, request: HttpRequest, survey_id: int) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        survey = self._survey(request, survey_id)
        header, rows = selectors.survey_export(survey=survey)
        filename = f"survey-{survey.pk}-{slugify(survey.title)[:40] or 'responses'}.csv"
        return streaming_csv_response(filename=filename, header=header, rows=rows)
