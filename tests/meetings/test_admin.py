import pytest
from django.urls import reverse

from meetings.models import FlagKind, OfficeFlag
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


def test_office_lists_open_flags_and_resolves_them(office, group, member, facilitator):
    meeting = MeetingFactory(group=group)
    flag = OfficeFlag.objects.create(
        meeting=meeting,
        group=group,
        member=member,
        kind=FlagKind.DISTRESS,
        note="Seemed very low",
        raised_by=facilitator,
    )
    listing = office.get(reverse("admin:meetings_officeflag_changelist")).content.decode()
    assert "Member in distress" in listing and member.email in listing
    office.post(
        reverse("admin:meetings_officeflag_changelist"),
        {"action": "mark_resolved", "_selected_action": [flag.pk]},
    )
    flag.refresh_from_db()
    assert flag.resolved_at is not None


def test_meeting_list_counts_open_flags(office, group, facilitator):
    meeting = MeetingFactory(group=group)
    OfficeFlag.objects.create(
        meeting=meeting, group=group, kind=FlagKind.CONFLICT, raised_by=facilitator
    )
    response = office.get(reverse("admin:meetings_meeting_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_list[0].open_flag_count == 1


def test_facilitators_cannot_open_the_flag_admin(client, facilitator):
    client.force_login(facilitator)
    response = client.get(reverse("admin:meetings_officeflag_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
