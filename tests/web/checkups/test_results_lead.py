"""Results that lead (issue 14 items 4, 5 and 7): one next step first, findings, the plan,
the rest folded; crisis text for the country chosen now; scores explained in words."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.web.reports.test_views import finished_checkup
from therapycheck.web.accounts.models import Person
from therapycheck.web.accounts.safety import mark_safety_event
from therapycheck.web.checkups import labels

pytestmark = pytest.mark.django_db

STUCK: dict[str, Any] = {"safe_now": "safe", "trust": 1, "heard": 1, "sessions": 6}
NOT_SAFE: dict[str, Any] = {"safe_now": "not_safe", "sessions": 6}


def _main(html: str) -> str:
    return html[html.index('<main id="main"') :]


def test_the_next_step_box_comes_before_the_findings_and_shows_the_plans_first_step(
    client: Client, person: Person
) -> None:
    checkup = finished_checkup(person, STUCK)
    result = checkup.stored_result()
    assert result is not None and result.actions
    first = result.actions[0]
    html = _main(client.get(f"/checkup/{checkup.pk}/").content.decode())
    box = html.index('id="next-step-heading"')
    assert box < html.index('id="findings-heading"') < html.index('id="plan-heading"')
    box_html = html[box : html.index("</section>", box)]
    assert labels.action_title(first) in box_html
    assert first.steps[0].split(".")[0] in box_html.replace("&#x27;", "'")


def test_scores_guide_and_checklists_are_folded_after_the_plan(
    client: Client, person: Person
) -> None:
    checkup = finished_checkup(person, STUCK, measures={"wai_sr": [3] * 12})
    html = _main(client.get(f"/checkup/{checkup.pk}/").content.decode())
    plan = html.index('id="plan-heading"')
    scores = html.index("Your scores in this check-up")
    assert plan < scores
    fold = html.index("<details", plan)
    assert fold < scores
    # Folded on screen: the tag opens closed.
    assert html[fold : html.index(">", fold)] == '<details class="tc-fold"'


def test_the_print_page_opens_every_folded_part(client: Client, person: Person) -> None:
    checkup = finished_checkup(person, STUCK, measures={"wai_sr": [3] * 12})
    html = client.get(f"/checkup/{checkup.pk}/print/").content.decode()
    assert html.count("<details") == html.count('<details class="tc-fold" open>') > 0


def test_wai_sr_shows_what_its_score_means_not_a_bare_number(
    client: Client, person: Person
) -> None:
    checkup = finished_checkup(person, STUCK, measures={"wai_sr": [3] * 12})
    html = _main(client.get(f"/checkup/{checkup.pk}/").content.decode())
    row = html[html.index("Working Alliance Inventory") :]
    row = row[: row.index("</div>")]
    assert "36 on a scale from 12 to 60" in row
    assert "work together" in row and "Higher is better." in row


def test_a_check_up_finished_before_a_country_was_chosen_shows_the_countrys_help_now(
    client: Client, person: Person
) -> None:
    person.country = "INT"
    person.save()
    checkup = finished_checkup(person, NOT_SAFE)
    result = checkup.stored_result()
    assert result is not None and result.safety.country == "INT"
    person.country = "GB"
    person.save()
    for url in (f"/checkup/{checkup.pk}/", f"/checkup/{checkup.pk}/print/"):
        html = _main(client.get(url).content.decode())
        safety = html[html.index('class="safety-response') :]
        safety = safety[: safety.index("</section>")]
        assert "Where to get help in United Kingdom" in safety, url
        assert 'href="tel:999"' in safety and 'href="tel:116123"' in safety, url
        assert "your local emergency number" not in safety, url
        # The reasons stay those of the check-up.
        assert result.safety.reasons[0].split(".")[0].replace("'", "&#x27;") in html, url


def test_the_stored_danger_still_decides_the_response_in_the_new_country(
    client: Client, person: Person
) -> None:
    person.country = "INT"
    person.save()
    checkup = finished_checkup(person, NOT_SAFE)
    stored = dict(checkup.result)
    stored["safety"] = {**stored["safety"], "dangers": ["from_others"]}
    checkup.result = stored
    checkup.save(update_fields=["result"])
    person.country = "GB"
    person.save()
    html = _main(client.get(f"/checkup/{checkup.pk}/").content.decode())
    assert "National Domestic Abuse Helpline" in html


def test_a_calm_check_up_shows_a_tap_to_call_line_under_if_things_get_worse(
    client: Client, person: Person
) -> None:
    person.country = "US"
    person.save()
    checkup = finished_checkup(person, STUCK)
    html = _main(client.get(f"/checkup/{checkup.pk}/").content.decode())
    later = html[html.index('id="help-heading"') :]
    assert 'href="tel:911"' in later and 'href="tel:988"' in later


def test_collaborative_care_is_explained_where_a_step_uses_it() -> None:
    explained = labels.explain_terms(["Ask about collaborative care."])
    assert len(explained) == 1 and "your doctor" in explained[0]
    assert labels.explain_terms(["Talk to your therapist."]) == []


def test_dates_on_the_results_page_read_as_the_long_date(client: Client, person: Person) -> None:
    when = timezone.make_aware(dt.datetime(2026, 12, 5, 10, 0))
    checkup = finished_checkup(person, STUCK, at=when)
    html = client.get(f"/checkup/{checkup.pk}/").content.decode()
    assert "From 5 December 2026." in html


def test_a_crisis_result_opens_with_its_own_safety_response_not_a_second_banner(
    client: Client, person: Person
) -> None:
    person.country = "US"
    person.save()
    checkup = finished_checkup(person, NOT_SAFE)
    mark_safety_event(person, "checkup", ["You said you are not safe."])
    html = client.get(f"/checkup/{checkup.pk}/").content.decode()
    assert 'class="crisis-banner"' not in html
    main = _main(html)
    assert main.index("safety-response is-crisis") < main.index('id="next-step-heading"')
    # Other pages still show the banner until the person hides it.
    assert 'class="crisis-banner"' in client.get("/journal/").content.decode()


def test_with_no_country_a_crisis_result_asks_for_it_after_the_safety_response(
    client: Client, person: Person
) -> None:
    person.country = "INT"
    person.save()
    checkup = finished_checkup(person, NOT_SAFE)
    main = _main(client.get(f"/checkup/{checkup.pk}/").content.decode())
    assert main.index("safety-response is-crisis") < main.index('class="country-prompt"')
    assert main.count('class="country-prompt"') == 1


def test_in_the_check_up_the_country_is_asked_in_one_line_not_a_form(
    client: Client, person: Person
) -> None:
    from tests.web.checkups.walk import walk

    person.country = "INT"
    person.save()
    _checkup, url = walk(client, NOT_SAFE, stop_at="section:relationship")
    main = _main(client.get(url).content.decode())
    assert 'class="country-prompt-short"' in main
    assert 'class="country-prompt"' not in main
    assert main.index("country-prompt-short") < main.index("<h1>")
