"""The one-page report: empty state, scores and changes, findings, note, safety first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from therapycheck.web.accounts.models import Person
from therapycheck.web.checkups import services as checkup_services
from therapycheck.web.checkups.models import Checkup
from therapycheck.web.reports.models import ReportNote

pytestmark = pytest.mark.django_db

CALM_PHQ9 = [1, 1, 1, 1, 0, 1, 1, 0, 0]
ITEM9_PHQ9 = [1, 1, 1, 1, 0, 1, 1, 0, 2]


def finished_checkup(
    person: Person,
    answers: dict[str, Any],
    measures: dict[str, list[int]] | None = None,
    **when: Any,
) -> Checkup:
    """A check-up run through the real core pipeline, as the wizard finishes it."""
    now = when.get("at") or timezone.now()
    checkup = Checkup.objects.create(
        person=person,
        answers={"answers": answers, "measures": measures or {}},
        started_at=now,
        updated_at=now,
    )
    checkup_services.finish(checkup)
    Checkup.objects.filter(pk=checkup.pk).update(completed_at=now)
    checkup.refresh_from_db()
    return checkup


def _main(response: Any) -> str:
    html = response.content.decode()
    return html[html.index('<main id="main"') :]


def test_with_no_data_the_report_is_a_friendly_empty_state(client: Client, person: Person) -> None:
    response = client.get("/report/")
    assert response.status_code == 200
    html = _main(response)
    assert "Nothing to show yet" in html
    assert 'href="/checkup/"' in html
    assert "safety-response" not in html


def test_the_report_shows_latest_score_and_change_per_instrument(
    client: Client, person: Person, phq9_series: list[Any]
) -> None:
    # phq9_series (tests/web/conftest.py): 18 at session 0, 12 at 3, 8 at 6.
    html = _main(client.get("/report/"))
    assert "Nothing to show yet" not in html
    assert "<svg" in html
    first, previous, latest = (m.total for m in phq9_series)
    row = html[html.index('<th scope="row">') :]
    assert f"{latest:g}" in row
    assert f"{latest - first:g}" in row
    assert f"{latest - previous:g}" in row


def test_the_status_words_come_from_the_core_series_status(
    client: Client, person: Person, phq9_series: list[Any]
) -> None:
    from therapycheck.core.change import Point, series_status

    points = [Point(m.session_number, m.total, m.taken_on) for m in phq9_series]
    status = series_status("phq9", points)
    html = _main(client.get("/report/"))
    assert status.explanation.split(".")[0].replace("'", "&#x27;") in html
    # Issue 12: the report shows the same words as the progress page (the core's label).
    assert f"<strong>{status.label}.</strong>" in html


def test_a_safety_flag_in_the_latest_score_puts_crisis_resources_first(
    client: Client, person: Person, make_measurement: Callable[..., Any]
) -> None:
    make_measurement("phq9", CALM_PHQ9, 1)
    make_measurement("phq9", ITEM9_PHQ9, 2)
    html = _main(client.get("/report/"))
    assert "safety-response is-crisis" in html
    assert html.index("safety-response is-crisis") < html.index("My scores")


def test_an_older_flag_followed_by_a_calm_score_shows_no_crisis_section(
    client: Client, person: Person, make_measurement: Callable[..., Any]
) -> None:
    make_measurement("phq9", ITEM9_PHQ9, 1)
    make_measurement("phq9", CALM_PHQ9, 2)
    html = _main(client.get("/report/"))
    assert "safety-response is-crisis" not in html


def test_the_report_shows_the_top_findings_of_the_latest_check_up(
    client: Client, person: Person
) -> None:
    old = finished_checkup(
        person, {"sessions": 2, "weeks": 2}, at=timezone.now() - dt.timedelta(days=30)
    )
    latest = finished_checkup(person, {"dual_relationship": "yes", "dual_kind": ["friend"]})
    html = _main(client.get("/report/"))
    assert f'href="/checkup/{latest.pk}/"' in html
    assert f'href="/checkup/{old.pk}/"' not in html
    first_title = latest.result["findings"][0]["label"]
    assert first_title.replace("'", "&#x27;") in html


def test_scores_given_inside_the_check_up_are_on_the_report(client: Client, person: Person) -> None:
    from therapycheck.core.scoring import score

    finished_checkup(person, {"sessions": 5}, {"phq9": CALM_PHQ9})
    html = _main(client.get("/report/"))
    assert "Scores in that check-up" in html
    expected = score("phq9", CALM_PHQ9)
    table = html[html.index("Scores in that check-up") :]
    assert f"<td>{expected.total:g}</td>" in table


def test_a_questionnaire_without_a_total_shows_no_total_on_the_report_print_and_pdf(
    client: Client, person: Person
) -> None:
    from therapycheck.web.reports import pdf
    from therapycheck.web.reports.services import build_report

    skipped: list[int | None] = [*CALM_PHQ9[:4], None, *CALM_PHQ9[5:]]
    finished_checkup(person, {"sessions": 5}, {"phq9": skipped})  # type: ignore[dict-item]
    html = _main(client.get("/report/"))
    table = html[html.index("Scores in that check-up") :]
    assert "<td>no total</td>" in table
    assert "Item 5 skipped. A total needs every question answered" in table
    assert "None" not in table.split("</table>")[0]
    printed = client.get("/report/print/").content.decode()
    assert "no total (items skipped)" in printed
    data = build_report(person, charts=False)
    assert [pdf._score_line(s) for s in data.checkup_scores] == [
        "Patient Health Questionnaire-9: no total (items skipped)"
    ]


def test_a_crisis_in_the_latest_check_up_comes_first_on_the_report(
    client: Client, person: Person
) -> None:
    finished_checkup(person, {"safe_now": "not_safe"})
    html = _main(client.get("/report/"))
    assert html.index("safety-response is-crisis") < html.index("What my latest check-up")


def test_the_note_is_saved_per_person_and_shown_again(
    client: Client, person: Person, other_person: Person
) -> None:
    ReportNote.objects.create(person=other_person, text="not mine")
    response = client.post("/report/", {"text": "Ask about homework.", "version": "0"})
    assert response.status_code == 302
    assert ReportNote.objects.get(person=person).text == "Ask about homework."
    html = _main(client.get("/report/"))
    assert "Ask about homework." in html
    assert "not mine" not in html


def test_a_too_long_note_is_refused_and_kept_as_typed(client: Client, person: Person) -> None:
    text = "word " * 500
    response = client.post("/report/", {"text": text, "version": "0"})
    assert response.status_code == 400
    html = _main(response)
    assert "2000 characters or fewer" in html
    assert text.strip()[:100] in html
    assert not ReportNote.objects.filter(person=person, text__startswith="word").exists()


def test_a_stale_note_form_keeps_what_was_typed_and_saves_nothing(
    client: Client, person: Person
) -> None:
    client.post("/report/", {"text": "first", "version": "0"})
    response = client.post("/report/", {"text": "from an old tab", "version": "0"})
    assert response.status_code == 409
    assert "from an old tab" in _main(response)
    assert ReportNote.objects.get(person=person).text == "first"


def test_a_double_submitted_note_is_saved_once(client: Client, person: Person) -> None:
    client.post("/report/", {"text": "same", "version": "0"})
    again = client.post("/report/", {"text": "same", "version": "0"})
    assert again.status_code == 302
    assert ReportNote.objects.get(person=person).version == 1


def test_a_nonsense_version_is_a_form_error_not_a_crash(client: Client, person: Person) -> None:
    response = client.post("/report/", {"text": "hi", "version": "banana"})
    assert response.status_code == 400


def test_the_print_view_has_safety_first_the_note_and_no_scripts(
    client: Client, person: Person, make_measurement: Callable[..., Any]
) -> None:
    make_measurement("phq9", ITEM9_PHQ9, 1)
    client.post("/report/", {"text": "Talk about sleep.", "version": "0"})
    response = client.get("/report/print/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script" not in html and "style=" not in html
    assert "Talk about sleep." in html
    assert html.index("safety-response is-crisis") < html.index("My scores")


def test_the_report_pages_link_print_and_pdf(client: Client, person: Person) -> None:
    html = _main(client.get("/report/"))
    assert 'href="/report/print/"' in html
    assert 'href="/report/pdf/"' in html


def test_a_crisis_with_a_misconduct_finding_never_sends_the_person_to_that_therapist(
    client: Client, person: Person
) -> None:
    finished_checkup(person, {"harm_worry": "yes", "conduct": ["touched"]})
    safety = client.get("/report/").context["safety"]
    assert safety is not None and safety.crisis and safety.steps
    assert not any("therapist" in step.lower() for step in safety.steps)


def test_a_crisis_about_danger_from_someone_else_keeps_its_kind_in_the_report(
    client: Client, person: Person
) -> None:
    finished_checkup(person, {"danger_from_others": "yes"})
    safety = client.get("/report/").context["safety"]
    assert safety is not None and "from_others" in safety.dangers
