from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import CareerArea
from groups import selectors
from groups.models import Cohort, GroupStatus, PeerGroup


def _career_area_choices() -> list[tuple[str, str]]:
    areas = [(slug, name) for slug, name in CareerArea.objects.values_list("slug", "name")]
    return [("", _("All career areas")), *areas, (selectors.MIXED, _("Mixed (any career area)"))]


class GroupFilterForm(forms.Form):
    career_area = forms.ChoiceField(label=_("Career area"), required=False)
    cohort = forms.ModelChoiceField(
        Cohort.objects.filter(groups__status=GroupStatus.OPEN).distinct(),
        label=_("Cohort"),
        to_field_name="slug",
        empty_label=_("All cohorts"),
        required=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["career_area"].choices = _career_area_choices()  # one query, not per render


class LeaveForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you leaving? (optional)"),
        help_text=_("Only the office sees this; it helps them improve the program."),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def https_urls(db_field, **kwargs):
    """formfield_callback: URLs typed without a scheme are https (Django 6's default)."""
    if db_field.name == "video_link":
        kwargs["assume_scheme"] = "https"
    return db_field.formfield(**kwargs)


class GroupForm(forms.ModelForm):
    class Meta:
        model = PeerGroup
        formfield_callback = https_urls
        fields = ["meeting_day", "meeting_time", "meeting_place", "video_link", "norms"]
        widgets = {
            "meeting_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "norms": forms.Textarea(attrs={"rows": 10}),
        }
        help_texts = {
            "meeting_place": _("A room, a café, or 'online'."),
            "video_link": _("Only members and facilitators see it."),
            "norms": _("One agreement per line. Read them together at the start of meetings."),
        }
