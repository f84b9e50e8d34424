"""The one-page report as a PDF (fpdf2), with the crisis section first when flagged.

Uses DejaVu Sans when the system has it (full Unicode); otherwise fpdf2's built-in
Helvetica, with text folded to Latin-1 so nothing breaks on a missing glyph. Charts are
the web page's own SVG charts (severity bands, reliable-change lines, markers), drawn by
fpdf2's SVG support, so paper and screen show the same picture.

One page: the scores are small multiples (a 2 x 2 grid), findings show the top three with
their first reason, and the note takes the room that is left; a note that does not fit
is cut at a word and says "(continued in the app)". The crisis section is never cut.
Nothing is set smaller than 9 pt. US and Canadian users get US Letter, everyone else A4.
"""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

from django.utils import timezone
from fpdf import FPDF

from therapycheck.core.safety import SafetyResponse
from therapycheck.web.pages.templatetags.dates import long_date
from therapycheck.web.reports.services import InstrumentSummary, ReportData, note_excerpt

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_REGULAR = DEJAVU_DIR / "DejaVuSans.ttf"
FONT_BOLD = DEJAVU_DIR / "DejaVuSans-Bold.ttf"

# Colours (RGB). Dark text on white, red only for the crisis frame.
INK = (31, 41, 51)
MUTED = (82, 96, 109)
RED = (164, 22, 26)
LINE = (31, 78, 121)
GRID = (200, 205, 210)

# Text sizes (pt) and their line heights (mm). 9 pt is the smallest we print.
BODY, BODY_LH = 10.0, 4.2
SMALL, SMALL_LH = 9.0, 3.9
LETTER_COUNTRIES = frozenset({"US", "CA"})
# Chart size in SVG units for the PDF's small multiples (see _chart): always 360 across,
# and the tallest of these heights that lets the report fit one page (a report with room
# to spare gets taller charts rather than half a page left empty).
PDF_CHART_WIDTH = 360
CHART_HEIGHTS = (276, 228, 180, 132, 108, 91, 84)
# The charts' key, once under all of them (the charts are drawn without their own), in
# words rather than symbols, so it reads the same in the built-in font.
CHART_KEY = (
    "Charts: score by session. Open circle: first score; green diamond: reliably better, "
    "red triangle: reliably worse than the first; dashed lines: reliable change; "
    "shading: the questionnaire's severity bands, named on the right."
)
_NOT_DRAWN = re.compile(r"<(title|desc)\b[^>]*>.*?</\1>", re.DOTALL)
CONTINUED = " (continued in the app)"

_ASCII = {
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "\u2026": "...", "\u2022": "*", "\u00a0": " ", "\u2212": "-", "\u2265": ">=", "\u2264": "<=",
}  # fmt: skip


class ReportPDF(FPDF):
    """A one-page set-up with a small footer that says what this is and is not."""

    unicode_font = False
    chart_height = CHART_HEIGHTS[0]

    def footer(self) -> None:
        self.set_y(-11)
        self._font("", SMALL)
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


def page_format(data: ReportData) -> str:
    country = str(getattr(data.person, "country", "") or "").upper()
    return "letter" if country in LETTER_COUNTRIES else "A4"


def _new_pdf(*, compress: bool, paper: str = "A4") -> ReportPDF:
    pdf = ReportPDF(format=paper, unit="mm")
    pdf.set_compression(compress)
    if FONT_REGULAR.exists() and FONT_BOLD.exists():
        pdf.add_font("DejaVu", "", str(FONT_REGULAR))
        pdf.add_font("DejaVu", "B", str(FONT_BOLD))
        pdf.unicode_font = True
    pdf.set_margins(12, 11, 12)
    # The page breaks only if the crisis section alone needs more than one page: it is
    # never shortened to fit.
    pdf.set_auto_page_break(True, margin=14)
    pdf.set_title("My therapy report")
    pdf.set_author("therapycheck")
    pdf.set_lang("en")
    pdf.add_page()
    return pdf


def render_pdf(data: ReportData, *, compress: bool = True) -> bytes:
    """The report as PDF bytes. `compress=False` keeps content streams readable (tests).

    The charts take the room the page has: they are drawn as tall as CHART_HEIGHTS allows
    while everything still fits one page (a crisis section may need more than one page
    on its own; then the lowest charts are used). The charts' key goes last: only when
    the lowest charts with it would not fit is it left out."""
    tries = [(height, True) for height in CHART_HEIGHTS] + [(CHART_HEIGHTS[-1], False)]
    pdf = _render(data, CHART_HEIGHTS[0], compress=compress)
    for height, key in tries[1:]:
        if pdf.page_no() == 1:
            break
        _close_fonts(pdf)
        pdf = _render(data, height, compress=compress, key=key)
    return bytes(pdf.output())


def _close_fonts(pdf: ReportPDF) -> None:
    """A draft that is thrown away closes its font files (fontTools keeps them open)."""
    for font in pdf.fonts.values():
        ttfont = getattr(font, "ttfont", None)
        if ttfont is not None:
            ttfont.close()


def _render(data: ReportData, chart_height: int, *, compress: bool, key: bool = True) -> ReportPDF:
    pdf = _new_pdf(compress=compress, paper=page_format(data))
    pdf.chart_height = chart_height
    if data.safety is not None:
        _safety(pdf, data.safety)
    _title(pdf, data)
    _risk(pdf, data)
    _scores(pdf, data, key=key)
    _findings(pdf, data)
    if data.safety is not None and data.actions:
        _actions_and_note_side_by_side(pdf, data)
    else:
        _actions(pdf, data)
        _note(pdf, data)
    return pdf


def _actions_and_note_side_by_side(pdf: ReportPDF, data: ReportData) -> None:
    """With the crisis section on the page, next steps and the note share the last band."""
    top = pdf.get_y()
    narrow = (pdf.epw - 6) * 0.5
    with _column(pdf, pdf.l_margin, narrow):
        pdf.set_y(top)
        _actions(pdf, data)
        left_end = pdf.get_y()
    with _column(pdf, pdf.l_margin + narrow + 6, pdf.epw - narrow - 6):
        pdf.set_y(top)
        _note(pdf, data)
    pdf.set_y(max(left_end, pdf.get_y()))


# --- building blocks -------------------------------------------------------------------


def _heading(
    pdf: ReportPDF, text: str, *, size: float = 12, color: tuple[int, int, int] = INK
) -> None:
    pdf.ln(1.5)
    pdf._font("B", size)
    pdf.set_text_color(*color)
    pdf.multi_cell(0, size * 0.45, pdf.clean(text), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(0.5)


def _text(
    pdf: ReportPDF,
    text: str,
    *,
    muted: bool = False,
    bold: bool = False,
    size: float = BODY,
    w: float = 0,
) -> None:
    pdf._font("B" if bold else "", size)
    pdf.set_text_color(*(MUTED if muted else INK))
    height = SMALL_LH if size <= SMALL else BODY_LH
    pdf.multi_cell(w, height, pdf.clean(text), new_x="LMARGIN", new_y="NEXT", align="L")


def _bullets(pdf: ReportPDF, items: list[str], *, numbered: bool = False) -> None:
    for n, item in enumerate(items, start=1):
        pdf._font("", BODY)
        pdf.set_text_color(*INK)
        pdf.set_x(pdf.l_margin + 3)
        mark = f"{n}. " if numbered else ("\u2022 " if pdf.unicode_font else "- ")
        pdf.multi_cell(0, BODY_LH, pdf.clean(mark + item), new_x="LMARGIN", new_y="NEXT", align="L")


def _title(pdf: ReportPDF, data: ReportData) -> None:
    pdf._font("B", 15)
    pdf.set_text_color(*INK)
    title = "My therapy report"
    pdf.cell(pdf.get_string_width(title) + 4, 7, title)
    pdf._font("", SMALL)
    pdf.set_text_color(*MUTED)
    made = f"Made on {data.made_on:%d %B %Y} with therapycheck. It is not a diagnosis."
    pdf.cell(0, 7, pdf.clean(made), new_x="LMARGIN", new_y="NEXT")


def _safety(pdf: ReportPDF, safety: SafetyResponse) -> None:
    """The crisis section, framed in red, before anything else; two columns, nothing cut."""
    top = pdf.get_y()
    pdf.ln(1)
    _heading(pdf, safety.heading, size=13, color=RED)
    _text(pdf, f"In danger right now? Call {safety.emergency_number}.", bold=True)
    _text(pdf, safety.message)
    if safety.reasons:
        _text(pdf, "Why this is shown:", bold=True)
        _bullets(pdf, list(safety.reasons))
    columns_top = pdf.get_y() + 1
    half = (pdf.epw - 6) / 2
    with _column(pdf, pdf.l_margin, half):
        pdf.set_y(columns_top)
        if safety.steps:
            _text(pdf, "What to do now:", bold=True)
            _bullets(pdf, list(safety.steps), numbered=True)
        left_end = pdf.get_y()
    with _column(pdf, pdf.l_margin + half + 6, half):
        pdf.set_y(columns_top)
        _text(pdf, f"Where to get help in {safety.country_name}:", bold=True)
        _bullets(pdf, [r.line() for r in safety.resources])
        right_end = pdf.get_y()
    pdf.set_y(max(left_end, right_end) + 1.5)
    bottom = pdf.get_y()
    if pdf.page_no() == 1 and bottom > top:
        pdf.set_draw_color(*RED)
        pdf.set_line_width(0.8)
        pdf.rect(pdf.l_margin - 2.5, top, pdf.epw + 5, bottom - top)
    pdf.ln(2)


class _column:
    """Write into a column: the left and right margins move for the duration."""

    def __init__(self, pdf: ReportPDF, x: float, width: float) -> None:
        self.pdf, self.x, self.width = pdf, x, width

    def __enter__(self) -> None:
        self.saved = (self.pdf.l_margin, self.pdf.r_margin)
        self.pdf.set_left_margin(self.x)
        self.pdf.set_right_margin(self.pdf.w - self.x - self.width)
        self.pdf.set_x(self.x)

    def __exit__(self, *exc: object) -> None:
        self.pdf.set_left_margin(self.saved[0])
        self.pdf.set_right_margin(self.saved[1])


def _risk(pdf: ReportPDF, data: ReportData) -> None:
    """Every answer about safety, with its day (the same list as the web report)."""
    if not data.risk_answers:
        return
    lines = [f"{long_date(risk.day)}: {risk.text}" for risk in data.risk_answers]
    if data.safety is not None:
        # The crisis section above says what to do; here only the answers and their days,
        # in one paragraph so the page keeps its room.
        pdf.ln(1)
        pdf.set_text_color(*RED)
        pdf._font("B", BODY)
        pdf.write(BODY_LH, "Answers about safety: ")
        pdf.set_text_color(*INK)
        pdf._font("", BODY)
        pdf.write(BODY_LH, pdf.clean(" ".join(lines)))
        pdf.ln(BODY_LH)
    else:
        _heading(pdf, "Answers about safety", color=RED)
        who = "A doctor or a new therapist" if data.misconduct else "Your therapist"
        _text(pdf, f"{who} will want to know about these answers.", size=SMALL)
        _bullets(pdf, lines)
    if data.other_risk_answers:
        more = data.other_risk_answers
        _text(
            pdf,
            f"And {more} earlier answer{'s' if more != 1 else ''} like these, all in the app.",
            size=SMALL,
            muted=True,
        )


def _scores(pdf: ReportPDF, data: ReportData, *, key: bool = True) -> None:
    _heading(pdf, "My scores")
    if not data.instruments:
        _text(
            pdf,
            "No questionnaires logged yet. Log your measures after a session to see change here.",
        )
        return
    half = (pdf.epw - 8) / 2
    for row in range(0, len(data.instruments), 2):
        top = pdf.get_y()
        ends = []
        for col, summary in enumerate(data.instruments[row : row + 2]):
            with _column(pdf, pdf.l_margin + col * (half + 8), half):
                pdf.set_y(top)
                _instrument(pdf, summary)
                ends.append(pdf.get_y())
        pdf.set_y(max(ends) + 1)
    if key and any(len(s.points) > 1 for s in data.instruments):
        _text(pdf, CHART_KEY, size=SMALL, muted=True)


def _signed(value: float) -> str:
    return f"{value:+g}"


def _instrument(pdf: ReportPDF, s: InstrumentSummary) -> None:
    """One small multiple: the words, then the same chart as the screen (bands included)."""
    way = "higher is better" if s.higher_is_better else "lower is better"
    _text(pdf, f"{s.short_name} ({way})", bold=True)
    band = f" ({s.latest_band})" if s.latest_band else ""
    line = f"Latest: {s.latest_score:g}{band} at session {s.latest_session}."
    if s.change_from_first is not None:
        prev = s.change_from_previous if s.change_from_previous is not None else 0.0
        line += f" Since first: {_signed(s.change_from_first)}; since last: {_signed(prev)}."
    if s.status_words:
        line += f" {s.status_words}."
    _text(pdf, line, size=SMALL)
    if len(s.points) > 1:
        _chart(pdf, s)


def _chart(pdf: ReportPDF, s: InstrumentSummary) -> None:
    """The screen's SVG chart (bands, reliable-change lines, markers) at the column's width.

    At PDF_CHART_WIDTH units across a half-page column (about 8.9 cm) the chart's text
    (14 units and more) prints at about 9.8 pt or larger. fpdf2 draws SVG itself; the
    <title> and <desc> (for screen readers on the web page) are left out because fpdf2 has
    no use for them.
    """
    from therapycheck.core.instruments import get_instrument
    from therapycheck.web.tracking.charts import progress_chart_svg

    width, height = PDF_CHART_WIDTH, pdf.chart_height
    svg = progress_chart_svg(
        get_instrument(s.instrument),
        list(s.points),
        width=width,
        height=height,
        id_prefix=f"pdf-{s.instrument}",
        legend=False,
    )
    svg = _NOT_DRAWN.sub("", svg)
    top = pdf.get_y() + 0.5
    shown = pdf.epw * height / width
    pdf.image(io.BytesIO(svg.encode("utf-8")), x=pdf.l_margin, y=top, w=pdf.epw, h=shown)
    pdf.set_y(top + shown + 0.5)


def _findings(pdf: ReportPDF, data: ReportData) -> None:
    if data.checkup is None:
        _heading(pdf, "What my latest check-up pointed to")
        _text(
            pdf,
            "No check-up finished yet. The check-up asks for about 30 to 50 answers, "
            "most of them one tap.",
        )
        return
    done = data.checkup.completed_at
    when = long_date(timezone.localtime(done)) if done is not None else ""
    total = len(data.findings) + data.other_findings
    more = f"top {len(data.findings)} of {total}" if data.other_findings else ""
    aside = "; ".join(part for part in (when, more) if part)
    _heading(pdf, "What my latest check-up pointed to" + (f" ({aside})" if aside else ""))
    if not data.findings:
        _text(pdf, "Nothing stood out as getting in the way.")
    for n, finding in enumerate(data.findings, start=1):
        # Bold title, then the first reason in regular type, flowing on the same line.
        pdf.set_text_color(*INK)
        pdf._font("B", BODY)
        pdf.write(BODY_LH, pdf.clean(f"{n}. {finding['title']}."))
        pdf._font("", BODY)
        if finding.get("first_why"):
            pdf.write(BODY_LH, pdf.clean(f" {finding['first_why']}"))
        pdf.ln(BODY_LH)
    if data.checkup_scores:
        scores = "; ".join(_score_line(s) for s in data.checkup_scores)
        _text(pdf, f"Scores in that check-up: {scores}.", size=SMALL)


def _action_line(action: dict[str, str]) -> str:
    line = f"{action['when']}: {action['title']}" if action["when"] else action["title"]
    return f"{line}. {action['first_step']}" if action.get("first_step") else line


def _actions(pdf: ReportPDF, data: ReportData) -> None:
    if not data.actions:
        return
    more = ""
    if data.other_actions:
        more = f" (the first {len(data.actions)} of {len(data.actions) + data.other_actions})"
    _heading(pdf, "Next steps" + more)
    _bullets(pdf, [_action_line(a) for a in data.actions])


def _score_line(score: dict[str, object]) -> str:
    if score.get("total") is None:
        return f"{score['name']}: no total (items skipped)"
    band = f" ({score['band']})" if score.get("band") else ""
    return f"{score['name']}: {score['total']}{band}"


def _note(pdf: ReportPDF, data: ReportData) -> None:
    _heading(pdf, "What I want to talk about")
    note = data.note.strip()
    if not note:
        _text(pdf, "(Nothing written yet.)", muted=True)
        return
    _text(pdf, fit_note(pdf, note))


def fit_note(pdf: ReportPDF, note: str) -> str:
    """The note, or as much of it as fits above the footer, marked when cut."""
    room = pdf.h - pdf.b_margin - pdf.get_y()
    lines = max(int(room // BODY_LH), 2)
    pdf._font("", BODY)
    text = note
    while len(_lines(pdf, text)) > lines and len(text) > 40:
        cut, _ = note_excerpt(note, int(len(text) * 0.92))
        text = cut
    if text == note:
        return note
    return text + CONTINUED


def _lines(pdf: ReportPDF, text: str) -> list[str]:
    out = pdf.multi_cell(0, BODY_LH, pdf.clean(text + CONTINUED), dry_run=True, output="LINES")
    return [str(line) for line in out] if isinstance(out, list) else []
