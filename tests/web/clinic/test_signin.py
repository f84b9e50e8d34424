"""Signing in to clinic mode: password, then a code from the authenticator app; unverified
addresses, too many wrong passwords (django-axes), and who may make an account."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from tests.web.clinic_personas import PASSWORD, make_user, totp_code
from therapycheck.web.clinic.adapter import INVITATION_SESSION_KEY

ADAPTER = "therapycheck.web.clinic.adapter.ClinicAccountAdapter"
AXES_USERNAME = "therapycheck.web.clinic.adapter.axes_username"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode", "clinic_adapter")]


@pytest.fixture
def clinic_adapter() -> Iterator[None]:
    # allauth remembers used codes and rate limits in the cache: every test starts clean.
    cache.clear()
    with override_settings(ACCOUNT_ADAPTER=ADAPTER, AXES_USERNAME_CALLABLE=AXES_USERNAME):
        yield
    cache.clear()


def signed_in_user_id(client: Client) -> Any:
    return client.session.get("_auth_user_id")


def post_password(client: Client, email: str, password: str) -> Any:
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_the_sign_in_page_asks_for_email_and_password_in_plain_words(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Sign in</h1>" in page
    assert 'for="id_login"' in page and 'for="id_password"' in page
    # The site's own layout: the crisis link is on every page, sign-in included.
    assert "Need help now?" in page


def test_a_clinician_signs_in_with_password_then_authenticator_code(
    client: Client, clinician: Any
) -> None:
    response = post_password(client, clinician.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    # The password alone does not sign in.
    assert signed_in_user_id(client) is None
    page = client.get("/accounts/2fa/authenticate/")
    assert b"Enter your code" in page.content

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    assert response.status_code == 302
    assert response["Location"] == "/clinic/"
    assert signed_in_user_id(client) == str(clinician.pk)


def test_a_wrong_authenticator_code_does_not_sign_in(client: Client, clinician: Any) -> None:
    post_password(client, clinician.email, PASSWORD)
    wrong = f"{(int(totp_code()) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/2fa/authenticate/", {"code": wrong})
    assert response.status_code == 200
    assert b"Please check your answers" in response.content
    assert signed_in_user_id(client) is None


def test_an_unverified_email_address_cannot_sign_in(client: Client, db: Any) -> None:
    user = make_user("new.person@example.org", verified=False)
    response = post_password(client, user.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert signed_in_user_id(client) is None
    assert b"Check your email" in client.get("/accounts/confirm-email/").content


def test_five_wrong_passwords_pause_the_account_with_a_calm_page(
    client: Client, clinician: Any
) -> None:
    for _attempt in range(4):
        response = post_password(client, clinician.email, "not the password")
        assert response.status_code == 200
    response = post_password(client, clinician.email, "not the password")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in is paused for this account" in page
    assert "30 minutes" in page
    assert "Nothing has been changed or lost" in page


def test_the_right_password_is_refused_while_the_account_is_paused(
    client: Client, clinician: Any
) -> None:
    for _attempt in range(5):
        post_password(client, clinician.email, "not the password")
    response = post_password(client, clinician.email, PASSWORD)
    assert response.status_code == 429
    assert b"Sign-in is paused for this account" in response.content
    assert signed_in_user_id(client) is None
    # No half-signed-in state to continue from: the code page sends them to sign in.
    assert client.get("/accounts/2fa/authenticate/")["Location"].startswith("/accounts/login/")


def test_a_pause_for_one_account_leaves_others_able_to_sign_in(
    client: Client, clinician: Any, other_clinician: Any
) -> None:
    for _attempt in range(5):
        post_password(client, clinician.email, "not the password")
    response = post_password(client, other_clinician.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"


def test_staff_without_an_authenticator_are_sent_to_set_one_up(
    client: Client, supervisor: Any
) -> None:
    supervisor.authenticator_set.all().delete()
    post_password(client, supervisor.email, PASSWORD)
    # No second step to pass yet: signed in, but every clinic page leads to the set-up.
    assert signed_in_user_id(client) == str(supervisor.pk)
    for path in ("/clinic/", "/measures/", "/clinic/admin/"):
        assert client.get(path)["Location"] == "/accounts/2fa/totp/activate/"


def test_setting_up_the_authenticator_asks_for_the_password_again_then_the_code(
    client: Client, supervisor: Any
) -> None:
    from allauth.mfa.models import Authenticator

    supervisor.authenticator_set.all().delete()
    post_password(client, supervisor.email, PASSWORD)
    # Changing how one signs in needs the password again (allauth's re-authentication).
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert b"Confirm it is you" in client.get(response["Location"]).content
    response = client.post(
        "/accounts/reauthenticate/",
        {"password": PASSWORD, "next": "/accounts/2fa/totp/activate/"},
    )
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    page = client.get("/accounts/2fa/totp/activate/")
    assert b"Set up two-factor sign-in" in page.content
    assert b'alt="QR code' in page.content
    secret = page.context["form"].secret
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=supervisor, type="totp").exists()
    # The clinic's pages no longer send them to the set-up.
    assert client.get("/clinic/").get("Location") != "/accounts/2fa/totp/activate/"


def test_nobody_can_make_an_account_without_an_invitation(client: Client, db: Any) -> None:
    with override_settings(THERAPYCHECK_DEMO=False):
        response = client.get("/accounts/signup/")
        assert b"Accounts come from your clinic" in response.content
        response = client.post(
            "/accounts/signup/",
            {"email": "walk.in@example.org", "password1": PASSWORD, "password2": PASSWORD},
        )
    assert b"Accounts come from your clinic" in response.content
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email="walk.in@example.org").exists()


def test_an_invited_person_can_make_an_account_and_must_confirm_their_email(
    client: Client, db: Any, mailoutbox: list[Any]
) -> None:
    session = client.session
    session[INVITATION_SESSION_KEY] = "an-invitation-token"
    session.save()
    with override_settings(THERAPYCHECK_DEMO=False, DEFAULT_FROM_EMAIL="Clinic <c@example.org>"):
        response = client.post(
            "/accounts/signup/",
            {"email": "invited@example.org", "password1": PASSWORD, "password2": PASSWORD},
        )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert [message.to for message in mailoutbox] == [["invited@example.org"]]
    assert mailoutbox[0].from_email == "Clinic <c@example.org>"
    assert signed_in_user_id(client) is None


def test_anyone_can_make_an_account_in_a_demo_clinic(client: Client, db: Any) -> None:
    with override_settings(THERAPYCHECK_DEMO=True):
        response = client.get("/accounts/signup/")
    assert response.status_code == 200
    assert b'name="password1"' in response.content


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/confirm-email/",
        "/accounts/signup/",
    ],
)
def test_account_pages_for_visitors_use_the_sites_layout(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="skip-link"' in page and "Need help now?" in page
    assert page.count("<h1") == 1


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/2fa/",
        "/accounts/2fa/recovery-codes/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/logout/",
        "/accounts/reauthenticate/",
    ],
)
def test_account_pages_for_staff_use_the_sites_layout(
    client: Client, clinician: Any, path: str
) -> None:
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    RecoveryCodes.activate(clinician)
    post_password(client, clinician.email, PASSWORD)
    client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    response = client.get(path, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="skip-link"' in page and "Need help now?" in page
    assert page.count("<h1") == 1
