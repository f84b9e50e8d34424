"""The report shows every answer about safety with its date, on the web, in print and in
the PDF, and the PDF draws the same banded charts as the screen."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from tests.web.reports.heavy import heavy_report
from tests.web.reports.test_views import finished_checkup
from therapycheck.web.accounts.models import Person
from therapycheck.web.reports import pdf
from therapycheck.web.reports.services import build_report, risk_answers
from therapycheck.web.tracking.charts import BAND_TINTS

pytestmark = pytest.mark.django_db

CALM_PHQ9 = [1, 1, 1, 1, 0, 1, 1, 0, 0]
ITEM9_PHQ9 = [1, 1, 1, 1, 0, 1, 1, 0, 2]
CORE10_ITEM6 = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]  # question 6 answered 1


def _flat(body: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    return " ".join(text.split())


def test_an_old_risk_answer_stays_on_the_report_with_its_date_after_calm_scores(
    client: Client, person: Person, make_measurement: Any
) -> None:
    make_measurement("phq9", ITEM9_PHQ9, 1, taken_on=dt.date(2026, 3, 2))
    make_measurement("phq9", CALM_PHQ9, 2, taken_on=dt.date(2026, 3, 9))
    html = client.get("/report/").content.decode()
    section = html[html.index('id="risk-heading"') :]
    assert "2 March 2026:" in section
    assert "PHQ-9 question 9" in section and "session 1" in section
    assert "More than half the days" in section
    assert "safety-response" not in html  # calm now: no crisis section, the answer stays


def test_a_core10_question_6_answer_is_a_risk_answer_and_calm_ones_are_not(
    person: Person, make_measurement: Any
) -> None:
    make_measurement("core10", CORE10_ITEM6, 1, taken_on=dt.date(2026, 4, 1))
    make_measurement("phq9", CALM_PHQ9, 1, taken_on=dt.date(2026, 4, 1))
    found = risk_answers(person)
    assert [(r.day, r.text.split(" question")[0]) for r in found] == [
        (dt.date(2026, 4, 1), "CORE-10")
    ]
    assert "question 6" in found[0].text


def test_a_check_up_safety_answer_is_listed_with_its_day_newest_first(
    person: Person, make_measurement: Any
) -> None:
    make_measurement("phq9", ITEM9_PHQ9, 1, taken_on=dt.date(2026, 1, 5))
    finished_checkup(person, {"safe_now": "not_safe"})
    found = risk_answers(person)
    assert [r.text.split(" ")[0] for r in found] == ["Check-up:", "PHQ-9"]
    assert "question 9" in found[1].text and "session 1:" in found[1].text
    assert found[0].day > found[1].day == dt.date(2026, 1, 5)


def test_the_print_view_and_the_pdf_list_the_risk_answer_with_its_date(
    client: Client, person: Person, make_measurement: Any
) -> None:
    make_measurement("phq9", ITEM9_PHQ9, 1, taken_on=dt.date(2026, 3, 2))
    make_measurement("phq9", CALM_PHQ9, 2, taken_on=dt.date(2026, 3, 9))
    printed = client.get("/report/print/").content.decode()
    assert "Answers about safety" in printed and "2 March 2026:" in printed
    text = _flat(pdf.render_pdf(build_report(person, charts=False)))
    assert "Answers about safety" in text
    assert "2 March 2026: PHQ-9 question 9" in text


def test_the_heavy_crisis_pdf_keeps_its_dated_risk_answers_on_one_page(
    person: Person,
) -> None:
    heavy_report(person, crisis=True)
    body = pdf.render_pdf(build_report(person, charts=False))
    assert len(PdfReader(io.BytesIO(body)).pages) == 1
    assert re.search(r"Answers about safety: \d{1,2} [A-Z][a-z]+ \d{4}: Check-up", _flat(body))


def _fill_colours(body: bytes) -> set[str]:
    """Fill colours set in the PDF's drawing, as #rrggbb."""
    found = set()
    for r, g, b in re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) rg", body):
        found.add("#" + "".join(f"{round(float(v) * 255):02x}" for v in (r, g, b)))
    return found


def test_the_pdf_charts_have_the_screens_severity_bands(
    person: Person, make_measurement: Any
) -> None:
    for session, answers in enumerate(([3] * 8 + [0], [2] * 8 + [0], [1] * 8 + [0])):
        make_measurement("phq9", answers, session)
    body = pdf.render_pdf(build_report(person, charts=False), compress=False)
    assert set(BAND_TINTS) <= _fill_colours(body)


def test_the_pdf_without_scores_draws_no_bands(person: Person) -> None:
    body = pdf.render_pdf(build_report(person, charts=False), compress=False)
    assert not set(BAND_TINTS) & _fill_colours(body)
