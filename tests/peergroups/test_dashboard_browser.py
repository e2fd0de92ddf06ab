"""The office dashboard in a real browser, on the demo data: staff see which groups are off track
and who needs a call, with charts drawn under the CSP and no console errors; the page passes
axe-core; the cohort summary downloads."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_sign_in import serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", "--with-passwords", stdout=io.StringIO())


def test_staff_see_program_health_on_the_first_screen(page, live_server, demo):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server, "staff@example.edu")
    page.goto(f"{live_server.url}/admin/")
    health = page.locator("#group-health")
    # seed_demo leaves Policy A (last met 45 days ago) and Mixed A (never met) off track.
    for name in ("Policy A", "Mixed A"):
        expect(health.locator("tbody tr", has_text=name)).to_contain_text("Off track")
    expect(health.locator("tbody tr", has_text="Education A")).to_contain_text("On track")
    expect(page.locator("#attention")).to_contain_text("Open office flag")
    drawn = page.evaluate("Object.keys(window.Chart.instances).length")
    assert drawn == page.locator("canvas").count() >= 3
    assert serious_violations(page) == []

    health.get_by_role("link", name="Attendance (last 3)").click()
    expect(page).to_have_url(f"{live_server.url}/admin/?sort=attendance#group-health")
    expect(health.get_by_role("columnheader", name="Attendance (last 3)")).to_have_attribute(
        "aria-sort", "ascending"
    )

    page.get_by_label("Cohort").select_option(label="Spring 2027")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#headline-title")).to_contain_text("Spring 2027")
    with page.expect_download() as download:
        page.get_by_role("link", name="Cohort summary (CSV)").click()
    assert download.value.suggested_filename.startswith("cohort-summary-")
    with open(download.value.path(), encoding="utf-8-sig") as f:
        assert "Spring 2027,participants,all," in f.read()
    assert [e for e in errors if "404" not in e] == []  # the favicon is not ours
