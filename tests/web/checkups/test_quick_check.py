"""The quick check (issue 14): a first answer and one next step in about 15 taps."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from therapycheck.core.checkup.bank import question_bank
from therapycheck.web.accounts.models import Person, SafetyEvent
from therapycheck.web.checkups.models import Checkup

pytestmark = pytest.mark.django_db

CALM = {
    "q-safe_now": "safe",
    "q-harm_worry": "no",
    "q-harm_others": "no",
    "q-danger_from_others": "no",
    "m-phq9-1": "0",
    "m-phq9-2": "1",
    "m-gad7-1": "1",
    "m-gad7-2": "0",
    "q-trust": "2",
    "q-heard": "2",
    "q-goals_agreed": "2",
    "q-sessions": "12",
    "q-feels_working": "2",
}


def _html(response: Any) -> str:
    return str(response.content.decode())


def test_the_home_page_starts_with_the_quick_check(client: Client, person: Person) -> None:
    html = _html(client.get("/"))
    form = html.index('action="/checkup/quick/"')
    assert form < html.index("What this is not")
    assert form < html.index("Take the check-up")
    assert 'name="q-safe_now"' in html


def test_the_quick_check_asks_the_questions_its_data_lists(client: Client, person: Person) -> None:
    html = _html(client.get("/checkup/quick/"))
    for qid in question_bank().quick.questions:
        assert f'name="q-{qid}"' in html
    for name in ("m-phq9-1", "m-phq9-2", "m-gad7-1", "m-gad7-2"):
        assert f'name="{name}"' in html
    assert 'name="m-phq9-3"' not in html


def test_the_quick_check_asks_the_country_only_when_it_is_not_known(
    client: Client, person: Person
) -> None:
    person.country = "INT"
    person.save()
    assert 'name="country"' in _html(client.get("/checkup/quick/"))
    person.country = "GB"
    person.save()
    assert 'name="country"' not in _html(client.get("/checkup/quick/"))


def test_negative_screens_go_straight_to_a_first_answer_with_one_next_step(
    client: Client, person: Person
) -> None:
    person.country = "INT"
    person.save()
    response = client.post("/checkup/quick/", {**CALM, "country": "GB"})
    checkup = Checkup.objects.get()
    assert response["Location"] == f"/checkup/{checkup.pk}/quick/answer/"
    html = _html(client.get(response["Location"]))
    assert "Your next step" in html
    assert "What stands out" in html
    assert "Go on to the full check-up" in html
    person.refresh_from_db()
    assert person.country == "GB"


def test_the_quick_answers_fill_in_the_full_check_up(client: Client, person: Person) -> None:
    client.post("/checkup/quick/", CALM)
    checkup = Checkup.objects.get()
    assert checkup.answers["answers"]["trust"] == 2
    assert checkup.answers["answers"]["sessions"] == 12
    # Only the two screen items were asked: the list stays short (not "skipped").
    assert checkup.answers["measures"]["phq9"] == [0, 1]
    html = _html(client.get(f"/checkup/{checkup.pk}/measure/phq9/"))
    assert 'id="f-phq9-2-1" name="m-phq9-2" value="1" checked' in html
    assert 'name="m-phq9-3" value="skip" checked' not in html


def test_a_positive_screen_asks_the_rest_of_its_questionnaire(
    client: Client, person: Person
) -> None:
    response = client.post("/checkup/quick/", {**CALM, "m-phq9-1": "2", "m-phq9-2": "2"})
    checkup = Checkup.objects.get()
    assert response["Location"] == f"/checkup/{checkup.pk}/quick/more/"
    html = _html(client.get(response["Location"]))
    assert 'name="m-phq9-3"' in html and 'name="m-phq9-9"' in html
    assert 'name="m-gad7-3"' not in html  # the GAD-2 was not positive
    rest = {f"m-phq9-{n}": "2" for n in range(3, 10)}
    rest["m-phq9-9"] = "0"
    client.post(response["Location"], rest)
    checkup.refresh_from_db()
    assert checkup.answers["measures"]["phq9"] == [2, 2, 2, 2, 2, 2, 2, 2, 0]
    html = _html(client.get(f"/checkup/{checkup.pk}/quick/answer/"))
    assert "PHQ-9 score is 16" in html


def test_risk_in_the_quick_check_puts_safety_first(client: Client, person: Person) -> None:
    client.post("/checkup/quick/", {**CALM, "q-harm_worry": "yes"})
    checkup = Checkup.objects.get()
    html = _html(client.get(f"/checkup/{checkup.pk}/quick/answer/"))
    assert html.index("Your safety comes first") < html.index("What stands out")
    assert SafetyEvent.objects.filter(person=person).exists()


def test_a_skipped_phq9_item_nine_in_the_quick_check_is_not_read_as_safe(
    client: Client, person: Person
) -> None:
    client.post("/checkup/quick/", {**CALM, "m-phq9-1": "3", "m-phq9-2": "3"})
    checkup = Checkup.objects.get()
    rest = {f"m-phq9-{n}": "1" for n in range(3, 9)}
    rest["m-phq9-9"] = "skip"
    client.post(f"/checkup/{checkup.pk}/quick/more/", rest)
    checkup.refresh_from_db()
    assert checkup.answers["measures"]["phq9"][8] is None
    html = _html(client.get(f"/checkup/{checkup.pk}/quick/answer/"))
    assert "we cannot tell from it that you are safe" in html
    assert "does not tell us you are safe" not in html  # said once, in its own box
    assert "PHQ-9: item 9 skipped. A total needs every question answered" in html


def test_a_bad_answer_is_named_in_an_error_summary(client: Client, person: Person) -> None:
    response = client.post("/checkup/quick/", {**CALM, "q-sessions": "lots"})
    assert response.status_code == 400
    html = _html(response)
    assert 'href="#f-sessions"' in html
    assert Checkup.objects.count() == 0


def test_every_skipped_question_still_gives_an_answer(client: Client, person: Person) -> None:
    skipped = {f"q-{qid}": "skip" for qid in question_bank().quick.questions}
    skipped.update({"q-sessions": "", "q-sessions-skip": "skip"})
    response = client.post("/checkup/quick/", skipped)
    checkup = Checkup.objects.get()
    assert client.get(response["Location"]).status_code == 200
    assert set(checkup.answers["answers"].values()) == {"skip"}
