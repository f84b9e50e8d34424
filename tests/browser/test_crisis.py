"""A crisis answer puts the crisis resources first on every page, in a real browser."""

from __future__ import annotations

import datetime as dt

from .conftest import Session
from .keyboard import not_safe_answers
from .test_journey import keyboard_checkup

PAGES = (
    "/",
    "/checkup/",
    "/measures/",
    "/progress/",
    "/journal/",
    "/report/",
    "/learn/",
    "/help/",
    "/settings/",
    "/data/",
)

# "First" means: the crisis banner comes before the header and the main content, or, on a
# page that shows the full safety response itself instead of the banner (the help page, a
# flagged result), that response opens the main content (after at most the page title).
SAFETY_FIRST = """() => {
  const banner = document.querySelector('.crisis-banner');
  const header = document.querySelector('header');
  const main = document.querySelector('main');
  const before = (a, b) => !!(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
  if (banner) {
    if (header && !before(banner, header)) return 'banner after the header';
    if (main && !before(banner, main)) return 'banner after the main content';
    return 'first';
  }
  const kids = [...main.children].filter(e => !e.matches('.messages, .skip-link'));
  const opening = kids.slice(0, 3);
  const at = opening.findIndex(
    e => e.matches('.safety-response.is-crisis, .emergency-first')
      || e.querySelector('.safety-response.is-crisis'));
  if (at < 0) return 'no crisis resources at the top';
  if (opening.slice(0, at).some(e => e.matches('form') || e.querySelector('form')))
    return 'a form comes before the crisis resources';
  return 'first';
}"""


def _banner_first_everywhere(session: Session, label: str) -> None:
    for path in PAGES:
        session.goto(path)
        assert session.page.evaluate(SAFETY_FIRST) == "first", path
        session.audit(
            f"crisis-{label}{path.strip('/').replace('/', '-') or 'home'}", screenshots=path == "/"
        )


def test_saying_i_am_not_safe_in_the_checkup_shows_help_first_everywhere(
    session: Session,
) -> None:
    keyboard_checkup(session, not_safe_answers)
    assert session.page.locator(".crisis-banner, .tc-safety, #crisis").count() >= 1
    _banner_first_everywhere(session, "checkup-")


def test_phq9_item_nine_above_zero_shows_help_first_everywhere(session: Session) -> None:
    page = session.page
    session.goto("/measures/phq9/new/")
    page.fill("input[name$='session_number']", "1")
    page.fill("input[name$='taken_on']", dt.date.today().isoformat())
    items = page.locator("fieldset.item")
    for n in range(items.count()):
        value = 1 if n == items.count() - 1 else 0
        items.nth(n).locator(f"input[type=radio][value='{value}']").check()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Save and see my score").click()
    assert page.evaluate(SAFETY_FIRST) == "first"
    session.audit("crisis-after-phq9")
    _banner_first_everywhere(session, "phq9-")
