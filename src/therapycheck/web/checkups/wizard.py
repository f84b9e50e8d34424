"""The check-up wizard's screens and form handling, over the core question bank.

Nothing here decides anything clinical: which questions show, what a valid answer is and
what the answers mean all come from `therapycheck.core.checkup`. This module only turns
the bank into screens ("steps") and raw form fields into answer values.

A step is one screen: a section of the bank, or one embedded questionnaire (measure).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from therapycheck.core.checkup.bank import AnswersError, question_bank
from therapycheck.core.checkup.screening import items_to_ask
from therapycheck.core.instruments import get_instrument

SKIP = "skip"
# Measures every check-up includes: mood and anxiety. The alliance questionnaire (WAI-SR)
# is offered when the answers about the therapist are not a clear yes (questions.yaml).
ALWAYS_MEASURES: tuple[str, ...] = ("phq9", "gad7")
# Prefix of form field names, so question ids can never clash with our own fields.
Q_PREFIX = "q-"
M_PREFIX = "m-"


@dataclass(frozen=True)
class Step:
    key: str  # "section:<section id>" or "measure:<instrument id>"
    kind: str  # "section" or "measure"
    ref: str  # the section id or the instrument id
    title: str


@dataclass
class Submission:
    """One screen's submitted form: the values understood, and the errors to show."""

    values: dict[str, Any] = field(default_factory=dict)  # question id -> answer value
    # Item answers (None = skipped), when every item was answered or skipped.
    measure: list[int | None] | None = None
    errors: dict[str, str] = field(default_factory=dict)  # form field name -> message
    raw: dict[str, Any] = field(default_factory=dict)  # form field name -> what was sent

    @property
    def ok(self) -> bool:
        return not self.errors


# --- the answers document -------------------------------------------------------------


def empty_document(country: str | None) -> dict[str, Any]:
    doc: dict[str, Any] = {"answers": {}, "measures": {}}
    if country:
        doc["country"] = country
    return doc


def answers_of(doc: Mapping[str, Any]) -> dict[str, Any]:
    raw = doc.get("answers") if isinstance(doc, Mapping) else None
    return dict(raw) if isinstance(raw, Mapping) else {}


def measures_of(doc: Mapping[str, Any]) -> dict[str, list[int | None]]:
    raw = doc.get("measures") if isinstance(doc, Mapping) else None
    return dict(raw) if isinstance(raw, Mapping) else {}


def _given(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers that count for conditions: a skipped question is treated as unanswered."""
    return {k: v for k, v in answers.items() if v is not None and v != SKIP}


def visible_ids(answers: Mapping[str, Any]) -> list[str]:
    return [q.id for q in question_bank().visible(_given(answers))]


def prune(doc: dict[str, Any]) -> dict[str, Any]:
    """Drop answers to questions (and questionnaires) that no longer apply.

    When a person goes back and changes an answer, a follow-up it used to open may close;
    its old answer must not keep influencing the result. Repeat until stable because one
    hidden question can hide another.
    """
    answers = answers_of(doc)
    for _ in range(len(answers) + 1):
        shown = set(visible_ids(answers))
        kept = {k: v for k, v in answers.items() if k in shown}
        if kept == answers:
            break
        answers = kept
    doc["answers"] = answers
    offered = set(measure_ids(answers))
    doc["measures"] = {k: v for k, v in measures_of(doc).items() if k in offered}
    return doc


# --- steps ----------------------------------------------------------------------------


def _section_title(section: Any) -> str:
    for attr in ("title", "name", "label"):
        value = getattr(section, attr, None)
        if isinstance(value, str) and value:
            return value
    return str(getattr(section, "id", section))


def _section_id(section: Any) -> str:
    return str(getattr(section, "id", section))


def measure_ids(answers: Mapping[str, Any]) -> list[str]:
    ids = list(ALWAYS_MEASURES)
    for inst in question_bank().measures_offered(_given(answers)):
        if inst not in ids:
            ids.append(inst)
    return ids


def steps_for(doc: Mapping[str, Any]) -> list[Step]:
    """The screens of this check-up, in order, for the answers given so far."""
    answers = answers_of(doc)
    bank = question_bank()
    shown = {q.id for q in bank.visible(_given(answers))}
    steps: list[Step] = []
    for section in bank.sections:
        sid = _section_id(section)
        if any(q.section == sid and q.id in shown for q in bank.questions):
            steps.append(Step(f"section:{sid}", "section", sid, _section_title(section)))
    for inst in measure_ids(answers):
        steps.append(Step(f"measure:{inst}", "measure", inst, get_instrument(inst).name))
    return steps


def find_step(steps: list[Step], key: str) -> int | None:
    for i, step in enumerate(steps):
        if step.key == key:
            return i
    return None


def section_questions(doc: Mapping[str, Any], section_id: str) -> list[Any]:
    return [q for q in question_bank().visible(_given(answers_of(doc))) if q.section == section_id]


def unanswered_in(doc: Mapping[str, Any], section_id: str) -> list[str]:
    """Visible questions of a section the person has not answered or skipped yet."""
    answers = answers_of(doc)
    return [q.id for q in section_questions(doc, section_id) if q.id not in answers]


# --- reading a submitted section --------------------------------------------------------


def option_ids(question: Any) -> list[str]:
    return [str(o.id) for o in (question.options or ())]


def _required_message(question: Any) -> str:
    if question.type == "number":
        if _skippable(question):
            return "Please enter a number, or tick “Prefer not to say”."
        return "Please enter a number."
    if _skippable(question):
        return "Please choose an answer, or choose “Prefer not to say”."
    return "Please choose an answer."


def _skippable(question: Any) -> bool:
    return bool(getattr(question, "skippable", True))


def _read_question(question: Any, data: Any) -> tuple[Any, str | None, Any]:
    """(value, error, raw) for one question from a QueryDict-like `data`.

    value is None when nothing usable was given.
    """
    name = Q_PREFIX + question.id
    qtype = question.type
    if qtype == "multi":
        chosen = [str(v) for v in data.getlist(name)]
        if SKIP in chosen:
            if len(chosen) > 1:
                return None, "Choose options, or “Prefer not to say”, but not both.", chosen
            return SKIP, None, chosen
        # Nothing ticked is an answer too: none of these apply.
        return chosen, None, chosen
    raw = data.get(name, "")
    raw = raw.strip() if isinstance(raw, str) else ""
    if qtype == "number":
        if data.get(name + "-skip") == SKIP and _skippable(question):
            if raw:
                return None, "Enter a number, or tick “Prefer not to say”, but not both.", raw
            return SKIP, None, raw
        if not raw:
            return None, _required_message(question), raw
        try:
            return int(raw), None, raw
        except ValueError:
            return None, "Please enter a whole number, like 6.", raw
    if not raw:
        return None, _required_message(question), raw
    if raw == SKIP and _skippable(question):
        return SKIP, None, raw
    if qtype == "agree5":
        try:
            return int(raw), None, raw
        except ValueError:
            return None, "Please choose one of the answers shown.", raw
    return raw, None, raw


def read_section(doc: Mapping[str, Any], section_id: str, data: Any) -> Submission:
    """Read and validate one section's form against the core's own answer rules."""
    sub = Submission()
    for question in section_questions(doc, section_id):
        value, error, raw = _read_question(question, data)
        sub.raw[Q_PREFIX + question.id] = raw
        if error:
            sub.errors[Q_PREFIX + question.id] = error
        elif value is not None:
            sub.values[question.id] = value
    _validate_with_core(doc, sub)
    return sub


def _validate_with_core(doc: Mapping[str, Any], sub: Submission) -> None:
    """Ask the core parser; each answer it refuses becomes that field's error.

    Only this screen's answers are checked (the parser ignores a follow-up whose condition
    is not met rather than refusing it), so an old stored answer can never hide a problem
    here. The parser stops at the first problem: drop it and ask again.
    """
    for _ in range(len(sub.values) + 1):
        try:
            _parse_answers({"answers": dict(sub.values)})
            return
        except AnswersError as exc:
            qid = str(getattr(exc, "question_id", "") or "")
            if qid not in sub.values:
                return
            sub.errors[Q_PREFIX + qid] = friendly_error(question_bank().get(qid), exc)
            del sub.values[qid]


def _parse_answers(doc: Mapping[str, Any]) -> Any:
    # Imported here so the site still loads while the core package is being assembled.
    from therapycheck.core.checkup.answers import parse_answers

    return parse_answers(doc)


def friendly_error(question: Any, exc: Exception) -> str:
    """The core's reason in words for the person (the core speaks of ids and types)."""
    detail = str(getattr(exc, "message", "") or exc)
    if question is None:
        return "Please check this answer."
    if question.type == "number":
        if "out of range" in detail:
            return f"Please enter a number from {question.min} to {question.max}."
        return "Please enter a whole number, like 6."
    if "together with other options" in detail:
        alone = [o.label for o in question.options if getattr(o, "exclusive", False)]
        name = f"“{alone[0]}”" if alone else "That answer"
        return f"{name} cannot be chosen together with other answers."
    return "Please choose from the answers shown."


def apply_values(doc: dict[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    doc["answers"] = {**answers_of(doc), **values}
    return prune(doc)


# --- reading a submitted questionnaire ----------------------------------------------------


def measure_items(instrument_id: str) -> list[dict[str, Any]]:
    """Items with their own response options (an item may override the default ones)."""
    inst = get_instrument(instrument_id)
    items = []
    for item in inst.items:
        options = inst.item_options(item.number)
        items.append(
            {
                "number": item.number,
                "text": item.text,
                "name": f"{M_PREFIX}{instrument_id}-{item.number}",
                "options": [{"value": o.value, "label": o.label} for o in options],
            }
        )
    return items


def shown_items(doc: Mapping[str, Any], instrument_id: str) -> list[dict[str, Any]]:
    """The items to ask now. PHQ-9 and GAD-7 start with their first two items (the PHQ-2
    and GAD-2 screens); the rest follow only when the screen is positive (core.checkup
    .screening, shared with the terminal check-up)."""
    items = measure_items(instrument_id)
    return items[: items_to_ask(instrument_id, measures_of(doc).get(instrument_id))]


def measure_needs_more(doc: Mapping[str, Any], instrument_id: str) -> bool:
    """A positive screen was just saved: the rest of the questionnaire comes next."""
    stored = measures_of(doc).get(instrument_id)
    return stored is not None and len(shown_items(doc, instrument_id)) > len(stored)


def read_measure(
    instrument_id: str,
    data: Any,
    *,
    partial: bool = False,
    doc: Mapping[str, Any] | None = None,
) -> Submission:
    """Read a questionnaire's form: every item shown needs an answer or "Prefer not to
    say" (unless `partial`). Items sent beyond those shown are read too, all or none."""
    sub = Submission()
    answers: list[int | None] = []
    shown = shown_items(doc or {}, instrument_id)
    extra = measure_items(instrument_id)[len(shown) :]
    if any(data.get(item["name"]) for item in extra):
        shown = [*shown, *extra]
    for item in shown:
        raw = data.get(item["name"], "")
        raw = raw.strip() if isinstance(raw, str) else ""
        sub.raw[item["name"]] = raw
        allowed = {str(o["value"]): o["value"] for o in item["options"]}
        if raw in allowed:
            answers.append(allowed[raw])
        elif raw == SKIP:
            # "Prefer not to say" for one item: the core scores what its authors allow
            # (core.scoring) and never reads a skipped safety item as 0.
            answers.append(None)
        elif not partial:
            message = "Please choose an answer for this question."
            sub.errors[item["name"]] = message if not raw else "Please choose one of the answers."
    if not sub.errors and len(answers) == len(sub.raw):
        sub.measure = answers
    return sub


def measure_raw(doc: Mapping[str, Any], instrument_id: str) -> dict[str, Any]:
    """The stored answers of a questionnaire as form values, to show them again."""
    stored = measures_of(doc).get(instrument_id) or []
    items = measure_items(instrument_id)
    return {
        item["name"]: SKIP if value is None else str(value)
        for item, value in zip(items, stored, strict=False)
    }


def section_raw(doc: Mapping[str, Any], section_id: str) -> dict[str, Any]:
    """The stored answers of a section as form values, to show them again."""
    answers = answers_of(doc)
    raw: dict[str, Any] = {}
    for question in section_questions(doc, section_id):
        if question.id not in answers:
            continue
        value = answers[question.id]
        name = Q_PREFIX + question.id
        if question.type == "multi":
            raw[name] = [SKIP] if value == SKIP else [str(v) for v in (value or [])]
        elif question.type == "number" and value == SKIP:
            raw[name] = ""
            raw[name + "-skip"] = SKIP
        else:
            raw[name] = "" if value is None else str(value)
    return raw
