import zoneinfo

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from accounts import availability
from accounts.models import MAX_CAREER_INTERESTS, CareerArea, TraineeProfile, User

TIMEZONE_CHOICES = [(tz, tz.replace("_", " ")) for tz in sorted(zoneinfo.available_timezones())]


class ProfileForm(forms.ModelForm):
    name = forms.CharField(label=_("Your name"), max_length=150)
    timezone = forms.ChoiceField(
        label=_("Timezone"),
        choices=TIMEZONE_CHOICES,
        help_text=_("Meeting times and reminders are shown in this timezone."),
    )
    interest_1 = forms.TypedChoiceField(
        label=_("First career interest"), coerce=int, required=False, empty_value=None
    )
    interest_2 = forms.TypedChoiceField(
        label=_("Second career interest"), coerce=int, required=False, empty_value=None
    )
    interest_3 = forms.TypedChoiceField(
        label=_("Third career interest"), coerce=int, required=False, empty_value=None
    )
    availability = forms.MultipleChoiceField(
        label=_("When could you usually meet?"),
        choices=list(availability.SLOT_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = TraineeProfile
        fields = [
            "stage",
            "program_year",
            "discipline",
            "department",
            "lab_or_pi",
            "wants_multiple_groups",
        ]

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        profile = self.instance
        ranked = [i.career_area for i in profile.interests.all()] if profile.pk else []
        self.initial.setdefault("name", user.name)
        self.initial.setdefault("timezone", user.timezone)
        self.initial.setdefault("availability", profile.availability_slots)
        for rank, area in enumerate(ranked, start=1):
            self.initial.setdefault(f"interest_{rank}", area.pk)
        # One query for the three interest menus (a ModelChoiceField would query per menu).
        self.career_areas = {area.pk: area for area in CareerArea.objects.all()}
        choices = [("", "---------")] + [(pk, a.name) for pk, a in self.career_areas.items()]
        for rank in range(1, MAX_CAREER_INTERESTS + 1):
            self.fields[f"interest_{rank}"].choices = choices
        self.fields["program_year"].widget.attrs.update(min=1, max=15)
        self.fields["stage"].required = True

    def clean_program_year(self) -> int | None:
        year = self.cleaned_data.get("program_year")
        if year is not None and not 1 <= year <= 15:
            raise forms.ValidationError(_("Enter a year from 1 to 15."))
        return year

    def clean(self) -> dict:
        cleaned = super().clean()
        chosen = [cleaned.get(f"interest_{i}") for i in range(1, MAX_CAREER_INTERESTS + 1)]
        areas = [self.career_areas[pk] for pk in chosen if pk is not None]
        if len(areas) != len(set(areas)):
            raise forms.ValidationError(_("Choose each career interest only once."))
        cleaned["career_areas"] = areas
        return cleaned

    def availability_grid(self) -> list[tuple[str, list[tuple[str, str, bool]]]]:
        """Rows of the availability table: (day label, [(slot, label, checked)])."""
        selected = set(self["availability"].value() or [])
        return [
            (
                day_label,
                [
                    (
                        f"{day}-{part}",
                        availability.SLOT_LABELS[f"{day}-{part}"],
                        f"{day}-{part}" in selected,
                    )
                    for part, _label in availability.PARTS
                ],
            )
            for day, day_label in availability.DAYS
        ]


class InvitationAcceptForm(SetPasswordForm):
    name = forms.CharField(label=_("Your name"), max_length=150)

    field_order = ["name", "new_password1", "new_password2"]
