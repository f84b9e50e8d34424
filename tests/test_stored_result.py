"""A stored check-up result is read back through one typed reader (core/result.py).

What the core writes (`CheckupReport.to_dict()`) reads back whole and typed; results kept
by earlier versions, with fewer keys, read with empty defaults; anything of the wrong shape
is refused with a ValueError that says where, so no page ever has to guess.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.corpus import corpus
from therapycheck.core.report import checkup_report
from therapycheck.core.result import StoredResult, read_result

DOCUMENTS = corpus(12, seed=13)


def stored(doc: dict[str, Any]) -> dict[str, Any]:
    """The result as the database keeps it: plain JSON, after a trip through text."""
    report = checkup_report(doc, today=dt.date(2026, 12, 5))
    loaded: dict[str, Any] = json.loads(json.dumps(report.to_dict()))
    return loaded


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda d: str(len(d["answers"])))
def test_it_reads_back_every_result_the_core_writes(doc: dict[str, Any]) -> None:
    report = checkup_report(doc, today=dt.date(2026, 12, 5))
    result = read_result(stored(doc))
    assert result.factors() == tuple(f.factor for f in report.findings)
    assert result.action_ids() == tuple(a.action for a in report.plan.actions)
    assert result.crisis == report.crisis
    assert [f.why for f in result.findings] == [f.why for f in report.findings]
    assert result.made_on == dt.date(2026, 12, 5)
    assert set(result.measures) == set(report.evaluation.measures)


def test_it_gives_dates_and_numbers_their_own_types() -> None:
    doc = {
        "actions": [{"action": "give_it_time", "when": "now", "recheck_on": "2027-01-09"}],
        "measures": {"phq9": {"total": 12, "band": "moderate"}, "who5": {"total": 52.5}},
    }
    result = read_result(doc)
    assert result.actions[0].recheck_on == dt.date(2027, 1, 9)
    assert (result.measures["phq9"].total, result.measures["who5"].total) == (12, 52.5)


def test_it_reads_a_result_an_earlier_version_kept_with_fewer_keys() -> None:
    result = read_result({"findings": [{"factor": "too_early", "severity": "low"}]})
    assert result.factors() == ("too_early",)
    assert result.findings[0].why == ()
    assert (result.actions, result.guide, result.switching, result.crisis) == (
        (),
        None,
        None,
        False,
    )


def test_it_ignores_keys_a_later_version_adds() -> None:
    result = read_result({"findings": [], "a_new_section": {"x": 1}, "safety": {"crisis": False}})
    assert result == StoredResult()


@pytest.mark.parametrize(
    ("doc", "where"),
    [
        (None, "a JSON object"),
        (["a", "list"], "a JSON object"),
        ({"findings": "text"}, "findings"),
        ({"findings": [{"factor": "alliance", "why": "one reason"}]}, "findings.0"),
        ({"findings": [{"factor": {"a": 1}, "severity": "low"}]}, "findings.0.factor"),
        ({"findings": [{"factor": "alliance", "severity": "dire"}]}, "findings.0.severity"),
        ({"findings": [{"factor": "x y", "severity": "low"}]}, "findings.0.factor"),
        ({"actions": [{"action": "talk_to_therapist", "when": "someday"}]}, "actions.0.when"),
        ({"actions": [{"action": "give_it_time", "recheck_on": "soon"}]}, "recheck_on"),
        ({"safety": {"crisis": 1}}, "safety.crisis"),
        ({"safety": "yes"}, "safety"),
        ({"guide": 3}, "guide"),
        ({"switching": []}, "switching"),
        ({"measures": {"phq9": {"total": "12"}}}, "measures.phq9.total"),
        ({"measures": {"phq9": {"total": float("nan")}}}, "measures.phq9.total"),
        ({"consultation_questions": [1, 2]}, "consultation_questions.0"),
    ],
)
def test_it_refuses_a_malformed_result_naming_where(doc: Any, where: str) -> None:
    with pytest.raises(ValueError, match="check-up result") as caught:
        read_result(doc)
    assert where in str(caught.value)


def test_it_refuses_a_result_nested_beyond_reason_without_crashing() -> None:
    deep: Any = "x"
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(ValueError, match="check-up result"):
        read_result({"guide": {"noticed": deep}})


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=15,
)
KEYS = st.sampled_from(
    ["findings", "actions", "safety", "guide", "switching", "measures", "statuses", "made_on"]
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(KEYS, JSON) | JSON)
def test_any_json_gives_a_typed_result_or_a_value_error(doc: Any) -> None:
    try:
        result = read_result(doc)
    except ValueError:
        return
    assert isinstance(result, StoredResult)
