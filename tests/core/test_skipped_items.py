"""Questionnaire items can be skipped one by one (issue 14).

A total is prorated only as far as the instrument's authors allow (`missing_items` in its
data file); past that there is no total and no finding from a total. A skipped safety item
is never read as 0 ("safe").
"""

from __future__ import annotations

import pytest

from therapycheck.core.checkup.answers import parse_answers
from therapycheck.core.checkup.evaluate import evaluate
from therapycheck.core.instruments import get_instrument
from therapycheck.core.instruments.schema import Instrument
from therapycheck.core.scoring import IncompleteAnswers, score

PHQ9_ALL_TWOS = [2] * 9


def test_phq9_with_one_item_skipped_is_prorated_by_nine_over_eight() -> None:
    answers: list[int | None] = [1, 2, 1, 0, None, 2, 1, 0, 0]  # 7 from 8 items
    result = score("phq9", answers)
    # 7 x 9 / 8 = 7.875, rounded to 8.
    assert result.total == 8
    assert result.missing == (5,)
    assert "prorated" in result.flags


def test_prorating_rounds_halves_up() -> None:
    # GAD-7 with one skipped: 3 x 7 / 6 = 3.5, which rounds to 4.
    result = score("gad7", [1, 1, 1, 0, 0, 0, None])
    assert result.total == 4


def test_phq9_with_two_items_skipped_still_has_a_total() -> None:
    result = score("phq9", [3, 3, None, 3, 3, 3, None, 3, 0])
    # 18 x 9 / 7 = 23.14, rounded to 23.
    assert result.total == 23
    assert result.band is not None and result.band.label == "severe"


def test_phq9_with_three_items_skipped_has_no_total() -> None:
    with pytest.raises(IncompleteAnswers, match="no total") as info:
        score("phq9", [1, None, None, None, 1, 1, 1, 1, 0])
    assert info.value.missing == (2, 3, 4)
    assert info.value.answers[0] == 1


def test_gad7_allows_one_skipped_item_and_refuses_two() -> None:
    assert score("gad7", [1, 1, 1, 1, 1, 1, None]).total == 7
    with pytest.raises(IncompleteAnswers):
        score("gad7", [1, 1, 1, 1, 1, None, None])


@pytest.mark.parametrize("instrument_id", ["phq2", "gad2", "wai_sr", "core10", "who5"])
def test_an_instrument_without_an_authors_rule_has_no_total_with_any_item_skipped(
    instrument_id: str,
) -> None:
    inst = get_instrument(instrument_id)
    assert inst.missing_items is None
    answers: list[int | None] = [inst.item_range(n)[0] for n in range(1, len(inst.items) + 1)]
    answers[0] = None
    with pytest.raises(IncompleteAnswers):
        score(inst, answers)


def test_the_prorating_rule_names_its_source() -> None:
    for instrument_id in ("phq9", "gad7"):
        rule = get_instrument(instrument_id).missing_items
        assert rule is not None
        assert rule.source.citation and rule.source.url
        assert (
            f"{rule.prorate_up_to} of the {len(get_instrument(instrument_id).items)}" in rule.rule
        )


def test_the_schema_refuses_a_rule_that_prorates_every_item() -> None:
    data = get_instrument("gad7").model_dump()
    data["missing_items"] = {**data["missing_items"], "prorate_up_to": 7}
    with pytest.raises(ValueError, match="at least one item"):
        Instrument.model_validate(data)


def test_the_schema_refuses_prorating_an_instrument_with_subscales() -> None:
    data = get_instrument("wai_sr").model_dump()
    data["missing_items"] = get_instrument("phq9").model_dump()["missing_items"]
    with pytest.raises(ValueError, match="only a plain sum"):
        Instrument.model_validate(data)


def test_a_skipped_phq9_item_nine_is_never_read_as_safe() -> None:
    result = score("phq9", [1, 1, 1, 1, 1, 1, 1, 1, None])
    assert result.answers[8] is None
    assert result.safety_items_skipped == (9,)
    assert result.safety_items_endorsed == ()
    assert "safety_item_skipped" in result.flags
    assert any("does not tell us you are safe" in line for line in result.interpretations)


def test_a_skipped_core10_item_six_gives_no_total_and_no_safe_reading() -> None:
    answers: list[int | None] = [0, 4, 4, 0, 0, None, 0, 0, 0, 0]
    with pytest.raises(IncompleteAnswers) as info:
        score("core10", answers)
    assert info.value.answers[5] is None


def test_a_safety_item_answered_above_zero_still_fires_when_there_is_no_total() -> None:
    doc = {"measures": {"phq9": [None, None, None, 0, 0, 0, 0, 0, 2]}}
    parsed = parse_answers(doc)
    assert "phq9" not in parsed.scores
    assert parsed.measures["phq9"][8] == 2
    assert "phq9" in parsed.unscored
    evaluation = evaluate(parsed)
    assert evaluation.findings[0].factor == "safety_crisis"
    assert "More than half the days" in evaluation.findings[0].why[0]


def test_a_questionnaire_without_a_total_gives_no_finding_from_a_total() -> None:
    # Severe answers on 6 of 9 items: no total, so nothing reads it as severe.
    doc = {"measures": {"phq9": [3, 3, 3, 3, 3, 3, None, None, None]}}
    parsed = parse_answers(doc)
    assert "phq9" not in parsed.scores
    assert parsed.unscored["phq9"].startswith("PHQ-9: items 7, 8, 9 skipped")
    assert evaluate(parsed).measures == {}


def test_a_skipped_safety_item_raises_no_safety_finding_but_keeps_its_answers() -> None:
    parsed = parse_answers({"measures": {"phq9": [0, 0, 0, 0, 0, 0, 0, 0, None]}})
    assert parsed.measures["phq9"][8] is None
    assert "safety_item_skipped" in parsed.scores["phq9"].flags
