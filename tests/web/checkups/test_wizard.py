"""The wizard's screens and form reading, over the real question bank."""

from __future__ import annotations

from django.http import QueryDict

from therapycheck.core.checkup.bank import question_bank
from therapycheck.web.checkups import wizard


def _form(pairs: dict[str, object]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in pairs.items():
        if isinstance(value, list):
            data.setlist(key, [str(v) for v in value])
        else:
            data[key] = str(value)
    return data


def test_every_bank_section_with_questions_is_a_step_followed_by_the_always_asked_measures() -> (
    None
):
    steps = wizard.steps_for(wizard.empty_document("GB"))
    sections = [s.ref for s in steps if s.kind == "section"]
    measures = [s.ref for s in steps if s.kind == "measure"]
    assert sections == [s.id for s in question_bank().sections]
    # WAI-SR became an offered measure with issue 14 (the adaptive check-up).
    assert measures[:2] == ["phq9", "gad7"]
    assert steps[-1].kind == "measure"


def test_a_concern_about_substance_use_adds_the_alcohol_questionnaire_step() -> None:
    doc = wizard.empty_document("GB")
    before = {s.ref for s in wizard.steps_for(doc)}
    doc["answers"] = {"concerns": ["substance_use"]}
    after = {s.ref for s in wizard.steps_for(doc)}
    assert "audit_c" not in before
    assert "audit_c" in after


def test_a_follow_up_question_shows_only_when_its_condition_is_met() -> None:
    doc = wizard.empty_document("GB")
    ids = [q.id for q in wizard.section_questions(doc, "boundaries")]
    assert "dual_kind" not in ids
    doc["answers"] = {"dual_relationship": "yes"}
    ids = [q.id for q in wizard.section_questions(doc, "boundaries")]
    assert "dual_kind" in ids
    assert wizard.unanswered_in(doc, "boundaries") == ["dual_kind", "conduct"]


def test_pruning_drops_the_answer_to_a_follow_up_that_no_longer_applies() -> None:
    doc = {"answers": {"dual_relationship": "no", "dual_kind": ["friend"]}, "measures": {}}
    assert "dual_kind" not in wizard.prune(doc)["answers"]


def test_pruning_drops_an_optional_questionnaire_that_is_no_longer_offered() -> None:
    doc = {
        "answers": {"concerns": ["anxiety"]},
        "measures": {"audit_c": [1, 1, 1], "phq9": [0] * 9},
    }
    assert set(wizard.prune(doc)["measures"]) == {"phq9"}


def test_reading_a_section_turns_form_fields_into_answer_values(db: object) -> None:
    doc = wizard.empty_document("GB")
    form = _form(
        {
            "q-sessions": "7",
            "q-frequency": "weekly",
            "q-credential": "psychologist",
            "q-approach": "cbt",
            "q-concerns": ["anxiety", "stress"],
        }
    )
    # format, wants and chosen moved to later sections with issue 14 (the adaptive
    # check-up asks them only when the answers about progress call for them), and weeks
    # to "How it's going", asked only when fewer than 3 sessions are given or none.
    sub = wizard.read_section(doc, "about", form)
    assert sub.ok, sub.errors
    assert sub.values["sessions"] == 7
    assert sub.values["concerns"] == ["anxiety", "stress"]
    sub = wizard.read_section(
        doc, "barriers", _form({"q-in_therapy": ["ambivalent", "crisis_mode"]})
    )
    assert sub.values["in_therapy"] == ["ambivalent", "crisis_mode"]


def test_a_blank_question_asks_for_an_answer_or_prefer_not_to_say(db: object) -> None:
    sub = wizard.read_section(wizard.empty_document("GB"), "safety", _form({"q-harm_worry": "no"}))
    assert "q-safe_now" in sub.errors
    assert "Prefer not to say" in sub.errors["q-safe_now"]
    assert sub.values == {"harm_worry": "no"}


def test_a_number_that_is_not_a_number_is_refused_and_kept_as_typed(db: object) -> None:
    sub = wizard.read_section(wizard.empty_document("GB"), "about", _form({"q-sessions": "lots"}))
    assert "whole number" in sub.errors["q-sessions"]
    assert sub.raw["q-sessions"] == "lots"


def test_the_core_parser_refuses_an_unknown_option_and_the_error_names_the_question(
    db: object,
) -> None:
    sub = wizard.read_section(
        wizard.empty_document("GB"), "safety", _form({"q-safe_now": "maybe?", "q-harm_worry": "no"})
    )
    assert "q-safe_now" in sub.errors
    assert "safe_now" not in sub.values
    assert sub.values == {"harm_worry": "no"}


def test_a_questionnaire_needs_every_item_and_names_the_missing_ones() -> None:
    form = _form({f"m-phq9-{n}": 0 for n in range(1, 9)})  # item 9 missing
    sub = wizard.read_measure("phq9", form)
    assert list(sub.errors) == ["m-phq9-9"]
    assert sub.measure is None


def test_a_questionnaire_refuses_a_value_that_is_not_one_of_its_answers() -> None:
    form = _form({f"m-gad7-{n}": 0 for n in range(1, 8)} | {"m-gad7-3": "7"})
    sub = wizard.read_measure("gad7", form)
    assert list(sub.errors) == ["m-gad7-3"]


def test_a_complete_questionnaire_reads_as_its_item_values() -> None:
    values = [0, 1, 2, 3, 0, 1, 2, 3, 1]
    form = _form({f"m-phq9-{n}": v for n, v in enumerate(values, start=1)})
    assert wizard.read_measure("phq9", form).measure == values


def test_stored_answers_come_back_as_form_values() -> None:
    doc = {
        "answers": {"sessions": "skip", "concerns": ["grief"], "approach": "act"},
        "measures": {},
    }
    raw = wizard.section_raw(doc, "about")
    assert raw["q-sessions-skip"] == "skip"
    assert raw["q-concerns"] == ["grief"]
    assert raw["q-approach"] == "act"


def test_a_number_out_of_range_gets_a_plain_message_with_the_range(db: object) -> None:
    sub = wizard.read_section(wizard.empty_document("GB"), "about", _form({"q-sessions": "99999"}))
    question = question_bank().get("sessions")
    assert question is not None
    assert sub.errors["q-sessions"] == (
        f"Please enter a number from {question.min} to {question.max}."
    )


def test_none_of_these_together_with_another_option_is_explained_in_words(db: object) -> None:
    form = _form({"q-dual_relationship": "no", "q-conduct": ["none", "threatened"]})
    sub = wizard.read_section(wizard.empty_document("GB"), "boundaries", form)
    assert (
        sub.errors["q-conduct"] == "“None of these” cannot be chosen together with other answers."
    )
    assert sub.values == {"dual_relationship": "no"}


def test_stored_answers_the_bank_no_longer_accepts_are_dropped_not_fatal() -> None:
    from therapycheck.web.checkups.services import sanitize

    doc = {
        "answers": {"safe_now": "safe", "sessions": "many", "retired_question": "yes"},
        "measures": {"phq9": [0, 0, 0], "gad7": [0] * 7},
        "country": "GB",
    }
    clean = sanitize(doc)
    assert clean["answers"] == {"safe_now": "safe"}
    assert clean["measures"] == {"gad7": [0] * 7}
    assert clean["country"] == "GB"
