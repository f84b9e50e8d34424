"""The quick check: a few taps to a first answer and one next step (issue 14).

Which questions it asks is data (`quick:` in core/checkup/questions.yaml). The answers go
into the person's unfinished check-up, so the full check-up starts with them filled in
and nothing is asked twice. The answer itself is the core's: the same evaluator and plan
as the full check-up, run on the answers given so far.

Page 1 asks the quick questions and the short screens (PHQ-2, GAD-2, which are the first
two items of PHQ-9 and GAD-7). When a screen is positive, page 2 asks the rest of its full
questionnaire. Then the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from therapycheck.core.checkup.bank import QuickMeasure, question_bank
from therapycheck.core.instruments import get_instrument
from therapycheck.core.scoring import ScoringError, score
from therapycheck.web.checkups import presenters, wizard

COUNTRY_FIELD = "country"


@dataclass
class QuickForm:
    """One quick-check page as submitted: answers understood and errors to show."""

    values: dict[str, Any] = field(default_factory=dict)
    items: dict[str, list[int | None]] = field(default_factory=dict)  # full id -> answers
    errors: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    country: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def questions() -> list[Any]:
    bank = question_bank()
    found = [bank.get(qid) for qid in bank.quick.questions]
    return [q for q in found if q is not None]


def screen_items(measure: QuickMeasure) -> list[dict[str, Any]]:
    """The screen's items, named as the full questionnaire's (they are its first items)."""
    count = len(get_instrument(measure.screen).items)
    return wizard.measure_items(measure.full)[:count]


def rest_items(measure: QuickMeasure) -> list[dict[str, Any]]:
    count = len(get_instrument(measure.screen).items)
    return wizard.measure_items(measure.full)[count:]


def read_first(data: Any, *, ask_country: bool, countries: set[str]) -> QuickForm:
    """Page 1: the quick questions, the short screens and (if unknown) the country."""
    form = QuickForm()
    for question in questions():
        value, error, raw = wizard._read_question(question, data)
        form.raw[wizard.Q_PREFIX + question.id] = raw
        if error:
            form.errors[wizard.Q_PREFIX + question.id] = error
        elif value is not None:
            form.values[question.id] = value
    for measure in question_bank().quick.measures:
        form.items[measure.full] = _read_items(screen_items(measure), data, form)
    if ask_country:
        code = str(data.get(COUNTRY_FIELD, "")).strip()
        form.raw[COUNTRY_FIELD] = code
        if code and code in countries:
            form.country = code
        elif code:
            form.errors[COUNTRY_FIELD] = "Please choose a country from the list."
    return form


def read_rest(measure: QuickMeasure, data: Any) -> list[int | None]:
    form = QuickForm()
    return _read_items(rest_items(measure), data, form)


def _read_items(items: list[dict[str, Any]], data: Any, form: QuickForm) -> list[int | None]:
    answers: list[int | None] = []
    for item in items:
        raw = data.get(item["name"], "")
        raw = raw.strip() if isinstance(raw, str) else ""
        form.raw[item["name"]] = raw
        allowed = {str(o["value"]): o["value"] for o in item["options"]}
        if raw in allowed:
            answers.append(allowed[raw])
        elif raw in ("", wizard.SKIP):
            answers.append(None)  # skipped: never read as 0
        else:
            form.errors[item["name"]] = "Please choose one of the answers."
            answers.append(None)
    return answers


def positive_screens(doc: Mapping[str, Any]) -> list[QuickMeasure]:
    """The short screens whose answers reach their cutoff: their full form comes next.

    A skipped screen item counts as unknown: the screen is positive when the items
    answered already reach the cutoff (a short screen has no rule for skipped items).
    """
    stored = wizard.measures_of(doc)
    positive = []
    for measure in question_bank().quick.measures:
        screen = get_instrument(measure.screen)
        given = list(stored.get(measure.full) or [])[: len(screen.items)]
        known = [v if isinstance(v, int) else 0 for v in given]
        if len(known) < len(screen.items):
            continue
        try:
            result = score(screen, known)
        except ScoringError:
            continue
        if "positive_screen" in result.flags:
            positive.append(measure)
    return positive


def save_first(doc: dict[str, Any], form: QuickForm) -> dict[str, Any]:
    """Page 1's answers into the check-up document.

    A screen's answers are stored as the first items of the full questionnaire; the list
    stays short until the rest is asked, so "not asked yet" is never mistaken for a skip
    (`services.document_for` tells the core which is which).
    """
    doc = wizard.apply_values(doc, form.values)
    measures = wizard.measures_of(doc)
    for full_id, screen_answers in form.items.items():
        earlier = list(measures.get(full_id) or [])
        measures[full_id] = [*screen_answers, *earlier[len(screen_answers) :]]
    doc["measures"] = measures
    return doc


def save_rest(doc: dict[str, Any], full_id: str, answers: list[int | None]) -> dict[str, Any]:
    measures = wizard.measures_of(doc)
    size = len(get_instrument(full_id).items)
    start = size - len(answers)
    stored = (list(measures.get(full_id) or []) + [None] * size)[:start]
    measures[full_id] = [*stored, *answers]
    doc["measures"] = measures
    return doc


def item_raw(doc: Mapping[str, Any], full_id: str) -> dict[str, str]:
    """Stored item answers as form values (a skipped item shows nothing chosen)."""
    stored = wizard.measures_of(doc).get(full_id) or []
    items = wizard.measure_items(full_id)
    return {
        item["name"]: str(value)
        for item, value in zip(items, stored, strict=False)
        if value is not None
    }


def question_fields(raw: Mapping[str, Any], errors: Mapping[str, str]) -> list[dict[str, Any]]:
    # The same field shape as the wizard's (checkups/_question.html).
    return [presenters.question_field(q, raw, errors) for q in questions()]


def item_fields(
    items: list[dict[str, Any]], raw: Mapping[str, Any], errors: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Questionnaire items (checkups/_item.html), each with a "Prefer not to say"."""
    fields = []
    for item in items:
        name = item["name"]
        field_id = f"f-{name}"
        error = errors.get(name, "")
        chosen = raw.get(name, "")
        options = [
            {
                "value": str(o["value"]),
                "label": o["label"],
                "id": f"{field_id}-{i}",
                "checked": str(o["value"]) == chosen,
            }
            for i, o in enumerate(item["options"])
        ]
        fields.append(
            {
                "id": field_id,
                "name": name,
                "number": item["number"],
                "text": item["text"],
                "error": error,
                "describedby": f"{field_id}-error" if error else "",
                "options": options,
                "skip_id": f"{field_id}-skip",
                "skip_checked": chosen == wizard.SKIP,
            }
        )
    return fields
