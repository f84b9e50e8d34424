"""The evaluator: ordering, safety, tempering, measurement and robustness."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

from tests.strategies import ANSWER_SETS, HISTORIES, MEASURES
from therapycheck.core.checkup import (
    FACTOR_IDS,
    SEVERITY_RANK,
    Evaluation,
    evaluate,
    parse_answers,
)
from therapycheck.core.checkup.rules import rule_set

SAFE = {"safe_now": "safe", "harm_worry": "no"}
NO_SAFETY_ITEM = [2, 2, 2, 2, 2, 2, 2, 2, 0]
# Many concerns at once: every non-safety factor with at least one strong signal.
MANY_PROBLEMS: dict[str, Any] = {
    "sessions": 12,
    "trust": 1,
    "heard": 1,
    "style_match": 1,
    "culture_understood": 1,
    "raised_concerns": "punished",
    "compared_to_start": "much_worse",
    "worse_discussed": "brushed_off",
    "expecting": ["fast", "all_gone", "no_clear_goal"],
    "approach": "cbt",
    "concerns": ["trauma", "eating"],
    "fit_doubts": ["methods_not_suited"],
    "credential": "coach_unlicensed",
    "therapist_trained": 1,
    "chosen": "court",
    "in_therapy": ["ambivalent", "holding_back", "too_comfortable"],
    "barriers": ["cost", "housing", "schedule"],
    "health_signs": ["severe", "substance"],
    "hint_known": "no",
    "working_together": ["no_agreement"],
    "conduct": ["mocked"],
}


def _factors(result: Evaluation) -> list[str]:
    return list(result.factors())


def _assert_ordered(result: Evaluation) -> None:
    factors = _factors(result)
    pinned = [f for f in ("safety_crisis", "boundary_violation") if f in factors]
    assert factors[: len(pinned)] == pinned
    rest = result.findings[len(pinned) :]
    keys = [(SEVERITY_RANK[f.severity], -f.strength) for f in rest]
    assert keys == sorted(keys)


def test_safety_comes_first_even_with_many_other_findings() -> None:
    result = evaluate({"answers": {**MANY_PROBLEMS, "safe_now": "not_safe"}})
    assert _factors(result)[0] == "safety_crisis"
    assert result.findings[0].severity == "urgent"
    assert len(result.findings) >= 10
    assert result.crisis and result.safety_reasons
    _assert_ordered(result)


def test_phq9_item_nine_alone_raises_the_crisis_response() -> None:
    result = evaluate({"answers": SAFE, "measures": {"phq9": [0, 0, 0, 0, 0, 0, 0, 0, 1]}})
    assert _factors(result) == ["safety_crisis"]
    assert "PHQ-9" in result.safety_reasons[0]


def test_core10_item_six_raises_the_crisis_response() -> None:
    items = [0, 4, 4, 0, 0, 1, 0, 0, 0, 0]
    result = evaluate({"answers": SAFE, "measures": {"core10": items}})
    assert result.crisis and "CORE-10" in result.safety_reasons[0]


def test_no_safety_signal_means_no_crisis() -> None:
    result = evaluate({"answers": {**MANY_PROBLEMS, **SAFE}, "measures": {"phq9": NO_SAFETY_ITEM}})
    assert "safety_crisis" not in _factors(result)
    assert not result.crisis and result.safety_reasons == ()


def test_boundary_violation_comes_before_every_non_safety_finding() -> None:
    result = evaluate({"answers": {**MANY_PROBLEMS, **SAFE}})
    assert _factors(result)[0] == "boundary_violation"
    _assert_ordered(result)


def test_a_therapist_who_is_a_friend_is_misconduct_not_a_style_issue() -> None:
    answers = {**SAFE, "dual_relationship": "yes", "dual_kind": ["friend"], "trust": 5}
    finding = evaluate({"answers": answers}).findings[0]
    assert finding.factor == "boundary_violation"
    assert finding.severity in ("urgent", "high")
    assert any("friend" in line for line in finding.why)


def test_too_early_tempers_fit_findings_but_not_safety_or_misconduct() -> None:
    answers = {
        "sessions": 1,
        "style_match": 1,
        "trust": 1,
        "safe_now": "not_safe",
        "dual_relationship": "yes",
        "dual_kind": ["romantic"],
    }
    result = evaluate({"answers": answers})
    by_factor = {f.factor: f for f in result.findings}
    assert _factors(result)[:2] == ["safety_crisis", "boundary_violation"]
    assert by_factor["safety_crisis"].severity == "urgent"
    assert by_factor["boundary_violation"].severity == "urgent"
    # Without "too early" these two are medium; with it they drop one level.
    assert by_factor["style_culture_fit"].severity == "low"
    assert by_factor["alliance"].severity == "low"
    assert by_factor["alliance"].evidence["tempered_by"] == "too_early"
    later = evaluate({"answers": {**answers, "sessions": 10}})
    assert {f.factor: f for f in later.findings}["alliance"].severity == "medium"


def test_modality_fit_is_never_raised_from_the_label_alone() -> None:
    label_only = {"approach": "cbt", "concerns": ["trauma"], "sessions": 12}
    assert "modality_fit" not in _factors(evaluate({"answers": label_only}))
    stuck = {**label_only, "feels_working": 1, "compared_to_start": "same"}
    finding = next(f for f in evaluate({"answers": stuck}).findings if f.factor == "modality_fit")
    assert any("EMDR" in line for line in finding.why)


def test_trauma_focused_cbt_is_a_good_fit_for_trauma() -> None:
    answers = {
        "approach": "cbt",
        "concerns": ["trauma"],
        "cbt_trauma_focus": "yes",
        "feels_working": 1,
        "sessions": 12,
    }
    finding_ids = [f.evidence["rules"] for f in evaluate({"answers": answers}).findings]
    assert not any("approach_mismatch_no_progress" in ids for ids in finding_ids)


def _history(scores: list[int]) -> list[dict[str, int]]:
    return [{"session": n, "score": s} for n, s in enumerate(scores, start=1)]


def test_reliable_improvement_raises_unrecognized_progress() -> None:
    # PHQ-9 18 -> 11: a fall of 7 is reliable (NHS Talking Therapies: 6 points).
    doc = {"answers": {"feels_working": 2}, "history": {"phq9": _history([18, 15, 11])}}
    result = evaluate(doc)
    assert _factors(result)[0] == "unrecognized_progress"
    assert "11" in " ".join(result.findings[0].why)


def test_measured_improvement_silences_modality_fit_from_a_gloomy_feeling() -> None:
    answers = {"approach": "cbt", "concerns": ["trauma"], "feels_working": 1}
    doc = {"answers": answers, "history": {"phq9": _history([18, 15, 11])}}
    assert "modality_fit" not in _factors(evaluate(doc))


def test_deterioration_strengthens_feeling_worse() -> None:
    worse = {"compared_to_start": "bit_worse"}
    plain = evaluate({"answers": worse}).findings[0]
    # GAD-7 up by 4 or more is reliable deterioration (NHS Talking Therapies).
    measured = evaluate({"answers": worse, "history": {"gad7": _history([8, 10, 13])}})
    finding = next(f for f in measured.findings if f.factor == "feeling_worse_unaddressed")
    assert finding.strength > plain.strength


def test_a_setback_along_the_way_is_a_finding_though_the_latest_score_is_near_the_first() -> None:
    # PHQ-9 9 -> 17 -> 12: not reliably worse overall (3 points), but reliably worse from
    # session 1 to 2 (8 points, above the 6 needed).
    result = evaluate({"answers": {}, "history": {"phq9": _history([9, 17, 12])}})
    finding = next(f for f in result.findings if f.factor == "feeling_worse_unaddressed")
    assert finding.evidence["rules"] == ["scores_setback_phq9"]
    assert "Along the way, your score rose from 9" in finding.why[0]


def test_a_setback_is_no_finding_once_the_scores_are_reliably_better_overall() -> None:
    result = evaluate({"answers": {}, "history": {"phq9": _history([20, 12, 19, 8])}})
    assert "feeling_worse_unaddressed" not in _factors(result)


def test_eight_sessions_without_reliable_change_call_for_a_review() -> None:
    doc = {
        "answers": {"sessions": 9},
        "history": {"phq9": _history([15, 14, 15, 16, 14, 15, 14, 15])},
    }
    result = evaluate(doc)
    assert result.review_due
    assert result.review_reasons and "review" in result.review_reasons[0]
    assert not evaluate({"history": {"phq9": _history([15, 14, 15])}}).review_due


def test_the_country_argument_overrides_the_document() -> None:
    result = evaluate({"answers": {}, "country": "US"}, country="GB")
    assert result.context.country == "GB"
    assert evaluate({"answers": {}, "country": "US"}).context.country == "US"


def test_it_accepts_already_parsed_answers() -> None:
    parsed = parse_answers({"answers": {"chosen": "court"}})
    assert _factors(evaluate(parsed)) == ["readiness"]


def test_every_finding_explains_itself_with_evidence_and_a_source() -> None:
    result = evaluate({"answers": {**MANY_PROBLEMS, **SAFE}, "measures": {"phq9": NO_SAFETY_ITEM}})
    for finding in result.findings:
        assert finding.why and all(len(line) > 10 for line in finding.why)
        assert not any("{" in line or "(not answered)" in line for line in finding.why)
        assert finding.sources and finding.evidence["rules"]


def test_an_empty_check_up_finds_nothing() -> None:
    result = evaluate({})
    assert result.findings == () and not result.crisis


# --- property: random valid answer sets from the bank ------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=ANSWER_SETS, measures=MEASURES, history=HISTORIES)
def test_random_valid_answer_sets_never_crash_and_use_known_factors(
    answers: dict[str, Any], measures: dict[str, Any], history: dict[str, Any]
) -> None:
    result = evaluate({"answers": answers, "measures": measures, "history": history})
    factors = _factors(result)
    assert set(factors) <= set(FACTOR_IDS)
    assert len(factors) == len(set(factors))
    _assert_ordered(result)
    unsafe = answers.get("safe_now") == "not_safe" or measures.get("phq9", [0] * 9)[8] > 0
    assert ("safety_crisis" in factors) is (unsafe or result.crisis)
    if unsafe:
        assert factors[0] == "safety_crisis"


def test_each_finding_quotes_the_answers_its_rules_read_as_evidence() -> None:
    result = evaluate({"answers": {**SAFE, **MANY_PROBLEMS}})
    rules = {rule.id: rule for rule in rule_set().rules}
    assert result.findings
    for finding in result.findings:
        read = [q for rid in finding.evidence["rules"] for q in rules[rid].questions]
        expected = {q: result.answers[q] for q in read if q in result.answers}
        assert finding.evidence["answers"] == expected, finding.factor
        assert set(expected) <= set(MANY_PROBLEMS) | set(SAFE)
