"""The monthly loop in a real browser, as issue 5 describes it: the facilitator schedules a
meeting, the trainee sets two goals and finishes one, the facilitator logs the meeting, the
trainee reads the summary and carries the unfinished goal over, the office sees the flag, and
the meeting is in the trainee's calendar feed."""

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from goals.models import Goal
from meetings.models import Meeting
from tests.e2e.conftest import sign_in
from tests.e2e.test_sign_in import serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def as_user(browser, live_server, demo):
    contexts = []

    def open_as(email: str):
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        sign_in(page, live_server, email)
        expect(page).to_have_url(f"{live_server.url}/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_the_accountability_loop(as_user, live_server):
    # The facilitator schedules a meeting of the demo trainee's group that started an hour ago
    # (so it can be logged in this test), in their own timezone.
    facilitator = as_user("facilitator@example.edu")
    facilitator.get_by_role("link", name="Education A").first.click()
    facilitator.get_by_role("link", name="Schedule a meeting").click()
    start = timezone.localtime(timezone.now() - timedelta(hours=1), _tz("facilitator"))
    facilitator.get_by_label("Date").fill(start.strftime("%Y-%m-%d"))
    facilitator.get_by_label("Start time").fill(start.strftime("%H:%M"))
    facilitator.get_by_label("Place").fill("Career Office, room 3")
    assert serious_violations(facilitator) == []
    facilitator.get_by_role("button", name="Schedule meeting").click()
    expect(facilitator.get_by_text("Meeting scheduled.")).to_be_visible()
    meeting = Meeting.objects.filter(place="Career Office, room 3").get()

    # The trainee sets two goals and marks one done before the meeting.
    trainee = as_user("trainee@example.edu")
    for title in ("Email a science museum educator", "Draft a teaching statement"):
        trainee.goto(f"{live_server.url}/goals/new/")
        trainee.locator("#id_title").fill(title)
        trainee.locator("#id_category").select_option(label="Informational interview")
        trainee.get_by_role("button", name="Save goal").click()
        expect(trainee.get_by_text("Goal saved.")).to_be_visible()
    assert serious_violations(trainee) == []
    done = Goal.objects.get(title="Email a science museum educator")
    trainee.get_by_label("Status of Email a science museum educator").select_option("done")
    trainee.locator(f"#goal-{done.pk}").get_by_role("button", name="Update").click()
    expect(trainee.get_by_label("Status of Email a science museum educator")).to_have_value("done")
    assert set(Goal.objects.filter(due_meeting=meeting).values_list("title", flat=True)) >= {
        "Email a science museum educator",
        "Draft a teaching statement",
    }

    # The facilitator logs it: attendance, reviews, summary, a private note and an office flag.
    facilitator.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    facilitator.get_by_role("link", name="Log this meeting").click()
    stuck = Goal.objects.get(title="Draft a teaching statement")
    facilitator.locator(f"#id_goal_{done.pk}_outcome").select_option("done")
    facilitator.locator(f"#id_goal_{stuck.pk}_outcome").select_option("not_started")
    facilitator.locator(f"#id_goal_{stuck.pk}_blocker").select_option("time")
    facilitator.get_by_label("Group summary").fill("We shared museum contacts and practised asks.")
    facilitator.get_by_label("Facilitator notes").fill("Taylor seemed stretched thin.")
    facilitator.get_by_label("Flag something for the office").select_option("stalled")
    facilitator.get_by_label("Note for the office").fill("Check in about workload.")
    assert serious_violations(facilitator) == []
    facilitator.get_by_role("button", name="Save log").click()
    expect(facilitator.get_by_text("Meeting log saved.")).to_be_visible()

    # The trainee reads the summary (not the private note or the flag) and carries over.
    trainee.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    expect(trainee.get_by_text("We shared museum contacts")).to_be_visible()
    expect(trainee.get_by_text("stretched thin")).to_have_count(0)
    expect(trainee.get_by_text("Check in about workload")).to_have_count(0)
    trainee.goto(f"{live_server.url}/goals/")
    trainee.get_by_role("listitem").filter(has_text="Draft a teaching statement").get_by_role(
        "button", name="Carry over to the next meeting"
    ).click()
    expect(trainee.get_by_text("Carried over to your group's next meeting.")).to_be_visible()
    assert Goal.objects.get(carried_from=stuck).status == "active"

    # The office sees the flag in the admin.
    office = as_user("staff@example.edu")
    office.goto(f"{live_server.url}/admin/meetings/officeflag/")
    expect(office.get_by_text("Stalled").first).to_be_visible()

    # The meeting is in the trainee's calendar feed.
    trainee.goto(f"{live_server.url}/calendar/")
    trainee.get_by_role("button", name="Create my calendar address").click()
    feed_url = trainee.get_by_label("Your calendar address").input_value()
    body = trainee.request.get(feed_url.replace("http://testserver", live_server.url)).body()
    uids = {str(event["UID"]) for event in Calendar.from_ical(body).walk("VEVENT")}
    assert any(uid.startswith(f"meeting-{meeting.pk}@") for uid in uids)


def _tz(who: str):
    from accounts.models import User

    return User.objects.get(email=f"{who}@example.edu").tzinfo
