"""Calendar output: a meeting's .ics and the personal feed behind a secret, resettable token."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from groups.models import GroupStatus, MembershipStatus
from meetings import services
from meetings.models import CalendarFeed, MeetingStatus
from tests.factories import MeetingFactory, MembershipFactory, PeerGroupFactory

pytestmark = pytest.mark.django_db

SITE = "https://peergroups.example.edu"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def meeting(group, member):
    return MeetingFactory(
        group=group,
        starts_at=datetime(2099, 1, 15, 23, 0, tzinfo=UTC),
        ends_at=datetime(2099, 1, 16, 0, 30, tzinfo=UTC),
        place="Library room 2",
        video_link="https://video.example.edu/room",
        agenda="1. Check-in\n2. Goal review",
    )


def events(body: bytes) -> dict[str, dict]:
    """The feed's events by UID, each with its properties decoded."""
    calendar = Calendar.from_ical(body)
    return {
        str(e["UID"]): {
            "start": e.decoded("DTSTART"),
            "end": e.decoded("DTEND"),
            "status": str(e["STATUS"]),
            "sequence": int(e["SEQUENCE"]),
            "summary": str(e["SUMMARY"]),
            "description": str(e["DESCRIPTION"]),
            "location": str(e.get("LOCATION", "")),
        }
        for e in calendar.walk("VEVENT")
    }


def feed_url(user) -> str:
    return reverse("meetings:calendar_feed", args=[services.calendar_feed_for(user).token])


def test_a_meeting_ics_parses_with_the_right_times_and_uid(client, group, member, meeting):
    client.force_login(member)
    response = client.get(reverse("meetings:meeting_ics", args=[meeting.pk]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert f'filename="meeting-{meeting.pk}.ics"' in response["Content-Disposition"]
    event = events(response.content)[f"meeting-{meeting.pk}@peergroups.example.edu"]
    assert event["start"] == datetime(2099, 1, 15, 23, 0, tzinfo=UTC)
    assert event["end"] == datetime(2099, 1, 16, 0, 30, tzinfo=UTC)
    assert (event["status"], event["sequence"]) == ("CONFIRMED", 0)
    assert event["summary"] == f"Peer group: {group.name}"
    assert event["location"] == "Library room 2"
    assert "2. Goal review" in event["description"]
    assert f"{SITE}/meetings/{meeting.pk}/" in event["description"]


def test_the_feed_lists_my_groups_meetings_without_signing_in(client, group, member, meeting):
    mine_elsewhere = MembershipFactory(user=member, group=PeerGroupFactory(status="active")).group
    second = MeetingFactory(group=mine_elsewhere, starts_at=datetime(2099, 2, 1, 17, 0, tzinfo=UTC))
    not_mine = MeetingFactory()
    left = MembershipFactory(user=member, status=MembershipStatus.LEFT).group
    MeetingFactory(group=left)
    waiting = MembershipFactory(user=member, status=MembershipStatus.WAITLISTED).group
    MeetingFactory(group=waiting)
    MeetingFactory(group=group, starts_at=timezone.now() - timedelta(days=200))
    url = feed_url(member)
    response = client.get(url)  # nobody signed in
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    found = events(response.content)
    assert set(found) == {
        f"meeting-{meeting.pk}@peergroups.example.edu",
        f"meeting-{second.pk}@peergroups.example.edu",
    }
    assert f"meeting-{not_mine.pk}@peergroups.example.edu" not in found
    assert found[f"meeting-{second.pk}@peergroups.example.edu"]["start"] == datetime(
        2099, 2, 1, 17, 0, tzinfo=UTC
    )


def test_a_rescheduled_meeting_keeps_its_uid_with_a_higher_sequence(client, member, meeting):
    url = feed_url(member)
    uid = f"meeting-{meeting.pk}@peergroups.example.edu"
    later = datetime(2099, 1, 16, 23, 0, tzinfo=UTC)
    services.meeting_update(
        meeting=meeting,
        fields=services.MeetingFields(starts_at=later, duration_minutes=60),
        now=timezone.now(),
    )
    event = events(client.get(url).content)[uid]
    assert (event["start"], event["end"], event["sequence"]) == (
        later,
        later + timedelta(minutes=60),
        1,
    )


def test_a_cancelled_meeting_stays_in_the_feed_as_cancelled(client, member, meeting):
    url = feed_url(member)
    services.meeting_cancel(meeting=meeting, now=timezone.now())
    event = events(client.get(url).content)[f"meeting-{meeting.pk}@peergroups.example.edu"]
    assert (event["status"], event["sequence"]) == ("CANCELLED", 1)
    client.force_login(member)
    single = client.get(reverse("meetings:meeting_ics", args=[meeting.pk])).content
    assert list(events(single).values())[0]["status"] == "CANCELLED"


def test_resetting_the_token_stops_the_old_address(client, member, meeting):
    client.force_login(member)
    client.post(reverse("meetings:calendar_settings"))
    old = CalendarFeed.objects.get(user=member).token
    client.logout()
    assert client.get(reverse("meetings:calendar_feed", args=[old])).status_code == 200
    client.force_login(member)
    response = client.post(reverse("meetings:calendar_settings"), {"action": "reset"})
    assert response.status_code == 302
    new = CalendarFeed.objects.get(user=member).token
    client.logout()
    assert new != old
    assert client.get(reverse("meetings:calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("meetings:calendar_feed", args=[new])).status_code == 200


@pytest.mark.parametrize("token", ["not-a-token", "x" * 64, ""])
def test_an_unknown_token_is_404(client, member, token):
    services.calendar_feed_for(member)
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_deactivated_persons_feed_is_404(client, member, meeting):
    url = feed_url(member)
    member.is_active = False
    member.save()
    assert client.get(url).status_code == 404


def test_the_settings_page_shows_the_address_and_get_makes_nothing(client, member):
    client.force_login(member)
    page = client.get(reverse("meetings:calendar_settings")).content.decode()
    assert "Create my calendar address" in page and not CalendarFeed.objects.exists()
    client.post(reverse("meetings:calendar_settings"))
    token = CalendarFeed.objects.get(user=member).token
    page = client.get(reverse("meetings:calendar_settings")).content.decode()
    assert f"/calendar/{token}.ics" in page
    # Asking again does not change the address.
    client.post(reverse("meetings:calendar_settings"))
    assert CalendarFeed.objects.get(user=member).token == token


def test_the_meeting_page_links_to_the_ics_and_the_feed_settings(client, member, meeting):
    client.force_login(member)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert f'href="/meetings/{meeting.pk}/meeting.ics"' in page
    assert 'href="/calendar/"' in page


def test_the_settings_page_needs_signing_in(client):
    response = client.get(reverse("meetings:calendar_settings"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post(reverse("meetings:calendar_settings")).status_code == 302
    assert not CalendarFeed.objects.exists()


def test_the_feed_refuses_post(client, member):
    assert client.post(feed_url(member)).status_code == 405


@pytest.mark.parametrize("meetings", [1, 12])
def test_feed_query_budget_is_constant(client, member, group, meetings, django_assert_num_queries):
    other = MembershipFactory(user=member, group=PeerGroupFactory(status=GroupStatus.ACTIVE)).group
    for n in range(meetings):
        MeetingFactory(group=group if n % 2 else other, status=MeetingStatus.SCHEDULED)
    url = feed_url(member)
    # feed token with its user, meetings of my groups with each group
    with django_assert_num_queries(2):
        response = client.get(url)
    assert len(events(response.content)) == meetings


@pytest.mark.parametrize("token", ["%00", "a%00b", "bad token", "ab.cd"])
def test_a_malformed_token_is_404_not_an_error(client, member, token):
    services.calendar_feed_for(member)
    assert client.get(f"/calendar/{token}.ics").status_code == 404
