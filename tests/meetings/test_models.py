"""The database keeps meetings, attendance and flags within their rules, whoever writes rows."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from meetings.models import (
    Attendance,
    AttendanceStatus,
    CalendarFeed,
    Meeting,
    MeetingStatus,
    OfficeFlag,
)
from tests.factories import MeetingFactory, TraineeFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def rejected(**changes) -> bool:
    """True if saving a meeting with `changes` is refused by the database."""
    meeting = MeetingFactory()
    try:
        with transaction.atomic():
            Meeting.objects.filter(pk=meeting.pk).update(**changes)
    except IntegrityError:
        return True
    return False


def test_a_meeting_must_end_after_it_starts():
    assert rejected(ends_at=NOW, starts_at=NOW)
    assert not rejected(starts_at=NOW, ends_at=NOW + timedelta(minutes=15))


def test_an_unknown_meeting_status_is_rejected():
    assert rejected(status="postponed")


def test_held_at_is_set_exactly_when_the_meeting_is_held():
    assert rejected(status=MeetingStatus.HELD, held_at=None)
    assert rejected(status=MeetingStatus.SCHEDULED, held_at=NOW)
    assert not rejected(status=MeetingStatus.HELD, held_at=NOW)


def test_cancelled_at_is_set_exactly_when_the_meeting_is_cancelled():
    assert rejected(status=MeetingStatus.CANCELLED, cancelled_at=None)
    assert rejected(status=MeetingStatus.SCHEDULED, cancelled_at=NOW)
    assert not rejected(status=MeetingStatus.CANCELLED, cancelled_at=NOW)


def test_attendance_is_recorded_once_per_person_and_meeting():
    meeting, user = MeetingFactory(), TraineeFactory()
    Attendance.objects.create(meeting=meeting, user=user, status=AttendanceStatus.PRESENT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(meeting=meeting, user=user, status=AttendanceStatus.ABSENT)


def test_an_unknown_attendance_status_is_rejected():
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(meeting=MeetingFactory(), user=TraineeFactory(), status="late")


def test_only_someone_who_missed_the_meeting_has_an_update():
    meeting = MeetingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(
            meeting=meeting, user=TraineeFactory(), status="present", async_update="Sorry"
        )
    Attendance.objects.create(
        meeting=meeting, user=TraineeFactory(), status="excused", async_update="Sorry"
    )


def test_an_unknown_flag_kind_is_rejected():
    meeting = MeetingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        OfficeFlag.objects.create(meeting=meeting, group=meeting.group, kind="gossip")


def test_calendar_tokens_are_long_unique_and_random():
    first, second = TraineeFactory(), TraineeFactory()
    a = CalendarFeed.objects.create(user=first)
    b = CalendarFeed.objects.create(user=second)
    assert a.token != b.token and len(a.token) >= 32
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarFeed.objects.filter(pk=b.pk).update(token=a.token)


def test_upcoming_and_past_split_meetings_by_their_end():
    soon = MeetingFactory(starts_at=NOW + timedelta(days=1))
    running = MeetingFactory(starts_at=NOW - timedelta(minutes=30))  # ends in an hour
    over = MeetingFactory(starts_at=NOW - timedelta(days=1))
    held = MeetingFactory(starts_at=NOW - timedelta(days=2), status=MeetingStatus.HELD)
    MeetingFactory(starts_at=NOW + timedelta(days=2), status=MeetingStatus.CANCELLED)
    MeetingFactory(starts_at=NOW - timedelta(days=3), status=MeetingStatus.CANCELLED)
    assert list(Meeting.objects.upcoming(NOW)) == [running, soon]
    assert list(Meeting.objects.past(NOW)) == [over, held]


def test_strings_and_duration_name_the_rows():
    meeting = MeetingFactory(starts_at=NOW.replace(year=2027, month=1, day=19, hour=23, minute=0))
    assert (
        str(meeting) == f"Meeting #{meeting.pk} of group {meeting.group_id} at 2027-01-19 23:00 UTC"
    )
    assert meeting.duration_minutes == 90
    assert meeting.get_absolute_url() == f"/meetings/{meeting.pk}/"
    flag = OfficeFlag.objects.create(meeting=meeting, group=meeting.group, kind="distress")
    assert str(flag) == f"Office flag #{flag.pk} (distress) on group {meeting.group_id}"
