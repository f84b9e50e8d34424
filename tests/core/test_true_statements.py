"""Only true statements: every line the guide puts in the person's mouth is backed.

Issue 12 item 2: each guide line's premise is present in the answers. A `says` line comes
from a rule that fired; here each one is traced back to its rule and that rule's condition
is checked again, on the answers as parsed, independently of the evaluator.
"""

from __future__ import annotations

import datetime
from typing import Any

from hypothesis import HealthCheck, given, settings

from tests.strategies import ANSWER_SETS, HISTORIES, MEASURES
from therapycheck.core.checkup import evaluate, parse_answers
from therapycheck.core.checkup.conditions import State
from therapycheck.core.checkup.evaluate import derived_facts
from therapycheck.core.checkup.rules import rule_set
from therapycheck.core.plan import build_plan, measure_name

TODAY = datetime.date(2026, 12, 5)
CALM = {"safe_now": "safe", "harm_worry": "no", "harm_others": "no", "danger_from_others": "no"}


def _state(doc: dict[str, Any]) -> State:
    parsed = parse_answers(doc)
    return State(
        answers=parsed.answers,
        items=parsed.measures,
        scores=parsed.scores,
        statuses=parsed.statuses,
        facts=derived_facts(parsed.answers),
    )


def _premises(doc: dict[str, Any]) -> dict[str, list[str]]:
    """Each possible guide line -> the rules that say it and whose condition holds."""
    state = _state(doc)
    rules = rule_set()
    found: dict[str, list[str]] = {}
    for rule in rules.rules:
        if rule.says is not None and rules.scope.holds(rule.when, state):
            found.setdefault(rule.says.render(state), []).append(rule.id)
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=ANSWER_SETS, measures=MEASURES, history=HISTORIES)
def test_every_guide_line_is_backed_by_an_answer_or_a_score(
    answers: dict[str, Any], measures: dict[str, Any], history: dict[str, Any]
) -> None:
    doc = {"answers": answers, "measures": measures, "history": history}
    evaluation = evaluate(doc)
    guide = build_plan(evaluation, today=TODAY).guide
    if guide is None:
        return
    backed = _premises(doc)
    names = {measure_name(i) for i in (*evaluation.measures, *evaluation.statuses)}
    for line in guide.noticed:
        if line.startswith("My ") and any(f"My {name} score" in line for name in names):
            continue  # a score line: built from the scores themselves
        assert line in backed, line
        assert "(not answered)" not in line and "{" not in line


def test_the_same_as_at_the_start_and_no_changes_says_nothing_about_progress() -> None:
    # Leo has had 10 sessions. Compared with the start he feels the same; he has noticed
    # none of the small changes; he and his therapist never review progress.
    answers = {
        **CALM,
        "sessions": 10,
        "compared_to_start": "same",
        "other_changes": ["none"],
        "feels_working": 2,
        "working_together": ["never_reviewed"],
    }
    evaluation = evaluate({"answers": answers})
    assert "unrecognized_progress" not in evaluation.factors()
    guide = build_plan(evaluation, today=TODAY).guide
    assert guide is not None
    assert not any("changed" in line or "changes" in line for line in guide.noticed)
    assert "We have never stopped to look at how therapy is going." in guide.noticed


def test_a_person_who_noticed_changes_is_told_so_in_their_own_words() -> None:
    answers = {**CALM, "sessions": 10, "feels_working": 2, "other_changes": ["sleep_energy"]}
    evaluation = evaluate({"answers": answers})
    assert "unrecognized_progress" in evaluation.factors()
    guide = build_plan(evaluation, today=TODAY).guide
    assert guide is not None
    assert "Since I started, I have noticed a change: My sleep or energy is a bit better." in (
        guide.noticed
    )


def test_danger_from_someone_else_is_never_turned_into_thoughts_of_self_harm() -> None:
    evaluation = evaluate({"answers": {**CALM, "danger_from_others": "yes", "sessions": 5}})
    guide = build_plan(evaluation, today=TODAY).guide
    lines = guide.noticed if guide is not None else ()
    assert not any("hurting myself" in line or "better off dead" in line for line in lines)
