"""The grouped, strongest-first rule function agrees with each rule tested alone."""

import json
from pathlib import Path

import pytest

from therapycheck.core.checkup import parse_answers
from therapycheck.core.checkup.conditions import State
from therapycheck.core.checkup.evaluate import _facts
from therapycheck.core.checkup.modalities import modalities
from therapycheck.core.checkup.rules import rule_set

VIGNETTES = sorted((Path(__file__).parent / "vignettes").glob("*.json"))


@pytest.mark.parametrize("path", VIGNETTES, ids=lambda p: p.stem)
def test_fire_grouped_gives_the_same_rules_by_factor_strongest_first(path: Path) -> None:
    parsed = parse_answers(json.loads(path.read_text())["input"])
    rules = rule_set()
    state = State(
        answers=parsed.answers,
        items=parsed.measures,
        scores=parsed.scores,
        statuses=parsed.statuses,
        facts=_facts(parsed.answers, modalities()),
    )
    args = (state.answers, state.items, state.scores, state.statuses, state.facts)
    in_file_order = [n for n, rule in enumerate(rules.rules) if rule.pred(state)]
    assert in_file_order, "every vignette fires at least one rule"
    ranked = sorted(in_file_order, key=lambda n: (rules.rules[n].order, n))
    expected: dict[str, list[str]] = {}
    for n in ranked:
        expected.setdefault(rules.rules[n].factor, []).append(rules.rules[n].id)
    grouped = rules.fire_grouped(*args)
    assert {factor: [r.id for r in group] for factor, group in grouped.items()} == expected
    assert all(grouped.values()), "a factor with no rule that fires is left out"
