"""API tokens: made on a page (secret shown once), hashed at rest, scoped by role, revoked,
expired; and the API itself needs no sign-in session, no CSRF token and no CDN."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.web.api.helpers import bearer, token_for
from tests.web.clinic_personas import sign_in
from therapycheck.web.api.models import ApiToken
from therapycheck.web.api.tokens import ROLE_SCOPES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]


def _make(client: Client, **data: Any) -> Any:
    form = {"name": "My spreadsheet", "scopes": ["measures:read"], "lifetime": "90", **data}
    return client.post("/api/tokens/", form)


def test_the_token_page_needs_sign_in(client: Client) -> None:
    response = client.get("/api/tokens/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_client_makes_a_token_and_sees_its_secret_only_once(
    client: Client, client_a: Any
) -> None:
    sign_in(client, client_a)
    response = _make(client)
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=client_a)
    secret = response.context["new"].secret
    assert secret.startswith(f"{token.prefix}_")
    assert secret.encode() in response.content
    # Only the hash is stored; the list page never shows the secret again.
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in json.dumps(list(ApiToken.objects.values()), default=str)
    again = client.get("/api/tokens/")
    assert again.status_code == 200
    assert secret.encode() not in again.content
    assert token.prefix.encode() in again.content
    assert client.get("/api/v1/me", **bearer(secret)).json()["email"] == client_a.email


def test_the_token_form_keeps_answers_and_explains_errors(client: Client, client_a: Any) -> None:
    sign_in(client, client_a)
    response = _make(client, name="Kept name", scopes=[])
    assert response.status_code == 400
    assert b"Choose at least one thing this token may do." in response.content
    assert b'value="Kept name"' in response.content
    assert not ApiToken.objects.exists()


def test_staff_tokens_only_carry_scopes_their_role_allows(
    client: Client, clinician: Any, clinic_admin: Any
) -> None:
    sign_in(client, clinician)
    refused = _make(client, scopes=["measures:write", "caseload:read"])
    assert refused.status_code == 400
    assert not ApiToken.objects.filter(user=clinician).exists()
    assert _make(client, scopes=["caseload:read"]).status_code == 201
    sign_in(client, clinic_admin)
    page = client.get("/api/tokens/")
    offered = [value for value, _label in page.context["form"].fields["scopes"].choices]
    assert offered == list(ROLE_SCOPES["admin"]) == ["fhir:read"]


def test_a_revoked_token_stops_working_with_a_clear_json_error(
    client: Client, client_a: Any
) -> None:
    secret = token_for(client_a)
    token = ApiToken.objects.get(user=client_a)
    sign_in(client, client_a)
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 302
    response = Client().get("/api/v1/me", **bearer(secret))
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "revoked" in response.json()["detail"]
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert b"Revoked" in client.get("/api/tokens/").content


def test_nobody_revokes_someone_elses_token(client: Client, client_a: Any, client_b: Any) -> None:
    secret = token_for(client_a)
    token = ApiToken.objects.get(user=client_a)
    sign_in(client, client_b)
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
    assert Client().get("/api/v1/me", **bearer(secret)).status_code == 200


def test_an_expired_token_is_refused(client: Client, client_a: Any) -> None:
    secret = token_for(client_a)
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/api/v1/me", **bearer(secret))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Basic dXNlcjpwYXNz", "Bearer tc_nottoken", "Bearer sk_12345678_abc"],
)
def test_a_missing_or_malformed_token_gets_401(client: Client, client_a: Any, header: str) -> None:
    token_for(client_a)
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_guessed_secret_with_a_real_prefix_is_refused(client: Client, client_a: Any) -> None:
    secret = token_for(client_a)
    forged = secret[:12] + ("A" if secret[12] != "A" else "B") + secret[13:]
    assert client.get("/api/v1/me", **bearer(forged)).status_code == 401


def test_a_token_without_the_scope_gets_403(client: Client, client_a: Any) -> None:
    secret = token_for(client_a, ["checkups:read"])
    response = client.get("/api/v1/measures", **bearer(secret))
    assert response.status_code == 403
    assert "measures:read" in response.json()["detail"]
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]


def test_a_scope_the_role_no_longer_allows_stops_working(client: Client, client_a: Any) -> None:
    from therapycheck.web.clinic.models import Clinic, Membership

    secret = token_for(client_a, ["measures:write", "measures:read"])
    # Alex becomes staff: staff have no record to write to through the API.
    Membership.objects.create(
        user=client_a, clinic=Clinic.objects.first(), role="clinician", display_name="Alex"
    )
    body = {"instrument": "gad7", "answers": [0] * 7, "session_number": 30}
    response = client.post(
        "/api/v1/measures", body, content_type="application/json", **bearer(secret)
    )
    assert response.status_code == 403


def test_use_is_recorded_as_last_used(client: Client, client_a: Any) -> None:
    secret = token_for(client_a)
    assert ApiToken.objects.get().last_used_at is None
    client.get("/api/v1/me", **bearer(secret))
    assert ApiToken.objects.get().last_used_at is not None


def test_the_api_needs_no_session_and_no_csrf_token(client_a: Any) -> None:
    strict = Client(enforce_csrf_checks=True)
    secret = token_for(client_a)
    body = {"instrument": "gad7", "answers": [1] * 7, "session_number": 12}
    response = strict.post(
        "/api/v1/measures", body, content_type="application/json", **bearer(secret)
    )
    assert response.status_code == 201
    assert strict.get("/fhir/Questionnaire", **bearer(secret)).status_code == 200


def test_the_schema_is_served_and_the_cdn_docs_page_is_not(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    for path in (
        "/api/v1/me",
        "/api/v1/measures",
        "/api/v1/checkups",
        "/api/v1/caseload",
        "/api/v1/clients/{person_id}/measures",
        "/api/v1/clients/{person_id}/checkups",
    ):
        assert path in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 404
    assert b"cdn" not in response.content.lower()


def test_the_token_page_has_labels_and_no_inline_styles_or_scripts(
    client: Client, client_a: Any
) -> None:
    sign_in(client, client_a)
    page = client.get("/api/tokens/").content.decode()
    assert 'for="id_name"' in page
    assert "style=" not in page
    assert "<script" not in page


def test_the_api_docs_name_every_operation_and_scope(client: Client) -> None:
    from pathlib import Path

    from therapycheck.web.api.models import Scope

    page = (Path(__file__).resolve().parents[3] / "docs" / "api.md").read_text(encoding="utf-8")
    schema = client.get("/api/v1/openapi.json").json()
    for path, methods in schema["paths"].items():
        for method in methods:
            assert f"`{method.upper()} {path}`" in page
    for scope in Scope.values:
        assert f"`{scope}`" in page


def test_revoking_needs_a_post(client: Client, client_a: Any) -> None:
    secret = token_for(client_a)
    token = ApiToken.objects.get(user=client_a)
    sign_in(client, client_a)
    assert client.get(f"/api/tokens/{token.pk}/revoke/").status_code == 405
    assert Client().get("/api/v1/me", **bearer(secret)).status_code == 200
