import io

import pytest
from django.core.management import call_command


@pytest.fixture
def demo(transactional_db):
    """The demo data of `seed_demo`, with the demo password."""
    call_command("seed_demo", "--with-passwords", stdout=io.StringIO())


def sign_in(page, live_server, email: str, password: str = "peergroups-demo") -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
