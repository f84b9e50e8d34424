"""Clinic mode's shared pages: who sees which navigation, and the public help page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.web.clinic_personas import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]


def test_it_sends_anonymous_visitors_to_sign_in(client: Client) -> None:
    response = client.get("/measures/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_help_page_needs_no_sign_in(client: Client) -> None:
    response = client.get("/help/")
    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_a_client_sees_their_own_pages_and_can_sign_out(client: Client, client_a: Any) -> None:
    response = sign_in(client, client_a).get("/measures/")
    assert response.status_code == 200
    assert b"Sign out" in response.content
    assert b"Your records are kept by Riverside Demo Clinic" in response.content


def test_staff_without_two_factor_sign_in_must_set_it_up(client: Client, clinician: Any) -> None:
    clinician.authenticator_set.all().delete()
    response = sign_in(client, clinician).get("/measures/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_staff_have_no_personal_record_pages(client: Client, clinician: Any) -> None:
    from therapycheck.web.accounts.models import Person

    signed_in = sign_in(client, clinician)
    assert signed_in.get("/measures/").status_code == 403
    assert signed_in.get("/").url == "/clinic/"
    assert not Person.objects.filter(user=clinician).exists()
