"""The full check-up in a real browser, counted (issue 14): a typical story answers the
number of questions and questionnaire items docs/checkup.md states, screen by screen as the
web asks them. This checks the count in tests/core/checkup/test_adaptive.py against the
pages themselves."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.core.checkup.test_adaptive import POSITIVE_SCREENS, STORIES, count
from therapycheck.core.checkup.bank import question_bank

from .conftest import Session

RESULTS = re.compile(r"/checkup/(\d+)/$")
SAFETY_ITEM = ("phq9", 9)


def _answer_question(form: Any, qid: str, value: Any) -> None:
    question = question_bank().get(qid)
    assert question is not None, qid
    fieldset = form.locator(f"fieldset#f-{qid}")
    if value == "skip":
        fieldset.locator("input[value='skip']").check()
    elif question.type == "number":
        fieldset.locator("input[type=number]").fill(str(value))
    elif question.type == "multi":
        for option in value:
            fieldset.locator(f"input[type=checkbox][value='{option}']").check()
    else:
        fieldset.locator(f"input[type=radio][value='{value}']").check()


def _item_value(instrument: str, number: int, positive: set[str]) -> str:
    # A positive screen (2 + 2 on the first two items) with no risk answer.
    if (instrument, number) == SAFETY_ITEM or instrument not in positive:
        return "0"
    return "2"


def walk_in_the_browser(session: Session, name: str) -> tuple[set[str], int]:
    """(questions answered, questionnaire items answered) by the story `name`."""
    story = STORIES[name]
    positive = POSITIVE_SCREENS.get(name, set())
    page = session.page
    session.goto("/checkup/")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Start a check-up").click()
    questions: set[str] = set()
    items: set[tuple[str, str]] = set()
    for _ in range(60):
        if RESULTS.search(page.url):
            return questions, len(items)
        form = page.locator("main form").first
        instrument = re.search(r"/measure/([a-z0-9_]+)/", page.url)
        for fieldset in form.locator("fieldset.tc-question").all():
            field_id = fieldset.get_attribute("id") or ""
            if instrument is None and field_id.startswith("f-"):
                qid = field_id[2:]
                if qid not in questions:
                    _answer_question(form, qid, story.get(qid, "skip"))
                    questions.add(qid)
            elif instrument is not None:
                radio = fieldset.locator("input[type=radio]").first
                key = (instrument.group(1), radio.get_attribute("name") or "")
                if key not in items:
                    number = len([k for k in items if k[0] == key[0]]) + 1
                    if key[0] in ("phq9", "gad7"):
                        value = _item_value(key[0], number, positive)
                        fieldset.locator(f"input[type=radio][value='{value}']").check()
                    else:  # another questionnaire: its first answer
                        radio.check()
                    items.add(key)
        with page.expect_navigation(wait_until="load"):
            page.locator("button[name=nav][value=next]").click()
        assert page.locator(".error-summary").count() == 0, page.locator(".error").all_inner_texts()
    raise AssertionError(f"the check-up did not finish: {page.url}")


@pytest.mark.parametrize("name", sorted(STORIES))
def test_a_typical_story_answers_what_the_docs_say(session: Session, name: str) -> None:
    questions, items = walk_in_the_browser(session, name)
    assert (len(questions), items) == count(name), sorted(questions)
