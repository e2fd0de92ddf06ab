"""The office dashboard's figures and rules, on hand-made data with known answers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import CareerArea
from goals.models import Goal, GoalCategory, GoalStatus
from groups.models import Cohort, GroupStatus, MembershipRole, MembershipStatus
from meetings.models import (
    Attendance,
    AttendanceStatus,
    FlagKind,
    Meeting,
    MeetingStatus,
    OfficeFlag,
)
from notifications.models import SweepRun
from peergroups import dashboard
from peergroups.dashboard import Attention, Filters, OffTrack
from surveys.models import Answer, Response
from tests.factories import (
    CohortFactory,
    GoalFactory,
    MeetingFactory,
    MembershipFactory,
    NotificationFactory,
    PeerGroupFactory,
    QuestionFactory,
    SurveyFactory,
    TraineeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Real "now", so rows the database stamps itself (created_at, updated_at) sit where the tests put
# them; every other time is set relative to it.
NOW = timezone.now().replace(microsecond=0)


def days_ago(days: float):
    return NOW - timedelta(days=days)


def meeting(group, days: float, status=MeetingStatus.HELD):
    """A meeting of `group` that started `days` ago (negative: in the future)."""
    return MeetingFactory(group=group, starts_at=days_ago(days), status=status)


def attend(meeting, user, status=AttendanceStatus.PRESENT):
    return Attendance.objects.create(meeting=meeting, user=user, status=status)


def seat(group, *, joined_days=100, **kwargs):
    membership = MembershipFactory(group=group, **kwargs)
    if membership.joined_at is not None:
        membership.joined_at = days_ago(joined_days)
        membership.save(update_fields=["joined_at"])
    return membership.user


def goal(owner, group, *, created=10, updated=None, status=GoalStatus.ACTIVE, completed=None):
    g = GoalFactory(owner=owner, group=group, status=status)
    Goal.objects.filter(pk=g.pk).update(
        created_at=days_ago(created),
        updated_at=days_ago(created if updated is None else updated),
        completed_at=None if completed is None else days_ago(completed),
    )
    return g


def health(filters=None):
    return {g.name: g for g in dashboard.groups_health(now=NOW, filters=filters or Filters())}


def attention(filters=None):
    rows = dashboard.trainees_needing_attention(now=NOW, filters=filters or Filters())
    return {row.user_id: row for row in rows}


# Off track ---------------------------------------------------------------------------------------


def test_a_group_that_met_exactly_31_days_ago_with_a_meeting_booked_is_on_track(group):
    meeting(group, 31)
    meeting(group, -3, MeetingStatus.SCHEDULED)
    row = health()[group.name]
    assert row.is_on_track and row.off_track == ()
    assert row.last_held_at == days_ago(31)
    assert row.next_meeting_at == days_ago(-3)


def test_a_group_that_last_met_31_days_and_a_second_ago_is_off_track(group):
    MeetingFactory(group=group, starts_at=days_ago(31) - timedelta(seconds=1), status="held")
    meeting(group, -3, MeetingStatus.SCHEDULED)
    assert health()[group.name].off_track == (OffTrack.NOT_MET,)


def test_a_group_with_nothing_scheduled_is_off_track_even_after_meeting_last_week(group):
    meeting(group, 7)
    assert health()[group.name].off_track == (OffTrack.NOTHING_SCHEDULED,)


def test_cancelled_meetings_count_neither_as_held_nor_as_scheduled(group):
    meeting(group, 40)
    meeting(group, 5, MeetingStatus.CANCELLED)
    meeting(group, -5, MeetingStatus.CANCELLED)
    row = health()[group.name]
    assert row.last_held_at == days_ago(40) and row.next_meeting_at is None
    assert row.off_track == (OffTrack.NOT_MET, OffTrack.NOTHING_SCHEDULED)


def test_a_meeting_never_logged_is_neither_held_nor_next(group):
    meeting(group, 2, MeetingStatus.SCHEDULED)
    row = health()[group.name]
    assert row.last_held_at is None and row.next_meeting_at is None
    assert not row.is_on_track


def test_a_group_that_never_met_is_off_track_until_it_meets(group):
    meeting(group, -10, MeetingStatus.SCHEDULED)
    assert health()[group.name].off_track == (OffTrack.NOT_MET,)


# Size, attendance, goals, flags ----------------------------------------------------------------


def test_size_counts_seated_members_only_and_flags_an_under_size_group():
    small = PeerGroupFactory(name="Small", status=GroupStatus.ACTIVE, capacity=6)
    for _ in range(4):
        seat(small)
    seat(small, role=MembershipRole.PEER_LEADER)
    seat(small, role=MembershipRole.FACILITATOR)
    seat(small, status=MembershipStatus.LEFT)
    row = health()["Small"]
    assert (row.size, row.capacity, row.min_size) == (5, 6, 5)
    assert not row.is_under_size
    MembershipFactory(group=small, status=MembershipStatus.WAITLISTED)
    small.memberships.filter(role=MembershipRole.PEER_LEADER).update(
        status=MembershipStatus.LEFT, seat=None, left_at=NOW
    )
    row = health()["Small"]
    assert row.size == 4 and row.is_under_size


def test_attendance_rate_is_over_the_last_three_held_meetings(group):
    people = [seat(group) for _ in range(4)]
    oldest = meeting(group, 60)
    for person in people:
        attend(oldest, person, AttendanceStatus.ABSENT)  # the fourth-last: not counted
    for days, present in [(40, 4), (20, 3), (5, 2)]:
        m = meeting(group, days)
        for index, person in enumerate(people):
            status = AttendanceStatus.PRESENT if index < present else AttendanceStatus.EXCUSED
            attend(m, person, status)
    later = meeting(group, 1, MeetingStatus.CANCELLED)
    attend(later, people[0], AttendanceStatus.ABSENT)  # cancelled: not counted
    row = health()[group.name]
    assert (row.present, row.recorded) == (9, 12)
    assert row.attendance_rate == pytest.approx(0.75)


def test_a_group_without_attendance_has_no_rate(group):
    meeting(group, 3)
    assert health()[group.name].attendance_rate is None


def test_goals_set_and_done_count_from_the_start_of_the_last_held_meeting(group, member):
    meeting(group, 30)
    meeting(group, 10)
    goal(member, group, created=20)  # before: not counted
    goal(member, group, created=10)  # set at the meeting: counted
    goal(member, group, created=4)
    goal(member, group, created=25, status=GoalStatus.DONE, completed=3)  # done since
    goal(member, group, created=25, status=GoalStatus.DONE, completed=15)  # done before
    row = health()[group.name]
    assert (row.goals_set, row.goals_done) == (2, 1)


def test_a_group_that_never_met_counts_all_its_goals(group, member):
    goal(member, group, created=90)
    goal(member, group, created=2, status=GoalStatus.DONE, completed=1)
    row = health()[group.name]
    assert (row.goals_set, row.goals_done) == (2, 1)


def test_only_open_office_flags_are_counted(group, member):
    OfficeFlag.objects.create(group=group, member=member, kind=FlagKind.DISTRESS)
    OfficeFlag.objects.create(group=group, kind=FlagKind.CONFLICT)
    OfficeFlag.objects.create(group=group, kind=FlagKind.OTHER, resolved_at=days_ago(1))
    assert health()[group.name].open_flags == 2


def test_running_groups_only_narrowed_by_cohort_and_career_area():
    cohort, other = CohortFactory(), CohortFactory()
    areas = list(CareerArea.objects.order_by("pk")[:2])
    PeerGroupFactory(name="Active", cohort=cohort, status=GroupStatus.ACTIVE, career_area=areas[0])
    PeerGroupFactory(name="Open", cohort=cohort, status=GroupStatus.OPEN, career_area=areas[1])
    PeerGroupFactory(name="Mixed", cohort=cohort, status=GroupStatus.ACTIVE, career_area=None)
    PeerGroupFactory(name="Draft", cohort=cohort, status=GroupStatus.DRAFT)
    PeerGroupFactory(name="Closed", cohort=cohort, status=GroupStatus.CLOSED)
    PeerGroupFactory(name="Elsewhere", cohort=other, status=GroupStatus.ACTIVE)
    assert set(health()) == {"Active", "Open", "Mixed", "Elsewhere"}
    assert set(health(Filters(cohort=cohort))) == {"Active", "Open", "Mixed"}
    assert set(health(Filters(cohort=cohort, career_area=areas[1]))) == {"Open"}
    assert set(health(Filters(mixed=True))) == {"Mixed"}
    assert health()["Mixed"].career_area == ""


def test_sorting_puts_off_track_first_and_reverses_on_a_minus():
    met = PeerGroupFactory(name="B met", status=GroupStatus.ACTIVE)
    meeting(met, 3)
    meeting(met, -3, MeetingStatus.SCHEDULED)
    PeerGroupFactory(name="A silent", status=GroupStatus.ACTIVE)
    PeerGroupFactory(name="C silent", status=GroupStatus.ACTIVE)
    rows = list(dashboard.groups_health(now=NOW, filters=Filters()))

    def names(sort: str) -> list[str]:
        return [g.name for g in dashboard.sort_groups(rows, sort)]

    assert names("status") == ["A silent", "C silent", "B met"]
    assert names("-status") == ["B met", "C silent", "A silent"]
    assert names("name") == ["A silent", "B met", "C silent"]
    assert names("last_held") == ["A silent", "C silent", "B met"]  # never met first
    assert names("nonsense") == names("status")
    # Groups with nothing to sort by (no attendance, nothing booked) stay last either way.
    assert names("next")[0] == names("-next")[0] == "B met"
    attend(Meeting.objects.get(group=met, status="held"), seat(met))
    rows = list(dashboard.groups_health(now=NOW, filters=Filters()))
    assert names("attendance")[0] == names("-attendance")[0] == "B met"


# Needs attention ---------------------------------------------------------------------------------


def test_absent_from_the_last_two_held_meetings_needs_attention(group):
    absent, excused, came_back = seat(group), seat(group), seat(group)
    first, cancelled, second = (
        meeting(group, 30),
        meeting(group, 20, "cancelled"),
        meeting(group, 5),
    )
    for m in (first, second):
        attend(m, absent, AttendanceStatus.ABSENT)
        attend(m, excused, AttendanceStatus.EXCUSED)
    attend(first, came_back, AttendanceStatus.ABSENT)
    attend(second, came_back, AttendanceStatus.PRESENT)
    attend(cancelled, came_back, AttendanceStatus.ABSENT)
    for person in (absent, excused, came_back):
        goal(person, group, created=1)
    rows = attention()
    assert rows[absent.pk].reasons == [(Attention.ABSENT, group.name)]
    assert excused.pk not in rows and came_back.pk not in rows


def test_absences_before_the_last_two_meetings_do_not_count(group):
    person = seat(group)
    goal(person, group, created=1)
    for days in (50, 40):
        attend(meeting(group, days), person, AttendanceStatus.ABSENT)
    attend(meeting(group, 5), person, AttendanceStatus.PRESENT)
    assert person.pk not in attention()


def test_a_member_who_left_is_not_judged_by_the_group(group):
    gone = seat(group, status=MembershipStatus.LEFT)
    for days in (30, 5):
        attend(meeting(group, days), gone, AttendanceStatus.ABSENT)
    assert gone.pk not in attention()


def test_no_goal_activity_in_60_days_needs_attention(group):
    quiet = seat(group)
    goal(quiet, group, created=90, updated=61)
    busy = seat(group)
    goal(busy, group, created=90, updated=59)
    newcomer = seat(group, joined_days=30)  # no goals yet, but only just joined
    never = seat(group, joined_days=70)
    rows = attention()
    assert rows[quiet.pk].reason_codes == {Attention.NO_GOAL_ACTIVITY}
    assert rows[never.pk].reasons == [(Attention.NO_GOAL_ACTIVITY, "no goals yet")]
    assert busy.pk not in rows and newcomer.pk not in rows


def test_goal_activity_in_another_group_counts(group):
    person = seat(group)
    elsewhere = PeerGroupFactory(status=GroupStatus.ACTIVE)
    goal(person, elsewhere, created=3)
    assert person.pk not in attention()


def mid_cycle(group, person, answer: str, *, days: float, anonymous: bool = False):
    survey = SurveyFactory(
        group=group, kind="mid_cycle", is_anonymous=anonymous, opens_at=days_ago(days + 1)
    )
    question = QuestionFactory(
        survey=survey,
        kind="single",
        key="mid_continue",
        choices="yes | Yes\nno | No",
        flag_choice="no",
    )
    when = days_ago(days)
    response = Response.objects.create(
        survey=survey,
        user=None if anonymous else person,
        is_submitted=True,
        submitted_at=None if anonymous else when,
        created_at=None if anonymous else when,
        updated_at=None if anonymous else when,
    )
    Answer.objects.create(response=response, question=question, text=answer)
    return survey


def test_a_mid_cycle_no_to_staying_needs_attention(group):
    said_no, said_yes = seat(group), seat(group)
    for person in (said_no, said_yes):
        goal(person, group, created=1)
    survey = mid_cycle(group, said_no, "no", days=4)
    mid_cycle(group, said_yes, "yes", days=4)
    rows = attention()
    assert rows[said_no.pk].reason_codes == {Attention.WANTS_TO_LEAVE}
    assert survey.title in rows[said_no.pk].reasons[0][1]
    assert said_yes.pk not in rows


def test_a_mid_cycle_no_clears_after_a_later_yes_or_a_resolved_flag(group):
    changed_mind, talked_to = seat(group), seat(group)
    for person in (changed_mind, talked_to):
        goal(person, group, created=1)
    mid_cycle(group, changed_mind, "no", days=20)
    mid_cycle(group, changed_mind, "yes", days=2)
    mid_cycle(group, talked_to, "no", days=20)
    OfficeFlag.objects.create(
        group=group, member=talked_to, kind=FlagKind.OTHER, resolved_at=days_ago(10)
    )
    assert attention() == {}


def test_an_anonymous_no_names_nobody(group):
    person = seat(group)
    goal(person, group, created=1)
    mid_cycle(group, person, "no", days=3, anonymous=True)
    assert attention() == {}


def test_an_open_office_flag_puts_its_person_on_the_list_even_after_they_left(group):
    stays, left = seat(group), seat(group, status=MembershipStatus.LEFT)
    goal(stays, group, created=1)
    OfficeFlag.objects.create(group=group, member=stays, kind=FlagKind.DISTRESS)
    OfficeFlag.objects.create(group=group, member=left, kind=FlagKind.STALLED)
    OfficeFlag.objects.create(
        group=group, member=stays, kind=FlagKind.OTHER, resolved_at=days_ago(1)
    )
    rows = attention()
    assert [reason for reason, _detail in rows[stays.pk].reasons] == [Attention.OFFICE_FLAG]
    assert "Member in distress" in rows[stays.pk].reasons[0][1]
    assert rows[left.pk].reason_codes == {Attention.OFFICE_FLAG}
    assert rows[left.pk].groups == [(group.pk, group.name)]


def test_a_person_in_two_groups_gets_one_row_with_every_reason(group):
    person = seat(group)
    other = PeerGroupFactory(name="Second", status=GroupStatus.OPEN)
    seat(other, user=person)
    for g in (group, other):
        for days in (30, 5):
            attend(meeting(g, days), person, AttendanceStatus.ABSENT)
    OfficeFlag.objects.create(group=other, member=person, kind=FlagKind.STALLED)
    (row,) = attention().values()
    assert sorted(name for _pk, name in row.groups) == sorted([group.name, "Second"])
    assert [r for r, _d in row.reasons].count(Attention.ABSENT) == 2
    assert row.reason_codes == {Attention.ABSENT, Attention.NO_GOAL_ACTIVITY, Attention.OFFICE_FLAG}


def test_attention_follows_the_filters(group):
    person = seat(group, joined_days=90)
    other = PeerGroupFactory(status=GroupStatus.ACTIVE)
    assert person.pk in attention(Filters(cohort=group.cohort))
    assert attention(Filters(cohort=other.cohort)) == {}


# Headline figures --------------------------------------------------------------------------------


def test_headline_counts_trainees_in_groups_waiting_and_unplaced():
    cohort = CohortFactory()
    active = PeerGroupFactory(cohort=cohort, status=GroupStatus.ACTIVE, capacity=1)
    open_group = PeerGroupFactory(cohort=cohort, status=GroupStatus.OPEN)
    closed = PeerGroupFactory(cohort=cohort, status=GroupStatus.OPEN)
    seat(active)
    seat(open_group)
    MembershipFactory(group=active, status=MembershipStatus.WAITLISTED)
    seat(closed)
    closed.status = GroupStatus.CLOSED
    closed.save()
    TraineeFactory()  # in no group
    UserFactory(is_staff=True)  # office staff: not a trainee
    UserFactory()  # no profile (an external facilitator): not a trainee
    seat(open_group, role=MembershipRole.FACILITATOR, user=UserFactory())
    TraineeFactory(is_active=False)
    counts = dashboard.trainee_counts(filters=Filters())
    # in_active and the open group's member are placed; the waitlisted one waits; the member of
    # the closed group and the trainee in no group are unplaced.
    assert counts == {"trainees": 5, "placed": 2, "waiting": 1}
    assert dashboard.groups_by_status(filters=Filters(cohort=cohort)) == {
        GroupStatus.ACTIVE: 1,
        GroupStatus.OPEN: 1,
        GroupStatus.CLOSED: 1,
    }


def test_trainee_counts_with_a_career_area_are_of_those_interested_in_it():
    first, second = CareerArea.objects.order_by("pk")[:2]
    group = PeerGroupFactory(status=GroupStatus.ACTIVE, career_area=first)
    seat(group, user=TraineeFactory(profile__interests=[second, first]))
    TraineeFactory(profile__interests=[second])
    TraineeFactory(profile__interests=[first])
    assert dashboard.trainee_counts(filters=Filters(career_area=first)) == {
        "trainees": 2,
        "placed": 1,
        "waiting": 0,
    }
    assert dashboard.trainee_counts(filters=Filters(mixed=True))["trainees"] == 3


def test_headline_share_of_running_groups_on_track(group):
    meeting(group, 3)
    meeting(group, -3, MeetingStatus.SCHEDULED)
    PeerGroupFactory(status=GroupStatus.OPEN)
    groups = list(dashboard.groups_health(now=NOW, filters=Filters()))
    figures = dashboard.headline(filters=Filters(), groups=groups, attention=[])
    assert (figures.running_groups, figures.on_track) == (2, 1)
    assert figures.on_track_share == 0.5
    assert figures.under_size == 2  # the cohort minimum is 5 and neither group has members


# Charts ------------------------------------------------------------------------------------------


def month_of(moment):
    return timezone.localtime(moment).date().replace(day=1)


def test_chart_months_are_the_last_twelve_or_the_cohorts():
    months = dashboard.chart_months(now=NOW, filters=Filters())
    assert len(months) == 12 and months[-1] == month_of(NOW)
    past = Cohort(
        start_date=(NOW - timedelta(days=800)).date(), end_date=(NOW - timedelta(days=700)).date()
    )
    months = dashboard.chart_months(now=NOW, filters=Filters(cohort=past))
    assert months[0] == past.start_date.replace(day=1)
    assert months[-1] == past.end_date.replace(day=1)


def test_meetings_held_per_month_against_one_per_running_group_that_had_started(group):
    held = [meeting(group, 3), meeting(group, 4), meeting(group, 100)]
    meeting(group, 5, MeetingStatus.CANCELLED)
    meeting(group, -2, MeetingStatus.SCHEDULED)
    PeerGroupFactory(status=GroupStatus.ACTIVE)  # created now, never met: counts from this month
    groups = list(dashboard.groups_health(now=NOW, filters=Filters()))
    rows = {row.month: row for row in dashboard.monthly(now=NOW, filters=Filters(), groups=groups)}
    for month, row in rows.items():
        assert row.meetings_held == sum(month_of(m.starts_at) == month for m in held), month
    assert sum(row.meetings_held for row in rows.values()) == 3
    assert rows[month_of(NOW)].target == 2
    # `group` first met 100 days ago, before its row was created here: it counts from then.
    assert rows[month_of(held[2].starts_at)].target == 1


def test_goal_completion_per_month_and_goals_by_category(group, member):
    goal(member, group, created=1, status=GoalStatus.DONE, completed=0)
    goal(member, group, created=1)
    g = goal(member, group, created=1)
    Goal.objects.filter(pk=g.pk).update(category=GoalCategory.NETWORKING)
    goal(member, group, created=400)  # before the chart's months
    rows = {row.month: row for row in dashboard.monthly(now=NOW, filters=Filters(), groups=[])}
    this_month = rows[month_of(days_ago(1))]
    assert (this_month.goals_set, this_month.goals_done) == (3, 1)
    assert this_month.completion_rate == pytest.approx(1 / 3)
    categories = {
        label: (n, done)
        for label, n, done in dashboard.goals_by_category(now=NOW, filters=Filters())
    }
    assert categories[GoalCategory.INFORMATIONAL_INTERVIEW.label] == (2, 1)
    assert categories[GoalCategory.NETWORKING.label] == (1, 0)
    assert categories[GoalCategory.OTHER.label] == (0, 0)
    assert len(categories) == len(GoalCategory.choices)


def answer_confidence(survey, questions, person, values):
    response = Response.objects.create(
        survey=survey, user=person, is_submitted=True, submitted_at=NOW, created_at=NOW
    )
    Answer.objects.bulk_create(
        Answer(response=response, question=questions[key], number=value)
        for key, value in values.items()
        if value is not None
    )


def make_pre_post(cohort, n_plan: int, n_going: int, *, anonymous=False):
    intake = SurveyFactory(kind="intake", cohort=cohort, group=None, opens_at=days_ago(120))
    exit_survey = SurveyFactory(
        kind="exit", cohort=cohort, group=None, baseline=intake, is_anonymous=anonymous
    )
    keys = ["conf_make_plan", "conf_keep_going", "career_clarity"]
    pre = {k: QuestionFactory(survey=intake, key=k) for k in keys}
    post = {k: QuestionFactory(survey=exit_survey, key=k) for k in keys}
    people = [TraineeFactory() for _ in range(max(n_plan, n_going))]
    for index, person in enumerate(people):
        plan = index < n_plan
        going = index < n_going
        answer_confidence(
            intake,
            pre,
            person,
            {
                "conf_make_plan": 2 if plan else None,
                "conf_keep_going": 3 if going else None,
                "career_clarity": 1,
            },
        )
        answer_confidence(
            exit_survey,
            post,
            person,
            {
                "conf_make_plan": 4 if plan and index else (2 if plan else None),
                "conf_keep_going": 3 if going else None,
                "career_clarity": 5,
            },
        )
    return people


def test_confidence_change_pairs_people_and_suppresses_small_items():
    cohort = CohortFactory()
    make_pre_post(cohort, n_plan=5, n_going=3)
    items = {item.key: item for item in dashboard.confidence_change(filters=Filters())}
    assert set(items) == {"conf_make_plan", "conf_keep_going"}  # confidence items only
    plan = items["conf_make_plan"].change
    assert (plan.n, plan.mean_pre, plan.mean_post) == (5, 2, pytest.approx(3.6))
    assert plan.mean_change == pytest.approx(1.6) and plan.share_improved == pytest.approx(0.8)
    assert items["conf_keep_going"].change.is_suppressed
    assert items["conf_make_plan"].label == "Make plan"
    other = CohortFactory()
    assert dashboard.confidence_change(filters=Filters(cohort=other)) == []
    data = dashboard.chart_data(months=[], categories=[], confidence=list(items.values()))
    assert data["confidence"]["labels"] == ["Make plan"]


def test_anonymous_exit_surveys_are_not_paired():
    make_pre_post(CohortFactory(), n_plan=6, n_going=6, anonymous=True)
    assert dashboard.confidence_change(filters=Filters()) == []


# Emails and the cohort summary -------------------------------------------------------------------


def test_email_status_counts_pending_and_failed_and_the_last_sweep():
    NotificationFactory.create_batch(2)
    NotificationFactory(next_attempt_at=NOW + timedelta(minutes=5))
    NotificationFactory(emailed_at=days_ago(1))
    NotificationFactory(failed_at=days_ago(0.5))
    NotificationFactory(failed_at=days_ago(30))
    SweepRun.objects.create(name="meeting_reminders", started_at=days_ago(0.01), created_count=4)
    SweepRun.objects.create(name="office_digest", started_at=days_ago(2), error="SMTP down")
    status = dashboard.email_status(now=NOW)
    assert (status["pending"], status["retrying"]) == (2, 1)
    assert (status["failed_recently"], status["failed"]) == (1, 2)
    assert status["last_sweep"].name == "meeting_reminders"
    assert status["failed_sweeps"] == ["office_digest"]


def test_email_status_before_any_sweep():
    status = dashboard.email_status(now=NOW)
    assert status["last_sweep"] is None and status["pending"] == 0


def test_cohort_summary_has_the_annual_report_counts(group, member):
    stayed = seat(group)
    MembershipFactory(group=group, status=MembershipStatus.LEFT, joined_at=days_ago(50))
    seat(group, role=MembershipRole.FACILITATOR)
    held = meeting(group, 10)
    meeting(group, 5, MeetingStatus.CANCELLED)
    attend(held, member)
    attend(held, stayed, AttendanceStatus.ABSENT)
    goal(member, group, created=20, status=GoalStatus.DONE, completed=5)
    goal(member, group, created=20)
    PeerGroupFactory(cohort=group.cohort, status=GroupStatus.DRAFT)
    rows = list(dashboard.cohort_summary_rows(filters=Filters(cohort=group.cohort)))
    figures = {(measure, breakdown): value for _cohort, measure, breakdown, value in rows}
    assert {row[0] for row in rows} == {group.cohort.name}
    assert figures[("participants", "all")] == 3
    assert figures[("participants", "left their group")] == 1
    assert figures[("participants", "stage: PhD student")] == 3
    assert figures[("participants", f"career area: {group.career_area.name}")] == 3
    assert figures[("groups", "active")] == 1 and figures[("groups", "draft")] == 1
    assert figures[("meetings held", "all")] == 1
    assert figures[("attendance", "rate")] == 0.5
    assert (figures[("goals", "set")], figures[("goals", "completed")]) == (2, 1)


def test_cohort_summary_reports_confidence_change_with_small_cells_suppressed():
    cohort = CohortFactory()
    make_pre_post(cohort, n_plan=5, n_going=3)
    rows = list(dashboard.cohort_summary_rows(filters=Filters()))
    figures = {(m, b): v for c, m, b, v in rows if c == cohort.name}
    assert figures[("confidence change: conf_make_plan", "mean change")] == 1.6
    assert figures[("confidence change: conf_keep_going", "people paired")] == 3
    assert ("confidence change: conf_keep_going", "mean change") not in figures
