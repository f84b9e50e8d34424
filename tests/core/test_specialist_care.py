"""Specialist care from what the person reports, and quieter findings (issue 12 items 5, 6).

Stories first, answered through the question bank.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from therapycheck.core.checkup import evaluate
from therapycheck.core.plan import build_plan

TODAY = datetime.date(2026, 12, 5)
CALM = {"safe_now": "safe", "harm_worry": "no", "harm_others": "no", "danger_from_others": "no"}
PHQ9_MILD = [1, 1, 1, 1, 1, 1, 1, 0, 0]


def run(answers: dict[str, Any], measures: dict[str, Any] | None = None) -> tuple[Any, Any]:
    evaluation = evaluate({"answers": {**CALM, **answers}, "measures": measures or {}})
    return evaluation, build_plan(evaluation, today=TODAY)


def test_an_eating_problem_seen_by_a_person_centred_counsellor_raises_specialist_care() -> None:
    # Priya sees a person-centred counsellor for her eating. She never asked for a
    # specialist and skipped the question about her counsellor's training.
    evaluation, plan = run(
        {"sessions": 8, "concerns": ["eating"], "approach": "person_centred"},
        {"phq9": PHQ9_MILD},
    )
    assert "therapist_scope" in evaluation.factors()
    assert "seek_specialist" in plan.action_ids()


def test_an_eating_problem_with_a_therapist_rated_as_trained_raises_no_scope_concern() -> None:
    evaluation, _ = run(
        {"sessions": 8, "concerns": ["eating"], "approach": "cbt", "therapist_trained": 5}
    )
    assert "therapist_scope" not in evaluation.factors()


def test_trauma_with_a_high_pcl5_and_no_trauma_focus_raises_specialist_care() -> None:
    # Jon's PCL-5 is 40 (cut-off 31-33); his counsellor does not work on the trauma.
    evaluation, plan = run(
        {"sessions": 10, "concerns": ["trauma"], "approach": "person_centred"},
        {"pcl5": [2] * 20},
    )
    scope = next(f for f in evaluation.findings if f.factor == "therapist_scope")
    assert any("PCL-5" in why and "40 out of 80" in why for why in scope.why)
    assert "seek_specialist" in plan.action_ids()


def test_trauma_in_emdr_raises_no_scope_concern_from_the_screener() -> None:
    evaluation, _ = run(
        {"sessions": 10, "concerns": ["trauma"], "approach": "emdr"}, {"pcl5": [2] * 20}
    )
    scope = [f for f in evaluation.findings if f.factor == "therapist_scope"]
    assert not any("PCL-5" in why for f in scope for why in f.why)


@pytest.mark.parametrize(
    ("answers", "measures"),
    [
        ({"concerns": ["adhd"]}, {"asrs6": [3, 3, 3, 3, 3, 3]}),
        ({"concerns": ["substance_use"]}, {"audit_c": [3, 3, 2]}),
        ({"concerns": ["substance_use"]}, {"dast10": [1, 1, 0, 1, 1, 1, 1, 0, 0, 0]}),
        ({"credential": "coach_unlicensed"}, {"phq9": [3, 3, 3, 3, 2, 2, 2, 2, 0]}),
    ],
    ids=["adhd-screen", "alcohol-screen", "drug-screen", "severe-depression-with-a-coach"],
)
def test_a_positive_screener_raises_specialist_care_whether_or_not_it_was_asked_for(
    answers: dict[str, Any], measures: dict[str, Any]
) -> None:
    evaluation, plan = run({"sessions": 6, **answers}, measures)
    assert "therapist_scope" in evaluation.factors()
    assert "seek_specialist" in plan.action_ids()


def test_a_low_wai_task_score_alone_raises_no_modality_finding() -> None:
    # Court-ordered Dee, 6 sessions, feels therapy is not helping; her WAI-SR "tasks"
    # subscale is low. Nothing says the approach is wrong for her problem.
    wai = [2, 2, 3, 3, 3, 3, 3, 3, 3, 2, 3, 2]  # task items 1, 2, 10, 12 -> 8 of 20
    evaluation, _ = run({"sessions": 6, "chosen": "court", "feels_working": 1}, {"wai_sr": wai})
    assert "modality_fit" not in evaluation.factors()


def test_a_low_wai_task_score_with_a_stated_wish_for_another_way_raises_modality_fit() -> None:
    wai = [2, 2, 3, 3, 3, 3, 3, 3, 3, 2, 3, 2]
    answers = {"sessions": 6, "feels_working": 1, "fit_doubts": ["methods_not_suited"]}
    evaluation, _ = run(answers, {"wai_sr": wai})
    assert "modality_fit" in evaluation.factors()


def test_at_session_two_there_are_no_findings_about_agreements_or_unnoticed_progress() -> None:
    answers = {
        "sessions": 2,
        "working_together": ["no_agreement", "never_reviewed"],
        "other_changes": ["sleep_energy", "coping"],
        "feels_working": 2,
    }
    evaluation, _ = run(answers)
    assert "too_early" in evaluation.factors()
    assert "agreement" not in evaluation.factors()
    assert "unrecognized_progress" not in evaluation.factors()
