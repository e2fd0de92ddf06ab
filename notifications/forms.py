from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import STAFF_KINDS, NotificationKind

# What each kind is about, shown beside its checkbox.
KIND_HELP = {
    NotificationKind.WAITLIST_PROMOTED: _("A seat opened for you in a group you waited for."),
    NotificationKind.GROUP_MOVED: _("The office moved you to another group."),
    NotificationKind.GROUP_PLACED: _("The office placed you in a group."),
    NotificationKind.MEETING_SCHEDULED: _("Your group scheduled a meeting."),
    NotificationKind.MEETING_CHANGED: _("A meeting moved to another time."),
    NotificationKind.MEETING_CANCELLED: _("A meeting was cancelled."),
    NotificationKind.MEETING_REMINDER: _("Two days before each meeting of your groups."),
    NotificationKind.GOAL_REVIEW_PROMPT: _("Three days before a meeting where your goals are due."),
    NotificationKind.NEXT_GOALS_PROMPT: _("The day after a meeting, if you have no goal yet."),
    NotificationKind.SCHEDULING_PROMPT: _(
        "For facilitators: your group has not met for a month and has no meeting booked."
    ),
    NotificationKind.SURVEY_INVITATION: _("A survey for you has opened."),
    NotificationKind.SURVEY_REMINDER: _(
        "One reminder before a survey you have not answered closes."
    ),
    NotificationKind.OFFICE_DIGEST: _("Monday morning: groups and trainees that need attention."),
}


def kinds_for(user) -> list[NotificationKind]:
    return [k for k in NotificationKind if user.is_staff or k not in STAFF_KINDS]


class PreferencesForm(forms.Form):
    """One checkbox per kind of notification: email me about it, or not."""

    def __init__(self, *args, user, emailed: dict[str, bool], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind in kinds_for(user):
            self.fields[kind.value] = forms.BooleanField(
                label=kind.label,
                required=False,
                initial=emailed.get(kind.value, True),
                help_text=KIND_HELP.get(kind, ""),
            )
