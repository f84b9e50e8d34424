"""The design system (issue 14, item 8) in a real browser: GOV.UK Frontend's components,
built by tools/design with system fonts, served from the app's own static files.

At 360, 390, 768 and 1280 px wide: no personal page scrolls sideways, every radio and
checkbox is a target of at least 24 x 24 CSS px (WCAG 2.2 SC 2.5.8; GOV.UK's are 40),
and axe finds nothing serious or critical on the main pages. Screenshots of each page
at each width go to test-artifacts/screenshots/design-<page>-<width>.png.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from tests.web.reports.test_views import finished_checkup
from therapycheck.web.accounts.current import personal_person
from therapycheck.web.tracking.models import JournalEntry
from therapycheck.web.tracking.services import save_measurement

from .conftest import SCREENSHOTS, Session, run_axe
from .keyboard import button_named, tab_to_and_press

WIDTHS = (360, 390, 768, 1280)
MIN_TARGET = 24  # CSS px, WCAG 2.2 SC 2.5.8 (AA)

# Each visible radio and checkbox's own box: what a tap must hit. (GOV.UK draws the
# circle on the label and lays the transparent 44 px input over it; elsewhere the input
# itself is drawn at 40 px. Either way the input's box is the target.)
TARGETS = """() => [...document.querySelectorAll('input[type=radio], input[type=checkbox]')]
  .filter(el => el.offsetParent !== null || el.getClientRects().length)
  .map(el => {
    const r = el.getBoundingClientRect();
    return {id: el.id || el.name, width: r.width, height: r.height};
  })"""

# What the page is drawn with: the fonts it uses and every stylesheet it loaded.
FONTS_AND_SHEETS = """() => ({
  fonts: [...document.fonts].map(f => f.family),
  sheets: [...document.styleSheets].map(s => s.href).filter(Boolean),
  body: getComputedStyle(document.body).fontFamily,
})"""


def _look(session: Session, name: str, *, axe: bool) -> None:
    """At each width: no sideways scroll, big targets, axe (where asked), a screenshot."""
    page = session.page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        inner = page.evaluate("() => window.innerWidth")
        assert wide <= inner, f"{page.url} scrolls sideways at {width} px ({wide} > {inner})"
        small = [
            t for t in page.evaluate(TARGETS) if t["width"] < MIN_TARGET or t["height"] < MIN_TARGET
        ]
        assert not small, f"{page.url} at {width} px: targets under 24 px: {small}"
        if axe and width in (390, 1280):
            problems = run_axe(page, session.axe)
            assert not problems, f"axe on {page.url} at {width} px:\n" + "\n".join(problems)
        page.screenshot(path=str(SCREENSHOTS / f"design-{name}-{width}.png"), full_page=True)
    assert not session.outside_requests(), session.outside_requests()
    page.set_viewport_size({"width": 1280, "height": 800})


def _radio_count(page: Any) -> int:
    return int(page.locator("input[type=radio]").count())


@pytest.fixture
def checkup_pk(live_server: Any) -> int:
    """A finished check-up (someone stuck: low trust), for the results page. (The live
    server gives the test database access, as in the other browser tests.)"""
    person = personal_person()
    person.country = "GB"
    person.save()
    answers = {"safe_now": "safe", "trust": 1, "heard": 1, "sessions": 6}
    return finished_checkup(person, answers, measures={"wai_sr": [3] * 12}).pk


def test_the_main_pages_pass_axe_fit_every_width_and_have_big_targets(
    session: Session, checkup_pk: int
) -> None:
    page = session.page
    for name, path in (
        ("home", "/"),
        ("quick-check", "/checkup/quick/"),
        ("check-in", "/measures/check-in/"),
        ("results", f"/checkup/{checkup_pk}/"),
        ("help", "/help/"),
    ):
        session.goto(path)
        _look(session, name, axe=True)
    session.goto("/checkup/quick/")
    assert _radio_count(page) > 0  # the target check above looked at real radios
    session.goto("/checkup/")
    tab_to_and_press(page, button_named("Start a check-up"))
    assert _radio_count(page) > 0, page.url
    _look(session, "checkup-step", axe=True)


def test_every_other_personal_page_fits_every_width(session: Session, checkup_pk: int) -> None:
    # Two sessions of scores (one with a risk answer), so the progress charts, the
    # report's tables and its risk section are on the pages.
    person = personal_person()
    today = dt.date.today()
    save_measurement(person, "phq9", [2] * 9, session_number=1, taken_on=today)
    group = uuid.uuid4()  # the second session is a check-in: its "saved" page
    latest = save_measurement(
        person, "phq9", [1] * 8 + [1], session_number=2, taken_on=today, checkin=group
    )
    save_measurement(person, "gad7", [1] * 7, session_number=2, taken_on=today, checkin=group)
    JournalEntry.objects.create(
        person=person,
        session_number=2,
        entry_date=today,
        feeling_before=4,
        feeling_after=6,
        topics="Sleep, and a hard week at work.",
        notes="Ask about the homework.",
    )
    for name, path in (
        ("measurement", f"/measures/entry/{latest.pk}/"),
        ("check-in-saved", f"/measures/check-in/{group}/"),
        ("checkup-start", "/checkup/"),
        ("measures", "/measures/"),
        ("phq9-new", "/measures/phq9/new/"),
        ("reminders", "/measures/reminders/"),
        ("progress", "/progress/"),
        ("journal", "/journal/"),
        ("journal-new", "/journal/new/"),
        ("report", "/report/"),
        ("learn", "/learn/"),
        ("settings", "/settings/"),
        ("data", "/data/"),
        ("data-delete", "/data/delete/"),
    ):
        session.goto(path)
        _look(session, name, axe=False)


def test_a_form_with_errors_shows_the_gov_uk_error_summary_and_red_error_groups(
    session: Session,
) -> None:
    page = session.page
    session.goto("/measures/phq9/new/")
    page.locator("label[for=id_item_1_0]").click()  # one answer: the rest are missing
    with page.expect_navigation():
        page.get_by_role("button", name="Save and see my score").click()
    assert page.locator("#id_item_1_0").is_checked()  # the answer given is kept
    summary = page.locator(".error-summary")
    assert summary.count() == 1
    border = summary.evaluate("el => getComputedStyle(el).borderTopWidth")
    assert float(border.removesuffix("px")) >= 5  # GOV.UK's 5 px red border
    group = page.locator("fieldset.item.has-error").first
    assert group.evaluate("el => getComputedStyle(el).borderLeftStyle") == "solid"
    assert summary.locator("a").count() == 8  # one link per unanswered question
    _look(session, "errors", axe=True)


def test_pages_use_system_fonts_and_only_the_apps_own_stylesheets(session: Session) -> None:
    page = session.page
    session.goto("/")
    drawn = page.evaluate(FONTS_AND_SHEETS)
    assert not any("GDS Transport" in family for family in drawn["fonts"]), drawn
    assert "GDS Transport" not in drawn["body"]
    assert "system-ui" in drawn["body"]
    sheets = drawn["sheets"]
    assert any(s.endswith("/static/therapycheck/govuk-frontend.min.css") for s in sheets)
    assert all(s.startswith(session.origin + "/static/") for s in sheets), sheets
    licence = page.request.get(session.url("/static/therapycheck/govuk-frontend-LICENSE.txt"))
    assert licence.ok and "MIT License" in licence.text()
