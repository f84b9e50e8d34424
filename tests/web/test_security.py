"""Security headers, no inline script, and no request to any other host from any page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from therapycheck.core import safety as core_safety
from therapycheck.web.accounts.models import Person
from therapycheck.web.accounts.safety import mark_safety_event
from therapycheck.web.middleware import CONTENT_SECURITY_POLICY

# Every crisis website in the core's data, in every country.
CRISIS_WEBSITES = {
    r.url
    for code, _name in core_safety.countries()
    for r in core_safety.crisis_resources(code)
    if r.url
}

OWN_PAGES = [
    "/",
    "/help/",
    "/settings/",
    "/learn/",
    "/learn/approaches/",
    "/learn/credentials/",
    "/learn/normal/",
    "/measures/",
    "/measures/phq9/new/",
    "/measures/who5/new/",
    "/measures/check-in/",
    "/progress/",
    "/journal/",
    "/journal/new/",
    "/no-such-page/",
]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.inline_scripts = 0
        self.inline_handlers: list[str] = []
        self.style_attributes = 0
        self._in_svg = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href", "action", "formaction", "poster", "data"):
            if values.get(name):
                self.urls.append((tag, str(values[name])))
        if tag == "script" and not values.get("src"):
            self.inline_scripts += 1
        self.inline_handlers += [name for name in values if name.startswith("on")]
        if "style" in values:
            self.style_attributes += 1


def collect(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


@pytest.fixture
def full_person(person: Person, make_measurement, phq9_series) -> Person:
    """A person with data everywhere and an active crisis banner."""
    make_measurement("who5", [3, 3, 2, 2, 3], 1)
    mark_safety_event(person, "test", ["A test reason."])
    return person


@pytest.mark.django_db
@pytest.mark.parametrize("url", OWN_PAGES)
def test_every_page_sends_the_strict_content_security_policy(
    client: Client, full_person: Person, url: str
) -> None:
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    assert csp == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
@pytest.mark.parametrize("url", OWN_PAGES)
def test_no_page_loads_or_links_anything_from_another_host(
    client: Client, full_person: Person, url: str
) -> None:
    html = client.get(url).content.decode()
    found = collect(html)
    external = [
        (tag, value)
        for tag, value in found.urls
        if re.match(r"^(https?:)?//", value)
        and not re.match(r"^https?://testserver/", value)
        # A crisis website is an ordinary link the person may follow (issue 14); the
        # page itself still loads nothing from it.
        and not (tag == "a" and value in CRISIS_WEBSITES)
    ]
    assert not external, external
    assert found.inline_scripts == 0
    assert not found.inline_handlers
    assert found.style_attributes == 0  # blocked by the CSP anyway


@pytest.mark.django_db
def test_the_stylesheet_is_served_locally_and_loads_nothing_remote(client: Client) -> None:
    response = client.get("/static/therapycheck/site.css")
    body = b"".join(response.streaming_content).decode()
    response.close()
    assert response.status_code == 200
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", body)
    assert "@import" not in body


@pytest.mark.django_db
def test_the_static_view_refuses_paths_outside_the_static_folders(client: Client) -> None:
    response = client.get("/static/../settings.py")
    assert response.status_code in (400, 404)
    assert b"SECRET_KEY" not in response.content
