"""The report PDF: a real PDF, read back with pypdf, with the crisis section first."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.web.reports.heavy import heavy_report, long_note
from therapycheck.web.accounts.models import Person
from therapycheck.web.reports import pdf
from therapycheck.web.reports.models import ReportNote
from therapycheck.web.reports.pdf import CONTINUED
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


# --- one page with heavy data (tests/web/reports/heavy.py) -----------------------------


def _pdf(client: Client) -> Any:
    return pypdf.PdfReader(io.BytesIO(client.get("/report/pdf/").content))


@pytest.mark.parametrize("crisis", [False, True], ids=["calm", "crisis"])
def test_the_pdf_is_one_page_with_four_charts_many_findings_and_a_full_note(
    client: Client, person: Person, crisis: bool
) -> None:
    heavy_report(person, crisis=crisis)
    reader = _pdf(client)
    assert len(reader.pages) == 1
    text = _flat(reader.pages[0].extract_text())
    data = build_report(person)
    for summary in data.instruments:
        assert f"{summary.short_name} (" in text
    for finding in data.findings:
        assert finding["title"] in text
    assert "top 3 of" in text
    # The note fills the room that is left; with the crisis section it is cut, and says so.
    note = _flat(long_note())
    assert (note in text) != (CONTINUED.strip() in text)
    assert note[:80] in text
    if crisis:
        assert CONTINUED.strip() in text
        assert data.safety is not None
        emergency = f"In danger right now? Call {data.safety.emergency_number}."
        assert text.index(emergency) < text.index("My therapy report")
        # The whole crisis section, nothing cut: every step and every resource.
        for line in [*data.safety.steps, *(r.contact for r in data.safety.resources)]:
            assert _flat(line) in text
    else:
        assert "In danger right now" not in text


def test_a_us_person_gets_a_one_page_letter_pdf(client: Client, person: Person) -> None:
    Person.objects.filter(pk=person.pk).update(country="US")
    person.refresh_from_db()
    heavy_report(person, crisis=True)
    reader = _pdf(client)
    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (612, 792)  # 8.5 x 11 in, in points


def test_a_short_note_is_printed_whole_without_a_continued_marker(
    client: Client, person: Person
) -> None:
    heavy_report(person)
    ReportNote.objects.filter(person=person).update(text="Ask about sleep.")
    text = _flat(_pdf(client).pages[0].extract_text())
    assert "Ask about sleep." in text
    assert "continued in the app" not in text


def test_the_pdf_findings_show_only_their_first_reason(client: Client, person: Person) -> None:
    heavy_report(person)
    text = _flat(_pdf(client).pages[0].extract_text())
    data = build_report(person)
    checked = 0
    for finding in data.findings:
        assert _flat(finding["first_why"]) in text
        later = [w for w in finding["why"][1:] if w[:40] != finding["why"][0][:40]]
        for why in later:
            assert _flat(why)[:50] not in text
            checked += 1
    assert checked  # the heavy check-up has findings with more than one reason


def test_no_text_in_the_pdf_is_set_below_nine_points(client: Client, person: Person) -> None:
    heavy_report(person, crisis=True)
    body = pdf.render_pdf(build_report(person), compress=False)
    sizes = {float(m) for m in re.findall(rb"/F\d+ ([\d.]+) Tf", body)}
    assert sizes and min(sizes) >= 9
