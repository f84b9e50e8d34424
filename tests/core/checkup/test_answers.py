"""The answers document: normalized when valid, AnswersError naming the question when not."""

from __future__ import annotations

from typing import Any

import pytest

from therapycheck.core.checkup import AnswersError, parse_answers


def test_it_normalizes_a_valid_document() -> None:
    parsed = parse_answers(
        {
            "answers": {
                "sessions": 6,
                "trust": 2,
                "concerns": ["trauma", "depression", "trauma"],
                "dual_relationship": "no",
                "chosen": "court",
            },
            "country": "gb",
        }
    )
    assert parsed.answers["concerns"] == ("trauma", "depression")
    assert parsed.context.sessions == 6
    assert parsed.context.concerns == ("trauma", "depression")
    assert parsed.context.chosen == "court"
    assert parsed.country == "GB" and parsed.context.country == "GB"


@pytest.mark.parametrize("skip", [None, "skip"])
def test_a_skipped_question_is_simply_absent(skip: Any) -> None:
    parsed = parse_answers({"answers": {"trust": skip, "heard": 4}})
    assert "trust" not in parsed.answers
    assert parsed.answers["heard"] == 4


def test_an_answer_to_a_hidden_follow_up_is_ignored_and_reported() -> None:
    parsed = parse_answers({"answers": {"dual_relationship": "no", "dual_kind": ["friend"]}})
    assert "dual_kind" not in parsed.answers
    assert parsed.ignored == ("dual_kind",)


@pytest.mark.parametrize(
    ("answers", "question_id", "fragment"),
    [
        ({"not_a_question": 1}, "not_a_question", "unknown question"),
        ({"trust": 6}, "trust", "not a valid answer"),
        ({"trust": "4"}, "trust", "not a valid answer"),
        ({"trust": True}, "trust", "not a valid answer"),
        ({"dual_relationship": True}, "dual_relationship", "not a valid answer"),
        ({"dual_relationship": "maybe"}, "dual_relationship", "not a valid answer"),
        ({"chosen": "aliens"}, "chosen", "not a valid answer"),
        ({"chosen": ["court"]}, "chosen", "not a valid answer"),
        ({"concerns": "trauma"}, "concerns", "list of option ids"),
        ({"concerns": ["trauma", "dragons"]}, "concerns", "unknown option 'dragons'"),
        ({"conduct": ["none", "mocked"]}, "conduct", "cannot be chosen together"),
        ({"sessions": -1}, "sessions", "out of range"),
        ({"sessions": 3.5}, "sessions", "not a whole number"),
        ({"sessions": "six"}, "sessions", "not a whole number"),
    ],
)
def test_invalid_answers_raise_an_error_naming_the_question(
    answers: dict[str, Any], question_id: str, fragment: str
) -> None:
    with pytest.raises(AnswersError) as caught:
        parse_answers({"answers": answers})
    assert caught.value.question_id == question_id
    assert fragment in caught.value.message
    assert str(caught.value).startswith(f"{question_id}: ")
    assert isinstance(caught.value, ValueError)


def test_a_whole_float_counts_as_a_number() -> None:
    assert parse_answers({"answers": {"sessions": 6.0}}).answers["sessions"] == 6


def test_measures_are_scored_with_the_core_scoring_engine() -> None:
    parsed = parse_answers({"measures": {"phq9": [1, 1, 1, 1, 1, 1, 1, 1, 0]}})
    assert parsed.scores["phq9"].total == 8
    assert parsed.measures["phq9"] == (1, 1, 1, 1, 1, 1, 1, 1, 0)


@pytest.mark.parametrize(
    ("measures", "where"),
    [
        ({"phq9": [1, 2, 3]}, "measures.phq9"),
        ({"phq9": [0, 0, 0, 0, 9, 0, 0, 0, 0]}, "measures.phq9"),
        ({"gad7": "0,1,2"}, "measures.gad7"),
        ({"not_a_measure": [1]}, "measures.not_a_measure"),
    ],
)
def test_a_bad_measure_names_the_measure(measures: dict[str, Any], where: str) -> None:
    with pytest.raises(AnswersError) as caught:
        parse_answers({"measures": measures})
    assert caught.value.question_id == where


def test_the_item_at_fault_is_named_in_the_message() -> None:
    with pytest.raises(AnswersError, match="item 5"):
        parse_answers({"measures": {"phq9": [0, 0, 0, 0, 9, 0, 0, 0, 0]}})


def test_a_history_series_gets_a_status_from_core_change() -> None:
    parsed = parse_answers(
        {
            "history": {
                "phq9": [
                    {"session": 1, "score": 18},
                    {"session": 4, "score": 14},
                    {"session": 8, "score": 9},
                ]
            }
        }
    )
    # NHS Talking Therapies: a fall of 6 or more on PHQ-9 is reliable; 9 is below
    # the caseness cutoff of 10, so 18 -> 9 is recovery (REFERENCES.md section 3).
    assert parsed.statuses["phq9"].status == "recovered"


def test_todays_score_joins_the_series_when_it_is_newer() -> None:
    parsed = parse_answers(
        {
            "answers": {"sessions": 9},
            "measures": {"phq9": [0, 1, 0, 1, 0, 1, 0, 1, 0]},
            "history": {"phq9": [{"session": 1, "score": 18}, {"session": 5, "score": 15}]},
        }
    )
    assert [p.session for p in parsed.history["phq9"]] == [1, 5, 9]
    assert parsed.statuses["phq9"].latest.score == 4


# Flat: 14, 14, 13, 14 over eleven sessions. A check-in at session 11 used again in a
# check-up at session 12 is one answer, not two.
FLAT_HISTORY = {
    "phq9": [
        {"session": 1, "score": 14},
        {"session": 4, "score": 14},
        {"session": 8, "score": 13},
        {"session": 11, "score": 14},
    ]
}
SESSION_11_PHQ9 = [2, 2, 2, 2, 2, 1, 1, 1, 1]  # 14


def test_a_check_in_used_again_is_not_counted_twice_in_its_series() -> None:
    doc = {
        "answers": {"sessions": 12},
        "measures": {"phq9": SESSION_11_PHQ9},
        "measured_at": {"phq9": 11},
        "history": FLAT_HISTORY,
    }
    parsed = parse_answers(doc)
    assert [p.session for p in parsed.history["phq9"]] == [1, 4, 8, 11]
    assert parsed.scores["phq9"].total == 14
    without = parse_answers({k: v for k, v in doc.items() if k != "measured_at"})
    assert [p.session for p in without.history["phq9"]] == [1, 4, 8, 11, 12]


def test_answers_from_an_earlier_session_join_the_series_at_that_session() -> None:
    parsed = parse_answers(
        {
            "answers": {"sessions": 12},
            "measures": {"phq9": SESSION_11_PHQ9},
            "measured_at": {"phq9": 11},
            "history": {"phq9": [{"session": 1, "score": 18}, {"session": 5, "score": 16}]},
        }
    )
    assert [(p.session, p.score) for p in parsed.history["phq9"]] == [(1, 18), (5, 16), (11, 14)]


@pytest.mark.parametrize(
    ("measured_at", "where", "fragment"),
    [
        ([11], "measured_at", "expected an object"),
        ({"gad7": 3}, "measured_at.gad7", "not in `measures`"),
        ({"phq9": "11"}, "measured_at.phq9", "session number"),
        ({"phq9": -1}, "measured_at.phq9", "session number"),
        ({"phq9": True}, "measured_at.phq9", "session number"),
        ({"nope": 1}, "measured_at.nope", "unknown"),
    ],
)
def test_a_bad_measured_at_names_the_questionnaire(
    measured_at: Any, where: str, fragment: str
) -> None:
    with pytest.raises(AnswersError) as caught:
        parse_answers({"measures": {"phq9": SESSION_11_PHQ9}, "measured_at": measured_at})
    assert caught.value.question_id == where
    assert fragment in caught.value.message.lower()


@pytest.mark.parametrize(
    ("history", "fragment"),
    [
        ({"phq9": []}, "expected a list"),
        ({"phq9": [{"session": 1}]}, 'needs "session" and "score"'),
        ({"phq9": [{"session": "one", "score": 3}]}, "entry 1"),
        ({"phq9": [{"session": 1, "score": 99}]}, "outside"),
        ({"phq9": [{"session": 1, "score": 3, "mood": "ok"}]}, "unknown key"),
        ({"phq9": [{"session": 1, "score": 3}, {"session": 1, "score": 4}]}, "two scores"),
    ],
)
def test_a_bad_history_names_the_series(history: dict[str, Any], fragment: str) -> None:
    with pytest.raises(AnswersError) as caught:
        parse_answers({"history": history})
    assert caught.value.question_id == "history.phq9"
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    ("doc", "where"),
    [
        ([1, 2], "document"),
        ({"answer": {}}, "document"),
        ({"answers": [1]}, "answers"),
        ({"measures": [1]}, "measures"),
        ({"country": 44}, "country"),
    ],
)
def test_a_malformed_document_gets_a_clear_error(doc: Any, where: str) -> None:
    with pytest.raises(AnswersError) as caught:
        parse_answers(doc)
    assert caught.value.question_id == where
