from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from goals.models import Goal, GoalStatus
from goals.services import GoalFields

EARLIEST_DATE = date(2000, 1, 1)
SMART_FIELDS = ["is_specific", "is_measurable", "is_achievable", "is_relevant", "is_time_bound"]


class GoalForm(forms.ModelForm):
    """A goal's text, kind, due date, SMART checklist, confidence and who can see it."""

    class Meta:
        model = Goal
        fields = [
            "group",
            "title",
            "category",
            "details",
            "career_area",
            "due_date",
            *SMART_FIELDS,
            "confidence",
            "visibility",
        ]
        widgets = {
            "details": forms.Textarea(attrs={"rows": 3}),
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "confidence": forms.NumberInput(attrs={"min": 0, "max": 10}),
            "visibility": forms.RadioSelect,
        }
        help_texts = {
            "title": _("One concrete step, e.g. 'Ask two science writers for a 20-minute call'."),
            "due_date": _("Leave empty to review it at your group's next meeting."),
            "visibility": _(
                "'My group': members of the group and its facilitators see it. 'Only me': nobody "
                "else sees the text; the office sees only that a goal exists and its status."
            ),
        }

    def __init__(self, *args, groups: QuerySet, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A goal stays with the group that reviews it.
            del self.fields["group"]
        else:
            self.fields["group"].queryset = groups
            self.fields["group"].empty_label = None
            self.fields["group"].help_text = _("The group that reviews this goal.")

    def clean_due_date(self) -> date | None:
        # Far-off dates are typing mistakes, and near the ends of the calendar they overflow
        # when turned into a moment in time.
        day = self.cleaned_data.get("due_date")
        latest = timezone.localdate() + timedelta(days=2 * 366)
        if day is not None and not EARLIEST_DATE <= day <= latest:
            raise forms.ValidationError(
                _("Choose a date between %(earliest)s and %(latest)s.")
                % {"earliest": EARLIEST_DATE.isoformat(), "latest": latest.isoformat()}
            )
        return day

    def clean_confidence(self) -> int | None:
        value = self.cleaned_data.get("confidence")
        if value is not None and not 0 <= value <= 10:
            raise forms.ValidationError(_("Choose a number from 0 to 10."))
        return value

    def goal_fields(self) -> GoalFields:
        data = self.cleaned_data
        return GoalFields(
            title=data["title"],
            category=data["category"],
            details=data["details"],
            career_area=data["career_area"],
            visibility=data["visibility"],
            is_specific=data["is_specific"],
            is_measurable=data["is_measurable"],
            is_achievable=data["is_achievable"],
            is_relevant=data["is_relevant"],
            is_time_bound=data["is_time_bound"],
            confidence=data["confidence"],
        )


class GoalStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)
