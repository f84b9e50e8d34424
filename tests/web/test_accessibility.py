"""Server-rendered accessibility basics on every page: labels, references, language, headings."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from therapycheck.web.accounts.models import Person
from therapycheck.web.accounts.safety import mark_safety_event

FORM_PAGES = [
    "/settings/",
    "/measures/phq9/new/",
    "/measures/check-in/",
    "/journal/new/",
]
ALL_PAGES = [*FORM_PAGES, "/", "/help/", "/measures/", "/progress/", "/journal/", "/learn/"]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.label_for: set[str] = set()
        self.controls: list[dict[str, str | None]] = []
        self.described_by: list[str] = []
        self.html_lang: str | None = None
        self.h1_count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "html":
            self.html_lang = values.get("lang")
        if tag == "h1":
            self.h1_count += 1
        if tag == "label" and values.get("for"):
            self.label_for.add(str(values["for"]))
        if tag in ("input", "select", "textarea") and values.get("type") != "hidden":
            self.controls.append(values)
        if values.get("aria-describedby"):
            self.described_by += str(values["aria-describedby"]).split()


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@pytest.fixture
def with_data(person: Person, phq9_series) -> Person:
    mark_safety_event(person, "test", [])
    return person


@pytest.mark.django_db
@pytest.mark.parametrize("url", FORM_PAGES)
def test_every_form_control_has_a_label(client: Client, with_data: Person, url: str) -> None:
    page = parse(client.get(url).content.decode())
    assert page.controls
    unlabelled = [c.get("name") for c in page.controls if c.get("id") not in page.label_for]
    assert not unlabelled


@pytest.mark.django_db
@pytest.mark.parametrize("url", FORM_PAGES)
def test_every_aria_reference_points_at_an_element_on_the_page(
    client: Client, with_data: Person, url: str
) -> None:
    page = parse(client.get(url).content.decode())
    assert set(page.described_by) <= page.ids


@pytest.mark.django_db
@pytest.mark.parametrize("url", ALL_PAGES)
def test_every_page_declares_its_language_and_has_one_main_heading(
    client: Client, with_data: Person, url: str
) -> None:
    page = parse(client.get(url).content.decode())
    assert page.html_lang == "en"
    assert page.h1_count == 1


@pytest.mark.django_db
def test_bad_input_errors_are_announced_and_linked_to_the_field(
    client: Client, person: Person
) -> None:
    html = client.post("/journal/new/", {"session_number": "x"}).content.decode()
    assert 'role="alert"' in html
    assert '<a href="#id_session_number">' in html


@pytest.mark.django_db
def test_a_field_with_an_error_is_marked_invalid_and_described_by_its_message(
    client: Client, person: Person
) -> None:
    html = client.post("/journal/new/", {"session_number": "x"}).content.decode()
    page = parse(html)
    control = next(c for c in page.controls if c.get("id") == "id_session_number")
    assert control.get("aria-invalid") == "true"
    assert "id_session_number_error" in str(control.get("aria-describedby")).split()
    assert "id_session_number_error" in page.ids


@pytest.mark.django_db
def test_an_unanswered_questionnaire_item_is_described_by_its_error(
    client: Client, person: Person
) -> None:
    answers = {f"item_{n}": "1" for n in range(1, 9)}  # item 9 left out
    html = client.post(
        "/measures/phq9/new/", {**answers, "session_number": "1", "taken_on": "2026-11-01"}
    ).content.decode()
    page = parse(html)
    assert page.described_by
    assert set(page.described_by) <= page.ids
    assert any(ref.endswith("_error") for ref in page.described_by)
