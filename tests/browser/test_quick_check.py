"""The quick check (issue 14) in a real browser: taps to a first answer, axe at phone and
desktop sizes, nothing wider than a 360 px phone, keyboard only, and a name on every
control. Screenshots go to test-artifacts/screenshots/quick-*.png."""

from __future__ import annotations

from typing import Any

from .conftest import DESKTOP, PHONE, Session, run_axe, save_screenshots
from .keyboard import button_named, calm_answers, fill_and_submit, tab_to_and_press

NARROW = {"width": 360, "height": 740}
SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
MAX_TAPS = 15

# Every visible form control and button, with its accessible name as the browser
# computes the simple cases: a <label for>, aria-label/aria-labelledby, or button text.
UNNAMED = """() => {
  const named = el => {
    if (el.getAttribute('aria-label')) return true;
    const by = el.getAttribute('aria-labelledby');
    if (by && by.split(' ').every(id => document.getElementById(id))) return true;
    if (el.labels && [...el.labels].some(l => l.innerText.trim())) return true;
    if (['BUTTON', 'A'].includes(el.tagName) && el.innerText.trim()) return true;
    return false;
  };
  return [...document.querySelectorAll('main input, main select, main button, main a')]
    .filter(el => el.type !== 'hidden' && el.offsetParent !== null && !named(el))
    .map(el => el.outerHTML.slice(0, 120));
}"""


def _axe_at_both_sizes(session: Session, name: str) -> None:
    page = session.page
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        problems = run_axe(page, session.axe)
        assert not problems, f"axe on {name} at {size['width']} px:\n" + "\n".join(problems)
    page.set_viewport_size(NARROW)
    assert page.evaluate(SIDEWAYS) <= 0, f"{name} scrolls sideways at 360 px"
    page.set_viewport_size(DESKTOP)
    assert not page.evaluate(UNNAMED), f"{name}: controls without a name"
    assert not session.outside_requests()
    save_screenshots(page, f"quick-{name}")


def _tap(page: Any, selector: str) -> int:
    page.locator(selector).click()
    return 1


def test_the_quick_check_gives_a_first_answer_in_at_most_15_taps(session: Session) -> None:
    page = session.page
    session.goto("/")  # the quick check is the first thing on the home page
    taps = 0
    answers = {
        "safe_now": "safe",
        "harm_worry": "no",
        "harm_others": "no",
        "danger_from_others": "no",
        "trust": "4",
        "heard": "4",
        "goals_agreed": "3",
        "feels_working": "3",
    }
    for qid, value in answers.items():
        taps += _tap(page, f"label[for='{_option_id(page, qid, value)}']")
    for item in ("m-phq9-1", "m-phq9-2", "m-gad7-1", "m-gad7-2"):
        taps += _tap(page, f"input[name='{item}'][value='1']")
    page.locator("input[name='q-sessions']").fill("8")  # one tap on the field, then typing
    taps += 1
    # The country is asked once, on first use, by the prompt at the top of the page (its
    # own form: choose, then save); those taps are not part of the quick check.
    with page.expect_navigation():
        taps += _tap(page, "form[action='/checkup/quick/'] button.tc-primary")
    assert "/quick/answer/" in page.url
    assert page.locator("h2", has_text="Your next step").count() == 1
    # The answer page itself counts toward the first answer: no more taps are needed.
    assert taps <= MAX_TAPS, taps


def _option_id(page: Any, qid: str, value: str) -> str:
    found = page.locator(f"input[name='q-{qid}'][value='{value}']").get_attribute("id")
    assert found, (qid, value)
    return str(found)


def test_the_quick_check_pages_pass_axe_fit_a_phone_and_name_every_control(
    session: Session,
) -> None:
    page = session.page
    session.goto("/")
    _axe_at_both_sizes(session, "home")
    session.goto("/checkup/quick/")
    _axe_at_both_sizes(session, "form")
    # A positive mood screen: the rest of the PHQ-9 comes next.
    page.locator("input[name='q-safe_now'][value='safe']").check()
    for qid in ("harm_worry", "harm_others", "danger_from_others"):
        page.locator(f"input[name='q-{qid}'][value='no']").check()
    for qid in ("trust", "heard", "goals_agreed", "feels_working"):
        page.locator(f"input[name='q-{qid}'][value='2']").check()
    page.locator("input[name='m-phq9-1'][value='2']").check()
    page.locator("input[name='m-phq9-2'][value='2']").check()
    page.locator("input[name='m-gad7-1'][value='0']").check()
    page.locator("input[name='m-gad7-2'][value='0']").check()
    page.locator("input[name='q-sessions']").fill("10")
    with page.expect_navigation():
        page.locator("button.tc-primary").click()
    assert "/quick/more/" in page.url
    _axe_at_both_sizes(session, "more")
    for n in range(3, 10):
        page.locator(f"input[name='m-phq9-{n}'][value='1']").check()
    page.locator("input[name='m-phq9-9'][value='skip']").check()
    with page.expect_navigation():
        page.locator("button.tc-primary").click()
    assert "/quick/answer/" in page.url
    assert page.locator("text=we cannot tell from it that you are safe").count() == 1
    _axe_at_both_sizes(session, "answer")
    # The full check-up carries on with these answers: a wizard step, audited too.
    with page.expect_navigation():
        page.locator("a", has_text="Go on to the full check-up").click()
    assert "/checkup/" in page.url
    _axe_at_both_sizes(session, "wizard-step")


def _link(text: str) -> Any:
    return lambda info: info["tag"] == "a" and info["text"].startswith(text)


def test_the_quick_check_works_with_the_keyboard_only(session: Session) -> None:
    page = session.page
    session.goto("/")  # the quick check's form is the first thing on the home page
    answered = fill_and_submit(page, calm_answers, submit=button_named("See my first answer"))
    # 4 safety + 4 screen items + 3 about the therapist + "is it helping?"
    assert len(answered) == 12, answered
    assert "/quick/answer/" in page.url
    tab_to_and_press(page, _link("Go on to the full check-up"))
    assert "/checkup/" in page.url
