from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def when(value: datetime | None) -> str:
    """ "Thu 14 Jan, 17:30 (in 5 days)" in the viewer's timezone."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    today = timezone.localdate()
    days = (local.date() - today).days
    if days == 0:
        relative = _("today")
    elif days == 1:
        relative = _("tomorrow")
    elif days == -1:
        relative = _("yesterday")
    elif days > 0:
        relative = ngettext("in %(n)d day", "in %(n)d days", days) % {"n": days}
    else:
        relative = ngettext("%(n)d day ago", "%(n)d days ago", -days) % {"n": -days}
    year = "" if local.year == today.year else f" {local.year}"
    return f"{local:%a} {local.day} {local:%b}{year}, {local:%H:%M} ({relative})"
