"""A check-up in progress, saved before the sections about why became tick lists, keeps
what the person said (core/checkup/retired.py, Checkup.normalize)."""

from __future__ import annotations

import re

from django.test import Client

from therapycheck.web.accounts.models import Person
from therapycheck.web.checkups import services
from therapycheck.web.checkups.models import Checkup

OLD_ANSWERS = {
    "sessions": 20,
    "feels_working": 2,
    "compared_to_start": "same",
    "holding_back": 5,
    "avoided_topic": 1,
    "crisis_mode": 4,
    "support_outside": 2,
}


def _saved_before(person: Person) -> Checkup:
    checkup = services.start_or_resume(person)
    checkup.answers = {"answers": dict(OLD_ANSWERS), "measures": {}}
    checkup.save()
    return checkup


def test_the_barriers_screen_shows_the_old_answers_as_ticked_statements(
    client: Client, person: Person
) -> None:
    checkup = _saved_before(person)
    html = client.get(f"/checkup/{checkup.pk}/section/barriers/").content.decode()
    for statement in ("holding_back", "crisis_mode", "little_support"):
        assert _checked(html, statement), statement
    assert not _checked(html, "avoided_topic")


def test_the_result_reads_the_old_answers_in_todays_words(person: Person) -> None:
    checkup = Checkup.objects.get(pk=_saved_before(person).pk).normalize()
    answers = checkup.answer_map()
    assert answers["in_therapy"] == ["holding_back", "crisis_mode", "little_support"]
    assert "holding_back" not in answers and "support_outside" not in answers
    report = services.live_report(checkup)
    assert {"avoidance", "readiness", "life_barriers"} <= {f["factor"] for f in report["findings"]}


def _checked(html: str, value: str) -> bool:
    """Whether the checkbox with this value is ticked (attribute order may vary)."""
    for tag in re.findall(r"<input[^>]*>", html):
        if f'value="{value}"' in tag and "in_therapy" in tag:
            return " checked" in tag
    return False
