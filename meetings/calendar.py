"""iCalendar output: one meeting, or a person's feed of all their groups' meetings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from icalendar import Calendar, Event

from meetings.models import Meeting

PRODID = "-//peergroups//Peer Career Exploration Groups//EN"


def meeting_uid(meeting: Meeting) -> str:
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"meeting-{meeting.pk}@{host}"


def _event(meeting: Meeting, now: datetime) -> Event:
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", now)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", f"Peer group: {meeting.group.name}")
    event.add("sequence", meeting.sequence)
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    if meeting.place:
        event.add("location", meeting.place)
    if meeting.video_link:
        event.add("url", meeting.video_link)
    # The agenda only: summaries and notes stay on the site, behind sign-in.
    link = settings.SITE_URL + meeting.get_absolute_url()
    event.add("description", f"{meeting.agenda}\n\n{link}".strip())
    return event


def render(meetings: Iterable[Meeting], *, name: str, now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for meeting in meetings:
        calendar.add_component(_event(meeting, now))
    return calendar.to_ical()
