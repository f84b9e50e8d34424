"""A skipped questionnaire item on the results page (issue 14): the questionnaire is listed
with "no total" and why, and a skipped safety item is never read as "safe"."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.web.checkups.walk import walk
from therapycheck.web.accounts.models import Person
from therapycheck.web.checkups import wizard
from therapycheck.web.checkups.models import Checkup

pytestmark = pytest.mark.django_db

GAD7 = [1, 2, 1, 2, 1, 2, 1]


def _wai_sr() -> list[int]:
    items = wizard.measure_items("wai_sr")
    return [item["options"][len(item["options"]) // 2]["value"] for item in items]


def _results(client: Client, phq9: list[Any]) -> tuple[Checkup, str]:
    measures = {"phq9": phq9, "gad7": GAD7, "wai_sr": _wai_sr()}
    checkup, _ = walk(client, {"sessions": 4, "weeks": 8}, measures)
    assert checkup.status == Checkup.Status.COMPLETED
    html = client.get(reverse("checkups:results", args=[checkup.pk])).content.decode()
    return checkup, html


def test_a_skipped_phq9_item_shows_no_total_and_why(client: Client, person: Person) -> None:
    checkup, html = _results(client, [2, 2, 2, "skip", 2, 2, 2, 2, 0])
    assert checkup.answers["measures"]["phq9"][3] is None
    result = checkup.stored_result()
    assert result is not None and "phq9" not in result.measures
    assert result.unscored["phq9"].startswith("PHQ-9: item 4 skipped.")
    scores = html[html.index("Your scores in this check-up") :]
    assert "no total" in scores
    assert "Item 4 skipped. A total needs every question answered" in scores
    assert "About the question you skipped" not in html  # item 9 was answered


def test_a_skipped_phq9_item_nine_gets_its_own_calm_note_on_the_results(
    client: Client, person: Person
) -> None:
    checkup, html = _results(client, [2, 2, 2, 2, 2, 2, 2, 2, "skip"])
    result = checkup.stored_result()
    assert result is not None and result.safety_items_skipped == {"phq9": (9,)}
    assert not result.crisis
    note = html.index("About the question you skipped")
    assert note < html.index("What may be getting in the way")
    assert "a skipped answer does not tell us you are safe" in html
    assert reverse("pages:help") in html[note:]


def test_an_answered_item_nine_above_zero_still_puts_safety_first_without_a_total(
    client: Client, person: Person
) -> None:
    checkup, html = _results(client, [2, 2, "skip", 2, 2, 2, 2, 2, 1])
    result = checkup.stored_result()
    assert result is not None and result.crisis
    assert "phq9" not in result.measures
    assert "About the question you skipped" not in html


def test_the_skipped_safety_note_never_sends_the_person_to_their_therapist(
    client: Client, person: Person
) -> None:
    # The note is shown without knowing whether that therapist is safe to tell: here the
    # same check-up says the therapist has another role in the person's life.
    measures = {"phq9": [2, 2, 2, 2, 2, 2, 2, 2, "skip"], "gad7": GAD7, "wai_sr": _wai_sr()}
    checkup, _ = walk(client, {"sessions": 4, "weeks": 8, "dual_relationship": "yes"}, measures)
    html = client.get(reverse("checkups:results", args=[checkup.pk])).content.decode()
    start = html.index("About the question you skipped")
    note = html[start : html.index("</section>", start)]
    assert "a doctor or another professional you trust" in note
    assert "therapist" not in note
