"""The PDF's charts (issue 14 item 6): the screen's charts with their bands' names beside
them, as tall as the page allows, and the key in words under them."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.web.reports.heavy import heavy_report
from therapycheck.web.accounts.models import Person
from therapycheck.web.reports import pdf
from therapycheck.web.reports.services import build_report

pypdf = pytest.importorskip("pypdf")

pytestmark = pytest.mark.django_db


def _flat(body: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(body))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _tries(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, bool, int]]:
    """Every draft render_pdf makes: (chart height, with the key, pages)."""
    seen: list[tuple[int, bool, int]] = []
    real = pdf._render

    def spy(data: Any, height: int, *, compress: bool, key: bool = True) -> pdf.ReportPDF:
        made = real(data, height, compress=compress, key=key)
        seen.append((height, key, made.page_no()))
        return made

    monkeypatch.setattr(pdf, "_render", spy)
    return seen


def test_a_short_report_gets_the_tallest_charts_with_their_key_and_band_names(
    person: Person, make_measurement: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for session, answers in enumerate(([3] * 8 + [0], [2] * 8 + [0], [1] * 8 + [0])):
        make_measurement("phq9", answers, session)
    tries = _tries(monkeypatch)
    data = build_report(person, charts=False)
    text = _flat(pdf.render_pdf(data))
    assert tries == [(pdf.CHART_HEIGHTS[0], True, 1)]
    assert " ".join(pdf.CHART_KEY.split()) in text
    # Tall enough for every band's name, the lowest band's too (no score is in it, so its
    # name is on the page only beside the chart).
    assert [s.latest_band for s in data.instruments] == ["mild"]
    assert "minimal" in text


def test_a_full_report_with_a_crisis_section_gives_up_chart_height_before_the_key(
    person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    heavy_report(person, crisis=True)
    tries = _tries(monkeypatch)
    body = pdf.render_pdf(build_report(person, charts=False))
    assert len(pypdf.PdfReader(io.BytesIO(body)).pages) == 1
    used = tries[-1]
    assert used[2] == 1
    # Every taller try (with the key) was more than a page.
    assert all(pages > 1 for _, _, pages in tries[:-1])
    heights = [height for height, key, _ in tries if key]
    assert heights == list(pdf.CHART_HEIGHTS[: len(heights)])
