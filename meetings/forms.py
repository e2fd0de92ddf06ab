from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from goals.models import Blocker, Goal, ReviewOutcome
from groups.models import Membership
from meetings.models import Attendance, AttendanceStatus, FlagKind, Meeting
from meetings.services import FlagInput, MeetingFields, ReviewInput
from peergroups.lib.timezones import LocalTimeError, aware_local

EARLIEST_DATE = date(2000, 1, 1)


class MeetingForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(
        label=_("Length (minutes)"), min_value=15, max_value=240, initial=90
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    video_link = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")
    agenda = forms.CharField(
        label=_("Agenda"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text=_("Leave empty for the standard agenda."),
    )

    def __init__(self, *args, tz: ZoneInfo, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tz = tz
        self.fields["time"].help_text = _("In your timezone, %(tz)s.") % {"tz": tz.key}

    def clean_date(self) -> date:
        # Far-off dates are typing mistakes, and near the ends of the calendar they overflow
        # when turned into UTC. A meeting that already happened may still be entered to log it.
        day = self.cleaned_data["date"]
        latest = timezone.localdate() + timedelta(days=2 * 366)
        if not EARLIEST_DATE <= day <= latest:
            raise forms.ValidationError(
                _("Choose a date between %(earliest)s and %(latest)s.")
                % {"earliest": EARLIEST_DATE.isoformat(), "latest": latest.isoformat()}
            )
        return day

    def clean(self) -> dict:
        cleaned = super().clean()
        day, at = cleaned.get("date"), cleaned.get("time")
        if day is not None and at is not None:
            try:
                cleaned["starts_at"] = aware_local(datetime.combine(day, at), self.tz)
            except LocalTimeError as e:
                self.add_error("time", str(e))
        return cleaned

    def meeting_fields(self) -> MeetingFields:
        data = self.cleaned_data
        return MeetingFields(
            starts_at=data["starts_at"],
            duration_minutes=data["duration_minutes"],
            place=data["place"],
            video_link=data["video_link"],
            agenda=data["agenda"],
        )

    @classmethod
    def initial_for(cls, meeting: Meeting, tz: ZoneInfo) -> dict:
        local = meeting.starts_at.astimezone(tz)
        return {
            "date": local.date(),
            "time": local.time().replace(second=0, microsecond=0),
            "duration_minutes": meeting.duration_minutes,
            "place": meeting.place,
            "video_link": meeting.video_link,
            "agenda": meeting.agenda,
        }


class MeetingLogForm(forms.Form):
    """Attendance for each member, a review for each goal due, notes and one office flag."""

    summary = forms.CharField(
        label=_("Group summary"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Visible to: your group."),
    )
    private_notes = forms.CharField(
        label=_("Facilitator notes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Visible to: the group's facilitators and office staff."),
    )
    flag_kind = forms.ChoiceField(
        label=_("Flag something for the office"),
        choices=[("", _("No flag"))] + list(FlagKind.choices),
        required=False,
        help_text=_("Visible to: office staff only."),
    )
    flag_member = forms.TypedChoiceField(
        label=_("About member"), required=False, coerce=int, empty_value=None
    )
    flag_note = forms.CharField(
        label=_("Note for the office"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(
        self,
        *args,
        meeting: Meeting,
        members: list[Membership],
        goals: list[Goal],
        attendance: dict[int, Attendance],
        reviews: dict[int, object],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.members, self.goals = members, goals
        self.initial.setdefault("summary", meeting.summary)
        self.initial.setdefault("private_notes", meeting.private_notes)
        self.fields["flag_member"].choices = [("", _("The whole group"))] + [
            (m.user_id, m.user.display_name) for m in members
        ]
        for m in members:
            name = f"attendance_{m.user_id}"
            self.fields[name] = forms.ChoiceField(
                label=m.user.display_name,
                choices=AttendanceStatus.choices,
                widget=forms.RadioSelect,
                initial=getattr(attendance.get(m.user_id), "status", AttendanceStatus.PRESENT),
            )
        for goal in goals:
            review = reviews.get(goal.pk)
            self.fields[f"goal_{goal.pk}_outcome"] = forms.ChoiceField(
                label=_("Outcome"),
                choices=[("", _("Not reviewed"))] + list(ReviewOutcome.choices),
                required=False,
                initial=getattr(review, "outcome", ""),
            )
            self.fields[f"goal_{goal.pk}_learned"] = forms.CharField(
                label=_("What was learned"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=getattr(review, "learned", ""),
            )
            self.fields[f"goal_{goal.pk}_blocker"] = forms.ChoiceField(
                label=_("What got in the way"),
                choices=[("", "—")] + list(Blocker.choices),
                required=False,
                initial=getattr(review, "blocker", ""),
            )

    def attendance_rows(self) -> list:
        return [(m, self[f"attendance_{m.user_id}"]) for m in self.members]

    def goal_rows(self) -> list:
        return [
            (
                goal,
                self[f"goal_{goal.pk}_outcome"],
                self[f"goal_{goal.pk}_learned"],
                self[f"goal_{goal.pk}_blocker"],
            )
            for goal in self.goals
        ]

    def attendance(self) -> dict[int, str]:
        return {m.user_id: self.cleaned_data[f"attendance_{m.user_id}"] for m in self.members}

    def reviews(self) -> list[ReviewInput]:
        data = self.cleaned_data
        return [
            ReviewInput(
                goal=goal,
                outcome=data[f"goal_{goal.pk}_outcome"],
                learned=data[f"goal_{goal.pk}_learned"],
                blocker=data[f"goal_{goal.pk}_blocker"],
            )
            for goal in self.goals
            if data.get(f"goal_{goal.pk}_outcome")
        ]

    def flags(self) -> list[FlagInput]:
        data = self.cleaned_data
        if not data.get("flag_kind"):
            return []
        member = next((m.user for m in self.members if m.user_id == data["flag_member"]), None)
        return [FlagInput(kind=data["flag_kind"], note=data["flag_note"], member=member)]

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("flag_note") and not cleaned.get("flag_kind"):
            self.add_error("flag_kind", _("Choose what kind of flag this is."))
        return cleaned


class AsyncUpdateForm(forms.Form):
    text = forms.CharField(
        label=_("Your update for the group"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("How did your goals go? Visible to: your group."),
    )
