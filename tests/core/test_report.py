"""The check-up report: the DESIGN.md JSON contract and the shareable Markdown, safety first."""

from __future__ import annotations

import datetime
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from therapycheck.core.checkup import AnswersError, evaluate
from therapycheck.core.checkup.evaluate import finding_order
from therapycheck.core.checkup.model import FACTOR_IDS, Context, Evaluation, Finding
from therapycheck.core.report import (
    CheckupReport,
    checkup_report,
    report_from_evaluation,
)

TODAY = datetime.date(2026, 11, 21)
# PHQ-9 item 9 answered above 0: the safety response (REFERENCES.md §1).
ITEM_NINE = {"answers": {"sessions": 10}, "measures": {"phq9": [1, 1, 1, 1, 1, 1, 1, 1, 2]}}
CALM = {"answers": {"sessions": 10, "trust": 2, "heard": 2, "safe_now": "safe"}}


def finding(factor: str, severity: str = "medium") -> Finding:
    return Finding(factor=factor, severity=severity, why=(f"because of {factor}",))  # type: ignore[arg-type]


def test_to_dict_carries_the_contract_keys() -> None:
    doc = checkup_report(CALM, country="US", today=TODAY).to_dict()
    assert {"findings", "actions", "safety"} <= set(doc)
    assert all({"factor", "severity", "why"} <= set(f) for f in doc["findings"])
    assert all({"action", "when", "steps"} <= set(a) for a in doc["actions"])
    assert {"crisis", "resources"} <= set(doc["safety"])
    json.dumps(doc)  # plain JSON all the way down, measures included


def test_item_nine_makes_a_crisis_report_with_safety_first() -> None:
    report = checkup_report(ITEM_NINE, country="IE", today=TODAY)
    doc = report.to_dict()
    assert doc["safety"]["crisis"] is True
    assert doc["findings"][0]["factor"] == "safety_crisis"
    assert doc["actions"][0]["action"] == "crisis_support_now"
    text = report.to_markdown()
    assert text.index("## Your safety comes first") < text.index("## What we found")
    assert "116 123" in text


def test_without_a_crisis_the_help_section_comes_last() -> None:
    text = checkup_report(CALM, country="AU", today=TODAY).to_markdown()
    assert "Your safety comes first" not in text
    assert text.index("## What we found") < text.index("## If you ever need help fast")
    assert "13 11 14" in text


def test_the_markdown_names_the_scores_and_disclaims_diagnosis() -> None:
    text = checkup_report(ITEM_NINE, today=TODAY).to_markdown()
    assert "| PHQ-9 | 10 |" in text
    assert "does not diagnose" in text


def test_an_explicit_country_wins_over_the_answers_file() -> None:
    report = checkup_report({**ITEM_NINE, "country": "NZ"}, country="FR", today=TODAY)
    assert report.plan.safety.country == "FR"
    assert checkup_report({**ITEM_NINE, "country": "NZ"}, today=TODAY).plan.safety.country == "NZ"


def test_an_invalid_answer_raises_naming_the_question() -> None:
    with pytest.raises(AnswersError) as caught:
        checkup_report({"answers": {"trust": 42}})
    assert caught.value.question_id == "trust"


def test_safety_and_misconduct_outrank_any_severity() -> None:
    found = (
        finding("alliance", "urgent"),
        finding("boundary_violation", "high"),
        finding("logistics", "low"),
        finding("safety_crisis", "medium"),
        finding("unclear_goals", "high"),
    )
    order = [f.factor for f in sorted(found, key=finding_order)]
    assert order == [
        "safety_crisis",
        "boundary_violation",
        "alliance",
        "unclear_goals",
        "logistics",
    ]


def test_the_report_keeps_the_evaluators_order_of_findings() -> None:
    evaluation = evaluate(ITEM_NINE)
    report = report_from_evaluation(evaluation, today=TODAY)
    assert report.findings == evaluation.findings
    assert [f["factor"] for f in report.to_dict()["findings"]] == list(evaluation.factors())


def test_the_report_date_is_shown() -> None:
    report = report_from_evaluation(Evaluation(findings=(), context=Context()), today=TODAY)
    assert "2026-11-21" in report.to_markdown()
    assert report.to_dict()["made_on"] == "2026-11-21"


@settings(max_examples=100, deadline=None)
@given(
    factors=st.lists(st.sampled_from(FACTOR_IDS), max_size=6, unique=True),
    severities=st.lists(
        st.sampled_from(["urgent", "high", "medium", "low"]), min_size=6, max_size=6
    ),
    crisis=st.booleans(),
)
def test_any_evaluation_gives_a_json_report_with_safety_first_when_needed(
    factors: list[str], severities: list[str], crisis: bool
) -> None:
    ev = Evaluation(
        findings=tuple(finding(f, s) for f, s in zip(factors, severities, strict=False)),
        context=Context(),
        safety_reasons=("not safe",) if crisis else (),
    )
    report = report_from_evaluation(ev, country="US", today=TODAY)
    assert isinstance(report, CheckupReport)
    doc = json.loads(json.dumps(report.to_dict()))
    text = report.to_markdown()
    if crisis or "safety_crisis" in factors:
        assert doc["safety"]["crisis"] is True
        assert doc["actions"][0]["action"] == "crisis_support_now"
        assert text.index("Your safety comes first") < text.index("What we found")
    else:
        assert doc["safety"]["crisis"] is False
