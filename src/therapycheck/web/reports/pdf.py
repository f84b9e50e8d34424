"""The one-page report as a PDF (fpdf2), with the crisis section first when flagged.

Uses DejaVu Sans when the system has it (full Unicode); otherwise fpdf2's built-in
Helvetica, with text folded to Latin-1 so nothing breaks on a missing glyph. Charts are
drawn with plain lines so the PDF needs nothing beyond fpdf2.
"""

from __future__ import annotations

import itertools
import unicodedata
from pathlib import Path

from fpdf import FPDF

from therapycheck.core.safety import SafetyResponse
from therapycheck.web.reports.services import InstrumentSummary, ReportData

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_REGULAR = DEJAVU_DIR / "DejaVuSans.ttf"
FONT_BOLD = DEJAVU_DIR / "DejaVuSans-Bold.ttf"

# Colours (RGB). Dark text on white, red only for the crisis frame.
INK = (31, 41, 51)
MUTED = (82, 96, 109)
RED = (164, 22, 26)
LINE = (31, 78, 121)
GRID = (200, 205, 210)

_ASCII = {
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "\u2026": "...", "\u2022": "*", "\u00a0": " ", "\u2212": "-", "\u2265": ">=", "\u2264": "<=",
}  # fmt: skip


class ReportPDF(FPDF):
    """An A4 page set-up with a small footer that says what this is and is not."""

    unicode_font = False

    def footer(self) -> None:
        self.set_y(-12)
        self._font("", 8)
        self.set_text_color(*MUTED)
        self.cell(
            0,
            5,
            self.clean(
                "therapycheck report - not a diagnosis and not a crisis service. "
                f"Page {self.page_no()}."
            ),
            align="C",
        )

    def _font(self, style: str, size: float) -> None:
        self.set_font("DejaVu" if self.unicode_font else "Helvetica", style, size)

    def clean(self, text: object) -> str:
        value = str(text)
        if self.unicode_font:
            return value
        for src, dst in _ASCII.items():
            value = value.replace(src, dst)
        value = unicodedata.normalize("NFKD", value)
        return value.encode("latin-1", "ignore").decode("latin-1")


def _new_pdf(*, compress: bool) -> ReportPDF:
    pdf = ReportPDF(format="A4", unit="mm")
    pdf.set_compression(compress)
    if FONT_REGULAR.exists() and FONT_BOLD.exists():
        pdf.add_font("DejaVu", "", str(FONT_REGULAR))
        pdf.add_font("DejaVu", "B", str(FONT_BOLD))
        pdf.unicode_font = True
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title("My therapy report")
    pdf.set_author("therapycheck")
    pdf.set_lang("en")
    pdf.add_page()
    return pdf


def render_pdf(data: ReportData, *, compress: bool = True) -> bytes:
    """The report as PDF bytes. `compress=False` keeps content streams readable (tests)."""
    pdf = _new_pdf(compress=compress)
    _heading(pdf, "My therapy report", size=18)
    _text(pdf, f"Made on {data.made_on:%d %B %Y}.", muted=True)
    if data.safety is not None:
        _safety(pdf, data.safety)
    _scores(pdf, data)
    _findings(pdf, data)
    _note(pdf, data)
    return bytes(pdf.output())


# --- building blocks -------------------------------------------------------------------


def _heading(
    pdf: ReportPDF, text: str, *, size: float = 13, color: tuple[int, int, int] = INK
) -> None:
    pdf.ln(2)
    pdf._font("B", size)
    pdf.set_text_color(*color)
    pdf.multi_cell(0, size * 0.5, pdf.clean(text), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(1)


def _text(
    pdf: ReportPDF, text: str, *, muted: bool = False, bold: bool = False, size: float = 10.5
) -> None:
    pdf._font("B" if bold else "", size)
    pdf.set_text_color(*(MUTED if muted else INK))
    pdf.multi_cell(0, 5.2, pdf.clean(text), new_x="LMARGIN", new_y="NEXT", align="L")


def _bullets(pdf: ReportPDF, items: list[str]) -> None:
    for item in items:
        pdf._font("", 10.5)
        pdf.set_text_color(*INK)
        pdf.set_x(pdf.l_margin + 4)
        bullet = "\u2022 " if pdf.unicode_font else "- "
        pdf.multi_cell(0, 5.2, pdf.clean(bullet + item), new_x="LMARGIN", new_y="NEXT", align="L")


def _safety(pdf: ReportPDF, safety: SafetyResponse) -> None:
    """The crisis section, framed in red, before anything else in the report."""
    top = pdf.get_y() + 1
    pdf.ln(3)
    _heading(pdf, safety.heading, size=14, color=RED)
    _text(pdf, f"In danger right now? Call {safety.emergency_number}.", bold=True)
    _text(pdf, safety.message)
    if safety.reasons:
        _text(pdf, "Why this is shown:", bold=True)
        _bullets(pdf, list(safety.reasons))
    _text(pdf, f"Where to get help in {safety.country_name}:", bold=True)
    _bullets(pdf, [r.line() for r in safety.resources])
    pdf.ln(2)
    bottom = pdf.get_y()
    if pdf.page_no() == 1 and bottom > top:
        pdf.set_draw_color(*RED)
        pdf.set_line_width(0.8)
        pdf.rect(pdf.l_margin - 3, top, pdf.epw + 6, bottom - top)
    pdf.ln(2)


def _scores(pdf: ReportPDF, data: ReportData) -> None:
    _heading(pdf, "My scores")
    if not data.instruments:
        _text(
            pdf,
            "No questionnaires logged yet. Log your measures after a session to see change here.",
        )
        return
    for summary in data.instruments:
        _instrument(pdf, summary)


def _signed(value: float) -> str:
    return f"{value:+g}"


def _instrument(pdf: ReportPDF, s: InstrumentSummary) -> None:
    if pdf.get_y() > pdf.h - 80:
        pdf.add_page()
    _text(pdf, s.name, bold=True, size=11.5)
    latest = f"Latest: {s.latest_score:g}"
    if s.latest_band:
        latest += f" ({s.latest_band})"
    latest += f", session {s.latest_session}, {s.latest_date:%d %b %Y}."
    _text(pdf, latest)
    if s.change_from_first is not None:
        prev = s.change_from_previous if s.change_from_previous is not None else 0.0
        way = "higher is better" if s.higher_is_better else "lower is better"
        _text(
            pdf,
            f"Change since first score: {_signed(s.change_from_first)}; since the one before: "
            f"{_signed(prev)} ({way}).",
        )
    if s.explanation:
        _text(pdf, s.explanation, muted=True)
    if len(s.points) > 1:
        _chart(pdf, s)
    pdf.ln(2)


def _chart(pdf: ReportPDF, s: InstrumentSummary) -> None:
    """A small line chart: score by session, with the scale's ends labelled."""
    from therapycheck.core.instruments import get_instrument

    inst = get_instrument(s.instrument)
    lo, hi = float(inst.min), float(inst.max)
    x0, width, height = pdf.l_margin + 10, min(pdf.epw - 14, 120.0), 24.0
    y0 = pdf.get_y() + 2
    sessions = [p.session for p in s.points]
    first, last = min(sessions), max(sessions)
    span = max(last - first, 1)

    def px(session: int) -> float:
        return x0 + (session - first) / span * width

    def py(score: float) -> float:
        return y0 + height - (score - lo) / max(hi - lo, 1.0) * height

    pdf.set_draw_color(*GRID)
    pdf.set_line_width(0.2)
    pdf.rect(x0, y0, width, height)
    pdf._font("", 7)
    pdf.set_text_color(*MUTED)
    for value in (lo, hi):
        pdf.text(x0 - 9, py(value) + 1, f"{value:g}")
    for session in sorted({first, last}):
        pdf.text(px(session) - 2, y0 + height + 4, f"S{session}")
    pdf.set_draw_color(*LINE)
    pdf.set_line_width(0.6)
    coords = [(px(p.session), py(p.score)) for p in s.points]
    for (ax, ay), (bx, by) in itertools.pairwise(coords):
        pdf.line(ax, ay, bx, by)
    pdf.set_fill_color(*LINE)
    for cx, cy in coords:
        pdf.ellipse(cx - 0.9, cy - 0.9, 1.8, 1.8, style="F")
    pdf.set_y(y0 + height + 6)


def _findings(pdf: ReportPDF, data: ReportData) -> None:
    _heading(pdf, "What my latest check-up pointed to")
    if data.checkup is None:
        _text(pdf, "No check-up finished yet. The check-up takes about 10 to 15 minutes.")
        return
    done = data.checkup.completed_at
    if done is not None:
        _text(pdf, f"Check-up of {done:%d %B %Y}.", muted=True)
    if not data.findings:
        _text(pdf, "Nothing stood out as getting in the way.")
        return
    for n, finding in enumerate(data.findings, start=1):
        _text(pdf, f"{n}. {finding['title']}", bold=True)
        _bullets(pdf, finding["why"])
    if data.other_findings:
        _text(pdf, f"And {data.other_findings} more in the full check-up results.", muted=True)
    if data.checkup_scores:
        _text(pdf, "Scores in that check-up:", bold=True)
        _bullets(pdf, [_score_line(s) for s in data.checkup_scores])


def _score_line(score: dict[str, object]) -> str:
    band = f" ({score['band']})" if score.get("band") else ""
    return f"{score['name']}: {score['total']}{band}"


def _note(pdf: ReportPDF, data: ReportData) -> None:
    _heading(pdf, "What I want to talk about")
    _text(pdf, data.note.strip() or "(Nothing written yet.)", muted=not data.note.strip())
