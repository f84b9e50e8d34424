"""The crisis banner: on every page after a safety answer until acknowledged; back on a new flag."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from therapycheck.core import safety as core_safety
from therapycheck.web.accounts.models import Person, SafetyEvent
from therapycheck.web.accounts.safety import mark_safety_event

PAGES = [
    "/",
    "/help/",
    "/settings/",
    "/measures/",
    "/measures/phq9/new/",
    "/measures/check-in/",
    "/progress/",
    "/journal/",
    "/journal/new/",
    "/learn/",
    "/learn/approaches/",
    "/learn/credentials/",
    "/learn/normal/",
]
HEADING = "Your safety comes first"


def phq9_post(item9: int, session: int, token: str) -> dict[str, str]:
    data = {f"item_{n}": "1" for n in range(1, 9)}
    data["item_9"] = str(item9)
    data.update(session_number=str(session), taken_on=dt.date.today().isoformat(), form_token=token)
    return data


def banner_shown(client: Client, url: str) -> bool:
    html = client.get(url).content.decode()
    return 'class="crisis-banner"' in html or HEADING in html


@pytest.mark.django_db
def test_a_safety_answer_shows_the_crisis_response_on_the_result_page(
    client: Client, person: Person
) -> None:
    response = client.post("/measures/phq9/new/", phq9_post(2, 1, "t1"), follow=True)
    html = response.content.decode()
    main = html[html.index('<main id="main"') :]
    assert main.index(HEADING) < main.index("<h1")  # the safety response comes first
    assert "question 9" in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_after_a_safety_answer_every_page_shows_the_banner_first(
    client: Client, person: Person, url: str
) -> None:
    client.post("/measures/phq9/new/", phq9_post(1, 1, "t1"))
    html = client.get(url).content.decode()
    assert HEADING in html
    if url == "/help/":
        # The help page shows the full crisis response as its content, not the banner.
        main = html[html.index('<main id="main"') :]
        assert main.index("right now, call") < main.index(HEADING) < main.index("Where to get help")
        return
    # First: before the site header and the page's own content.
    assert html.index(HEADING) < html.index('<header class="site-header"')


@pytest.mark.django_db
def test_no_banner_without_a_safety_answer(client: Client, person: Person) -> None:
    client.post("/measures/phq9/new/", phq9_post(0, 1, "t1"))
    assert not any(banner_shown(client, url) for url in ["/", "/progress/", "/journal/"])
    assert SafetyEvent.objects.count() == 0


@pytest.mark.django_db
def test_the_banner_goes_after_acknowledgement_and_returns_on_a_new_flag(
    client: Client, person: Person
) -> None:
    client.post("/measures/phq9/new/", phq9_post(1, 1, "t1"))
    assert banner_shown(client, "/journal/")
    response = client.post("/safety/acknowledge/", {"next": "/journal/"})
    assert response.status_code == 302 and response["Location"] == "/journal/"
    assert not banner_shown(client, "/journal/")
    assert not banner_shown(client, "/")
    client.post("/measures/phq9/new/", phq9_post(1, 2, "t2"))
    assert banner_shown(client, "/journal/")


@pytest.mark.django_db
def test_another_app_can_raise_the_banner_with_mark_safety_event(
    client: Client, person: Person
) -> None:
    assert not banner_shown(client, "/")
    mark_safety_event(person, "checkup", ["You told us you do not feel safe right now."])
    html = client.get("/").content.decode()
    assert HEADING in html
    assert "You told us you do not feel safe right now." in html


@pytest.mark.django_db
def test_a_safety_event_records_a_plain_reason(person: Person) -> None:
    event = mark_safety_event(person, "self_report", ["I am not safe"])
    assert event.source == "self_report" and event.reasons == ["I am not safe"]


@pytest.mark.django_db
def test_the_banner_lists_the_crisis_lines_of_the_persons_country(
    client: Client, person: Person
) -> None:
    person.country = "GB"
    person.save()
    mark_safety_event(person, "test", [])
    html = client.get("/").content.decode()
    banner = html[html.index('class="crisis-banner"') : html.index('<header class="site-header"')]
    expected = core_safety.safety_response(flags=["safety"], country="GB")
    assert f"Call {expected.emergency_number}" in banner
    for resource in expected.resources:
        assert resource.contact in banner


@pytest.mark.django_db
def test_acknowledging_needs_a_post(client: Client, person: Person) -> None:
    assert client.get("/safety/acknowledge/").status_code == 405


@pytest.mark.django_db
def test_acknowledging_is_protected_against_cross_site_requests(person: Person) -> None:
    mark_safety_event(person, "test", [])
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/safety/acknowledge/").status_code == 403
    assert banner_shown(strict, "/")


@pytest.mark.django_db
def test_acknowledging_never_redirects_to_another_site(client: Client, person: Person) -> None:
    response = client.post("/safety/acknowledge/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_the_banner_form_sends_the_acknowledgement_with_a_csrf_token(
    client: Client, person: Person
) -> None:
    mark_safety_event(person, "test", [])
    html = client.get("/progress/").content.decode()
    form = re.search(r'<form method="post" action="/safety/acknowledge/".*?</form>', html, re.S)
    assert form is not None
    assert "csrfmiddlewaretoken" in form.group(0)
    assert 'value="/progress/"' in form.group(0)


@pytest.mark.django_db
def test_the_banner_answers_danger_from_someone_else_not_thoughts_of_self_harm(
    client: Client, person: Person
) -> None:
    # A check-up where the person said they are afraid someone in their life might hurt
    # them: the banner on every page speaks to that danger, with the abuse helpline.
    from tests.web.reports.test_views import finished_checkup

    person.country = "GB"
    person.save()
    answers = {"safe_now": "safe", "harm_worry": "no", "danger_from_others": "yes"}
    finished_checkup(person, answers)
    event = SafetyEvent.objects.get(person=person)
    assert event.dangers == ["from_others"]
    html = client.get("/").content.decode()
    # The banner only: the page below it may ask its own questions about safety.
    banner = html[html.index('class="crisis-banner"') : html.index("</section>")]
    assert HEADING in banner
    assert "afraid that someone might hurt you" in banner
    assert "National Domestic Abuse Helpline" in banner
    assert "ending your life" not in banner


@pytest.mark.django_db
def test_a_questionnaire_safety_answer_raises_the_self_harm_response(
    person: Person,
) -> None:
    event = mark_safety_event(person, "measurement:phq9", ["item 9"], dangers=["self"])
    assert event.dangers == ["self"]
