"""Questionnaire items can be skipped one by one (issue 14).

A total is prorated only as far as the instrument's authors allow (`missing_items` in its
data file, with its source; no questionnaire has a confirmed rule today); past that there is
no total and no finding from a total. A skipped safety item
is never read as 0 ("safe").
"""

from __future__ import annotations

import pytest

from therapycheck.core.checkup.answers import parse_answers
from therapycheck.core.checkup.evaluate import evaluate
from therapycheck.core.instruments import get_instrument
from therapycheck.core.instruments.schema import Instrument
from therapycheck.core.scoring import IncompleteAnswers, score

# No questionnaire in the bank carries a prorating rule today (the PHQ-9 and GAD-7 rules
# could not be confirmed in their authors' text; see their data files). The engine still
# supports one, so these tests give the PHQ-9 and GAD-7 a made-up rule of the same shape.
TEST_SOURCE = {"citation": "A rule made up for this test.", "url": "https://example.org/"}


def with_rule(instrument_id: str, up_to: int) -> Instrument:
    data = get_instrument(instrument_id).model_dump()
    size = len(data["items"])
    data["missing_items"] = {
        "prorate_up_to": up_to,
        "rule": f"With up to {up_to} of the {size} questions skipped, the score is scaled up.",
        "source": TEST_SOURCE,
    }
    return Instrument.model_validate(data)


PHQ9_UP_TO_2 = with_rule("phq9", 2)
GAD7_UP_TO_1 = with_rule("gad7", 1)


@pytest.mark.parametrize(
    "instrument_id", ["phq9", "gad7", "phq2", "gad2", "wai_sr", "core10", "who5"]
)
def test_a_questionnaire_without_a_confirmed_rule_has_no_total_with_any_item_skipped(
    instrument_id: str,
) -> None:
    inst = get_instrument(instrument_id)
    assert inst.missing_items is None
    answers: list[int | None] = [inst.item_range(n)[0] for n in range(1, len(inst.items) + 1)]
    answers[0] = None
    with pytest.raises(IncompleteAnswers, match="no total") as info:
        score(inst, answers)
    assert info.value.missing == (1,)


def test_the_no_total_message_does_not_claim_what_the_authors_said() -> None:
    with pytest.raises(IncompleteAnswers) as info:
        score("phq9", [1, 2, 1, 0, None, 2, 1, 0, 0])
    message = str(info.value)
    assert message.startswith("PHQ-9: item 5 skipped")
    assert "every question answered" in message
    assert "authors give no way" not in message


def test_with_a_rule_one_skipped_item_is_prorated_by_nine_over_eight() -> None:
    answers: list[int | None] = [1, 2, 1, 0, None, 2, 1, 0, 0]  # 7 from 8 items
    result = score(PHQ9_UP_TO_2, answers)
    # 7 x 9 / 8 = 7.875, rounded to 8.
    assert result.total == 8
    assert result.missing == (5,)
    assert "prorated" in result.flags
    assert any("scaled up" in line for line in result.interpretations)


def test_prorating_rounds_halves_up() -> None:
    # One skipped of seven: 3 x 7 / 6 = 3.5, which rounds to 4.
    result = score(GAD7_UP_TO_1, [1, 1, 1, 0, 0, 0, None])
    assert result.total == 4


def test_with_a_rule_for_two_two_skipped_items_still_give_a_total() -> None:
    result = score(PHQ9_UP_TO_2, [3, 3, None, 3, 3, 3, None, 3, 0])
    # 18 x 9 / 7 = 23.14, rounded to 23.
    assert result.total == 23
    assert result.band is not None and result.band.label == "severe"


def test_one_more_skipped_item_than_the_rule_allows_gives_no_total() -> None:
    with pytest.raises(IncompleteAnswers, match="at most 2 skipped") as info:
        score(PHQ9_UP_TO_2, [1, None, None, None, 1, 1, 1, 1, 0])
    assert info.value.missing == (2, 3, 4)
    assert info.value.answers[0] == 1
    assert score(GAD7_UP_TO_1, [1, 1, 1, 1, 1, 1, None]).total == 7
    with pytest.raises(IncompleteAnswers):
        score(GAD7_UP_TO_1, [1, 1, 1, 1, 1, None, None])


def test_the_schema_refuses_a_rule_that_prorates_every_item() -> None:
    data = GAD7_UP_TO_1.model_dump()
    data["missing_items"] = {**data["missing_items"], "prorate_up_to": 7}
    with pytest.raises(ValueError, match="at least one item"):
        Instrument.model_validate(data)


def test_the_schema_refuses_prorating_an_instrument_with_subscales() -> None:
    data = get_instrument("wai_sr").model_dump()
    data["missing_items"] = PHQ9_UP_TO_2.model_dump()["missing_items"]
    with pytest.raises(ValueError, match="only a plain sum"):
        Instrument.model_validate(data)


def test_a_prorated_total_with_a_skipped_safety_item_says_it_does_not_tell_us_you_are_safe() -> (
    None
):
    result = score(PHQ9_UP_TO_2, [1, 1, 1, 1, 1, 1, 1, 1, None])
    assert result.answers[8] is None
    assert result.safety_items_skipped == (9,)
    assert result.safety_items_endorsed == ()
    assert "safety_item_skipped" in result.flags
    assert any("does not tell us you are safe" in line for line in result.interpretations)


def test_a_skipped_phq9_item_nine_gives_no_total_and_no_safe_reading() -> None:
    with pytest.raises(IncompleteAnswers) as info:
        score("phq9", [1, 1, 1, 1, 1, 1, 1, 1, None])
    assert info.value.answers[8] is None


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
    assert "phq9" not in parsed.scores
    assert parsed.safety_items_skipped == {"phq9": (9,)}
    evaluation = evaluate(parsed)
    assert not evaluation.crisis
    assert evaluation.safety_items_skipped == {"phq9": (9,)}
    assert evaluation.unscored["phq9"].startswith("PHQ-9: item 9 skipped.")


def test_items_after_a_negative_short_screen_were_not_asked_so_none_was_skipped() -> None:
    # PHQ-2 below its cut-off: the rest of the PHQ-9 (item 9 included) was never shown.
    parsed = parse_answers({"measures": {"phq9": [0, 1, None, None, None, None, None, None, None]}})
    assert parsed.safety_items_skipped == {}
    positive = parse_answers({"measures": {"phq9": [2, 2, 1, 1, 1, 1, 1, 1, None]}})
    assert positive.safety_items_skipped == {"phq9": (9,)}


def test_a_skipped_core10_item_six_is_named_as_skipped() -> None:
    parsed = parse_answers({"measures": {"core10": [0, 4, 4, 0, 0, None, 0, 0, 0, 0]}})
    assert parsed.safety_items_skipped == {"core10": (6,)}


def test_the_report_says_which_questionnaire_has_no_total_and_about_the_skipped_safety_item() -> (
    None
):
    from therapycheck.core.report import checkup_report

    report = checkup_report({"measures": {"phq9": [1, 1, 1, 1, 1, 1, 1, 1, None]}})
    doc = report.to_dict()
    assert doc["unscored"]["phq9"].startswith("PHQ-9: item 9 skipped.")
    assert doc["safety_items_skipped"] == {"phq9": [9]}
    assert "phq9" not in doc["measures"]
    markdown = report.to_markdown()
    assert "PHQ-9: item 9 skipped. A total needs every question answered" in markdown
    assert "A skipped answer does not tell us you are safe" in markdown
