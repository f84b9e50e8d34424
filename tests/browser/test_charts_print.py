"""Progress charts fit a 360 px phone with the latest session in view, and no label on a
chart (screen or print) touches another label or is crossed by a dashed line."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

from pypdf import PdfReader

from therapycheck.web.accounts.current import personal_person
from therapycheck.web.tracking.services import save_measurement

from .conftest import DESKTOP, PHONE, SCREENSHOTS, Session, run_axe, save_screenshots

NARROW = {"width": 360, "height": 740}
SESSIONS = 14

# For every chart: the latest marker's right edge and the chart's, against the viewport;
# and every pair of text labels (and text against a dashed line) that overlap.
CHART_FACTS = """() => {
  const boxes = el => el.getBoundingClientRect();
  const hit = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5
    && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  return [...document.querySelectorAll('svg.progress-chart')].map(svg => {
    const points = [...svg.querySelectorAll('.series .point')];
    const latest = points.length ? boxes(points[points.length - 1]) : null;
    const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim());
    const clashes = [];
    for (let i = 0; i < texts.length; i++) {
      for (let j = i + 1; j < texts.length; j++) {
        if (texts[i].closest('.legend') && texts[j].closest('.legend')) continue;
        if (hit(boxes(texts[i]), boxes(texts[j])))
          clashes.push(texts[i].textContent + ' / ' + texts[j].textContent);
      }
      for (const line of svg.querySelectorAll('.reliable-change line')) {
        const l = boxes(line), t = boxes(texts[i]);
        const crossing = {left: l.left, right: l.right, top: l.top - 0.5, bottom: l.bottom + 0.5};
        if (hit(crossing, t)) clashes.push('dashed line through ' + texts[i].textContent);
      }
    }
    return {
      id: svg.id || svg.getAttribute('aria-labelledby'),
      right: boxes(svg).right, latest: latest && latest.right, clashes,
      width: document.documentElement.clientWidth,
    };
  });
}"""

SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _many_sessions() -> None:
    person = personal_person()
    start = dt.date.today() - dt.timedelta(weeks=SESSIONS)
    for session in range(SESSIONS + 1):
        phq = max(0, 3 - session // 4)
        gad = max(0, 2 - session // 5)
        day = start + dt.timedelta(weeks=session)
        save_measurement(person, "phq9", [phq] * 8 + [0], session_number=session, taken_on=day)
        save_measurement(person, "gad7", [gad] * 7, session_number=session, taken_on=day)


def _charts_fit_and_do_not_clash(session: Session, where: str) -> None:
    facts = session.page.evaluate(CHART_FACTS)
    assert facts, f"{where}: no charts"
    for chart in facts:
        assert chart["right"] <= chart["width"] + 0.5, f"{where}: {chart}"
        assert chart["latest"] is not None and chart["latest"] <= chart["width"], chart
        assert chart["clashes"] == [], f"{where}: {chart['clashes']}"


def test_progress_charts_fit_a_360_px_phone_with_the_latest_session_in_view(
    session: Session,
) -> None:
    _many_sessions()
    page = session.page
    session.goto("/progress/")
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        assert run_axe(page, session.axe) == [], size
        _charts_fit_and_do_not_clash(session, f"progress at {size['width']} px")
    page.set_viewport_size(NARROW)
    assert page.evaluate(SIDEWAYS) <= 0, "the progress page scrolls sideways at 360 px"
    _charts_fit_and_do_not_clash(session, "progress at 360 px")
    # The newest session's number is printed under each chart.
    for svg in page.locator("svg.progress-chart").all():
        assert str(SESSIONS) in svg.locator(".axes text").all_text_contents()
    save_screenshots(page, "progress-many-sessions")


def test_printed_charts_have_bands_and_no_label_touches_another(session: Session) -> None:
    _many_sessions()
    page = session.page
    session.goto("/report/print/")
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        assert run_axe(page, session.axe) == [], size
    page.set_viewport_size(NARROW)  # read on a phone, the print view never scrolls sideways
    assert page.evaluate(SIDEWAYS) <= 0
    _charts_fit_and_do_not_clash(session, "print view at 360 px")
    page.set_viewport_size(DESKTOP)
    page.emulate_media(media="print")
    _charts_fit_and_do_not_clash(session, "print view")
    assert page.locator("svg.progress-chart .bands rect").count() >= 8
    body = page.pdf(format="A4", print_background=True)
    assert len(PdfReader(io.BytesIO(body)).pages) == 1
    _save_with_picture(body, "report-print-charts")


def test_the_pdf_download_is_saved_for_a_look(session: Session) -> None:
    _many_sessions()
    response = session.page.request.get(session.url("/report/pdf/"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert len(PdfReader(io.BytesIO(body)).pages) == 1
    _save_with_picture(body, "report-pdf")


def _save_with_picture(body: bytes, name: str) -> None:
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
