"""Home, help-now, settings and learn pages."""

from __future__ import annotations

from html import escape as html_escape

import pytest
from django.test import Client

from therapycheck.core import safety as core_safety
from therapycheck.web.accounts.models import Person
from therapycheck.web.pages.learn import APPROACH_ANCHORS, LEARN_PAGES

NAV_LABELS = [
    "Home",
    "Check-up",
    "Measures",
    "Progress",
    "Journal",
    "Report",
    "Learn",
    "Settings &amp; data",
]


@pytest.mark.django_db
def test_home_says_what_the_app_is_not(client: Client, person: Person) -> None:
    html = client.get("/").content.decode()
    assert "not a diagnosis" in html
    assert "not a crisis service" in html
    for link in ('href="/checkup/"', 'href="/measures/check-in/"', 'href="/progress/"'):
        assert link in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/help/", "/settings/", "/learn/", "/learn/normal/"])
def test_every_page_has_the_skip_link_nav_help_link_and_footer(
    client: Client, person: Person, url: str
) -> None:
    html = client.get(url).content.decode()
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert 'href="/help/">Need help now?</a>' in html
    for label in NAV_LABELS:
        assert f">{label}</a>" in html, label
    assert "not a diagnosis and not a crisis service" in html


@pytest.mark.django_db
def test_the_current_page_is_marked_in_the_navigation(client: Client, person: Person) -> None:
    html = client.get("/learn/normal/").content.decode()
    assert 'href="/learn/" aria-current="page">Learn</a>' in html


@pytest.mark.django_db
def test_help_page_puts_the_emergency_number_first(client: Client, person: Person) -> None:
    person.country = "US"
    person.save()
    html = client.get("/help/").content.decode()
    main = html[html.index('<main id="main"') :]
    expected = core_safety.safety_response(country="US")
    first_number = main.index(expected.emergency_number)
    for resource in expected.resources:
        name = html_escape(resource.name)
        assert name in main
        if resource.kind != "emergency":
            assert first_number < main.index(name)


@pytest.mark.django_db
def test_help_page_follows_the_persons_country(client: Client, person: Person) -> None:
    person.country = "GB"
    person.save()
    html = client.get("/help/").content.decode()
    for resource in core_safety.crisis_resources("GB"):
        assert resource.contact in html


@pytest.mark.django_db
def test_settings_lists_every_country_with_crisis_resources(client: Client, person: Person) -> None:
    html = client.get("/settings/").content.decode()
    assert '<label for="id_country">' in html
    for code, _name in core_safety.countries():
        assert f'value="{code}"' in html
    assert 'href="/data/"' in html


@pytest.mark.django_db
def test_settings_saves_the_country(client: Client, person: Person) -> None:
    response = client.post("/settings/", {"country": "DE"}, follow=True)
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.country == "DE"
    assert "Saved" in response.content.decode()


@pytest.mark.django_db
def test_settings_refuses_an_unknown_country_without_changing_anything(
    client: Client, person: Person
) -> None:
    before = person.country
    response = client.post("/settings/", {"country": "XX"})
    assert response.status_code == 200
    assert "Please check your answers" in response.content.decode()
    person.refresh_from_db()
    assert person.country == before


@pytest.mark.django_db
@pytest.mark.parametrize("page", LEARN_PAGES, ids=lambda p: p.slug)
def test_every_learn_page_is_listed_and_reachable(client: Client, person: Person, page) -> None:
    assert f'href="{page.url}"' in client.get("/learn/").content.decode()
    html = client.get(page.url).content.decode()
    assert f"<h1>{page.title}</h1>" in html


@pytest.mark.django_db
def test_the_approaches_page_has_a_stable_anchor_for_each_approach(
    client: Client, person: Person
) -> None:
    html = client.get("/learn/approaches/").content.decode()
    for anchor in APPROACH_ANCHORS:
        assert f'id="{anchor}"' in html, anchor
        assert f'href="#{anchor}"' in html, anchor


@pytest.mark.django_db
def test_the_normal_page_names_its_sources(client: Client, person: Person) -> None:
    """Figures from shared/domain/REFERENCES.md §4, each with its source."""
    html = client.get("/learn/normal/").content.decode()
    assert "by 8 sessions" in html and "by 26 sessions" in html
    assert "Howard KI" in html and "1986" in html  # Am Psychol 41(2):159-164
    assert "13 to 18 sessions" in html and "Hansen NB" in html  # Clin Psychol Sci Pract 2002
    assert "5 to 10 in every 100" in html and "Hannan C" in html


@pytest.mark.django_db
def test_an_unknown_learn_page_is_a_friendly_404(client: Client, person: Person) -> None:
    response = client.get("/learn/astrology/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


@pytest.mark.django_db
def test_a_failed_csrf_check_explains_what_happened(person: Person) -> None:
    response = Client(enforce_csrf_checks=True).post("/settings/", {"country": "DE"})
    assert response.status_code == 403
    assert "That form could not be sent" in response.content.decode()


def test_the_error_page_renders_without_the_database_and_points_to_help() -> None:
    from django.test import RequestFactory

    from therapycheck.web.pages.views import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Your saved entries are safe" in html
    assert 'href="/help/"' in html


@pytest.mark.django_db
def test_home_asks_for_a_country_until_one_is_chosen(client: Client, person: Person) -> None:
    person.country = "INT"
    person.save()
    assert "choose your country</a>" in client.get("/").content.decode()
    person.country = "GB"
    person.save()
    assert "choose your country</a>" not in client.get("/").content.decode()
