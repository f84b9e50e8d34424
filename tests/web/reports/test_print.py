"""The print view's one-page choices: top findings with one reason, a trimmed long note
that says so, next steps, compact charts, and the crisis section before everything."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.web.reports.heavy import NOTE_END, heavy_report, long_note
from therapycheck.web.accounts.models import Person
from therapycheck.web.reports import services, views
from therapycheck.web.reports.models import ReportNote

pytestmark = pytest.mark.django_db


def _print_html(client: Client) -> str:
    response = client.get("/report/print/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_print_view_shows_the_top_findings_with_only_their_first_reason(
    client: Client, person: Person
) -> None:
    heavy_report(person)
    html = _print_html(client)
    data = services.build_report(person)
    assert len(data.findings) == services.TOP_FINDINGS
    findings = html[html.index('id="findings-heading"') :]
    assert f"top 3 of {3 + data.other_findings}" in findings
    for finding in data.findings:
        assert finding["title"].replace("'", "&#x27;") in findings
        for later in finding["why"][1:]:
            if later[:40] != finding["why"][0][:40]:
                assert later[:50].replace("'", "&#x27;") not in findings


def test_the_print_view_lists_the_first_next_steps_of_the_plan(
    client: Client, person: Person
) -> None:
    heavy_report(person)
    html = _print_html(client)
    data = services.build_report(person)
    assert data.actions and data.other_actions
    steps = html[html.index('id="next-heading"') :]
    for action in data.actions:
        assert action["title"] in steps


def test_a_long_note_is_trimmed_on_paper_and_says_it_continues_in_the_app(
    client: Client, person: Person
) -> None:
    heavy_report(person)
    html = _print_html(client)
    note = html[html.index('id="note-heading"') :]
    assert "(continued in the app)" in note
    assert long_note()[:200] in note
    assert NOTE_END.strip() not in note
    assert ReportNote.objects.get(person=person).text == long_note()  # nothing lost


def test_with_a_crisis_the_safety_section_opens_the_printed_page(
    client: Client, person: Person
) -> None:
    heavy_report(person, crisis=True)
    html = _print_html(client)
    main = html[html.index('<main id="main"') :]
    assert main.index("safety-response is-crisis") < main.index("<h1>")
    assert main.index("safety-response is-crisis") < main.index("My scores")
    assert "<script" not in html and "style=" not in html


def test_the_printed_charts_are_the_compact_small_multiples(client: Client, person: Person) -> None:
    heavy_report(person)
    html = _print_html(client)
    width, height = services.PRINT_CHART_SIZE
    assert html.count(f'viewBox="0 0 {width} {height}"') == 4
    assert 'href="/static/reports/print.css"' in html


def test_a_note_that_fits_is_printed_whole(client: Client, person: Person) -> None:
    ReportNote.objects.create(person=person, text="Ask about sleep.\nAnd the homework.")
    html = _print_html(client)
    assert "Ask about sleep.<br>And the homework." in html
    assert "continued in the app" not in html


@pytest.mark.parametrize(
    ("limit", "expected"),
    [(views.NOTE_PRINT_LIMIT, False), (views.NOTE_PRINT_LIMIT_WITH_CRISIS, False)],
)
def test_note_limits_leave_room_for_a_few_lines(limit: int, expected: bool) -> None:
    text, trimmed = services.note_excerpt("a few words", limit)
    assert (text, trimmed) == ("a few words", expected)


def test_a_note_excerpt_ends_at_a_word_and_is_marked() -> None:
    text, trimmed = services.note_excerpt("one two three four five six seven", 16)
    assert trimmed
    assert text == "one two three…"


def test_a_note_excerpt_of_one_long_word_is_cut_at_the_limit() -> None:
    text, trimmed = services.note_excerpt("x" * 50, 10)
    assert trimmed and text == "x" * 10 + "…"


def test_first_sentences_keep_whole_sentences_within_the_limit() -> None:
    why = "First part. Second part is here. Third part runs long and would not fit."
    assert services.first_sentences(why, 35) == "First part. Second part is here."
    assert services.first_sentences(why, 200) == why


def test_a_first_sentence_longer_than_the_limit_is_kept_whole() -> None:
    why = "One very long opening sentence without a stop until here. Then more."
    assert (
        services.first_sentences(why, 20)
        == "One very long opening sentence without a stop until here."
    )


def test_status_words_exist_for_every_status_the_core_can_give() -> None:
    # The report's own STATUS_WORDS table is gone: issue 12 asks for the same words on the
    # progress page, the report and the CLI, so the printed page shows the core's labels
    # (core.change.STATUS_LABELS, "{sessions}" filled in with a number).
    from typing import get_args

    from therapycheck.core.change import STATUS_LABELS, Status

    assert set(STATUS_LABELS) == set(get_args(Status))
    assert all(re.fullmatch(r"[A-Z][a-z ,:{}-]+", w) for w in STATUS_LABELS.values())
    assert not hasattr(services, "STATUS_WORDS")


def test_an_empty_print_view_is_a_calm_placeholder(client: Client, person: Person) -> None:
    html = _print_html(client)
    assert "Nothing to show yet" in html
    assert "(Nothing written yet.)" in html
    assert "safety-response" not in html
