"""The question bank: data validated on load, conditions, offers and the JSON shape."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from therapycheck.core.checkup.bank import QuestionBank, load_bank_file, question_bank
from therapycheck.core.checkup.model import FACTOR_IDS
from therapycheck.core.instruments import get_instrument

DOCS = Path(__file__).resolve().parents[3] / "docs" / "checkup.md"


def _option_ids(question_id: str) -> list[str | int]:
    question = question_bank().get(question_id)
    assert question is not None
    return [o.id for o in question.options]


def test_it_loads_once_and_caches_the_bank() -> None:
    assert question_bank() is question_bank()


def test_every_question_names_only_known_factors() -> None:
    for question in question_bank().questions:
        assert question.factors, question.id
        assert set(question.factors) <= set(FACTOR_IDS), question.id


def test_every_factor_except_too_early_has_at_least_two_questions_or_statements() -> None:
    bank = question_bank()
    for factor in FACTOR_IDS:
        # not_improving (added by issue 12) is raised from scores by session alone, never
        # from a feeling (FACTORS.md principle 3 and the `not_improving` row), so no
        # question informs it.
        if factor in ("too_early", "not_improving"):
            continue
        # A tick list asks several statements at once; each counts as one way in.
        ways_in = sum(
            max(1, len([o for o in q.options if not o.exclusive]) if q.type == "multi" else 1)
            for q in bank.questions
            if factor in q.factors
        )
        assert ways_in >= 2, factor


def test_too_early_is_informed_by_the_context_questions() -> None:
    ids = {q.id for q in question_bank().questions if "too_early" in q.factors}
    assert ids == {"sessions", "weeks"}


def test_every_question_can_be_skipped() -> None:
    # Measures are the only non-skippable inputs, and they live in `measures`.
    assert all(q.skippable for q in question_bank().questions)


def test_context_questions_have_the_options_issue_three_lists() -> None:
    assert _option_ids("credential") == [
        "psychiatrist",
        "psychologist",
        "clinical_social_worker",
        "licensed_counsellor",
        "marriage_family_therapist",
        "psychiatric_nurse_practitioner",
        "coach_unlicensed",
        "dont_know",
    ]
    assert _option_ids("approach") == [
        "cbt",
        "dbt",
        "emdr",
        "psychodynamic",
        "ipt",
        "act",
        "person_centred",
        "integrative",
        "dont_know",
    ]
    assert set(_option_ids("concerns")) == {
        "depression",
        "anxiety",
        "panic",
        "phobia",
        "trauma",
        "ocd",
        "relationships",
        "identity",
        "grief",
        "substance_use",
        "eating",
        "adhd",
        "emotion_regulation",
        "stress",
        "personal_growth",
        # Issue 12 item 8 (question bank gaps): reasons people run into.
        "anger",
        "self_esteem",
        "abuse",
    }
    assert {"crisis_help", "treat_problem", "understand_patterns", "growth", "maintenance"} <= set(
        _option_ids("wants")
    )
    # Issue 12 item 8: "I was sent" by a professional is not therapy imposed.
    assert _option_ids("chosen") == [
        "chosen",
        "parents",
        "court",
        "partner",
        "employer",
        "referred",
    ]
    assert _option_ids("format") == ["in_person", "online", "mixed"]
    assert question_bank().get("sessions") is not None
    assert question_bank().get("weeks") is not None
    assert question_bank().get("frequency") is not None


def test_it_asks_directly_whether_the_person_is_safe() -> None:
    question = question_bank().get("safe_now")
    assert question is not None and question.section == "safety"
    assert "not_safe" in [o.id for o in question.options]


def test_safety_questions_come_before_everything_but_the_context() -> None:
    sections = [q.section for q in question_bank().questions]
    assert sections.index("safety") < min(
        sections.index(s) for s in set(sections) - {"about", "safety"}
    )


def test_a_yes_to_a_dual_relationship_asks_what_kind() -> None:
    bank = question_bank()
    hidden = [q.id for q in bank.visible({})]
    shown = [q.id for q in bank.visible({"dual_relationship": "yes"})]
    assert "dual_kind" not in hidden
    assert "dual_kind" in shown
    assert "dual_kind" not in [q.id for q in bank.visible({"dual_relationship": "no"})]


def test_the_trauma_focus_follow_up_needs_both_cbt_and_trauma() -> None:
    bank = question_bank()

    def shown(answers: dict[str, object]) -> bool:
        return "cbt_trauma_focus" in [q.id for q in bank.visible(answers)]

    assert shown({"approach": "cbt", "concerns": ["trauma", "anxiety"]})
    assert not shown({"approach": "cbt", "concerns": ["anxiety"]})
    assert not shown({"approach": "emdr", "concerns": ["trauma"]})


def test_a_skipped_answer_does_not_open_a_follow_up() -> None:
    bank = question_bank()
    assert "dual_kind" not in [q.id for q in bank.visible({"dual_relationship": "skip"})]
    assert "dual_kind" not in [q.id for q in bank.visible({"dual_relationship": None})]


# Changed with issue 14 (the adaptive check-up): WAI-SR is offered only when an answer
# about the therapist is not a clear "agree"; PHQ-9 and GAD-7 are still always asked.
def test_it_always_offers_mood_and_anxiety_and_the_alliance_measure_on_doubt() -> None:
    bank = question_bank()
    assert bank.measures_offered({}) == ["phq9", "gad7"]
    assert bank.measures_offered({"trust": 4, "heard": 5}) == ["phq9", "gad7"]
    assert bank.measures_offered({"trust": 3}) == ["phq9", "gad7", "wai_sr"]
    assert bank.measures_offered({"goals_agreed": 2}) == ["phq9", "gad7", "wai_sr"]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"concerns": ["substance_use"]}, {"audit_c", "dast10"}),
        ({"health_signs": ["substance"]}, {"audit_c", "dast10"}),
        ({"concerns": ["trauma"]}, {"pcl5"}),
        ({"health_signs": ["trauma"]}, {"pcl5"}),
        ({"concerns": ["adhd"]}, {"asrs6"}),
        ({"health_signs": ["focus"]}, {"asrs6"}),
        ({"health_signs": ["none"], "concerns": ["depression"]}, set()),
    ],
)
def test_it_offers_screeners_when_answers_point_that_way(
    answers: dict[str, object], expected: set[str]
) -> None:
    offered = set(question_bank().measures_offered(answers)) - {"phq9", "gad7", "wai_sr"}
    assert offered == expected


def test_every_measure_is_a_registered_instrument_with_the_stated_length() -> None:
    for measure in question_bank().measures:
        instrument = get_instrument(measure.instrument)
        assert len(instrument.items) == measure.items, measure.instrument


def test_the_json_has_sections_questions_and_measures_with_all_fields() -> None:
    doc = json.loads(json.dumps(question_bank().to_dict()))
    assert {s["id"] for s in doc["sections"]} >= {"about", "safety", "relationship"}
    first = doc["questions"][0]
    assert set(first) == {
        "id",
        "section",
        "type",
        "text",
        "help",
        "options",
        "min",
        "max",
        "factors",
        "skippable",
        "show_if",
        "context",
    }
    dual_kind = next(q for q in doc["questions"] if q["id"] == "dual_kind")
    assert dual_kind["show_if"] == {"answer": "dual_relationship", "equals": "yes"}
    agree = next(q for q in doc["questions"] if q["type"] == "agree5")
    assert [o["id"] for o in agree["options"]] == [1, 2, 3, 4, 5]
    pcl5 = next(m for m in doc["measures"] if m["instrument"] == "pcl5")
    assert pcl5["always"] is False and pcl5["offer_if"]["any"]


def test_docs_state_the_current_length_of_the_check_up() -> None:
    counts = question_bank().counts()
    text = DOCS.read_text(encoding="utf-8")
    assert f"{counts['always_asked_questions']} questions" in text
    assert f"{counts['follow_up_questions']} follow-up questions" in text
    assert f"{counts['measure_items_always']} questionnaire items" in text


def test_question_texts_are_short_plain_sentences() -> None:
    # A rough readability guard: no question runs past 40 words, no jargon abbreviations
    # without their spelled-out form (the labels explain CBT, DBT, and so on).
    for question in question_bank().questions:
        assert len(question.text.split()) <= 40, question.id
        assert not re.search(r"\b(MBC|RCI|DSM)\b", question.text), question.id


def _broken(change: dict[str, object], index: int = 0) -> dict[str, object]:
    data = copy.deepcopy(load_bank_file())
    data["questions"][index].update(change)  # type: ignore[index]
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"factors": ["not_a_factor"]}, "unknown factors"),
        ({"section": "nowhere"}, "unknown section"),
        ({"type": "single"}, "only single and multi"),
        ({"show_if": {"answer": "trust", "lte": 2}}, "not asked before it"),
        ({"context": "shoe_size"}, "not a Context field"),
    ],
)
def test_a_bad_bank_file_fails_on_load_with_a_clear_message(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        QuestionBank(_broken(change))


def test_a_show_if_naming_an_unknown_option_fails_on_load() -> None:
    data = copy.deepcopy(load_bank_file())
    kind = next(q for q in data["questions"] if q["id"] == "dual_kind")
    kind["show_if"] = {"answer": "dual_relationship", "equals": "maybe"}
    with pytest.raises(ValueError, match="not one of its options"):
        QuestionBank(data)
