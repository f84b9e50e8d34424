"""The one scoring engine, checked against each instrument's published scoring rules.

Sources: Kroenke et al. 2001 (PHQ-9 sum, item 9), Skinner 1982 (DAST-10 item 3), Kessler et
al. 2005 (ASRS Part A shaded boxes, >= 4 positive), Topp et al. 2015 (WHO-5 raw x 4),
Barkham et al. 2013 (CORE-10 items 2 and 3 reversed, item 6 risk), Bush et al. 1998 and
Bradley et al. 2007 (AUDIT-C >= 4 men, >= 3 women), National Center for PTSD (PCL-5
clusters and the provisional DSM-5 rule), Hatcher & Gillaspy 2006 (WAI-SR subscales).
"""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from therapycheck.core.instruments import Instrument, UnknownInstrument, all_instruments
from therapycheck.core.scoring import Score, ScoringError, score

INSTRUMENTS = all_instruments()


def valid_values(inst: Instrument, number: int) -> list[int]:
    return [option.value for option in inst.item_options(number)]


@st.composite
def valid_answers(draw: st.DrawFn) -> tuple[Instrument, list[int]]:
    inst = draw(st.sampled_from(INSTRUMENTS))
    answers = [draw(st.sampled_from(valid_values(inst, n))) for n in range(1, len(inst.items) + 1)]
    return inst, answers


# --- PHQ-9 and safety ------------------------------------------------------------------


def test_phq9_is_the_sum_of_its_items_with_band_and_caseness() -> None:
    result = score("phq9", [1, 0, 2, 3, 1, 1, 1, 1, 0])
    assert result.total == 10
    assert result.band is not None and result.band.label == "moderate"
    assert result.flags == ("case",)


def test_it_flags_phq9_item_nine_as_safety_even_when_the_total_is_low() -> None:
    result = score("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert result.total == 1
    assert "safety" in result.flags
    assert result.safety_items_endorsed == (9,)
    assert any("safety" in line for line in result.interpretations)


def test_it_does_not_flag_safety_when_item_nine_is_zero() -> None:
    assert "safety" not in score("phq9", [3, 3, 3, 3, 3, 3, 3, 3, 0]).flags


def test_it_flags_core10_item_six_as_safety() -> None:
    answers = [0, 4, 4, 0, 0, 1, 0, 0, 0, 0]
    result = score("core10", answers)
    assert result.flags[0] == "safety"
    assert result.safety_items_endorsed == (6,)


# --- DAST-10 ---------------------------------------------------------------------------


def test_dast10_item_three_scores_one_for_a_no() -> None:
    # Skinner 1982: "no" to "can you always stop?" counts as a problem.
    all_no = score("dast10", [0] * 10)
    assert all_no.total == 1
    assert all_no.item_scores[2] == 1


def test_dast10_item_three_scores_zero_for_a_yes() -> None:
    assert score("dast10", [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]).total == 0


def test_dast10_counts_every_other_yes() -> None:
    result = score("dast10", ["yes"] * 10)
    assert result.total == 9
    assert result.band is not None and result.band.label == "severe level"


# --- ASRS-6 ----------------------------------------------------------------------------


def test_asrs_items_one_to_three_count_from_sometimes() -> None:
    # Kessler et al. 2005: items 1-3 are shaded from "Sometimes" (2) up.
    assert score("asrs6", [2, 2, 2, 0, 0, 0]).total == 3
    assert score("asrs6", [1, 1, 1, 0, 0, 0]).total == 0


def test_asrs_items_four_to_six_count_only_from_often() -> None:
    assert score("asrs6", [0, 0, 0, 2, 2, 2]).total == 0
    assert score("asrs6", [0, 0, 0, 3, 3, 4]).total == 3


def test_asrs_screen_is_positive_at_four_shaded_answers() -> None:
    assert "positive_screen" in score("asrs6", [2, 2, 2, 3, 0, 0]).flags
    assert "positive_screen" not in score("asrs6", [2, 2, 2, 2, 2, 2]).flags


# --- WHO-5 -----------------------------------------------------------------------------


def test_who5_reports_the_raw_score_times_four() -> None:
    # Topp et al. 2015: raw 0-25, multiplied by 4 for a 0-100 percentage.
    result = score("who5", [5, 5, 5, 5, 5])
    assert (result.raw_total, result.total) == (25, 100)


def test_who5_raw_twelve_is_poor_well_being_and_thirteen_is_not() -> None:
    low = score("who5", [3, 3, 2, 2, 2])
    ok = score("who5", [3, 3, 3, 2, 2])
    assert (low.raw_total, low.total, low.flags) == (12, 48, ("case",))
    assert (ok.raw_total, ok.total, ok.flags) == (13, 52, ())


# --- CORE-10 ---------------------------------------------------------------------------


def test_core10_reverses_items_two_and_three() -> None:
    # Barkham et al. 2013: support and coping are worded positively, so 0 scores 4.
    assert score("core10", [0] * 10).total == 8
    assert score("core10", [0, 4, 4, 0, 0, 0, 0, 0, 0, 0]).total == 0
    assert score("core10", [4, 0, 0, 4, 4, 4, 4, 4, 4, 4]).total == 40


def test_core10_caseness_starts_at_eleven() -> None:
    result = score("core10", [3, 4, 4, 2, 1, 0, 2, 1, 1, 1])  # 3+0+0+2+1+0+2+1+1+1 = 11
    assert result.total == 11
    assert "case" in result.flags


# --- AUDIT-C ---------------------------------------------------------------------------


def test_audit_c_three_is_positive_for_women_only() -> None:
    # Bradley et al. 2007: >= 3 for women, >= 4 for men.
    assert score("audit_c", [1, 1, 1], sex="female").flags == ("positive_screen",)
    assert score("audit_c", [1, 1, 1], sex="male").flags == ()


def test_audit_c_without_sex_reports_both_interpretations() -> None:
    result = score("audit_c", [1, 1, 1])
    assert result.flags == ("positive_screen_if_female",)
    text = " ".join(result.interpretations)
    assert "For a woman" in text and "For a man" in text


def test_audit_c_four_is_positive_for_everyone() -> None:
    assert score("audit_c", [2, 1, 1]).flags == ("positive_screen",)
    assert score("audit_c", [2, 1, 1], sex="male").flags == ("positive_screen",)


def test_audit_c_below_both_cutoffs_is_not_flagged() -> None:
    result = score("audit_c", [1, 1, 0])
    assert result.flags == ()
    assert len(result.interpretations) == 3  # the total, then one line per sex


def test_audit_c_accepts_each_items_own_answer_labels() -> None:
    result = score("audit_c", ["2 to 4 times a month", "3 or 4", "never"])
    assert result.answers == (2, 1, 0)


def test_it_refuses_a_sex_it_does_not_know() -> None:
    with pytest.raises(ScoringError, match="sex"):
        score("audit_c", [1, 1, 1], sex="other")  # type: ignore[arg-type]


# --- PCL-5 -----------------------------------------------------------------------------

# One symptom at "Moderately" (2) in B and C, two in D and E: the minimum DSM-5 pattern.
MINIMUM_PATTERN = [2, 0, 0, 0, 0, 2, 0, 2, 2, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0]


def test_pcl5_cluster_scores_sum_their_items() -> None:
    answers = list(range(5)) * 4  # 0,1,2,3,4 repeating
    result = score("pcl5", answers)
    assert result.subscales == {
        "B": sum(answers[0:5]),
        "C": sum(answers[5:7]),
        "D": sum(answers[7:14]),
        "E": sum(answers[14:20]),
    }
    assert result.total == sum(result.subscales.values())


def test_pcl5_provisional_rule_needs_b1_c1_d2_e2_at_moderately() -> None:
    assert "provisional_ptsd_pattern" in score("pcl5", MINIMUM_PATTERN).flags


@pytest.mark.parametrize("drop", [0, 5, 8, 15])
def test_pcl5_provisional_rule_fails_when_a_cluster_falls_short(drop: int) -> None:
    answers = list(MINIMUM_PATTERN)
    answers[drop] = 1  # "A little bit" does not count as a symptom
    assert "provisional_ptsd_pattern" not in score("pcl5", answers).flags


def test_pcl5_probable_ptsd_cutoff_is_33() -> None:
    thirty_two = [2] * 16 + [0] * 4
    thirty_three = [*thirty_two[:-1], 1]
    assert score("pcl5", thirty_three).total == 33
    assert "case" in score("pcl5", thirty_three).flags
    assert "case" not in score("pcl5", thirty_two).flags


# --- WAI-SR ----------------------------------------------------------------------------


def test_wai_sr_subscales_sum_task_bond_and_goal_items() -> None:
    # Hatcher & Gillaspy 2006: task 1,2,10,12; bond 3,5,7,9; goal 4,6,8,11.
    answers = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2]
    result = score("wai_sr", answers)
    assert result.subscales == {"task": 1 + 2 + 5 + 2, "bond": 3 + 5 + 2 + 4, "goal": 4 + 1 + 3 + 1}
    assert result.total == sum(answers) == 33


def test_wai_sr_answers_start_at_one() -> None:
    with pytest.raises(ScoringError, match=r"WAI-SR item 1: 0 is out of range \(1-5\)"):
        score("wai_sr", [0] + [3] * 11)


# --- bad input -------------------------------------------------------------------------


def test_a_wrong_number_of_answers_says_how_many_are_needed() -> None:
    with pytest.raises(ScoringError) as info:
        score("phq9", [0] * 8)
    assert str(info.value) == "PHQ-9 needs 9 answers, got 8"
    assert info.value.item is None


def test_an_answer_out_of_range_names_the_item() -> None:
    with pytest.raises(ScoringError) as info:
        score("phq9", [0, 0, 4, 0, 0, 0, 0, 0, 0])
    assert str(info.value) == "PHQ-9 item 3: 4 is out of range (0-3)"
    assert info.value.item == 3


def test_a_non_numeric_answer_names_the_item() -> None:
    with pytest.raises(ScoringError) as info:
        score("phq9", [0, "x", 0, 0, 0, 0, 0, 0, 0])
    assert str(info.value) == "PHQ-9 item 2: 'x' is not a number"
    assert info.value.item == 2


# None left this list with issue 14 ("questionnaire items can be skipped one by one"):
# None now means a skipped item, which tests/core/test_skipped_items.py covers.
@pytest.mark.parametrize("bad", [True, 1.5, "", "1.5"])
def test_booleans_fractions_and_blanks_are_not_answers(bad: object) -> None:
    answers: list[object] = [0] * 9
    answers[4] = bad
    with pytest.raises(ScoringError, match="PHQ-9 item 5") as info:
        score("phq9", answers)  # type: ignore[arg-type]
    assert info.value.item == 5


def test_numeric_strings_whole_floats_and_labels_are_answers() -> None:
    result = score("phq9", [" 1 ", 2.0, "Nearly every day", "not at all", 0, 0, 0, 0, 0])
    assert result.answers == (1, 2, 3, 0, 0, 0, 0, 0, 0)


def test_a_single_string_is_not_a_list_of_answers() -> None:
    with pytest.raises(ScoringError, match="must be a list"):
        score("phq2", "12")


def test_an_unknown_instrument_is_reported_as_such() -> None:
    with pytest.raises(UnknownInstrument):
        score("bdi2", [0])


def test_to_dict_carries_the_cli_contract_keys_and_is_json() -> None:
    document = score("pcl5", MINIMUM_PATTERN).to_dict()
    assert {"instrument", "total", "band", "subscales", "flags"} <= set(document)
    assert document["instrument"] == "pcl5"
    assert json.loads(json.dumps(document)) == document


# --- properties ------------------------------------------------------------------------


@settings(deadline=None)
@given(valid_answers())
def test_any_valid_answers_score_within_the_reported_range(
    case: tuple[Instrument, list[int]],
) -> None:
    inst, answers = case
    result = score(inst, answers)
    assert inst.min <= result.total <= inst.max
    if inst.bands:
        assert result.band is not None
    for subscale in inst.subscales:
        assert result.subscales[subscale.id] <= result.total


@settings(deadline=None)
@given(valid_answers())
def test_answering_with_labels_scores_the_same_as_with_values(
    case: tuple[Instrument, list[int]],
) -> None:
    inst, answers = case
    labels = [
        next(o.label for o in inst.item_options(n) if o.value == value)
        for n, value in enumerate(answers, start=1)
    ]
    assert score(inst, labels).total == score(inst, answers).total


@settings(deadline=None)
@given(valid_answers(), st.integers(min_value=-3, max_value=3).filter(lambda d: d != 0))
def test_any_wrong_count_of_answers_is_refused(
    case: tuple[Instrument, list[int]], delta: int
) -> None:
    inst, answers = case
    wrong = answers + [answers[0]] * delta if delta > 0 else answers[:delta]
    with pytest.raises(ScoringError, match=f"needs {len(inst.items)} answers, got {len(wrong)}"):
        score(inst, wrong)


@settings(deadline=None)
@given(valid_answers(), st.data())
def test_any_out_of_range_answer_is_refused_naming_its_item(
    case: tuple[Instrument, list[int]], data: st.DataObject
) -> None:
    inst, answers = case
    number = data.draw(st.integers(min_value=1, max_value=len(inst.items)))
    allowed = valid_values(inst, number)
    bad = data.draw(st.integers(min_value=-50, max_value=50).filter(lambda v: v not in allowed))
    answers[number - 1] = bad
    with pytest.raises(ScoringError, match=f"item {number}: {bad} is out of range") as info:
        score(inst, answers)
    assert info.value.item == number


@settings(deadline=None)
@given(valid_answers(), st.data())
def test_any_non_numeric_answer_is_refused_naming_its_item(
    case: tuple[Instrument, list[int]], data: st.DataObject
) -> None:
    inst, answers = case
    number = data.draw(st.integers(min_value=1, max_value=len(inst.items)))
    labels = {o.label.casefold() for o in inst.item_options(number)}
    text = data.draw(
        st.text(max_size=12).filter(
            lambda s: not re.fullmatch(r"\s*[+-]?\d+\s*", s) and s.strip().casefold() not in labels
        )
    )
    mixed: list[int | str] = list(answers)
    mixed[number - 1] = text
    with pytest.raises(ScoringError, match=f"item {number}: .* is not a number") as info:
        score(inst, mixed)
    assert info.value.item == number


# --- the fast path and the tables built per instrument ---------------------------------


def test_every_score_field_is_set_on_every_path() -> None:
    # Scores are built without __init__; a field left unset would only fail much later.
    names = {f.name for f in dataclasses.fields(Score)}
    for answers in (MINIMUM_PATTERN, [0] * 20, tuple(MINIMUM_PATTERN), ["1"] * 20):
        result = score("pcl5", answers)
        assert set(vars(result)) == names
        assert Score(**vars(result)) == result
    for answers in ([0] * 9, [0] * 8 + [2]):
        assert set(vars(score("phq9", answers))) == names


@settings(deadline=None)
@given(valid_answers())
def test_plain_int_answers_score_the_same_as_the_careful_path(
    case: tuple[Instrument, list[int]],
) -> None:
    # A list of ints takes the fast path; a tuple and numeric strings take the careful one.
    inst, answers = case
    fast = score(inst, answers)
    for other in (tuple(answers), [str(value) for value in answers]):
        careful = score(inst, other)
        assert vars(careful) == vars(fast)
        assert [type(v) for v in vars(careful).values()] == [type(v) for v in vars(fast).values()]


@settings(deadline=None)
@given(st.lists(st.sampled_from([0, 1, 2, 3, 4]), min_size=20, max_size=20))
def test_the_pcl5_pattern_matches_a_plain_count_of_each_cluster(answers: list[int]) -> None:
    # National Center for PTSD: B >= 1, C >= 1, D >= 2, E >= 2 items at 2 ("Moderately").
    clusters = {"B": answers[0:5], "C": answers[5:7], "D": answers[7:14], "E": answers[14:20]}
    needed = {"B": 1, "C": 1, "D": 2, "E": 2}
    expected = all(sum(v >= 2 for v in clusters[c]) >= n for c, n in needed.items())
    assert ("provisional_ptsd_pattern" in score("pcl5", answers).flags) is expected


def test_each_score_gets_its_own_lines_and_subscales() -> None:
    first = score("pcl5", MINIMUM_PATTERN)
    first.interpretations.append("changed")
    first.subscales["B"] = 99
    second = score("pcl5", MINIMUM_PATTERN)
    assert "changed" not in second.interpretations
    assert second.subscales["B"] == 2


def test_the_safety_line_names_the_item_after_an_unflagged_score_of_the_same_total() -> None:
    assert "safety" not in score("phq9", [1, 0, 0, 0, 0, 0, 0, 0, 0]).flags
    result = score("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert result.flags[0] == "safety"
    assert "Item 9 was answered above zero" in result.interpretations[1]


def test_an_answer_that_is_a_list_is_not_a_number() -> None:
    with pytest.raises(ScoringError) as info:
        score("phq9", [0, 0, [1], 0, 0, 0, 0, 0, 0])  # type: ignore[list-item]
    assert str(info.value) == "PHQ-9 item 3: [1] is not a number"
