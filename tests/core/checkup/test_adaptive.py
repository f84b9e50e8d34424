"""The adaptive check-up (issue 14): questions appear only when earlier answers make them
relevant, and every rule's questions can still be reached when they are.

The stories below are counted the way the wizard asks: screen by screen, each shows the
questions that are visible for the answers saved so far (a skipped answer opens nothing);
an answer can open more on the same screen after "Save and continue", and a question
answered and later closed again still counts. A question the story does not mention is
answered "Prefer not to say" (that is a tap too).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from therapycheck.core.checkup.bank import QuestionBank, load_bank_file, question_bank
from therapycheck.core.checkup.conditions import answer_refs
from therapycheck.core.checkup.rules import referenced_questions, rule_set
from therapycheck.core.instruments import get_instrument

DOCS = Path(__file__).resolve().parents[3] / "docs" / "checkup.md"

# Before issue 14 everyone answered 61 questions and 28 questionnaire items (PHQ-9,
# GAD-7, WAI-SR): the figure docs/checkup.md gave then (git history of that file).
BEFORE = 61 + 28

_BASE: dict[str, Any] = {
    "sessions": 12,
    "weeks": 14,
    "frequency": "weekly",
    "credential": "psychologist",
    "approach": "cbt",
    "concerns": ["anxiety"],
    "safe_now": "safe",
    "harm_worry": "no",
    "harm_others": "no",
    "danger_from_others": "no",
    "trust": 4,
    "heard": 4,
    "feel_safe": 4,
    "goals_agreed": 4,
    "raised_concerns": "welcomed",
    "style_match": 4,
    "culture_understood": 4,
    "dual_relationship": "no",
    "conduct": ["none"],
    "feels_working": 4,
    "compared_to_start": "bit_better",
    "overwhelmed": 2,
    "recent_change": "same",
    "thinking_of_ending": "no",
}

STORIES: dict[str, dict[str, Any]] = {
    # Twelve sessions for anxiety, feels a bit better, gets on with the therapist.
    "going_well": dict(_BASE),
    # Getting on well with the therapist but unsure the therapy is helping yet.
    "good_relationship_unsure_it_helps": {
        **_BASE,
        "feels_working": 3,
        "compared_to_start": "same",
        "expecting": ["none"],
        "in_therapy": ["none"],
        "barriers": ["cost"],
    },
    # Feels a bit better, but does not feel heard and does not fully trust the therapist.
    "better_but_not_heard": {**_BASE, "trust": 3, "heard": 2, "rupture": "not_talked"},
    # Twenty sessions, no better, and the therapist does not seem to notice.
    "stuck_after_many_sessions": {
        **_BASE,
        "sessions": 20,
        "feels_working": 2,
        "compared_to_start": "same",
        "thinking_of_ending": "stuck_ending",
        # What the sections about why then ask, answered as this person would: they can
        # say what they want, they do not avoid topics, and nothing practical is in the way.
        "expecting": ["none"],
        "in_therapy": ["none"],
        "barriers": ["none"],
    },
}


def _given(answers: dict[str, Any]) -> dict[str, Any]:
    """What conditions read (web/checkups/wizard._given): a skipped answer opens nothing."""
    return {k: v for k, v in answers.items() if v != "skip"}


def walk(story: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(questions answered, questionnaires offered) when a person tells `story`."""
    bank = question_bank()
    answers: dict[str, Any] = {}
    asked: list[str] = []
    for section in bank.sections:
        # One round per "Save and continue" on this screen.
        for _ in range(len(bank.questions)):
            shown = [
                q.id
                for q in bank.visible(_given(answers))
                if q.section == section.id and q.id not in answers
            ]
            if not shown:
                break
            for qid in shown:
                answers[qid] = story.get(qid, "skip")
                asked.append(qid)
    visible = {q.id for q in bank.visible(_given(answers))}
    kept = {k: v for k, v in answers.items() if k in visible}
    return asked, bank.measures_offered(_given(kept))


# Stories whose first two PHQ-9 / GAD-7 answers reach the PHQ-2 / GAD-2 cutoff (3), so
# the rest of that questionnaire is asked too (web/checkups/wizard.shown_items).
POSITIVE_SCREENS: dict[str, set[str]] = {
    "good_relationship_unsure_it_helps": {"phq9"},
    "stuck_after_many_sessions": {"phq9", "gad7"},
}


def count(name: str) -> tuple[int, int]:
    """(questions, questionnaire items) the story answers."""
    questions, measures = walk(STORIES[name])
    screens = {m.full: m.screen for m in question_bank().quick.measures}
    items = 0
    for instrument in measures:
        asked = instrument
        if instrument in screens and instrument not in POSITIVE_SCREENS.get(name, set()):
            asked = screens[instrument]
        items += len(get_instrument(asked).items)
    return len(questions), items


# The questionnaires a check-in records; in the web check-up one answered in the last 14
# days can be used again in one tap (web/checkups/services.recent_checkin).
FROM_A_CHECK_IN = {"phq9", "gad7", "wai_sr"}


def count_with_check_in(name: str) -> int:
    """Answers (taps) the story gives when a recent check-in covers its PHQ-9, GAD-7 and
    WAI-SR: one tap for each of those questionnaires instead of its items."""
    questions, measures = walk(STORIES[name])
    _, items = count(name)
    screens = {m.full: m.screen for m in question_bank().quick.measures}
    for instrument in measures:
        if instrument in FROM_A_CHECK_IN:
            asked = instrument
            if instrument in screens and instrument not in POSITIVE_SCREENS.get(name, set()):
                asked = screens[instrument]
            items -= len(get_instrument(asked).items) - 1
    return len(questions) + items


def count_after_quick_check(name: str) -> int:
    """Answers the full check-up still asks when the person did the quick check first: its
    questions and its questionnaires (the short screens, and the rest when positive, as far
    as the check-up would ask them) are filled in (web/checkups/quick.save_first)."""
    questions, measures = walk(STORIES[name])
    quick = question_bank().quick
    _, items = count(name)
    covered = {m.full for m in quick.measures}
    for instrument in measures:
        if instrument in covered:
            asked = instrument
            if instrument not in POSITIVE_SCREENS.get(name, set()):
                asked = next(m.screen for m in quick.measures if m.full == instrument)
            items -= len(get_instrument(asked).items)
    return len([q for q in questions if q not in quick.questions]) + items


def test_a_typical_story_answers_well_under_half_of_what_everyone_answered_before() -> None:
    questions, items = count("going_well")
    assert questions + items <= 0.4 * BEFORE


@pytest.mark.parametrize("name", sorted(STORIES))
def test_every_story_answers_fewer_questions_than_before(name: str) -> None:
    questions, items = count(name)
    assert questions + items < BEFORE


def test_going_well_skips_the_sections_that_look_for_reasons_it_is_stuck() -> None:
    questions, measures = walk(STORIES["going_well"])
    bank = question_bank()
    sections = {bank.get(q).section for q in questions if bank.get(q)}  # type: ignore[union-attr]
    assert sections == {"about", "safety", "relationship", "boundaries", "progress"}
    assert "wai_sr" not in measures


def test_safety_and_boundary_questions_are_asked_in_every_story() -> None:
    always = {"safe_now", "harm_worry", "harm_others", "danger_from_others"}
    always |= {"dual_relationship", "conduct"}
    for story in STORIES.values():
        assert always <= set(walk(story)[0])


def test_doubt_about_the_therapist_opens_the_details_and_the_alliance_questionnaire() -> None:
    questions, measures = walk(STORIES["better_but_not_heard"])
    assert {"rupture", "asks_feedback"} <= set(questions)
    assert "wai_sr" in measures


def test_feeling_stuck_opens_the_sections_about_why() -> None:
    questions, _ = walk(STORIES["stuck_after_many_sessions"])
    bank = question_bank()
    sections = {bank.get(q).section for q in questions}  # type: ignore[union-attr]
    assert {"expectations", "agreement", "barriers", "fit", "health"} <= sections


def test_a_skipped_progress_answer_keeps_the_sections_about_why() -> None:
    story = {**STORIES["going_well"], "compared_to_start": "skip"}
    questions, _ = walk(story)
    assert "expecting" in questions and "in_therapy" in questions


def test_the_agreement_section_waits_until_past_the_first_sessions() -> None:
    early = {**STORIES["stuck_after_many_sessions"], "sessions": 2, "weeks": 2}
    assert "working_together" not in walk(early)[0]
    assert "working_together" in walk(STORIES["stuck_after_many_sessions"])[0]


# Answers that open every condition at once. "Does your therapist know about it?" is not
# asked about a concern the person already named, and the weeks since the first session
# only when the number of sessions is under 3 or not given, so three answer sets are
# checked: together they must show every question, so every rule's questions can be
# reached when the answers point there.
EVERYTHING: dict[str, Any] = {
    **_BASE,
    "sessions": 20,
    "trust": 2,
    "style_match": 2,
    "dual_relationship": "yes",
    "approach": "cbt",
    "concerns": ["anxiety"],
    "feels_working": 2,
    "compared_to_start": "bit_worse",
    "barriers": ["schedule"],
    "health_signs": ["substance", "trauma", "focus"],
    "substance_kind": ["alcohol"],
}
EVERYTHING_NAMED = {**EVERYTHING, "concerns": ["trauma", "substance_use", "adhd"]}
# The number of sessions skipped: then the weeks since the first session are asked, and
# read wherever "too early" is (the agreement section's rules among them).
EVERYTHING_UNCOUNTED = {k: v for k, v in EVERYTHING.items() if k != "sessions"} | {"weeks": 20}
ANSWER_SETS = (EVERYTHING, EVERYTHING_NAMED, EVERYTHING_UNCOUNTED)


def test_between_them_the_answer_sets_ask_every_question() -> None:
    bank = question_bank()
    shown = {q.id for answers in ANSWER_SETS for q in bank.visible(answers)}
    assert shown == {q.id for q in bank.questions}


def test_every_rule_can_fire_only_on_questions_that_can_be_shown_together() -> None:
    bank = question_bank()
    sets = [{q.id for q in bank.visible(a)} for a in ANSWER_SETS]
    rules = rule_set()
    for rule in rules.rules:
        needed = referenced_questions(rule.when, rules.definitions)
        assert any(needed <= shown for shown in sets), rule.id


def test_it_does_not_ask_whether_the_therapist_knows_about_a_concern_the_person_named() -> None:
    questions, measures = walk({**STORIES["stuck_after_many_sessions"], **EVERYTHING_NAMED})
    assert "hint_known" not in questions
    # The named concern still offers its questionnaire directly.
    assert {"pcl5", "audit_c", "asrs6"} <= set(measures)


@pytest.mark.parametrize(
    ("gate", "closed", "follow_up"),
    [
        ({"barriers": ["cost"]}, True, "format_wish"),
        ({"barriers": ["none"]}, True, "format"),
        ({"barriers": "skip"}, True, "format_wish"),
        ({"barriers": ["schedule"]}, False, "format_wish"),
        ({"barriers": ["cost", "no_privacy"]}, False, "format"),
        ({"health_signs": ["none"]}, True, "hint_known"),
        ({"health_signs": ["severe", "never_asked"]}, True, "hint_known"),
        ({"health_signs": ["trauma"]}, False, "hint_known"),
        ({"health_signs": ["substance"]}, False, "substance_kind"),
        ({"health_signs": ["focus"], "concerns": ["adhd"]}, True, "hint_known"),
    ],
)
def test_a_follow_up_in_the_sections_about_why_opens_only_when_its_lead_points_there(
    gate: dict[str, Any], closed: bool, follow_up: str
) -> None:
    questions, _ = walk({**STORIES["stuck_after_many_sessions"], **gate})
    assert (follow_up not in questions) is closed


def test_a_section_condition_reads_only_earlier_sections() -> None:
    bank = question_bank()
    order = [s.id for s in bank.sections]
    for section in bank.sections:
        if section.show_if is None:
            continue
        for ref, _ in answer_refs(section.show_if):
            asked_in = bank.get(ref).section  # type: ignore[union-attr]
            assert order.index(asked_in) < order.index(section.id)


def test_docs_state_the_counts_of_each_story() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for name in STORIES:
        questions, items = count(name)
        label = name.replace("_", " ")
        total, reused = questions + items, count_with_check_in(name)
        after_quick = count_after_quick_check(name)
        row = (
            rf"\| {label}[^|]*\| {questions} \| {items} \| {total} \| {reused} \| {after_quick} \|"
        )
        assert re.search(row, text), (name, questions, items)
    assert f"{BEFORE} answers" in text


def _bank_with(change: Callable[[dict[str, Any]], None]) -> QuestionBank:
    data = copy.deepcopy(load_bank_file())
    change(data)
    return QuestionBank(data)


def _section(data: dict[str, Any], section_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in data["sections"] if s["id"] == section_id)
    return found


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["quick"].update(questions=["no_such_question"]), "unknown question"),
        (lambda d: d["quick"].update(questions=["dual_kind"]), "is a follow-up question"),
        (lambda d: d["quick"].update(questions=["expecting"]), "is a follow-up question"),
        (lambda d: d["quick"].update(questions=["trust", "trust"]), "unique"),
        (
            lambda d: d["quick"]["measures"][0].update(full="gad7"),
            "phq2 is not the start of gad7",
        ),
        (
            lambda d: _section(d, "safety").update(show_if={"answer": "trust", "lte": 2}),
            "not asked in an earlier section",
        ),
        (
            lambda d: _section(d, "progress").update(show_if={"answer": "feels_working", "lte": 2}),
            "not asked in an earlier section",
        ),
    ],
)
def test_a_bad_quick_list_or_section_condition_fails_on_load(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _bank_with(change)


def test_the_quick_check_is_data_with_the_four_safety_questions_first() -> None:
    quick = question_bank().quick
    assert quick.questions[:4] == ("safe_now", "harm_worry", "harm_others", "danger_from_others")
    assert [(m.screen, m.full) for m in quick.measures] == [("phq2", "phq9"), ("gad2", "gad7")]
