import re
from unittest import mock

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.utils import OperationalError
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import CareerArea, Invitation, User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PORTAL_PAGES = ["/", "/profile/"]


@pytest.mark.parametrize("url", PORTAL_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_sign_in_with_email_in_any_case(client, trainee):
    response = client.post(
        reverse("account_login"), {"login": trainee.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_is_a_form_error(client, trainee):
    response = client.post(reverse("account_login"), {"login": trainee.email, "password": "x"})
    assert response.status_code == 200
    assert b"not correct" in response.content


def test_nobody_can_sign_up_on_their_own(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "self@example.edu", "password1": "p" * 14, "password2": "p" * 14},
    )
    assert b"by invitation" in response.content
    assert not User.objects.filter(email="self@example.edu").exists()


def test_home_page_offers_the_next_step(client, trainee, django_assert_num_queries):
    client.force_login(trainee)
    # session, user, profile, my groups, next meetings, goals due, open surveys
    with django_assert_num_queries(7):
        response = client.get("/")
    assert response.status_code == 200
    assert b"not in a group yet" in response.content


def test_home_page_asks_for_an_incomplete_profile(client):
    user = User.objects.create_user("new@example.edu", PASSWORD)
    client.force_login(user)
    assert b"Complete your profile" in client.get("/").content


# Profile ---------------------------------------------------------------------------------------


def profile_data(**overrides) -> dict:
    policy = CareerArea.objects.get(slug="policy")
    data = {
        "name": "Renamed",
        "timezone": "America/New_York",
        "stage": "postdoc",
        "program_year": "2",
        "discipline": "",
        "department": "Physics",
        "lab_or_pi": "Lee lab",
        "interest_1": str(policy.pk),
        "interest_2": "",
        "interest_3": "",
        "availability": ["mon-evening", "thu-morning"],
    }
    return {**data, **overrides}


def test_profile_page_shows_the_form_with_a_fixed_number_of_queries(
    client, trainee, django_assert_num_queries
):
    client.force_login(trainee)
    # session, user, profile (+discipline), interests, their areas; the career-area and
    # discipline menus
    with django_assert_num_queries(7):
        response = client.get("/profile/")
    assert response.status_code == 200
    assert b'name="availability" value="tue-evening" id="avail-tue-evening" checked' in (
        response.content
    )


def test_trainee_saves_their_profile(client, trainee):
    client.force_login(trainee)
    response = client.post("/profile/", profile_data())
    assert response.status_code == 302
    trainee.refresh_from_db()
    assert trainee.name == "Renamed" and trainee.timezone == "America/New_York"
    assert trainee.profile.stage == "postdoc"
    assert trainee.profile.availability_slots == ["mon-evening", "thu-morning"]


def test_profile_page_only_ever_edits_the_signed_in_person(client, trainee, outsider):
    client.force_login(trainee)
    before = (outsider.name, outsider.profile.department)
    client.post("/profile/", profile_data(user=outsider.pk, profile=outsider.profile.pk))
    outsider.refresh_from_db()
    outsider.profile.refresh_from_db()
    assert (outsider.name, outsider.profile.department) == before


def test_staff_without_a_profile_can_open_and_save_one(client, staff):
    client.force_login(staff)
    assert client.get("/profile/").status_code == 200
    assert client.post("/profile/", profile_data()).status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"program_year": "99"}, b"from 1 to 15"),
        ({"timezone": "Mars/Olympus"}, b"Select a valid choice"),
        ({"availability": ["mon-midnight"]}, b"Select a valid choice"),
        ({"interest_2": "IGNORED"}, b"Select a valid choice"),
        ({"stage": ""}, b"This field is required"),
    ],
)
def test_bad_profile_input_is_a_form_error_never_a_500(client, trainee, overrides, message):
    client.force_login(trainee)
    response = client.post("/profile/", profile_data(**overrides))
    assert response.status_code == 200
    assert message in response.content


def test_the_same_interest_twice_is_a_form_error(client, trainee):
    client.force_login(trainee)
    policy = CareerArea.objects.get(slug="policy").pk
    response = client.post("/profile/", profile_data(interest_2=str(policy)))
    assert b"only once" in response.content


# Invitations -----------------------------------------------------------------------------------


def sent_invitation_token() -> tuple[Invitation, str]:
    user = User.objects.create_user("invitee@example.edu", name="In Vitee")
    invitation = Invitation.objects.create(user=user)
    services.invitation_send(invitation_id=invitation.pk, now=timezone.now())
    return invitation, re.search(r"/invitation/([^/]+)/", mail.outbox[-1].body).group(1)


def test_invitation_link_sets_a_password_and_signs_in(client):
    invitation, token = sent_invitation_token()
    url = reverse("accounts:invitation_accept", args=[token])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": "Vi Tee",
            "new_password1": "a-good-long-phrase",
            "new_password2": "a-good-long-phrase",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/profile/"
    assert client.get("/").status_code == 200
    assert User.objects.get(pk=invitation.user_id).check_password("a-good-long-phrase")
    assert client.get(url).status_code == 404  # used once


def test_weak_password_is_refused_on_the_invitation_page(client):
    _invitation, token = sent_invitation_token()
    response = client.post(
        reverse("accounts:invitation_accept", args=[token]),
        {"name": "V", "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 200 and b"too short" in response.content


def test_unknown_invitation_link_is_a_friendly_404(client):
    response = client.get(reverse("accounts:invitation_accept", args=["made-up"]))
    assert response.status_code == 404 and b"does not work" in response.content


# Admin and roster import -----------------------------------------------------------------------

ROSTER = (
    b"email,name,stage,discipline,career_interests\nnew@example.edu,New,postdoc,Physics,Policy\n"
)


@pytest.mark.parametrize("url", ["/admin/", "/admin/accounts/user/import/"])
def test_trainees_cannot_reach_the_admin_or_the_import(client, trainee, url):
    client.force_login(trainee)
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.post(url, {"file": SimpleUploadedFile("r.csv", ROSTER)})
    assert not User.objects.filter(email="new@example.edu").exists()


def test_staff_check_then_confirm_a_roster_in_the_admin(client, staff):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    url = reverse("admin:accounts_user_import")
    assert client.get(url).status_code == 200
    response = client.post(url, {"file": SimpleUploadedFile("r.csv", ROSTER)})
    assert b"1 new person will be added" in response.content
    assert not User.objects.filter(email="new@example.edu").exists()
    response = client.post(url, {"confirm": "1", "content": ROSTER.decode()})
    assert response.status_code == 302
    assert User.objects.get(email="new@example.edu").profile.stage == "postdoc"


def test_staff_see_every_problem_and_nothing_is_imported(client, staff):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    bad = ROSTER + b"oops,X,postdoc,Physics,Policy\nnew@example.edu,Y,postdoc,Physics,Policy\n"
    response = client.post(
        reverse("admin:accounts_user_import"), {"file": SimpleUploadedFile("r.csv", bad)}
    )
    content = response.content.decode()
    assert "The file has 2 problems. Nothing was imported." in content
    assert "<td>3</td><td>email</td>" in content and "<td>4</td><td>email</td>" in content
    assert User.objects.filter(email="new@example.edu").count() == 0


def test_staff_without_add_permission_are_refused_the_import(client, staff):
    client.force_login(staff)  # staff, but not given the "add user" permission
    assert client.get(reverse("admin:accounts_user_import")).status_code == 403


# Health ----------------------------------------------------------------------------------------


def test_healthz_reports_ok_without_signing_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_reports_a_broken_database_as_503(client):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_healthz_reports_an_unreachable_broker_as_503(client):
    from peergroups.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "broker": "error"}


# Password reset and throttling -----------------------------------------------------------------


def test_password_reset_by_email_link(client, trainee):
    client.post(reverse("account_reset_password"), {"email": trainee.email.upper()})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [trainee.email]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    response = client.get(link.group(1), follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"password1": "another-long-phrase", "password2": "another-long-phrase"}
    )
    assert response.status_code == 302
    trainee.refresh_from_db()
    assert trainee.check_password("another-long-phrase")
    assert client.get(link.group(1), follow=True).context["token_fail"]


def test_reset_for_an_unknown_address_reveals_nothing(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.edu"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")


def test_repeated_failed_sign_ins_are_throttled(client, trainee):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": trainee.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": trainee.email, "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_profile_links_to_email_settings_calendar_and_data_export(client, trainee):
    client.force_login(trainee)
    page = client.get("/profile/").content.decode()
    for url in (
        reverse("notifications:preferences"),
        reverse("meetings:calendar_settings"),
        reverse("personal_data_export"),
    ):
        assert f'href="{url}"' in page
