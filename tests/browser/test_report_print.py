"""The printed report fits on one page, on A4 and on US Letter, with heavy data.

Chromium prints /report/print/ with print media (as the browser's Print command does);
pypdf counts the pages and reads the text back, so "first" is checked on paper too.
"""

from __future__ import annotations

import io
import unicodedata

import pytest
from pypdf import PdfReader

from therapycheck.web.accounts.current import personal_person
from therapycheck.web.reports.services import TOP_FINDINGS, build_report

from ..web.reports.heavy import heavy_report
from .conftest import Session
from .test_charts_print import save_with_picture

PAPER = ("A4", "Letter")
# Anything printed smaller than this is too small to read comfortably (about 9pt = 12px).
SMALLEST_TEXT_PX = 11.9

SMALLEST_FONT = """() => {
  let smallest = 1000, where = '';
  for (const el of document.querySelectorAll('main *')) {
    const hasText = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!hasText || el.closest('svg') || el.closest('.tc-visually-hidden')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const size = parseFloat(style.fontSize);
    if (size < smallest) {
      smallest = size; where = el.tagName + ' ' + el.textContent.slice(0, 40);
    }
  }
  return [smallest, where];
}"""


def _print(session: Session, paper: str, keep: str = "") -> PdfReader:
    """The page as Chromium prints it; `keep` names a copy (and a PNG) in test-artifacts/."""
    page = session.page
    page.emulate_media(media="print")
    body = page.pdf(format=paper, print_background=True)
    if keep:
        save_with_picture(body, keep)
    return PdfReader(io.BytesIO(body))


def _flat(reader: PdfReader) -> str:
    # NFKC undoes the ligatures Chromium sets ("ﬁ" for "fi").
    text = " ".join(p.extract_text() for p in reader.pages)
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _squeezed(text: str) -> str:
    """Text without any spaces: PDF text extraction does not keep word gaps reliably."""
    return "".join(text.split())


@pytest.mark.parametrize("crisis", [False, True], ids=["calm", "crisis"])
def test_the_print_view_fits_one_page_on_a4_and_letter_with_heavy_data(
    session: Session, crisis: bool
) -> None:
    person = personal_person()
    result = heavy_report(person, crisis=crisis).stored_result()
    assert result is not None and len(result.findings) >= 12
    session.goto("/report/print/")
    session.audit(f"report-print-{'crisis' if crisis else 'calm'}", screenshots=False)
    for paper in PAPER:
        kind = "crisis" if crisis else "calm"
        reader = _print(session, paper, keep=f"report-print-heavy-{kind}-{paper}")
        assert len(reader.pages) == 1, f"{paper}: {len(reader.pages)} pages"
        text = _flat(reader)
        assert "My scores" in text and "What I want to talk about" in text
        assert text.count("continued in the app") == 1
        data = build_report(person)
        assert all(f["title"] in text for f in data.findings[:TOP_FINDINGS])
        if crisis:
            assert data.safety is not None
            flat = _squeezed(text)
            assert flat.index(_squeezed(data.safety.heading)) < flat.index("Mytherapyreport")
            assert flat.index(_squeezed(data.safety.emergency_number)) < flat.index("Myscores")
            # The whole section, nothing cut: every step and every resource.
            for line in [*data.safety.steps, *(r.contact for r in data.safety.resources)]:
                assert _squeezed(line) in flat
        else:
            assert "Emergency number" not in text


def test_nothing_on_the_printed_report_is_smaller_than_about_nine_points(
    session: Session,
) -> None:
    heavy_report(personal_person(), crisis=True)
    session.goto("/report/print/")
    session.page.emulate_media(media="print")
    size, where = session.page.evaluate(SMALLEST_FONT)
    assert size >= SMALLEST_TEXT_PX, f"{size}px: {where}"


def test_a_short_note_prints_whole_without_a_continued_marker(session: Session) -> None:
    from therapycheck.web.reports.models import ReportNote

    person = personal_person()
    heavy_report(person)
    ReportNote.objects.filter(person=person).update(text="Ask about sleep.")
    session.goto("/report/print/")
    reader = _print(session, "Letter")
    assert len(reader.pages) == 1
    text = _flat(reader)
    assert "Ask about sleep." in text
    assert "continued in the app" not in text
