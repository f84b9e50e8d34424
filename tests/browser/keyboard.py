"""Fill and send a form with the keyboard only: Tab, Space, arrow keys and Enter.

The helper tabs through the page from the top, like a keyboard user. On each radio group
it meets it asks `choose(question, option_labels)` which option to pick (None = leave it)
and moves there with Space/arrow keys; it types into empty number fields; it presses Enter
on the submit button it is told to look for. It never clicks and never sets values with
script, so a control that cannot be reached or used by keyboard makes it fail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Chooser = Callable[[str, list[str]], int | None]

ACTIVE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const fieldset = el.closest('fieldset');
  const legend = fieldset && fieldset.querySelector('legend');
  const section = el.closest('section');
  const heading = section && section.querySelector('h2');
  const info = {
    tag: el.tagName.toLowerCase(), type: (el.type || '').toLowerCase(), name: el.name || '',
    value: el.value || '', text: (el.innerText || '').trim(), id: el.id || '',
    question: legend ? legend.innerText.trim() : '',
    section: heading ? heading.innerText.trim() : '',
    labels: [], checked: -1, index: -1,
  };
  if (info.type === 'radio') {
    const group = [...el.form.querySelectorAll('input[type=radio]')]
      .filter(r => r.name === el.name);
    info.labels = group.map(r => (r.labels && r.labels[0] ? r.labels[0].innerText.trim() : ''));
    info.checked = group.findIndex(r => r.checked);
    info.index = group.indexOf(el);
  }
  return info;
}"""

MAX_TABS = 600


def first_option(question: str, labels: list[str]) -> int | None:
    return 0


# A calm, no-risk set of answers: safe, no problems reported, agrees, "not at all".
_CALM = ("yes, i'm safe", "no", "agree", "not at all", "never")


def calm_answers(question: str, labels: list[str]) -> int | None:
    lowered = [label.lower() for label in labels]
    for wanted in _CALM:
        if wanted in lowered:
            return lowered.index(wanted)
    return 0


def not_safe_answers(question: str, labels: list[str]) -> int | None:
    """Calm answers, except "I'm not safe": the check-up must raise the crisis response."""
    lowered = [label.lower() for label in labels]
    if "no, i'm not safe" in lowered:
        return lowered.index("no, i'm not safe")
    return calm_answers(question, labels)


def fill_and_submit(
    page: Any,
    choose: Chooser = calm_answers,
    *,
    submit: Callable[[dict[str, Any]], bool],
    number: str = "6",
) -> list[str]:
    """Tab through the page, answer, and press Enter on the first button `submit` accepts.

    Returns the questions answered, in order. Fails if the submit button is never reached.
    """
    answered: list[str] = []
    groups_done: set[str] = set()
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        info = page.evaluate(ACTIVE)
        if info is None:
            continue
        if info["type"] == "radio" and info["name"] not in groups_done:
            groups_done.add(info["name"])
            if _answer_radio(page, info, choose):
                answered.append(info["question"])
        elif info["type"] == "number" and not info["value"]:
            page.keyboard.type(number)
        elif info["tag"] == "button" and submit(info):
            with page.expect_navigation(wait_until="load"):
                page.keyboard.press("Enter")
            return answered
    raise AssertionError(f"the submit button was never reached by Tab on {page.url}")


def _answer_radio(page: Any, info: dict[str, Any], choose: Chooser) -> bool:
    target = choose(info["question"], info["labels"])
    if target is None or target == info["checked"]:
        return False
    here = info["index"]
    if target == here:
        page.keyboard.press("Space")
    else:
        # Arrow keys move within a radio group and select as they go.
        key = "ArrowDown" if target > here else "ArrowUp"
        for _ in range(abs(target - here)):
            page.keyboard.press(key)
    return True


def tab_to_and_press(page: Any, accept: Callable[[dict[str, Any]], bool]) -> None:
    """Tab from the top of a freshly loaded page to the first element `accept` likes, then
    press Enter and wait for the page it leads to."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        info = page.evaluate(ACTIVE)
        if info is not None and accept(info):
            with page.expect_navigation(wait_until="load"):
                page.keyboard.press("Enter")
            return
    raise AssertionError(f"no matching element reachable by Tab on {page.url}")


def button_named(text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda info: info["tag"] == "button" and info["text"].startswith(text)
