import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser


def serious_violations(page) -> list[str]:
    results = Axe().run(page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]})
    assert results.response["passes"], "axe-core did not run any check"
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_demo_trainee_signs_in_and_sees_the_home_page(page, live_server, demo):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    assert serious_violations(page) == []
    sign_in(page, live_server, "trainee@example.edu")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome, Taylor")
    assert serious_violations(page) == []


def test_wrong_password_keeps_the_trainee_on_the_sign_in_page(page, live_server, demo):
    sign_in(page, live_server, "trainee@example.edu", "not-the-password")
    expect(page.get_by_text("not correct")).to_be_visible()


def test_trainee_edits_the_profile_with_the_keyboard(page, live_server, demo):
    sign_in(page, live_server, "trainee@example.edu")
    page.get_by_role("link", name="Profile").click()
    page.get_by_label("Department").fill("Department of Keyboards")
    page.get_by_label("Wed evening").check()
    page.get_by_role("button", name="Save profile").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    expect(page.get_by_label("Wed evening")).to_be_checked()
    assert serious_violations(page) == []
