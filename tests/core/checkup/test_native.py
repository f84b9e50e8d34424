"""The compiled fast path (`_native.pyx`) gives exactly what the Python evaluator gives.

Every test here compares the two on the same input: every field of the evaluation, or
the same error. The compiled path may give up on a document (then `evaluate` uses the
Python path), but it may never give a different answer.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import random
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.core.checkup.test_evaluate import _ANSWER_SETS, _HISTORY, _MEASURES
from therapycheck.core.checkup import AnswersError, parse_answers, question_bank, rule_set
from therapycheck.core.checkup.conditions import State, walk
from therapycheck.core.checkup.evaluate import evaluate, evaluate_python, native_engine, state_for

sys.path.append(str(Path(__file__).resolve().parents[3] / "benchmarks"))
from _corpus import corpus

ENGINE = native_engine()
needs_native = pytest.mark.skipif(ENGINE is None, reason="the compiled check-up is not built")


def _plain(value: Any) -> Any:
    """Every field, recursively, with class names, so any difference shows."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"__class__": type(value).__name__, **fields}
    if isinstance(value, dict):
        return {repr(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [type(value).__name__, *(_plain(v) for v in value)]
    if isinstance(value, float | int | bool):
        return (type(value).__name__, value)
    return value


def _outcome(evaluator: Any, doc: Any, **kwargs: Any) -> Any:
    try:
        return _plain(evaluator(doc, **kwargs))
    except AnswersError as exc:
        return ("error", exc.question_id, str(exc))


def _assert_same(doc: Any, **kwargs: Any) -> None:
    assert _outcome(evaluate, doc, **kwargs) == _outcome(evaluate_python, doc, **kwargs)


def _point(session: int, score: int) -> dict[str, int]:
    return {"session": session, "score": score}


def test_the_compiled_check_up_is_built_in_ci() -> None:
    # CI must measure and test the compiled path, not silently fall back to Python.
    if os.environ.get("CI") == "true":
        assert ENGINE is not None, "make setup did not build core/checkup/_native.pyx"


@needs_native
def test_it_evaluates_the_corpus_itself_and_agrees_on_every_field() -> None:
    assert ENGINE is not None
    docs = corpus(300, seed=11)
    for doc in docs:
        native = ENGINE.evaluate_doc(doc, None)
        assert native is not None, "a plain full answer set should not need the Python path"
        assert _plain(native) == _plain(evaluate_python(doc))


@needs_native
def test_it_agrees_on_documents_read_from_json_and_stores_answers_under_the_banks_ids() -> None:
    # A parsed document's keys and option ids are new strings, not the bank's objects.
    assert ENGINE is not None
    bank_ids = {q.id: q.id for q in question_bank().questions}
    for doc in corpus(100, seed=12):
        received = json.loads(json.dumps(doc))
        native = ENGINE.evaluate_doc(received, None)
        assert native is not None
        assert _plain(native) == _plain(evaluate_python(received))
        assert all(sys.intern(bank_ids[qid]) is qid for qid in native.answers)


@needs_native
def test_it_agrees_when_the_country_is_given() -> None:
    for doc in corpus(20, seed=5):
        _assert_same(doc, country="US")


@needs_native
def test_it_agrees_on_already_parsed_answers() -> None:
    for doc in corpus(60, seed=12):
        parsed = parse_answers(doc)
        assert _plain(evaluate(parsed)) == _plain(evaluate_python(parsed))


_ODD_VALUES: tuple[Any, ...] = (True, False, 3.0, 3.5, "nope", "skip", None, [1], (), -1, {}, "")


@needs_native
def test_it_agrees_on_documents_with_one_odd_answer_or_item() -> None:
    rng = random.Random(3)
    for doc in corpus(150, seed=13):
        answers = copy.deepcopy(doc)
        answers["answers"][rng.choice(list(answers["answers"]))] = rng.choice(_ODD_VALUES)
        _assert_same(answers)
        if doc["measures"]:
            items = copy.deepcopy(doc)
            name = rng.choice(list(items["measures"]))
            values = items["measures"][name]
            values[rng.randrange(len(values))] = rng.choice((*_ODD_VALUES, 9, "1"))
            _assert_same(items)


@needs_native
@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: d.update(country=" gb "), id="country-with-spaces"),
        pytest.param(lambda d: d.update(country="G7"), id="bad-country"),
        pytest.param(lambda d: d.update(extra=1), id="unknown-top-level-key"),
        pytest.param(lambda d: d["measures"].update({"PHQ-9": [1] * 9}), id="instrument-alias"),
        pytest.param(lambda d: d["measures"].update(phq9="skip"), id="skipped-questionnaire"),
        pytest.param(lambda d: d["measures"].update(phq9=(1,) * 9), id="items-as-a-tuple"),
        pytest.param(lambda d: d.update(history={"phq9": []}), id="empty-history"),
        pytest.param(
            lambda d: d.update(history={"phq9": [_point(3, 9), _point(1, 14)]}),
            id="history-out-of-order",
        ),
        pytest.param(
            lambda d: d.update(history={"gad7": [{**_point(1, 9), "date": "2026-01-05"}]}),
            id="history-with-a-date",
        ),
        pytest.param(
            lambda d: d.update(history={"phq9": [{"session": 1, "score": 99}]}),
            id="history-score-out-of-range",
        ),
        pytest.param(
            lambda d: d.update(history={"phq9": [_point(1, 14), _point(1, 9)]}),
            id="history-with-a-repeated-session",
        ),
        pytest.param(
            lambda d: d.update(history={"phq9": [_point(1, 14), _point(4, 9), _point(2, 11)]}),
            id="history-that-goes-back-after-two-in-order",
        ),
        pytest.param(
            lambda d: d.update(history={"PHQ-9": [_point(1, 14), _point(2, 9)]}),
            id="history-under-an-alias",
        ),
        pytest.param(
            lambda d: (
                d["answers"].update(sessions=3),
                d.update(history={"phq9": [_point(1, 14), _point(5, 9)]}),
            ),
            id="history-past-the-sessions-answered",
        ),
        pytest.param(lambda d: d["answers"].update(sessions=1), id="two-sessions-or-fewer"),
        pytest.param(lambda d: d["answers"].update(nonsense="yes"), id="unknown-question"),
        pytest.param(lambda d: d["answers"].update(safe_now="not_safe"), id="crisis"),
        pytest.param(lambda d: d["answers"].update(dual_relationship="yes"), id="misconduct"),
    ],
)
def test_it_agrees_on_unusual_documents(change: Any) -> None:
    for doc in corpus(8, seed=14):
        changed = copy.deepcopy(doc)
        change(changed)
        _assert_same(changed)


@needs_native
def test_it_gives_up_rather_than_guess_on_what_only_the_python_path_handles() -> None:
    assert ENGINE is not None
    doc = corpus(1, seed=15)[0]
    doc["measures"]["phq9"] = ["Not at all"] * 9  # option labels, read by the Python path
    assert ENGINE.evaluate_doc(doc, None) is None
    assert evaluate(doc).measures["phq9"].total == 0


@needs_native
def test_every_rule_condition_gives_the_same_answer_compiled_and_in_python() -> None:
    from therapycheck.core.checkup import _native

    rules = rule_set()
    questions = {q.id: q for q in question_bank().questions}
    # Rules that use named conditions are compared through whole evaluations above.
    nodes = {
        r.id: _native.compile_cond(r.when, questions, None)
        for r in rules.rules
        if not any(cond.ref is not None for cond in walk(r.when))
    }
    assert len(nodes) > 60
    for doc in corpus(80, seed=16):
        state: State = state_for(parse_answers(doc))
        for rule in rules.rules:
            if rule.id in nodes:
                native = _native.test_condition(
                    nodes[rule.id],
                    state.answers,
                    state.items,
                    state.scores,
                    state.statuses,
                    state.facts,
                )
                assert native is rule.pred(state), rule.id


@needs_native
def test_every_why_line_that_quotes_scores_is_built_as_the_python_path_builds_it() -> None:
    from therapycheck.core.checkup import _native

    rules = [r for r in rule_set().rules if r.template.constant is None and r.template.paths == ()]
    assert len(rules) > 20
    checked = 0
    # Missing questionnaires and statuses, bands, subscales, items and facts all come up.
    for doc in corpus(80, seed=17):
        state: State = state_for(parse_answers(doc))
        for rule in rules:
            line = _native.render_line(
                rule.template.parts,
                state.answers,
                state.items,
                state.scores,
                state.statuses,
                state.facts,
            )
            assert line is not None, rule.id
            assert line == rule.template.render(state), rule.id
            checked += 1
    assert checked == 80 * len(rules)


@needs_native
@pytest.mark.parametrize(
    "score",
    [
        pytest.param(None, id="no-score"),
        pytest.param(
            SimpleNamespace(
                total=12.0,
                band=None,
                subscales={"bond": 12.5},
                instrument=SimpleNamespace(short_name="WAI"),
            ),
            id="float-total-no-band-half-subscale",
        ),
        pytest.param(
            SimpleNamespace(
                total=7.5,
                band=SimpleNamespace(label="Mild"),
                subscales={"bond": 9.0},
                instrument=SimpleNamespace(short_name="WAI"),
            ),
            id="fractional-total-whole-float-subscale",
        ),
    ],
)
def test_a_why_line_is_built_the_same_for_unusual_scores(score: Any) -> None:
    from therapycheck.core.checkup import _native, rules

    template = rules._compile_template(
        "{m.wai_sr.total} ({m.wai_sr.band}), {m.wai_sr.name}: bond {m.wai_sr.sub.bond}, "
        "goal {m.wai_sr.sub.goal}; {s.wai_sr} {f.approach_mismatch} {a.frequency}.",
        question_bank(),
        "test",
    )
    scores = {} if score is None else {"wai_sr": score}
    statuses = {"wai_sr": SimpleNamespace(explanation="About the same.")}
    facts = {"approach_mismatch.text": "Another approach may fit better."}
    for answers in ({}, {"frequency": "weekly"}, {"frequency": "not-an-option"}, {"frequency": 3}):
        state = State(answers, {}, scores, statuses, facts)
        expected = template.render(state)
        assert _native.render_line(template.parts, answers, {}, scores, statuses, facts) == expected


@needs_native
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=_ANSWER_SETS, measures=_MEASURES, history=_HISTORY)
def test_random_valid_answer_sets_give_the_same_evaluation(
    answers: dict[str, Any], measures: dict[str, Any], history: dict[str, Any]
) -> None:
    _assert_same({"answers": answers, "measures": measures, "history": history})


@dataclasses.dataclass(frozen=True, slots=True)
class _Slotted:
    left: int
    right: int


@dataclasses.dataclass(frozen=True)
class _WithDict:
    left: int


@needs_native
def test_it_fills_slotted_results_only_and_refuses_a_class_with_an_instance_dict() -> None:
    from therapycheck.core.checkup import _native

    _native._Layout(_Slotted)  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match=r"_WithDict\.left is not a slot"):
        _native._Layout(_WithDict)  # type: ignore[attr-defined]


@needs_native
def test_compiled_results_are_the_same_slotted_instances_as_python_ones() -> None:
    doc = corpus(3)[2]  # one with earlier scores
    compiled, reference = evaluate(doc), evaluate_python(doc)
    for made, expected in ((compiled, reference), (compiled.context, reference.context)):
        assert type(made) is type(expected)
        assert made == expected
        assert not hasattr(made, "__dict__")
    for made, expected in zip(compiled.findings, reference.findings, strict=True):
        assert type(made) is type(expected)
        assert made == expected
        assert not hasattr(made, "__dict__")
    assert compiled.statuses  # the corpus gives earlier scores
    for inst, status in compiled.statuses.items():
        assert status == reference.statuses[inst]
        assert not hasattr(status, "__dict__")
        assert all(not hasattr(point, "__dict__") for point in status.points)
