"""The office's admin site: Django's admin whose index is the office dashboard.

Every staff member reaches the dashboard and its CSV reports, whatever their model permissions:
`is_staff` means career-office staff (DESIGN.md §2), and the figures are the office's own view
of the program. Links into the admin's change pages still check the model permissions there.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import CareerArea
from groups.models import Cohort
from peergroups import dashboard
from peergroups.lib.csv import streaming_csv_response


class DashboardFilterForm(forms.Form):
    """Cohort and career area (or mixed groups). Choices come from two queries; an unknown
    value is ignored rather than an error, so an old bookmark still shows the dashboard."""

    cohort = forms.ChoiceField(label=_("Cohort"), required=False)
    area = forms.ChoiceField(label=_("Career area"), required=False)

    def __init__(self, data=None) -> None:
        super().__init__(data)
        self.cohorts = {str(c.pk): c for c in Cohort.objects.order_by("-start_date", "name")}
        self.areas = {str(a.pk): a for a in CareerArea.objects.order_by("name")}
        self.fields["cohort"].choices = [
            ("", _("All cohorts")),
            *((pk, c.name) for pk, c in self.cohorts.items()),
        ]
        self.fields["area"].choices = [
            ("", _("All career areas")),
            *((pk, a.name) for pk, a in self.areas.items()),
            (dashboard.MIXED, _("Mixed groups")),
        ]

    def filters(self) -> dashboard.Filters:
        if not self.is_valid():
            return dashboard.Filters()
        area = self.cleaned_data["area"]
        return dashboard.Filters(
            cohort=self.cohorts.get(self.cleaned_data["cohort"]),
            career_area=self.areas.get(area),
            mixed=area == dashboard.MIXED,
        )


GROUP_COLUMNS = [
    ("name", _("Group")),
    ("cohort", _("Cohort")),
    ("area", _("Career area")),
    ("size", _("Members")),
    ("last_held", _("Last meeting held")),
    ("next", _("Next meeting")),
    ("attendance", _("Attendance (last 3)")),
    ("goals_set", _("Goals set since")),
    ("goals_done", _("Goals done since")),
    ("flags", _("Open flags")),
    ("status", _("Status")),
]


def group_columns(sort: str, filter_query: str) -> list[dict]:
    """Header cells of the group health table: a link that sorts by the column (again:
    reversed) and the `aria-sort` state of the column sorted by."""
    prefix = f"?{filter_query}&" if filter_query else "?"
    columns = []
    for key, label in GROUP_COLUMNS:
        state = None
        if sort.removeprefix("-") == key:
            state = "descending" if sort.startswith("-") else "ascending"
        columns.append(
            {
                "label": label,
                "href": f"{prefix}sort={'-' if state == 'ascending' else ''}{key}#group-health",
                "aria_sort": state,
            }
        )
    return columns


class OfficeAdminSite(admin.AdminSite):
    site_header = _("peergroups office")
    site_title = _("peergroups office")
    index_title = _("Office dashboard")

    def get_urls(self) -> list:
        exports = [
            ("groups.csv", self.groups_export, "dashboard_groups_export"),
            ("attention.csv", self.attention_export, "dashboard_attention_export"),
            ("cohort-summary.csv", self.cohort_summary_export, "dashboard_summary_export"),
        ]
        dashboard_urls = [
            path(f"dashboard/{route}", self._staff_view(view), name=name)
            for route, view, name in exports
        ]
        return [*dashboard_urls, *super().get_urls()]

    def _staff_view(self, view):
        wrapped = self.admin_view(view)
        # As Django does for its own admin views: LoginRequiredMiddleware sends anonymous
        # visitors to the admin's sign-in page, not the portal's.
        wrapped.login_url = reverse_lazy("admin:login", current_app=self.name)
        return wrapped

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> TemplateResponse:
        form = DashboardFilterForm(request.GET or None)
        filters = form.filters()
        sort = request.GET.get("sort", "")
        if sort.removeprefix("-") not in dashboard.GROUP_SORTS:
            sort = dashboard.DEFAULT_GROUP_SORT
        show_all = request.GET.get("rows") == "all"
        context = dashboard.office_dashboard(
            now=timezone.now(),
            filters=filters,
            sort=sort,
            rows=None if show_all else dashboard.PAGE_ROWS,
        )
        query = request.GET.copy()
        query.pop("sort", None)
        everything = request.GET.copy()
        everything["rows"] = "all"
        return super().index(
            request,
            {
                **context,
                "filter_form": form,
                "filters": filters,
                "sort": sort,
                "filter_query": query.urlencode(),
                "group_columns": group_columns(sort, query.urlencode()),
                "show_all_query": everything.urlencode(),
                **(extra_context or {}),
            },
        )

    def _export(self, request: HttpRequest, name: str, header: list[str], rows) -> HttpResponse:
        day = timezone.localdate().isoformat()
        return streaming_csv_response(filename=f"{name}-{day}.csv", header=header, rows=rows)

    def groups_export(self, request: HttpRequest) -> HttpResponse:
        filters = DashboardFilterForm(request.GET or None).filters()
        rows = dashboard.groups_health_rows(now=timezone.now(), filters=filters)
        return self._export(request, "group-health", dashboard.GROUP_HEALTH_HEADER, rows)

    def attention_export(self, request: HttpRequest) -> HttpResponse:
        filters = DashboardFilterForm(request.GET or None).filters()
        rows = dashboard.attention_rows(now=timezone.now(), filters=filters)
        return self._export(request, "trainees-needing-attention", dashboard.ATTENTION_HEADER, rows)

    def cohort_summary_export(self, request: HttpRequest) -> HttpResponse:
        filters = DashboardFilterForm(request.GET or None).filters()
        rows = dashboard.cohort_summary_rows(filters=filters)
        return self._export(request, "cohort-summary", dashboard.COHORT_SUMMARY_HEADER, rows)
