"""The office dashboard as the admin's index, and its CSV reports: access, page, query budget."""

import csv
import io
import itertools
import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import CareerArea, TraineeProfile, User
from goals.models import Goal, GoalStatus
from groups.models import GroupStatus, Membership, MembershipStatus, PeerGroup
from meetings.models import Attendance, FlagKind, Meeting, MeetingStatus, OfficeFlag
from peergroups import dashboard
from tests.factories import (
    CohortFactory,
    MeetingFactory,
    MembershipFactory,
    PeerGroupFactory,
    TraineeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
DASHBOARD = "/admin/"
EXPORTS = [
    "admin:dashboard_groups_export",
    "admin:dashboard_attention_export",
    "admin:dashboard_summary_export",
]
_serial = itertools.count()


@pytest.fixture
def office(client, staff):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    return client


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def on_track(group):
    MeetingFactory(group=group, starts_at=NOW - timedelta(days=7), status=MeetingStatus.HELD)
    MeetingFactory(group=group, starts_at=NOW + timedelta(days=7))


# Access ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["admin:index", *EXPORTS])
def test_anonymous_visitors_are_sent_to_the_admin_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("name", ["admin:index", *EXPORTS])
@pytest.mark.parametrize("persona", ["member", "facilitator"])
def test_trainees_and_facilitators_are_sent_to_the_admin_sign_in(client, request, persona, name):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_staff_without_model_permissions_still_get_the_dashboard_and_reports(client, group):
    """`is_staff` is the office: the program's health is theirs to see whatever admin
    permissions they hold; the change pages behind the links still check those."""
    client.force_login(UserFactory(is_staff=True))
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    page = response.content.decode()
    assert group.name in page and 'id="group-health"' in page
    assert "have permission to view or edit anything" in page  # Django's empty app list
    for name in EXPORTS:
        assert client.get(reverse(name)).status_code == 200


def test_reports_are_get_only_downloads(office):
    response = office.get(reverse("admin:dashboard_summary_export"))
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="cohort-summary-')


# The page --------------------------------------------------------------------------------------


def test_the_first_screen_says_which_groups_are_off_track_and_who_needs_attention(office, group):
    on_track(group)
    silent = PeerGroupFactory(name="Silent Group", status=GroupStatus.OPEN)
    person = MembershipFactory(group=silent, user__name="Nadia Needs-Call").user
    OfficeFlag.objects.create(group=silent, member=person, kind=FlagKind.DISTRESS)
    response = office.get(DASHBOARD)
    page = response.content.decode()
    rows = {g.name: g for g in response.context["groups"]}
    assert rows[group.name].is_on_track and not rows["Silent Group"].is_on_track
    assert [g.name for g in response.context["groups"]] == ["Silent Group", group.name]
    assert "Off track" in page and "On track" in page and "No meeting scheduled" in page
    assert "Under-size (min 5)" in page
    assert "Nadia Needs-Call" in page and "Member in distress" in page
    for url in (
        reverse("admin:groups_peergroup_change", args=[silent.pk]),
        reverse("groups:group_detail", args=[silent.pk]),
        reverse("admin:accounts_user_change", args=[person.pk]),
        reverse("admin:groups_peergroup_changelist"),  # the app list is still there
        *(reverse(name) for name in EXPORTS),
    ):
        assert url in page, url
    assert response.context["headline"].needing_attention == 1


def test_charts_have_their_data_in_json_and_a_table_beside_them(office, group):
    on_track(group)
    page = office.get(DASHBOARD).content.decode()
    for canvas in ("chart-meetings", "chart-completion", "chart-categories"):
        assert f'id="{canvas}"' in page
    for table in ("meetings-table", "completion-table", "categories-table"):
        assert f'id="{table}"' in page
    assert "js/dashboard.js" in page and "vendor/chartjs/chart.umd.min.js" in page
    data = json.loads(re.search(r'id="dashboard-chart-data"[^>]*>(.*?)</script>', page)[1])
    assert sum(data["meetings"]["held"]) == 1 and data["meetings"]["target"][-1] == 1
    assert data["confidence"] is None  # no paired surveys yet: the page says so instead
    assert "No paired survey answers yet" in page
    assert "<script>" not in page  # nothing inline: the CSP allows scripts from here only


def test_filters_narrow_the_page_and_unknown_values_are_ignored(office):
    first, second = CareerArea.objects.order_by("pk")[:2]
    cohort = CohortFactory(name="Fall 2027")
    PeerGroupFactory(name="Kept", cohort=cohort, career_area=first)
    PeerGroupFactory(name="Other area", cohort=cohort, career_area=second)
    PeerGroupFactory(name="Other cohort", career_area=first)
    response = office.get(DASHBOARD, {"cohort": cohort.pk, "area": first.pk})
    assert [g.name for g in response.context["groups"]] == ["Kept"]
    page = response.content.decode()
    assert f"?cohort={cohort.pk}&amp;area={first.pk}" in page  # the reports keep the filters
    response = office.get(DASHBOARD, {"cohort": "999999", "area": "nope"})
    assert len(response.context["groups"]) == 3


def test_a_column_heading_sorts_the_table_and_says_so(office):
    for name, members in [("Bigger", 3), ("Smaller", 1)]:
        group = PeerGroupFactory(name=name, status=GroupStatus.ACTIVE)
        for _ in range(members):
            MembershipFactory(group=group)
    response = office.get(DASHBOARD, {"sort": "size"})
    assert [g.name for g in response.context["groups"]] == ["Smaller", "Bigger"]
    page = response.content.decode()
    assert 'aria-sort="ascending"><a href="?sort=-size#group-health"' in page
    response = office.get(DASHBOARD, {"sort": "-size"})
    assert [g.name for g in response.context["groups"]] == ["Bigger", "Smaller"]


def test_long_tables_show_the_worst_rows_first_and_offer_all(office, monkeypatch):
    monkeypatch.setattr(dashboard, "PAGE_ROWS", 2)
    on_track(PeerGroupFactory(name="A fine", status=GroupStatus.ACTIVE))
    for name in ("B silent", "C silent"):
        PeerGroupFactory(name=name, status=GroupStatus.ACTIVE)
    response = office.get(DASHBOARD)
    assert [g.name for g in response.context["groups"]] == ["B silent", "C silent"]
    assert response.context["headline"].running_groups == 3
    page = response.content.decode()
    assert "Showing the first 2 of 3 groups." in page and "?rows=all#group-health" in page
    response = office.get(DASHBOARD, {"rows": "all"})
    assert len(response.context["groups"]) == 3
    assert "Showing the first" not in response.content.decode()


# Query budget ----------------------------------------------------------------------------------


def populate(cohort, n: int) -> None:
    """n active groups with three members each, two held meetings with attendance, one booked,
    goals and a flag: every figure on the page has rows to read. Bulk inserts keep it fast."""
    area = CareerArea.objects.order_by("pk").first()
    base = next(_serial) * 10_000
    groups = PeerGroup.objects.bulk_create(
        PeerGroup(
            cohort=cohort, name=f"Bulk {base + i}", status=GroupStatus.ACTIVE, career_area=area
        )
        for i in range(n)
    )
    users = User.objects.bulk_create(
        User(email=f"bulk{base + i}@example.edu", name=f"Bulk {base + i}") for i in range(3 * n)
    )
    TraineeProfile.objects.bulk_create(TraineeProfile(user=u) for u in users)
    joined = NOW - timedelta(days=100)
    members = Membership.objects.bulk_create(
        Membership(group=g, user=users[3 * i + s], seat=s + 1, joined_at=joined)
        for i, g in enumerate(groups)
        for s in range(3)
    )
    meetings = Meeting.objects.bulk_create(
        Meeting(
            group=g,
            starts_at=NOW + timedelta(days=days),
            ends_at=NOW + timedelta(days=days, hours=1),
            status=MeetingStatus.HELD if days < 0 else MeetingStatus.SCHEDULED,
            held_at=NOW + timedelta(days=days) if days < 0 else None,
        )
        for g in groups
        for days in (-40, -10, 5)
    )
    Attendance.objects.bulk_create(
        Attendance(meeting=m, user=mem.user, status="absent" if mem.seat == 1 else "present")
        for m in meetings
        if m.status == MeetingStatus.HELD
        for mem in members
        if mem.group_id == m.group_id
    )
    Goal.objects.bulk_create(
        Goal(
            owner=mem.user,
            group=mem.group,
            title="Talk to someone",
            category="networking",
            status=GoalStatus.DONE if mem.seat == 2 else GoalStatus.ACTIVE,
            completed_at=NOW if mem.seat == 2 else None,
        )
        for mem in members
    )
    OfficeFlag.objects.bulk_create(
        OfficeFlag(group=g, member=users[3 * i], kind=FlagKind.STALLED)
        for i, g in enumerate(groups)
    )


def test_dashboard_query_count_is_the_same_for_1_and_200_groups(office, django_assert_num_queries):
    cohort = CohortFactory()
    populate(cohort, 1)
    # session, user; filter choices: cohorts, career areas; running groups' health; attention:
    # mid-cycle "no" answers, open flags about people, members; charts: meetings held per month,
    # goals per month, goals by category, confidence answers (follow-ups and baselines);
    # headline: trainee counts, groups by status; email counts, sweep runs
    with django_assert_num_queries(16):
        response = office.get(DASHBOARD, {"cohort": cohort.pk})
    assert response.context["headline"].running_groups == 1
    populate(cohort, 199)
    with django_assert_num_queries(16):
        response = office.get(DASHBOARD, {"cohort": cohort.pk})
    headline = response.context["headline"]
    assert (headline.running_groups, headline.placed, headline.open_flags) == (200, 600, 200)
    assert headline.needing_attention == 200  # the member absent twice, with a flag, in each


# Reports ---------------------------------------------------------------------------------------


def test_group_health_export_streams_row_by_row_and_escapes_formula_cells(office):
    evil = PeerGroupFactory(name='=HYPERLINK("http://evil.example","x")', status="active")
    on_track(evil)
    PeerGroupFactory(name="-2+3", status=GroupStatus.OPEN)
    url = reverse("admin:dashboard_groups_export")
    with CaptureQueriesContext(connection) as before:
        response = office.get(url)
    assert response.streaming
    # Nothing was read yet: the rows come from the database while the file is written.
    assert not any("meetings_meeting" in q["sql"] for q in before.captured_queries)
    chunks = list(response.streaming_content)
    assert len(chunks) == 3  # the header, then one chunk per group
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert rows[0][:3] == ["group_id", "group", "cohort"]
    by_name = {row[1]: row for row in rows[1:]}
    assert set(by_name) == {"'-2+3", '\'=HYPERLINK("http://evil.example","x")'}
    assert by_name["'-2+3"][-2:] == [
        "no",
        "No meeting held in the last 31 days; No meeting scheduled",
    ]


def test_attention_export_escapes_names_and_lists_reasons(office, group):
    person = MembershipFactory(group=group, user__name="@SUM(1+1)").user
    OfficeFlag.objects.create(group=group, member=person, kind=FlagKind.CONFLICT)
    response = office.get(reverse("admin:dashboard_attention_export"))
    assert response.streaming
    header, *rows = read_csv(response)
    assert header == ["name", "email", "groups", "reasons", "details"]
    (row,) = rows
    assert row[0] == "'@SUM(1+1)" and row[1] == person.email
    assert row[3] == "Open office flag"
    assert "Group conflict" in row[4]


def test_cohort_summary_export_follows_the_filter(office, group):
    other = PeerGroupFactory(status=GroupStatus.ACTIVE)
    MembershipFactory(group=group)
    MembershipFactory(group=other, status=MembershipStatus.WAITLISTED)
    response = office.get(reverse("admin:dashboard_summary_export"), {"cohort": group.cohort.pk})
    assert response.streaming
    header, *rows = read_csv(response)
    assert header == ["cohort", "measure", "breakdown", "value"]
    assert {row[0] for row in rows} == {group.cohort.name}
    assert ["participants", "all", "1"] in [row[1:] for row in rows]
    everything = read_csv(office.get(reverse("admin:dashboard_summary_export")))
    assert {row[0] for row in everything[1:]} == {group.cohort.name, other.cohort.name}


def test_an_unplaced_trainee_is_counted_on_the_page(office):
    TraineeFactory()
    assert office.get(DASHBOARD).context["headline"].unplaced == 1
