"""Progress charts on a screen, on paper and in the PDF (issue 14, item 6).

On a screen every chart text (axis numbers, band names, session numbers, key) renders at
14 CSS px or more at 360, 390, 768 and 1280 px wide, the chart fits the screen with the
latest session in view, and nothing scrolls sideways at 360 px. Everywhere (screen and
print) no label touches another label or is crossed by a dashed line, and no band name is
touched by the scores' line or a point.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from typing import Any

import pytest
from pypdf import PdfReader

from therapycheck.web.accounts.current import personal_person
from therapycheck.web.tracking.services import save_measurement

from .conftest import DESKTOP, PHONE, SCREENSHOTS, Session, run_axe, save_screenshots

NARROW = {"width": 360, "height": 740}
TABLET = {"width": 768, "height": 1024}
WIDTHS = (NARROW, PHONE, TABLET, DESKTOP)
# Either side of the switch from the phone drawing to the wide one (641 px) and of the
# print view's second column (768 px).
EDGES = (
    {"width": 640, "height": 900},
    {"width": 641, "height": 900},
    {"width": 767, "height": 900},
)
SESSIONS = 14
SMALLEST_CHART_TEXT_PX = 14

# For every chart shown (the hidden drawing of a pair is skipped): its right edge and the
# latest marker's against the viewport; the smallest text as rendered (font size times the
# SVG's scale on screen); every pair of labels that overlap, and a dashed line through a
# label; every band name touched by a segment of the scores' line or by a point's box;
# and band names cut off at the SVG's edge.
CHART_FACTS = """() => {
  const box = el => el.getBoundingClientRect();
  const hit = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5
    && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  // Does the segment p-q cross the rectangle r? (Liang-Barsky clipping)
  const crosses = (p, q, r) => {
    let t0 = 0, t1 = 1;
    const dx = q.x - p.x, dy = q.y - p.y;
    for (const [pp, qq] of [[-dx, p.x - r.left], [dx, r.right - p.x],
                            [-dy, p.y - r.top], [dy, r.bottom - p.y]]) {
      if (pp === 0) { if (qq < 0) return false; continue; }
      const t = qq / pp;
      if (pp < 0) { if (t > t1) return false; if (t > t0) t0 = t; }
      else { if (t < t0) return false; if (t < t1) t1 = t; }
    }
    return true;
  };
  return [...document.querySelectorAll('svg.progress-chart')]
    .filter(svg => box(svg).width > 0)
    .map(svg => {
      const points = [...svg.querySelectorAll('.series .point')];
      const latest = points.length ? box(points[points.length - 1]) : null;
      const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim());
      let smallest = 1000, smallestText = '';
      for (const t of texts) {
        const size = parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a;
        if (size < smallest) { smallest = size; smallestText = t.textContent; }
      }
      const clashes = [];
      for (let i = 0; i < texts.length; i++) {
        for (let j = i + 1; j < texts.length; j++) {
          if (texts[i].closest('.legend') && texts[j].closest('.legend')) continue;
          if (hit(box(texts[i]), box(texts[j])))
            clashes.push(texts[i].textContent + ' / ' + texts[j].textContent);
        }
        for (const line of svg.querySelectorAll('.reliable-change line')) {
          const l = box(line), t = box(texts[i]);
          const crossing = {left: l.left, right: l.right, top: l.top - 0.5, bottom: l.bottom + 0.5};
          if (hit(crossing, t)) clashes.push('dashed line through ' + texts[i].textContent);
        }
      }
      const names = [...svg.querySelectorAll('.band-labels text')];
      const line = svg.querySelector('.series polyline');
      const matrix = svg.getScreenCTM();
      const vertices = line ? [...line.points].map(p => {
        const at = svg.createSVGPoint(); at.x = p.x; at.y = p.y;
        return at.matrixTransform(matrix);
      }) : [];
      const covered = [], cut = [];
      for (const name of names) {
        const r = box(name);
        for (let k = 1; k < vertices.length; k++)
          if (crosses(vertices[k - 1], vertices[k], r))
            covered.push('line over ' + name.textContent);
        for (const point of points)
          if (hit(box(point), r)) covered.push('point on ' + name.textContent);
        if (r.right > box(svg).right + 0.5) cut.push(name.textContent);
      }
      return {
        id: svg.getAttribute('aria-labelledby'),
        right: box(svg).right, latest: latest && latest.right, clashes,
        width: document.documentElement.clientWidth,
        smallest, smallestText, segments: vertices.length - 1,
        names: svg.querySelectorAll('.band-label').length,
        covered, cut,
      };
    });
}"""

SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _many_sessions() -> None:
    """Fourteen weeks of four questionnaires whose lines cross every band, several times,
    right up to the latest session (where band names used to sit)."""
    person = personal_person()
    start = dt.date.today() - dt.timedelta(weeks=SESSIONS)
    for session in range(SESSIONS + 1):
        day = start + dt.timedelta(weeks=session)
        phq = max(0, 3 - session // 4)
        save_measurement(person, "phq9", [phq] * 8 + [0], session_number=session, taken_on=day)
        gad = (0, 1, 2, 3)[session % 4]  # up and down through every band
        save_measurement(person, "gad7", [gad] * 7, session_number=session, taken_on=day)
        core = (4, 0, 2, 1, 3)[session % 5]
        save_measurement(
            person, "core10", [core] * 5 + [0] * 5, session_number=session, taken_on=day
        )
        who = (0, 5, 2, 4, 1)[session % 5]
        save_measurement(person, "who5", [who] * 5, session_number=session, taken_on=day)


def _check_charts(session: Session, where: str, *, screen: bool = True) -> list[dict[str, Any]]:
    facts = session.page.evaluate(CHART_FACTS)
    assert facts, f"{where}: no charts"
    for chart in facts:
        assert chart["right"] <= chart["width"] + 0.5, f"{where}: {chart}"
        assert chart["latest"] is not None and chart["latest"] <= chart["width"], chart
        assert chart["clashes"] == [], f"{where}: {chart['clashes']}"
        assert chart["covered"] == [], f"{where}: {chart['covered']}"
        assert chart["cut"] == [], f"{where}: band names cut off: {chart['cut']}"
        if screen:
            assert chart["smallest"] >= SMALLEST_CHART_TEXT_PX, (
                f"{where}: {chart['id']}: '{chart['smallestText']}' at {chart['smallest']:.1f}px"
            )
    return facts


def _screenshot_360(session: Session, name: str) -> None:
    """The phone and desktop screenshots come from save_screenshots; this adds 360 px."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = session.page
    page.set_viewport_size(NARROW)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-360.png"), full_page=True)


@pytest.mark.parametrize("path", ["/progress/", "/report/"], ids=["progress", "report"])
def test_chart_text_is_14_px_or_more_and_charts_fit_at_every_width(
    session: Session, path: str
) -> None:
    _many_sessions()
    page = session.page
    session.goto(path)
    name = "charts-" + path.strip("/")
    for size in WIDTHS + EDGES:
        page.set_viewport_size(size)
        where = f"{path} at {size['width']} px"
        facts = _check_charts(session, where)
        # One drawing of each chart is shown at a time: four questionnaires, four charts.
        assert len(facts) == 4, where
        # The band names are there (not left out to dodge the line): 5 + 4 + 5 + 3 bands.
        assert sum(chart["names"] for chart in facts) == 17, where
        assert all(chart["segments"] == SESSIONS for chart in facts), where
        if size in (PHONE, DESKTOP):
            assert run_axe(page, session.axe) == [], where
    page.set_viewport_size(NARROW)
    assert page.evaluate(SIDEWAYS) <= 0, f"{path} scrolls sideways at 360 px"
    # The newest session's number is printed under each chart shown.
    for svg in page.locator("svg.progress-chart:visible").all():
        assert str(SESSIONS) in svg.locator(".axes text").all_text_contents()
    save_screenshots(page, name)
    _screenshot_360(session, name)


def test_printed_charts_have_bands_and_no_label_touches_another_or_the_line(
    session: Session,
) -> None:
    _many_sessions()
    page = session.page
    session.goto("/report/print/")
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        assert run_axe(page, session.axe) == [], size
    # Read on a screen, the print view's charts keep their text size too.
    for size in WIDTHS + EDGES:
        page.set_viewport_size(size)
        _check_charts(session, f"print view at {size['width']} px")
    page.set_viewport_size(NARROW)  # read on a phone, the print view never scrolls sideways
    assert page.evaluate(SIDEWAYS) <= 0
    save_screenshots(page, "report-print-charts-screen")
    _screenshot_360(session, "report-print-charts-screen")
    page.set_viewport_size(DESKTOP)
    page.emulate_media(media="print")
    _check_charts(session, "print view", screen=False)
    assert page.locator("svg.progress-chart .bands rect").count() == 17
    body = page.pdf(format="A4", print_background=True)
    assert len(PdfReader(io.BytesIO(body)).pages) == 1
    save_with_picture(body, "report-print-charts")


def test_the_pdf_download_is_saved_for_a_look(session: Session) -> None:
    _many_sessions()
    response = session.page.request.get(session.url("/report/pdf/"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert len(PdfReader(io.BytesIO(body)).pages) == 1
    save_with_picture(body, "report-pdf")


def save_with_picture(body: bytes, name: str) -> None:
    """Keep the PDF in test-artifacts/, with a PNG of its page to look at (pdftoppm)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.pdf"
    target.write_bytes(body)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is not None:
        command = [
            pdftoppm,
            "-r",
            "80",
            "-png",
            "-singlefile",
            str(target),
            str(target.with_suffix("")),
        ]
        subprocess.run(command, check=True, timeout=60)
