"""Answers to questions retired when the sections about why became tick lists keep their
meaning (core/checkup/retired.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from therapycheck.core.checkup import evaluate, question_bank
from therapycheck.core.checkup.retired import RETIRED, upgrade

SAFE = {"safe_now": "safe", "harm_worry": "no", "harm_others": "no", "danger_from_others": "no"}
STUCK = {**SAFE, "sessions": 20, "feels_working": 2, "compared_to_start": "same"}


def test_every_retired_question_ticks_a_statement_the_bank_has() -> None:
    bank = question_bank()
    for old, (target, statement, _) in RETIRED.items():
        assert bank.get(old) is None, old
        question = bank.get(target)
        assert question is not None and question.type == "multi", target
        assert statement in [o.id for o in question.options], (old, statement)


def test_a_clear_agree_ticks_its_statement_and_anything_else_ticks_nothing() -> None:
    assert upgrade({"expect_fast": 5, "expect_advice": 3, "holding_back": 4}) == {
        "expecting": ["fast"],
        "in_therapy": ["holding_back"],
    }


def test_a_clear_disagree_ticks_the_statement_said_the_other_way_round() -> None:
    assert upgrade({"support_outside": 1, "approach_suits": 2, "therapist_adapts": 4}) == {
        "in_therapy": ["little_support"],
        "fit_doubts": ["methods_not_suited"],
    }


def test_old_choices_tick_the_statements_they_became() -> None:
    old = {"agreement_made": "partly", "homework": "unclear", "progress_reviews": "never"}
    assert upgrade(old) == {
        "working_together": ["partial_agreement", "never_reviewed", "homework_unclear"]
    }


def test_ticks_come_in_the_list_order_whatever_order_the_old_answers_were_stored_in() -> None:
    # PostgreSQL's jsonb gives keys back sorted, not in the order they were saved.
    one = upgrade({"crisis_mode": 5, "holding_back": 5, "support_outside": 1})
    other = upgrade({"support_outside": 1, "holding_back": 5, "crisis_mode": 5})
    assert one == other == {"in_therapy": ["holding_back", "crisis_mode", "little_support"]}


def test_an_unhappy_schedule_joins_the_barriers_list_in_place_of_none() -> None:
    assert upgrade({"barriers": ["none"], "schedule_fit": 1}) == {"barriers": ["schedule"]}
    assert upgrade({"barriers": ["cost"], "schedule_fit": 2}) == {"barriers": ["cost", "schedule"]}


def test_no_tick_leaves_the_list_unanswered_rather_than_none_of_these() -> None:
    # The person never saw the whole list, so "None of these" would say more than they did.
    assert upgrade({"expect_fast": 1, "holding_back": "skip", "trust": 4}) == {"trust": 4}


def test_a_list_answered_today_wins_over_old_answers_for_it() -> None:
    assert upgrade({"expecting": ["none"], "expect_fast": 5}) == {"expecting": ["none"]}


def test_answers_without_retired_questions_pass_through_unchanged() -> None:
    answers = {"trust": 4, "in_therapy": ["ambivalent"]}
    assert upgrade(answers) == answers


@pytest.mark.parametrize(
    ("old", "factor"),
    [
        ({"expect_fast": 5}, "expectations"),
        ({"crisis_mode": 5}, "readiness"),
        ({"schedule_fit": 1}, "logistics"),
        ({"symptoms_severe": 5}, "needs_more_than_therapy"),
        ({"trauma_hint": "yes", "hint_known": "no"}, "hidden_issues"),
        ({"agreement_made": "no"}, "agreement"),
    ],
)
def test_an_old_answers_file_still_gives_the_finding_it_gave(
    old: dict[str, object], factor: str
) -> None:
    result = evaluate({"answers": {**STUCK, **old}})
    assert factor in result.factors()


def test_an_answers_file_saved_before_reads_the_same(tmp_path: Path) -> None:
    before = {"answers": {**STUCK, "holding_back": 5, "avoided_topic": 5, "homework": "skip_them"}}
    now = {
        "answers": {
            **STUCK,
            "in_therapy": ["holding_back", "avoided_topic"],
            "working_together": ["homework_skipped"],
        }
    }
    path = tmp_path / "old.json"
    path.write_text(json.dumps(before), encoding="utf-8")
    old_result = evaluate(json.loads(path.read_text(encoding="utf-8")))
    assert old_result.factors() == evaluate(now).factors()
    assert old_result.answers == evaluate(now).answers
