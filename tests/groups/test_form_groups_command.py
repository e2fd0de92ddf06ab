"""manage.py form_groups: score cards, the unplaced and the summary; --apply publishes."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import CareerArea, Stage
from groups.models import FormationRun, FormationRunStatus, Membership, PeerGroup
from notifications.models import Notification, NotificationKind
from tests.factories import CohortFactory, pool_trainee

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(db):
    return CohortFactory(name="Spring 2027", slug="spring-2027")


@pytest.fixture
def trainees(cohort):
    policy = CareerArea.objects.get(slug="policy")
    people = [
        pool_trainee(
            policy, stage=Stage.POSTDOC if i % 2 else Stage.PHD_STUDENT, user__name=f"P{i}"
        )
        for i in range(12)
    ]
    people.append(pool_trainee(CareerArea.objects.get(slug="business"), user__name="Lone Business"))
    return people


def form_groups(*args: str) -> str:
    out = StringIO()
    call_command("form_groups", *args, stdout=out, no_color=True)
    return out.getvalue()


def test_it_prints_score_cards_the_unplaced_and_the_summary_and_writes_nothing(trainees):
    output = form_groups("--cohort", "spring-2027")

    assert "Policy 1 · Policy · 6 people · overall" in output
    assert "Policy 2 · Policy · 6 people" in output
    assert "discipline diversity 1.00, stage mix 1.00, no repeat group-mates 1.00" in output
    assert "shared times: Tue evening" in output
    assert f"- P0 <{trainees[0].email}> · PhD student ·" in output
    assert "Unplaced (1)" in output
    assert f"Lone Business <{trainees[-1].email}>: only 1 person chose Business" in output
    assert "13 people in the pool, 12 placed (92%) in 2 groups, 1 unplaced" in output
    assert "Nothing was written" in output
    assert not FormationRun.objects.exists() and not PeerGroup.objects.exists()


def test_the_same_seed_prints_the_same_groups(trainees):
    def cards(output: str) -> str:
        return output.split("\nSummary")[0]

    assert cards(form_groups("--cohort", "spring-2027", "--seed", "5")) == cards(
        form_groups("--cohort", "spring-2027", "--seed", "5")
    )


def test_apply_publishes_the_groups_and_keeps_the_run(trainees, cohort):
    output = form_groups("--cohort", "spring-2027", "--apply")

    assert "Published 2 groups in Spring 2027: 12 people placed and notified." in output
    run = FormationRun.objects.get()
    assert run.status == FormationRunStatus.PUBLISHED and run.created_by is None
    assert set(PeerGroup.objects.filter(cohort=cohort).values_list("name", flat=True)) == {
        "Policy 1",
        "Policy 2",
    }
    assert Membership.objects.filter(group__cohort=cohort).count() == 12
    assert Notification.objects.filter(kind=NotificationKind.GROUP_PLACED).count() == 12

    # Everyone placed is now in a group of the cohort: a second run only finds the one left.
    with pytest.raises(CommandError, match="No group could be formed, so nothing was published"):
        form_groups("--cohort", "spring-2027", "--apply")
    assert PeerGroup.objects.filter(cohort=cohort).count() == 2
    assert FormationRun.objects.count() == 1


def test_mixed_mode_forms_mixed_groups(trainees):
    output = form_groups("--cohort", "spring-2027", "--mode", "mixed")
    assert "Mixed 1 · Mixed ·" in output and "Mixed 2 · Mixed ·" in output
    assert "13 people in the pool, 13 placed" in output


def test_the_pool_can_be_limited_to_career_areas(trainees):
    output = form_groups("--cohort", "spring-2027", "--area", "business")
    assert "1 person in the pool" in output and "Policy 1" not in output
    assert "No group could be formed, so nothing was written." in output


def test_a_bad_slug_or_area_is_a_clear_error(cohort):
    with pytest.raises(
        CommandError, match="No cohort with the slug 'nope'. Known cohorts: spring-2027"
    ):
        form_groups("--cohort", "nope")
    with pytest.raises(CommandError, match="Unknown career area"):
        form_groups("--cohort", "spring-2027", "--area", "astrology")
    with pytest.raises(CommandError, match="Nobody to place"):
        form_groups("--cohort", "spring-2027")
