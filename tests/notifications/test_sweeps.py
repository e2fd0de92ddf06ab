"""The sweep mechanism: plans become rows in bulk, duplicates are skipped, the sender is asked
for after commit (and never when the transaction rolls back), and each run is recorded."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from notifications import services, sweeps
from notifications.models import Notification, NotificationKind, SweepRun
from tests.factories import NotificationFactory, UserFactory

NOW = datetime(2027, 3, 1, 14, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")
SENDER = "notifications.tasks.send_pending_emails"


def plan_for(people, key="test"):
    def plan(*, now):
        return [
            Notification(
                recipient=person,
                kind=NotificationKind.MEETING_REMINDER,
                subject=f"Hello {person.name}",
                body="",
                link="/",
                dedupe_key=f"{key}:{person.pk}",
            )
            for person in people
        ]

    return sweeps.Sweep(name="test_sweep", description="Test", plan=plan)


@pytest.mark.django_db
def test_a_run_creates_each_planned_row_once_and_records_itself():
    people = UserFactory.create_batch(3)
    sweep = plan_for(people)
    assert services.sweep_run(sweep, now=NOW) == 3
    assert services.sweep_run(sweep, now=NOW + timedelta(minutes=15)) == 0
    assert Notification.objects.count() == 3
    run = SweepRun.objects.get(name="test_sweep")
    assert (run.run_count, run.created_count, run.error) == (2, 0, "")
    assert run.started_at == NOW + timedelta(minutes=15)


@pytest.mark.django_db
def test_a_failing_sweep_records_the_error_and_raises():
    def plan(*, now):
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        services.sweep_run(sweeps.Sweep("broken", "Broken", plan), now=NOW)
    assert "database went away" in SweepRun.objects.get(name="broken").error


@pytest.mark.django_db
def test_bulk_create_skips_existing_keys_and_repeats_within_the_batch():
    person = UserFactory()
    NotificationFactory(recipient=person, dedupe_key="test:existing", subject="Original")
    rows = [
        Notification(recipient=person, kind="meeting_reminder", subject="New", dedupe_key=k)
        for k in ["test:existing", "test:new", "test:new"]
    ]
    assert services.notifications_bulk_create(notifications=rows) == 1
    assert Notification.objects.get(dedupe_key="test:existing").subject == "Original"
    assert Notification.objects.filter(dedupe_key="test:new").count() == 1


@pytest.mark.django_db
def test_the_plan_leaves_out_what_exists(django_assert_max_num_queries):
    people = UserFactory.create_batch(3)
    services.sweep_run(plan_for(people[:1]), now=NOW)
    with django_assert_max_num_queries(1):
        planned = sweeps.sweep_plan(plan_for(people), now=NOW)
    assert [r.recipient for r in planned] == people[1:]


@pytest.mark.django_db
def test_the_sender_is_asked_for_once_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.sweep_run(plan_for(UserFactory.create_batch(4)), now=NOW)
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks() as callbacks:
        services.sweep_run(plan_for(Notification.objects.none()), now=NOW)
    assert callbacks == []


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_publishes_nothing(published, career_areas):
    people = UserFactory.create_batch(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.sweep_run(plan_for(people), now=NOW)
        assert Notification.objects.count() == 2
        raise RuntimeError("something later in the transaction failed")
    assert published == []
    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_committed_sweep_publishes_the_sender_with_no_personal_data(published, career_areas):
    people = UserFactory.create_batch(3)
    services.sweep_run(plan_for(people), now=NOW)
    (message,) = published
    assert message.name == SENDER and message.queue == "email"
    assert list(message.body[0]) == [] and message.body[1] == {}
    payload = message.payload()
    for person in people:
        assert person.email not in payload and person.name not in payload


# Local times ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (date(2027, 3, 13), 14),  # EST, the day before the clocks go forward
        (date(2027, 3, 14), 13),  # EDT from 03:00 that night
        (date(2027, 11, 7), 14),  # EST again from 02:00
    ],
)
def test_nine_local_is_the_right_utc_moment_on_daylight_saving_days(day, utc_hour):
    assert sweeps.local_moment(day, time(9), NEW_YORK) == datetime(
        day.year, day.month, day.day, utc_hour, tzinfo=UTC
    )


def test_skipped_and_repeated_local_times_resolve_to_one_moment():
    # 02:30 never happens on 14 Mar 2027 in New York; 01:30 happens twice on 7 Nov 2027.
    skipped = sweeps.local_moment(date(2027, 3, 14), time(2, 30), NEW_YORK)
    assert skipped.astimezone(UTC) == datetime(2027, 3, 14, 7, 30, tzinfo=UTC)
    repeated = sweeps.local_moment(date(2027, 11, 7), time(1, 30), NEW_YORK)
    assert repeated.astimezone(UTC) == datetime(2027, 11, 7, 5, 30, tzinfo=UTC)


def test_due_on_a_local_day_runs_from_nine_until_midnight_there():
    day = date(2027, 3, 14)

    def due(hour: int, minute: int = 0) -> bool:
        moment = datetime(2027, 3, 14, hour, minute, tzinfo=NEW_YORK)
        return sweeps.due_on_local_day(day=day, tz=NEW_YORK, now=moment)

    assert not due(8, 59) and due(9) and due(23, 59)
    after = datetime(2027, 3, 15, 0, 0, tzinfo=NEW_YORK)
    assert not sweeps.due_on_local_day(day=day, tz=NEW_YORK, now=after)
