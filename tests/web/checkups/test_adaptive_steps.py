"""The adaptive wizard (issue 14): PHQ-9 and GAD-7 start with their two screen items,
and any questionnaire item can be skipped on its own."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from therapycheck.web.accounts.models import Person
from therapycheck.web.checkups import wizard
from therapycheck.web.checkups.models import Checkup

pytestmark = pytest.mark.django_db


def _html(response: Any) -> str:
    return str(response.content.decode())


def _start(client: Client) -> Checkup:
    client.post("/checkup/", {"action": "start"})
    return Checkup.objects.get()


def _post(client: Client, checkup: Checkup, ref: str, data: dict[str, str]) -> Any:
    checkup.refresh_from_db()
    form = {"version": str(checkup.version), "nav": "next", **data}
    return client.post(f"/checkup/{checkup.pk}/measure/{ref}/", form)


def test_the_phq9_step_starts_with_its_two_screen_items(client: Client, person: Person) -> None:
    checkup = _start(client)
    html = _html(client.get(f"/checkup/{checkup.pk}/measure/phq9/"))
    assert 'name="m-phq9-1"' in html and 'name="m-phq9-2"' in html
    assert 'name="m-phq9-3"' not in html
    assert "These are the first two questions" in html


def test_a_negative_screen_moves_on_and_scores_the_phq2(client: Client, person: Person) -> None:
    checkup = _start(client)
    response = _post(client, checkup, "phq9", {"m-phq9-1": "1", "m-phq9-2": "1"})
    assert response["Location"] == f"/checkup/{checkup.pk}/measure/gad7/"
    checkup.refresh_from_db()
    assert checkup.answers["measures"]["phq9"] == [1, 1]
    from therapycheck.web.checkups import services

    assert services.document_for(checkup)["measures"] == {"phq2": [1, 1]}


def test_a_positive_screen_asks_the_rest_on_the_same_step(client: Client, person: Person) -> None:
    checkup = _start(client)
    response = _post(client, checkup, "phq9", {"m-phq9-1": "2", "m-phq9-2": "1"})
    assert response["Location"] == f"/checkup/{checkup.pk}/measure/phq9/?more=1"
    html = _html(client.get(response["Location"]))
    assert 'name="m-phq9-9"' in html
    assert "the rest of this questionnaire follows" in html
    rest = {f"m-phq9-{n}": "1" for n in range(1, 10)}
    response = _post(client, checkup, "phq9", rest)
    assert response["Location"] == f"/checkup/{checkup.pk}/measure/gad7/"
    checkup.refresh_from_db()
    assert checkup.answers["measures"]["phq9"] == [1] * 9


def test_every_item_has_its_own_prefer_not_to_say(client: Client, person: Person) -> None:
    checkup = _start(client)
    html = _html(client.get(f"/checkup/{checkup.pk}/measure/phq9/"))
    assert html.count('value="skip"') == 2


def test_a_skipped_item_is_saved_as_skipped_and_shown_again_as_skipped(
    client: Client, person: Person
) -> None:
    checkup = _start(client)
    full = {f"m-phq9-{n}": "2" for n in range(1, 10)}
    full["m-phq9-9"] = "skip"
    _post(client, checkup, "phq9", full)
    checkup.refresh_from_db()
    assert checkup.answers["measures"]["phq9"][8] is None
    html = _html(client.get(f"/checkup/{checkup.pk}/measure/phq9/"))
    assert 'name="m-phq9-9" value="skip" checked' in html


def test_a_blank_item_still_asks_for_an_answer_or_prefer_not_to_say(
    client: Client, person: Person
) -> None:
    checkup = _start(client)
    response = _post(client, checkup, "phq9", {"m-phq9-1": "1"})
    assert response.status_code == 400


def test_the_screen_size_comes_from_the_quick_check_data() -> None:
    assert [i["number"] for i in wizard.shown_items({}, "gad7")] == [1, 2]
    assert len(wizard.shown_items({}, "wai_sr")) == 12


def test_only_complete_questionnaires_are_offered_for_progress(
    client: Client, person: Person
) -> None:
    from therapycheck.web.checkups import services

    checkup = _start(client)
    checkup.answers = {
        "answers": {},
        "measures": {"phq9": [1, 1, 1, 1, 1, 1, 1, 1, None], "gad7": [0, 1]},
    }
    checkup.save()
    assert services.scores_to_add(checkup) == []
    checkup.answers["measures"]["phq9"][8] = 0
    checkup.save()
    assert services.scores_to_add(checkup) == [("phq9", [1, 1, 1, 1, 1, 1, 1, 1, 0])]
