"""The measure request pages meet the house rules: one main heading, a label for every
control, ARIA references that resolve, the app's own style sheet, no inline script or style."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.web.clinic_personas import sign_in
from tests.web.test_accessibility import parse
from therapycheck.web.measurerequests import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def check_page(html: str) -> None:
    page = parse(html)
    assert page.html_lang == "en"
    assert page.h1_count == 1
    unlabelled = [c.get("name") for c in page.controls if c.get("id") not in page.label_for]
    assert not unlabelled
    assert set(page.described_by) <= page.ids
    assert "measurerequests/measurerequests.css" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and "<style" not in html


@override_settings(TASKS=IMMEDIATE)
def test_the_clinicians_pages_are_labelled_and_have_no_inline_code(
    client: Client, clinician: Any, client_a: Any
) -> None:
    r = services.create_request(
        clinician, client_a.person, instruments=["phq9"], base_url="http://testserver/"
    )
    sign_in(client, clinician)
    new = reverse("measurerequests:new", args=[client_a.person.pk])
    for url in (reverse("measurerequests:list"), new, reverse("measurerequests:show", args=[r.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        check_page(response.content.decode())
    check_page(client.post(new, {"schedule": "weekly"}).content.decode())


@override_settings(TASKS=IMMEDIATE)
def test_the_clients_pages_are_labelled_and_have_no_inline_code(
    client: Client, clinician: Any, client_a: Any
) -> None:
    r = services.create_request(
        clinician, client_a.person, instruments=["gad7"], base_url="http://testserver/"
    )
    url = services.answer_path(r)
    check_page(client.get(url).content.decode())
    with_error = client.post(url, {"gad7-item_1": "2"})
    check_page(with_error.content.decode())
    assert 'role="alert"' in with_error.content.decode()
    done = client.post(url, {f"gad7-item_{n}": "1" for n in range(1, 8)})
    check_page(client.get(done["Location"]).content.decode())
    check_page(client.get(url).content.decode())  # the "already answered" page
    check_page(client.get(reverse("measurerequests:answer", args=["nonsense"])).content.decode())


def test_the_nav_links_to_measure_requests_for_clinicians(client: Client, clinician: Any) -> None:
    html = sign_in(client, clinician).get(reverse("measurerequests:list")).content.decode()
    assert f'href="{reverse("measurerequests:list")}" aria-current="page"' in html
