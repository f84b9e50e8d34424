"""The report PDF: a real PDF, read back with pypdf, with the crisis section first."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from therapycheck.web.accounts.models import Person
from therapycheck.web.reports import pdf
from therapycheck.web.reports.services import build_report

pypdf = pytest.importorskip("pypdf")

pytestmark = pytest.mark.django_db

ITEM9_PHQ9 = [1, 1, 1, 1, 0, 1, 1, 0, 2]


def _text(body: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_pdf_download_is_a_pdf_attachment(client: Client, person: Person) -> None:
    response = client.get("/report/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="therapycheck-report-')
    assert response.content.startswith(b"%PDF-")
    assert response.content.rstrip().endswith(b"%%EOF")


def test_an_empty_report_pdf_says_there_is_nothing_yet(client: Client, person: Person) -> None:
    text = _flat(_text(client.get("/report/pdf/").content))
    assert "My therapy report" in text
    assert "No questionnaires logged yet" in text
    assert "No check-up finished yet" in text


def test_the_pdf_has_scores_the_note_and_no_crisis_section_when_calm(
    client: Client, person: Person, phq9_series: list[Any]
) -> None:
    client.post("/report/", {"text": "Ask about the homework.", "version": "0"})
    text = _flat(_text(client.get("/report/pdf/").content))
    latest = phq9_series[-1]
    assert f"Latest: {latest.total:g}" in text
    assert "Ask about the homework." in text
    assert "In danger right now" not in text


def test_the_pdf_puts_the_crisis_section_before_everything_else(
    client: Client, person: Person, make_measurement: Callable[..., Any]
) -> None:
    make_measurement("phq9", ITEM9_PHQ9, 1)
    text = _flat(_text(client.get("/report/pdf/").content))
    data = build_report(person)
    assert data.safety is not None
    emergency = f"In danger right now? Call {data.safety.emergency_number}."
    assert emergency in text
    assert text.index(emergency) < text.index("My scores")
    assert data.safety.resources[0].contact in text


def test_without_dejavu_the_pdf_falls_back_to_a_built_in_font_with_plain_text(
    person: Person, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setattr(pdf, "FONT_REGULAR", tmp_path / "missing.ttf")
    body = pdf.render_pdf(build_report(person), compress=False)
    assert body.startswith(b"%PDF-")
    assert b"/BaseFont /Helvetica" in body
    assert b"(My therapy report)" in body
    assert b"DejaVu" not in body


def test_text_is_folded_to_latin1_when_no_unicode_font_is_available() -> None:
    doc = pdf.ReportPDF()
    doc.unicode_font = False
    assert doc.clean("“Quoted” – ok… ≥ 5") == '"Quoted" - ok... >= 5'
