"""Crisis help that works in a crisis, and results that lead (issue 14 items 4 and 5).

In a real browser: tap-to-call and tap-to-text links, the country asked on first use and
the emergency number once chosen, the check-up's compact crisis panel with the question
still in view on a phone, and the results page's "next step" box first. Every page here
passes axe (serious/critical = 0) at 390 and 1280 px, does not scroll sideways at 360 px,
and is saved as screenshots at 390 and 1280 px in test-artifacts/screenshots/.
"""

from __future__ import annotations

from typing import Any

from tests.web.reports.test_views import finished_checkup
from therapycheck.web.accounts.current import personal_person
from therapycheck.web.accounts.models import Person
from therapycheck.web.accounts.safety import mark_safety_event

from .conftest import DESKTOP, PHONE, Session, run_axe, save_screenshots
from .keyboard import ACTIVE, button_named, fill_and_submit, not_safe_answers, tab_to_and_press

NARROW = {"width": 360, "height": 740}
STUCK = {"safe_now": "safe", "trust": 1, "heard": 1, "sessions": 6}

# Every link, button and form control on the page with no name a screen reader could read.
NAMELESS = """() => {
  const name = (el) => {
    const by = el.getAttribute('aria-labelledby');
    const labelled = by ? by.split(' ').map(id => document.getElementById(id))
      .filter(Boolean).map(e => e.innerText).join(' ') : '';
    const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
    return (el.getAttribute('aria-label') || labelled || label || el.innerText
      || (el.type === 'submit' ? el.value : '') || el.title || '').trim();
  };
  const controls = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  return [...document.querySelectorAll(controls)]
    .filter(el => el.offsetParent !== null && !name(el)).map(el => el.outerHTML.slice(0, 120));
}"""


def _check(session: Session, name: str) -> None:
    """axe at 390 and 1280 px, no sideways scroll at 360 px, names, then screenshots."""
    page = session.page
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        violations = run_axe(page, session.axe)
        assert not violations, f"axe at {size['width']} px on {page.url}:\n" + "\n".join(violations)
    page.set_viewport_size(NARROW)
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= NARROW["width"], f"{page.url} scrolls sideways at 360 px ({wide} px wide)"
    assert page.evaluate(NAMELESS) == [], page.url
    assert not session.outside_requests(), session.outside_requests()
    save_screenshots(page, name)
    page.set_viewport_size(DESKTOP)


def _choose_country(session: Session, name: str) -> None:
    """Choose in the country prompt, or on the settings page: the same form's own button."""
    page = session.page
    select = page.locator("select[name=country]")
    select.select_option(label=name)
    with page.expect_navigation(wait_until="load"):
        select.locator("xpath=ancestor::form//button[@type='submit']").click()


def _tabs_to_phone_link(page: Any, limit: int = 40) -> int:
    """Tab from the top of the page until a tap-to-call link has focus; how many tabs."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for tabs in range(1, limit + 1):
        page.keyboard.press("Tab")
        href = page.evaluate("() => document.activeElement.getAttribute('href') || ''")
        if href.startswith("tel:"):
            return tabs
    raise AssertionError(f"Tab never reached a phone link on {page.url}")


def test_the_country_is_asked_on_first_use_and_the_emergency_number_shows_once_chosen(
    session: Session,
) -> None:
    page = session.page
    session.goto("/journal/")
    prompt = page.locator(".country-prompt")
    assert prompt.is_visible()
    assert page.locator(".header-emergency").count() == 0
    _check(session, "crisis-country-prompt")
    _choose_country(session, "United States")
    assert page.url.endswith("/journal/")
    assert page.locator(".country-prompt").count() == 0
    emergency = page.locator(".header-emergency a")
    assert emergency.first.get_attribute("href") == "tel:911"
    assert emergency.first.is_visible()
    _check(session, "crisis-country-chosen")


def test_the_help_page_has_tap_to_call_and_text_links_and_the_keyboard_reaches_them(
    session: Session,
) -> None:
    page = session.page
    session.goto("/help/")
    # With no country yet, the help page asks right after the emergency line.
    assert page.locator("main .country-prompt").is_visible()
    _check(session, "crisis-help-no-country")
    _choose_country(session, "United Kingdom")
    session.goto("/help/")
    hrefs = page.eval_on_selector_all("main a", "els => els.map(e => e.getAttribute('href'))")
    for href in ("tel:999", "tel:116123", "sms:85258?body=SHOUT", "https://www.samaritans.org/"):
        assert href in hrefs, href
    assert "type it in your browser" not in page.content()
    # Keyboard only: the emergency number in the header is among the first stops.
    assert _tabs_to_phone_link(page) <= 5
    _check(session, "crisis-help")


def test_in_the_check_up_a_compact_crisis_panel_keeps_the_question_in_view_on_a_phone(
    session: Session,
) -> None:
    page = session.page
    session.goto("/settings/")
    _check(session, "settings-country")
    _choose_country(session, "United Kingdom")
    session.goto("/checkup/")
    tab_to_and_press(page, button_named("Start a check-up"))
    for _ in range(3):
        if page.locator(".crisis-compact").count():
            break
        fill_and_submit(page, not_safe_answers, submit=button_named("Save and continue"))
    panel = page.locator(".crisis-compact")
    assert panel.count() == 1
    assert page.locator(".crisis-banner").count() == 0
    page.set_viewport_size(PHONE)
    page.evaluate("() => window.scrollTo(0, 0)")
    box = panel.bounding_box()
    assert box is not None and box["height"] < PHONE["height"] / 2, box
    # The screen's heading and its first question are still on the first phone screen.
    first_question = page.locator("form.tc-form fieldset, form.tc-form legend").first
    question_box = first_question.bounding_box()
    assert question_box is not None and question_box["y"] < PHONE["height"], question_box
    hrefs = panel.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert "tel:999" in hrefs and "tel:116123" in hrefs and "sms:85258?body=SHOUT" in hrefs
    # Keyboard only: a phone link comes before the first answer.
    tabs = _tabs_to_phone_link(page)
    page.evaluate("() => document.activeElement.blur()")
    for _ in range(tabs):
        page.keyboard.press("Tab")
        assert page.evaluate(ACTIVE)["type"] != "radio"
    _check(session, "crisis-checkup-compact-panel")


def _person_in(country: str) -> Person:
    """The personal-mode person, with their country chosen."""
    person = personal_person()
    person.country = country
    person.save()
    return person


def test_the_results_page_opens_with_one_next_step_then_findings_then_the_plan(
    session: Session,
) -> None:
    page = session.page
    person = _person_in("US")
    checkup = finished_checkup(person, STUCK, measures={"wai_sr": [3] * 12})
    session.goto(f"/checkup/{checkup.pk}/")
    page.set_viewport_size(PHONE)
    page.evaluate("() => window.scrollTo(0, 0)")
    order = page.evaluate(
        """() => [...document.querySelectorAll('main h2')].map(h => h.id).filter(Boolean)"""
    )
    assert order[:3] == ["next-step-heading", "findings-heading", "plan-heading"], order
    box = page.locator(".tc-next-step").bounding_box()
    assert box is not None and box["y"] < PHONE["height"], box
    # The rest is folded: the scores open on request and explain the WAI-SR in words.
    scores = page.locator("summary", has_text="Your scores in this check-up")
    table = page.locator(".tc-scores")
    assert not table.is_visible()
    scores.focus()
    page.keyboard.press("Enter")
    assert table.is_visible()
    assert "work together" in table.inner_text()
    hrefs = page.locator("#help-heading + p a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert "tel:911" in hrefs and "tel:988" in hrefs
    _check(session, "results-next-step-first")
    session.goto(f"/checkup/{checkup.pk}/print/")
    _check(session, "results-print")


def test_a_crisis_result_from_before_a_country_was_chosen_shows_that_countrys_help(
    session: Session,
) -> None:
    page = session.page
    person = _person_in("INT")
    checkup = finished_checkup(person, {"safe_now": "not_safe", "sessions": 6})
    mark_safety_event(person, "checkup", ["You said you are not safe right now."])
    session.goto(f"/checkup/{checkup.pk}/")
    # The page opens with its own safety response; the country question comes after it.
    assert page.locator(".crisis-banner").count() == 0
    _check(session, "results-crisis-no-country")
    _choose_country(session, "United Kingdom")
    assert page.url.endswith(f"/checkup/{checkup.pk}/")
    safety = page.locator(".safety-response.is-crisis")
    hrefs = safety.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert "tel:999" in hrefs and "tel:116123" in hrefs
    assert "Where to get help in United Kingdom" in safety.inner_text()
    # Keyboard only: a phone link is among the first stops on the page.
    assert _tabs_to_phone_link(page) <= 6
    _check(session, "results-crisis")


def test_a_skipped_safety_item_gets_its_calm_note_and_the_score_row_says_no_total(
    session: Session,
) -> None:
    page = session.page
    person = _person_in("GB")
    phq9 = [2, 2, 2, 2, 2, 1, 1, 1, None]  # item 9 skipped: no total, never read as safe
    checkup = finished_checkup(person, STUCK, measures={"phq9": phq9})  # type: ignore[dict-item]
    session.goto(f"/checkup/{checkup.pk}/")
    note = page.get_by_role("heading", name="About the question you skipped")
    assert note.count() == 1
    assert page.get_by_role("link", name="see where to get help now").count() == 1
    page.locator("summary", has_text="Your scores in this check-up").click()
    row = page.locator(".tc-score", has_text="Patient Health Questionnaire-9")
    assert "no total" in row.inner_text()
    assert "Item 9 skipped" in row.inner_text()
    _check(session, "results-skipped-safety-item")
