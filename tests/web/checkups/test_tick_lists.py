"""The tick lists of the sections about why, as a person sees them on the web."""

from __future__ import annotations

import re

from django.test import Client

from therapycheck.web.accounts.models import Person
from therapycheck.web.checkups import services

STUCK = {
    "sessions": 20,
    "safe_now": "safe",
    "harm_worry": "no",
    "harm_others": "no",
    "danger_from_others": "no",
    "feels_working": 2,
    "compared_to_start": "same",
    "concerns": ["depression"],
}
HINT = "If none of these fit, leave them all unticked."


def _page(client: Client, person: Person, section: str) -> str:
    checkup = services.start_or_resume(person)
    checkup.answers = {"answers": dict(STUCK), "measures": {}}
    checkup.save()
    return client.get(f"/checkup/{checkup.pk}/section/{section}/").content.decode()


def test_a_list_with_its_own_none_of_these_has_no_hint_about_leaving_it_blank(
    client: Client, person: Person
) -> None:
    html = _page(client, person, "health")
    assert "Most days my symptoms make it very hard" in html
    assert "None of these" in html
    assert HINT not in html


def test_a_list_without_none_of_these_says_a_blank_list_is_fine(
    client: Client, person: Person
) -> None:
    # "What do you want from therapy?" has "I'm not sure" but no "None of these".
    html = _page(client, person, "expectations")
    assert "What do you want from therapy right now?" in html
    assert html.count(HINT) == 1


def test_ticking_a_statement_and_none_of_these_together_is_explained(
    client: Client, person: Person
) -> None:
    checkup = services.start_or_resume(person)
    checkup.answers = {"answers": dict(STUCK), "measures": {}}
    checkup.save()
    response = client.post(
        f"/checkup/{checkup.pk}/section/health/",
        {"version": checkup.version, "q-health_signs": ["severe", "none"], "q-medication": "no"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "cannot be chosen together with other answers" in html
    # Nothing the person chose is lost.
    ticked = [tag for tag in re.findall(r"<input[^>]*>", html) if 'name="q-health_signs"' in tag]
    assert [t for t in ticked if " checked" in t and 'value="severe"' in t]
    assert [t for t in ticked if " checked" in t and 'value="none"' in t]
