import pytest
from django.core.management import call_command

from groups.models import Cohort, Membership, MembershipRole, MembershipStatus, PeerGroup

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    return list(
        Membership.objects.order_by("pk").values_list("group_id", "user_id", "status", "seat")
    )


def test_seed_demo_builds_a_cohort_of_groups_once():
    call_command("seed_demo", verbosity=0)
    first = snapshot()
    call_command("seed_demo", verbosity=0)
    assert snapshot() == first
    assert Cohort.objects.count() == 1

    groups = PeerGroup.objects.with_counts()
    areas = {g.career_area_id for g in groups if g.career_area_id}
    assert len(areas) >= 5 and any(g.career_area_id is None for g in groups)
    full = [g for g in groups if g.seated_count == g.capacity and g.waitlist_count]
    assert full, "a full group with a waitlist"
    assert any(g.seated_count < g.cohort.min_group_size for g in groups), "an under-size group"

    facilitated = Membership.objects.facilitators().filter(user__email="facilitator@example.edu")
    assert facilitated.count() == 2
    trainee = Membership.objects.filter(user__email="trainee@example.edu")
    assert [(m.status, m.role) for m in trainee] == [
        (MembershipStatus.ACTIVE, MembershipRole.MEMBER)
    ]


def test_seed_demo_makes_the_meeting_loop_visible_once():
    from django.utils import timezone

    from goals.models import Goal, GoalReview, GoalStatus
    from meetings.models import Attendance, Meeting, MeetingStatus, OfficeFlag

    call_command("seed_demo", verbosity=0)
    counts = (Meeting.objects.count(), Goal.objects.count(), GoalReview.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (Meeting.objects.count(), Goal.objects.count(), GoalReview.objects.count()) == counts

    group = PeerGroup.objects.get(memberships__user__email="trainee@example.edu")
    assert group.memberships.facilitators().filter(user__email="facilitator@example.edu").exists()
    now = timezone.now()
    assert group.meetings.filter(status=MeetingStatus.HELD).count() == 2
    assert group.meetings.upcoming(now).exists()
    assert Attendance.objects.filter(meeting__group=group).exists()
    assert set(Goal.objects.values_list("status", flat=True)) == set(GoalStatus.values)
    assert Goal.objects.filter(owner__email="trainee@example.edu", status="active").exists()
    assert Goal.objects.wins().exists()
    assert Goal.objects.filter(carried_from__isnull=False).exists()
    assert OfficeFlag.objects.exists()
    # Two groups are off track on purpose: one last met 45 days ago, one never met.
    policy, mixed = PeerGroup.objects.get(name="Policy A"), PeerGroup.objects.get(name="Mixed A")
    assert not policy.meetings.upcoming(now).exists() and not mixed.meetings.exists()


def test_seed_demo_leaves_enough_unplaced_trainees_to_form_groups():
    from django.utils import timezone

    from groups import formation, formation_services

    call_command("seed_demo", verbosity=0)
    run = formation_services.formation_run_create(
        cohort=Cohort.objects.get(slug="spring-2027"),
        mode="area",
        weights=formation.Weights(),
        seed=0,
        created_by=None,
        now=timezone.now(),
        save=False,
    )
    proposal = run.proposal
    assert len(proposal["groups"]) >= 3
    assert sum(len(g["member_ids"]) for g in proposal["groups"]) >= 15


@pytest.mark.parametrize("day", range(7))
def test_seed_demo_keeps_the_groups_that_met_lately_on_track_whatever_the_weekday(day):
    # Seeded meetings move to each group's weekday, up to three days either way; on some days
    # that once pushed Education A's last meeting past the 31 days allowed.
    import datetime

    import time_machine
    from django.utils import timezone

    from peergroups import dashboard

    # Thursday 3 December 2026, 23:30 in the office: late in the day, the tightest case.
    start = timezone.make_aware(datetime.datetime(2026, 12, 3, 23, 30))
    with time_machine.travel(start + datetime.timedelta(days=day), tick=False):
        call_command("seed_demo", verbosity=0)
        rows = dashboard.groups_health(now=timezone.now(), filters=dashboard.Filters())
        on_track = {g.name: g.is_on_track for g in rows}
    met_lately = ("Education A", "Data Science A", "Industry A", "Science Writing A")
    assert [on_track[name] for name in met_lately] == [True] * 4
    assert (on_track["Policy A"], on_track["Mixed A"]) == (False, False)
