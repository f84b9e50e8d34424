"""Crisis help a person can act on (issue 14 item 5): tap to call or text, click to open,
the country asked on first use, and the crisis text of the country chosen now."""

from __future__ import annotations

import pytest
from django.test import Client

from therapycheck.core import safety as core_safety
from therapycheck.web.accounts.models import Person
from therapycheck.web.accounts.safety import contact_links, mark_safety_event, number_links

pytestmark = pytest.mark.django_db


def _resource(country: str, name: str) -> core_safety.CrisisResource:
    return next(r for r in core_safety.crisis_resources(country) if r.name == name)


def _hrefs(country: str, name: str) -> list[str]:
    return [link.href for link in contact_links(_resource(country, name))]


def test_a_line_you_call_or_text_gets_a_tel_and_an_sms_link() -> None:
    assert _hrefs("US", "988 Suicide & Crisis Lifeline") == ["tel:988", "sms:988"]


def test_a_number_written_with_spaces_or_dashes_dials_only_its_digits() -> None:
    assert _hrefs("GB", "Samaritans") == ["tel:116123"]
    assert _hrefs("US", "National Domestic Violence Hotline") == ["tel:18007997233"]


def test_a_text_line_with_a_keyword_puts_the_keyword_in_the_message() -> None:
    links = contact_links(_resource("GB", "Shout"))
    assert [(link.href, link.text) for link in links] == [
        ("sms:85258?body=SHOUT", "Text SHOUT to 85258")
    ]


def test_an_emergency_number_with_two_choices_gets_a_link_for_each() -> None:
    assert [link.href for link in number_links("112 or 999")] == ["tel:112", "tel:999"]


def test_words_instead_of_a_number_give_no_phone_link() -> None:
    assert number_links("your local emergency number") == []
    assert _hrefs("INT", "Emergency services") == []


def test_a_website_resource_is_an_ordinary_link_to_its_address() -> None:
    links = contact_links(_resource("INT", "Find A Helpline"))
    assert [(link.href, link.kind) for link in links] == [("https://findahelpline.com/", "web")]


def test_a_stored_resource_as_a_plain_dict_gets_the_same_links() -> None:
    stored = _resource("US", "988 Suicide & Crisis Lifeline").to_dict()
    assert [link.href for link in contact_links(stored)] == ["tel:988", "sms:988"]


def test_the_help_page_links_every_number_and_website_and_never_says_type_it_in(
    client: Client, person: Person
) -> None:
    person.country = "GB"
    person.save()
    html = client.get("/help/").content.decode()
    for href in ("tel:999", "tel:116123", "sms:85258?body=SHOUT", "tel:08082000247"):
        assert f'href="{href}"' in html, href
    assert 'href="https://www.samaritans.org/"' in html
    assert "type it in your browser" not in html


@pytest.mark.parametrize("country", ["INT", "US", "GB"])
def test_the_help_page_never_says_nothing_points_to_an_emergency(
    client: Client, person: Person, country: str
) -> None:
    person.country = country
    person.save()
    html = client.get("/help/").content.decode().lower()
    assert "nothing in your answers points to an emergency" not in html
    assert "points to an emergency" not in html


def test_the_crisis_banner_has_a_tap_to_call_link_for_each_line(
    client: Client, person: Person
) -> None:
    person.country = "US"
    person.save()
    mark_safety_event(person, "test", ["You said you are not safe."], dangers=["self"])
    html = client.get("/journal/").content.decode()
    banner = html[html.index('class="crisis-banner"') : html.index("</section>")]
    assert 'href="tel:911"' in banner
    assert 'href="tel:988"' in banner and 'href="sms:988"' in banner


def test_with_no_country_every_page_asks_for_it_calmly(client: Client, person: Person) -> None:
    person.country = "INT"
    person.save()
    for url in ("/", "/help/", "/journal/", "/learn/"):
        html = client.get(url).content.decode()
        assert "Where do you live?" in html, url
        assert 'name="country"' in html and 'action="/settings/"' in html, url


def test_the_settings_page_does_not_ask_twice(client: Client, person: Person) -> None:
    person.country = "INT"
    person.save()
    html = client.get("/settings/").content.decode()
    assert "Where do you live?" not in html
    assert html.count('name="country"') == 1


def test_choosing_a_country_in_the_prompt_saves_it_and_returns_to_the_page(
    client: Client, person: Person
) -> None:
    person.country = "INT"
    person.save()
    response = client.post("/settings/", {"country": "US", "next": "/journal/"})
    assert response.status_code == 302 and response["Location"] == "/journal/"
    person.refresh_from_db()
    assert person.country == "US"
    html = client.get("/journal/").content.decode()
    assert "Where do you live?" not in html
    # Once known, the emergency number is on every page, ready to tap.
    assert 'href="tel:911"' in html


def test_the_prompt_never_sends_you_to_another_site(client: Client, person: Person) -> None:
    response = client.post("/settings/", {"country": "GB", "next": "https://example.com/"})
    assert response["Location"] == "/settings/"


def test_choosing_other_country_on_purpose_stops_the_prompt(client: Client, person: Person) -> None:
    person.country = "INT"
    person.save()
    client.post("/settings/", {"country": "INT", "next": "/"})
    person.refresh_from_db()
    assert person.country_chosen is True
    assert "Where do you live?" not in client.get("/").content.decode()


def test_with_no_country_the_header_offers_no_emergency_number_to_tap(
    client: Client, person: Person
) -> None:
    person.country = "INT"
    person.save()
    html = client.get("/learn/").content.decode()
    assert 'class="header-emergency"' not in html


def test_the_settings_page_opened_from_the_short_question_returns_there(
    client: Client, person: Person
) -> None:
    html = client.get("/settings/?next=/checkup/").content.decode()
    assert '<input type="hidden" name="next" value="/checkup/">' in html
    response = client.post("/settings/", {"country": "IE", "next": "/checkup/"})
    assert response["Location"] == "/checkup/"


def test_the_settings_page_keeps_no_return_address_to_another_site(
    client: Client, person: Person
) -> None:
    html = client.get("/settings/?next=//example.com/").content.decode()
    assert 'name="next"' not in html


def test_a_text_line_inside_a_sentence_keeps_its_keyword_in_capitals() -> None:
    from therapycheck.web.pages.templatetags.crisis import lowerfirst

    assert lowerfirst("Text SHOUT to 85258") == "text SHOUT to 85258"
    assert lowerfirst("") == ""


def test_the_country_choice_holds_in_another_browser(client: Client, person: Person) -> None:
    # Was kept in the browser session: a second browser (or a cleared one) asked again.
    person.country = "INT"
    person.save()
    client.post("/settings/", {"country": "INT", "next": "/"})
    assert "Where do you live?" not in Client().get("/").content.decode()


def test_delete_all_asks_for_the_country_again(client: Client, person: Person) -> None:
    client.post("/settings/", {"country": "GB", "next": "/"})
    assert client.post("/data/delete/", {"confirm": "on"}).status_code == 302
    person.refresh_from_db()
    assert person.country_chosen is False
