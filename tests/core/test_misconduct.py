"""Misconduct means leaving safely: nothing in any output sends the person back.

Issue 12 item 3: when `boundary_violation` is found, no action, step, guide line or
checklist item asks the person to do anything with that therapist, in any output; and
conduct is graded (being brushed off is a problem to raise or leave over, not misconduct).
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest

from therapycheck.core.checkup import FACTOR_IDS, evaluate
from therapycheck.core.checkup.model import Context, Evaluation, Finding
from therapycheck.core.plan import ACTION_IDS, _data, build_plan
from therapycheck.core.report import report_from_evaluation

TODAY = datetime.date(2026, 12, 5)
CALM = {"safe_now": "safe", "harm_worry": "no", "harm_others": "no", "danger_from_others": "no"}
# Words that send a person back to the therapist they have: "your therapist" asked,
# told or shown something, sessions with them, or a closing talk.
BACK_TO_THEM = re.compile(
    r"(ask|tell|show|share[^.]*with) your therapist|your therapist to|"
    r"\b(each|next|your next|in) session\b|ask for a closing session|bring [^.]* to each session|"
    r"talk(ing)? it through",
    re.IGNORECASE,
)
# The steps that only describe the therapist, never ask the person to go back.
REPORTING_ONLY = {"report_misconduct"}
REVIEW_DUE = {"phq9": {"status": "not_improving", "review_due": True, "numbers": {}}}


def misconduct_plus(other: str) -> Evaluation:
    findings = [Finding("boundary_violation", "urgent", ("You said your therapist followed you.",))]
    if other != "boundary_violation":
        findings.append(Finding(other, "medium", (f"because of {other}",)))  # type: ignore[arg-type]
    reasons = ("You said you are not safe.",) if other == "safety_crisis" else ()
    return Evaluation(
        findings=tuple(findings),
        context=Context(sessions=14, country="GB"),
        statuses=dict(REVIEW_DUE),
        safety_reasons=reasons,
        dangers=("unspecified",) if reasons else (),
    )


def all_text(report_doc: dict[str, Any], markdown: str) -> list[str]:
    lines = [step for action in report_doc["actions"] for step in action["steps"]]
    lines += [a["title"] for a in report_doc["actions"]]
    if report_doc["switching"]:
        lines += [i for section in report_doc["switching"]["sections"] for i in section["items"]]
    lines += report_doc["safety"]["steps"]
    return [*lines, *markdown.splitlines()]


@pytest.mark.parametrize("other", FACTOR_IDS)
def test_no_output_asks_the_person_to_go_back_to_a_therapist_who_harmed_them(other: str) -> None:
    evaluation = misconduct_plus(other)
    plan = build_plan(evaluation, today=TODAY)
    assert plan.actions[0].action in ("crisis_support_now", "report_misconduct")
    assert "report_misconduct" in plan.action_ids()
    for action in plan.actions:
        assert not _data().actions[action.action].with_current_therapist, action.action
    assert plan.guide is None
    assert plan.switching is not None and not plan.switching.closure_advised
    report = report_from_evaluation(evaluation, today=TODAY)
    doc = json.loads(json.dumps(report.to_dict()))
    assert doc["guide"] is None
    checked = [a for a in doc["actions"] if a["action"] not in REPORTING_ONLY]
    text = all_text({**doc, "actions": checked}, report.to_markdown())
    leaks = [line for line in text if BACK_TO_THEM.search(line)]
    assert leaks == [], leaks


@pytest.mark.parametrize("action", ACTION_IDS)
def test_every_action_that_can_follow_misconduct_has_steps_without_that_therapist(
    action: str,
) -> None:
    data = _data().actions[action]
    if data.with_current_therapist or action in REPORTING_ONLY:
        return
    steps = data.without_current_therapist or data.steps
    assert not [s for s in steps if BACK_TO_THEM.search(s)], action


def test_the_report_route_is_the_persons_countrys() -> None:
    result = evaluate({"answers": {**CALM, "conduct": ["followed"]}, "country": "AU"})
    plan = build_plan(result, today=TODAY)
    report = next(a for a in plan.actions if a.action == "report_misconduct")
    assert any("Ahpra" in step for step in report.steps)
    assert not any("{" in step for step in report.steps)


def test_being_brushed_off_is_a_problem_to_raise_or_leave_not_misconduct_to_report() -> None:
    # Ana's therapist keeps brushing off what she says. Nothing else is wrong.
    result = evaluate({"answers": {**CALM, "conduct": ["dismissed"], "sessions": 6}})
    assert "boundary_violation" not in result.factors()
    assert "feedback_response" in result.factors()
    plan = build_plan(result, today=TODAY)
    assert "report_misconduct" not in plan.action_ids()


@pytest.mark.parametrize("conduct", ["touched", "threatened", "followed", "exploited"])
def test_exploitation_sexual_contact_threats_and_stalking_are_misconduct(conduct: str) -> None:
    result = evaluate({"answers": {**CALM, "conduct": [conduct]}})
    assert result.factors()[0] == "boundary_violation"
    assert build_plan(result, today=TODAY).actions[0].action == "report_misconduct"


def test_a_stalked_person_is_never_told_that_talking_it_through_helps() -> None:
    answers = {**CALM, "conduct": ["followed"], "rupture": "not_talked", "trust": 1}
    result = evaluate({"answers": answers})
    assert "alliance" in result.factors()
    lines = [why for finding in result.findings for why in finding.why]
    assert not [line for line in lines if BACK_TO_THEM.search(line)]


# Advice that sends the person back, as it can appear in a finding's why line.
ADVICE = re.compile(
    r"\b(review|talk|look at|raise|name|mention)\b[^.]*\b(with your therapist|together)\b|"
    r"tell your therapist (soon|at)",
    re.IGNORECASE,
)


def test_no_finding_after_misconduct_advises_a_talk_with_that_therapist() -> None:
    # Sam's therapist follows him. 14 sessions, PHQ-9 flat at 17, worse than at the start
    # and not talked about, a rupture not talked about.
    history = [{"session": n, "score": s} for n, s in ((1, 17), (5, 16), (10, 18), (14, 17))]
    answers = {
        **CALM,
        "sessions": 14,
        "conduct": ["followed"],
        "trust": 1,
        "rupture": "not_talked",
        "compared_to_start": "bit_worse",
        "worse_discussed": "not_yet",
    }
    result = evaluate({"answers": answers, "history": {"phq9": history}})
    assert {"boundary_violation", "not_improving", "alliance"} <= set(result.factors())
    lines = [why for finding in result.findings for why in finding.why]
    assert not [line for line in lines if ADVICE.search(line)], lines


def test_misconduct_with_a_flat_series_does_not_add_a_progress_review_back() -> None:
    history = {"phq9": [{"session": n, "score": s} for n, s in ((1, 17), (5, 16), (9, 18))]}
    doc = {
        "answers": {**CALM, "conduct": ["touched"], "sessions": 14},
        "measures": {"phq9": [2, 2, 2, 2, 2, 2, 2, 2, 0]},
        "history": history,
    }
    plan = build_plan(evaluate(doc), today=TODAY)
    assert "review_progress_together" not in plan.action_ids()
