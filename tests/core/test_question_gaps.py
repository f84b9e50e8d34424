"""Question bank gaps a person runs into (issue 12 item 8), each told as a story."""

from __future__ import annotations

import datetime
from typing import Any

from therapycheck.core.checkup import evaluate, question_bank
from therapycheck.core.plan import build_plan

TODAY = datetime.date(2026, 12, 5)
CALM = {"safe_now": "safe", "harm_worry": "no", "harm_others": "no", "danger_from_others": "no"}


def run(answers: dict[str, Any], measures: dict[str, Any] | None = None) -> tuple[Any, Any]:
    evaluation = evaluate({"answers": {**CALM, **answers}, "measures": measures or {}})
    return evaluation, build_plan(evaluation, today=TODAY)


def test_a_therapist_who_talks_about_their_own_problems_is_a_problem_to_raise() -> None:
    evaluation, plan = run({"sessions": 9, "conduct": ["own_problems"]})
    assert "alliance" in evaluation.factors()
    assert "boundary_violation" not in evaluation.factors()
    assert "report_misconduct" not in plan.action_ids()


def test_a_therapist_who_cancels_often_raises_the_schedule() -> None:
    evaluation, plan = run({"sessions": 9, "conduct": ["cancels"]})
    assert "logistics" in evaluation.factors()
    assert "adjust_schedule" in plan.action_ids()


def test_abuse_as_a_reason_for_therapy_offers_the_ptsd_checklist() -> None:
    assert "pcl5" in question_bank().measures_offered({"concerns": ["abuse"]})


def test_it_is_working_and_i_feel_ready_to_end_is_a_result_with_a_plan_for_ending() -> None:
    # Mia, 16 sessions: much better, feels ready to cut down.
    answers = {
        "sessions": 16,
        "feels_working": 5,
        "compared_to_start": "much_better",
        "thinking_of_ending": "working_ending",
    }
    evaluation, plan = run(answers)
    assert "not_improving" not in evaluation.factors()
    assert plan.action_ids()[0] == "plan_ending"
    assert all(f.severity == "low" for f in evaluation.findings)


def test_thinking_of_ending_because_it_does_not_help_asks_for_a_review() -> None:
    evaluation, plan = run({"sessions": 12, "thinking_of_ending": "stuck_ending"})
    assert "not_improving" in evaluation.factors()
    assert "review_progress_together" in plan.action_ids()
    assert "plan_ending" not in plan.action_ids()


def test_feeling_worse_in_the_last_few_weeks_is_heard() -> None:
    evaluation, _ = run({"sessions": 7, "compared_to_start": "same", "recent_change": "worse"})
    assert "feeling_worse_unaddressed" in evaluation.factors()


def test_structure_is_asked_apart_from_advice_and_only_when_the_style_does_not_suit() -> None:
    bank = question_bank()
    shown = {q.id for q in bank.visible({"style_match": 2})}
    assert "wants_structure" in shown
    assert "wants_structure" not in {q.id for q in bank.visible({"style_match": 5})}
    evaluation, _ = run(
        {"sessions": 6, "style_match": 3, "wants_structure": 5, "expecting": ["none"]}
    )
    assert "style_culture_fit" in evaluation.factors()


def test_the_alcohol_screener_uses_the_cut_off_the_person_chose() -> None:
    # AUDIT-C 3: positive for women, not for men (Bradley et al. 2007; Bush et al. 1998).
    alcohol = {"concerns": ["substance_use"], "substance_kind": ["alcohol"]}
    woman, _ = run({**alcohol, "screening_sex": "female"}, {"audit_c": [1, 1, 1]})
    man, _ = run({**alcohol, "screening_sex": "male"}, {"audit_c": [1, 1, 1]})
    assert "positive_screen" in woman.measures["audit_c"].flags
    assert "positive_screen" not in man.measures["audit_c"].flags


def test_the_drug_screener_is_offered_for_drugs_and_not_for_alcohol_alone() -> None:
    bank = question_bank()
    base = {"concerns": ["substance_use"]}
    assert set(bank.measures_offered({**base, "substance_kind": ["alcohol"]})) >= {"audit_c"}
    assert "dast10" not in bank.measures_offered({**base, "substance_kind": ["alcohol"]})
    assert "audit_c" not in bank.measures_offered({**base, "substance_kind": ["drugs"]})
    assert {"audit_c", "dast10"} <= set(bank.measures_offered(base))  # not said: both
