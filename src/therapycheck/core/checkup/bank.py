"""The check-up question bank: `questions.yaml`, validated once per process.

bank = question_bank()             # cached; a bad data file fails here, at start-up
bank.get("trust")                  # one Question (None if unknown)
bank.visible(answers)              # the questions to show, given the answers so far
bank.measures_offered(answers)     # instrument ids to ask, given the answers so far
bank.quick                         # the quick check: its questions and short questionnaires
bank.to_dict()                     # the JSON of `therapycheck questions --format json`

Relevance: a question's `show_if` hides it until an earlier answer makes it relevant; a
section's `show_if` does the same for every question in the section.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from therapycheck.core.checkup.conditions import CondSpec, Scope, State, answer_refs
from therapycheck.core.checkup.model import FACTOR_IDS, Context
from therapycheck.core.datafile import load_mapping
from therapycheck.core.instruments import get_instrument

QuestionType = Literal["yes_no", "agree5", "single", "multi", "number"]
_ID = r"^[a-z][a-z0-9_]*$"
# Values that mean "prefer not to say" in an answers file.
SKIP_VALUES = (None, "skip")
AGREE5_LABELS = (
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "Strongly agree",
)
_CONTEXT_FIELDS = frozenset(f.name for f in dataclasses.fields(Context)) - {"country"}
# Instruments the check-up can use; the registry in core.instruments has the details.
KNOWN_INSTRUMENTS = frozenset(
    (
        "phq9",
        "gad7",
        "wai_sr",
        "audit_c",
        "dast10",
        "pcl5",
        "asrs6",
        "core10",
        "who5",
        "phq2",
        "gad2",
    )
)


class AnswersError(ValueError):
    """An answers document that cannot be used; names the question (or measure) at fault."""

    def __init__(self, question_id: str, message: str) -> None:
        super().__init__(f"{question_id}: {message}")
        self.question_id = question_id
        self.message = message


# --- the YAML schema -------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _OptionSpec(_Strict):
    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1)
    exclusive: bool = False


class _QuestionSpec(_Strict):
    id: str = Field(pattern=_ID)
    section: str
    type: QuestionType
    text: str = Field(min_length=5)
    help: str | None = None
    factors: tuple[str, ...] = Field(min_length=1)
    options: tuple[_OptionSpec, ...] = ()
    skippable: bool = True
    show_if: CondSpec | None = None
    min: int | None = None
    max: int | None = None
    context: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> _QuestionSpec:
        unknown = [f for f in self.factors if f not in FACTOR_IDS]
        if unknown:
            raise ValueError(f"{self.id}: unknown factors {unknown}")
        needs_options = self.type in ("single", "multi")
        if needs_options != bool(self.options):
            raise ValueError(f"{self.id}: only single and multi questions list options")
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.id}: option ids must be unique")
        if any(o.exclusive for o in self.options) and self.type != "multi":
            raise ValueError(f"{self.id}: only a multi question has an exclusive option")
        if (self.type == "number") != (self.min is not None and self.max is not None):
            raise ValueError(f"{self.id}: a number question needs min and max (and only it)")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"{self.id}: min is above max")
        if self.context is not None and self.context not in _CONTEXT_FIELDS:
            raise ValueError(f"{self.id}: context {self.context!r} is not a Context field")
        return self


class _SectionSpec(_Strict):
    id: str = Field(pattern=_ID)
    title: str
    intro: str | None = None
    show_if: CondSpec | None = None


class _QuickMeasureSpec(_Strict):
    screen: str
    full: str
    why: str = Field(min_length=10)


class _QuickSpec(_Strict):
    questions: tuple[str, ...] = Field(min_length=1)
    measures: tuple[_QuickMeasureSpec, ...] = ()


class _MeasureSpec(_Strict):
    instrument: str
    items: int = Field(ge=1)
    factors: tuple[str, ...]
    why_offered: str
    offer_if: CondSpec | None = None

    @model_validator(mode="after")
    def _known(self) -> _MeasureSpec:
        if self.instrument not in KNOWN_INSTRUMENTS:
            raise ValueError(f"unknown instrument {self.instrument!r}")
        unknown = [f for f in self.factors if f not in FACTOR_IDS]
        if unknown:
            raise ValueError(f"{self.instrument}: unknown factors {unknown}")
        return self


class _BankFile(_Strict):
    version: int
    sections: tuple[_SectionSpec, ...] = Field(min_length=1)
    questions: tuple[_QuestionSpec, ...] = Field(min_length=1)
    measures: tuple[_MeasureSpec, ...] = Field(min_length=1)
    quick: _QuickSpec


# --- runtime objects -------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    id: str | int
    label: str
    exclusive: bool = False

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"id": self.id, "label": self.label}
        if self.exclusive:
            doc["exclusive"] = True
        return doc


@dataclass(frozen=True, eq=False)
class Section:
    id: str
    title: str
    intro: str | None = None
    show_if: CondSpec | None = None

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"id": self.id, "title": self.title, "intro": self.intro}
        doc["show_if"] = _cond_dict(self.show_if)
        return doc


@dataclass(frozen=True)
class QuickMeasure:
    """A short screen (PHQ-2) that opens its full questionnaire (PHQ-9) when positive."""

    screen: str
    full: str
    why: str


@dataclass(frozen=True)
class QuickCheck:
    """The quick check on the home page: a few bank questions and short screens."""

    questions: tuple[str, ...]
    measures: tuple[QuickMeasure, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "questions": list(self.questions),
            "measures": [dataclasses.asdict(m) for m in self.measures],
        }


@dataclass(frozen=True, eq=False)
class Question:
    id: str
    section: str
    type: QuestionType
    text: str
    help: str | None
    factors: tuple[str, ...]
    options: tuple[Option, ...]
    skippable: bool
    show_if: CondSpec | None
    min: int | None
    max: int | None
    context: str | None

    def option_ids(self) -> frozenset[str]:
        return frozenset(str(o.id) for o in self.options)

    def exclusive_ids(self) -> frozenset[str]:
        """Options that cannot be chosen together with others ("none of these")."""
        return frozenset(str(o.id) for o in self.options if o.exclusive)

    def label(self, value: Any) -> str:
        """The words for an answer value, as the person saw them."""
        if isinstance(value, list | tuple):
            return join_words([self.label(v) for v in value])
        for option in self.options:
            if option.id == value:
                return option.label
        return str(value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "section": self.section,
            "type": self.type,
            "text": self.text,
            "help": self.help,
            "options": [o.to_dict() for o in self.options],
            "min": self.min,
            "max": self.max,
            "factors": list(self.factors),
            "skippable": self.skippable,
            "show_if": _cond_dict(self.show_if),
            "context": self.context,
        }


@dataclass(frozen=True, eq=False)
class MeasureOffer:
    instrument: str
    items: int
    factors: tuple[str, ...]
    why_offered: str
    offer_if: CondSpec | None

    @property
    def always(self) -> bool:
        return self.offer_if is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "items": self.items,
            "always": self.always,
            "offer_if": _cond_dict(self.offer_if),
            "why_offered": self.why_offered,
            "factors": list(self.factors),
        }


def _cond_dict(spec: CondSpec | None) -> dict[str, Any] | None:
    return spec.model_dump(by_alias=True, exclude_none=True) if spec is not None else None


def join_words(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _options(spec: _QuestionSpec) -> tuple[Option, ...]:
    if spec.type == "yes_no":
        return (Option("yes", "Yes"), Option("no", "No"))
    if spec.type == "agree5":
        return tuple(Option(n, label) for n, label in enumerate(AGREE5_LABELS, start=1))
    return tuple(Option(o.id, o.label, o.exclusive) for o in spec.options)


def _question(spec: _QuestionSpec) -> Question:
    return Question(**{**dict(spec), "options": _options(spec)})


# --- answer checkers (one per question) ---------------------------------------------------

Checker = Callable[[Any], Any]


def _checker(q: Question) -> Checker:
    """A function that returns the normalized answer or raises AnswersError."""
    if q.type == "number":
        return _number_checker(q)
    if q.type == "multi":
        return _multi_checker(q)
    allowed = {o.id: o.id for o in q.options}
    hint = ", ".join(repr(o.id) for o in q.options)

    def check(value: Any) -> Any:
        # bool is an int: reject True/False for agree5 rather than read them as 1/0.
        if isinstance(value, bool) or value.__hash__ is None or value not in allowed:
            raise AnswersError(q.id, f"{_show(value)} is not a valid answer; use one of {hint}")
        return allowed[value]

    return check


def _number_checker(q: Question) -> Checker:
    low, high = q.min, q.max

    def check(value: Any) -> Any:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise AnswersError(q.id, f"{_show(value)} is not a whole number")
        if not low <= value <= high:  # type: ignore[operator]
            raise AnswersError(q.id, f"{value} is out of range ({low}-{high})")
        return value

    return check


def _multi_checker(q: Question) -> Checker:
    allowed = q.option_ids()
    exclusive = q.exclusive_ids()
    hint = ", ".join(repr(o.id) for o in q.options)

    def check(value: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise AnswersError(q.id, f"{_show(value)} is not a list of option ids")
        try:
            chosen = tuple(dict.fromkeys(value))
        except TypeError:
            raise AnswersError(q.id, f"{_show(value)} is not a list of option ids") from None
        if not allowed.issuperset(chosen):
            unknown = next(v for v in chosen if v not in allowed)
            raise AnswersError(q.id, f"unknown option {unknown!r}; use any of {hint}")
        if len(chosen) > 1 and not exclusive.isdisjoint(chosen):
            only = sorted(exclusive.intersection(chosen))[0]
            raise AnswersError(q.id, f"{only!r} cannot be chosen together with other options")
        return chosen

    return check


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --- the bank ----------------------------------------------------------------------------


class QuestionBank:
    """The validated question bank. Build it with `question_bank()`."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        spec = _BankFile.model_validate(data)
        self.version = spec.version
        self.sections: tuple[Section, ...] = tuple(
            Section(s.id, s.title, s.intro, s.show_if) for s in spec.sections
        )
        self._section_of = {s.id: s for s in self.sections}
        self.questions: tuple[Question, ...] = tuple(_question(q) for q in spec.questions)
        self.measures: tuple[MeasureOffer, ...] = tuple(
            MeasureOffer(m.instrument, m.items, m.factors, m.why_offered, m.offer_if)
            for m in spec.measures
        )
        self._by_id = {q.id: q for q in self.questions}
        self._check_structure()
        self.quick = QuickCheck(
            spec.quick.questions,
            tuple(QuickMeasure(m.screen, m.full, m.why) for m in spec.quick.measures),
        )
        self._check_quick()
        self.checkers: dict[str, Checker] = {q.id: _checker(q) for q in self.questions}
        # question id -> Context field, for the few questions that describe the therapy.
        self.context_fields: dict[str, str] = {
            q.id: q.context for q in self.questions if q.context is not None
        }
        # Conditions here may only read answers (no scores or facts exist yet).
        self._scope = Scope(questions=self._by_id)
        for q in self.questions:
            self._check(q.show_if, q.id)
        for section in self.sections:
            self._check(section.show_if, f"section {section.id}")
        for m in self.measures:
            self._check(m.offer_if, m.instrument)
        self._follow_ups = tuple(
            q for q in self.questions if q.show_if is not None or self._gated(q)
        )

    def _gated(self, question: Question) -> bool:
        return self._section_of[question.section].show_if is not None

    def _check_structure(self) -> None:
        if len(self._by_id) != len(self.questions):
            raise ValueError("question ids must be unique")
        section_ids = {s.id for s in self.sections}
        for q in self.questions:
            if q.section not in section_ids:
                raise ValueError(f"{q.id}: unknown section {q.section!r}")
        earlier: set[str] = set()
        by_section = {s.id: s for s in self.sections}
        for q in self.questions:
            # A follow-up may only depend on questions asked before it, so a form can
            # show it as soon as the earlier answer is given. A section's condition may
            # only depend on questions of earlier sections.
            section_cond = by_section[q.section].show_if
            for ref, _ in answer_refs(section_cond) if section_cond else ():
                asked = self._by_id.get(ref)
                if ref not in earlier or asked is None or asked.section == q.section:
                    raise ValueError(
                        f"section {q.section}: show_if refers to {ref!r}, "
                        "not asked in an earlier section"
                    )
            for ref, _ in answer_refs(q.show_if) if q.show_if else ():
                if ref not in earlier:
                    raise ValueError(f"{q.id}: show_if refers to {ref!r}, not asked before it")
            earlier.add(q.id)

    def _check_quick(self) -> None:
        ids = self.quick.questions
        if len(set(ids)) != len(ids):
            raise ValueError("quick: question ids must be unique")
        for qid in ids:
            question = self._by_id.get(qid)
            if question is None:
                raise ValueError(f"quick: unknown question {qid!r}")
            # The quick check shows its questions without their conditions.
            if question.show_if is not None or self._section_of[question.section].show_if:
                raise ValueError(f"quick: {qid} is a follow-up question")
        for m in self.quick.measures:
            for instrument in (m.screen, m.full):
                if instrument not in KNOWN_INSTRUMENTS:
                    raise ValueError(f"quick: unknown instrument {instrument!r}")
            screen, full = get_instrument(m.screen), get_instrument(m.full)
            # The screen's items must be the full questionnaire's first items, so its
            # answers carry over and are never asked twice.
            texts = [i.text for i in screen.items]
            if screen.parent != m.full or texts != [i.text for i in full.items[: len(texts)]]:
                raise ValueError(f"quick: {m.screen} is not the start of {m.full}")
            if not screen.screens:
                raise ValueError(f"quick: {m.screen} has no screening cutoff")

    def _check(self, spec: CondSpec | None, where: str) -> None:
        if spec is None:
            return
        try:
            self._scope.check(spec)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from exc

    # --- public API ---

    def get(self, question_id: str) -> Question | None:
        return self._by_id.get(question_id)

    def __contains__(self, question_id: object) -> bool:
        return question_id in self._by_id

    def hidden_ids(self, answers: Mapping[str, Any]) -> frozenset[str]:
        """Ids of conditional questions whose condition is not met by `answers`."""
        shown = dict(answers)
        hidden: list[str] = []
        # A section's condition reads only earlier sections (checked on load), so it has
        # one answer for all of its questions.
        section_shown: dict[str, bool] = {}
        for q in self._follow_ups:
            state = State(answers=shown)
            if q.section not in section_shown:
                condition = self._section_of[q.section].show_if
                section_shown[q.section] = condition is None or self._scope.holds(condition, state)
            if not section_shown[q.section] or (
                q.show_if is not None and not self._scope.holds(q.show_if, state)
            ):
                hidden.append(q.id)
                # Later conditions must not see an answer to a question that was not shown.
                shown.pop(q.id, None)
        return frozenset(hidden)

    def visible(self, answers: Mapping[str, Any] | None = None) -> list[Question]:
        """The questions to show, in order, given the answers so far."""
        given = self._valid(_given(answers or {}))
        hidden = self.hidden_ids(given)
        return [q for q in self.questions if q.id not in hidden]

    def measures_offered(self, answers: Mapping[str, Any] | None = None) -> list[str]:
        """Instrument ids to ask: the ones always asked, then those the answers point to."""
        given = self._valid(_given(answers or {}))
        for qid in self.hidden_ids(given):
            given.pop(qid, None)
        state = State(answers=given)
        return [
            m.instrument
            for m in self.measures
            if m.offer_if is None or self._scope.holds(m.offer_if, state)
        ]

    def _valid(self, given: dict[str, Any]) -> dict[str, Any]:
        """Only answers the bank accepts (stored or imported ones may be stale), normalized.

        A condition must never compare an odd value ("lots" sessions): it counts as not
        answered, the way `parse_answers` would refuse it.
        """
        valid: dict[str, Any] = {}
        for qid, value in given.items():
            checker = self.checkers.get(qid)
            if checker is None:
                continue
            try:
                valid[qid] = checker(value)
            except AnswersError:
                continue
        return valid

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "sections": [s.to_dict() for s in self.sections],
            "questions": [q.to_dict() for q in self.questions],
            "measures": [m.to_dict() for m in self.measures],
            "quick": self.quick.to_dict(),
            "answer_values": {
                "yes_no": '"yes" or "no"',
                "agree5": "1 (strongly disagree) to 5 (strongly agree)",
                "single": "one option id",
                "multi": "a list of option ids",
                "number": "a whole number between min and max",
                "skip": 'leave the question out, or give null or "skip"',
            },
            "counts": self.counts(),
        }

    def counts(self) -> dict[str, int]:
        """How long the check-up is: questions and questionnaire items."""
        always_items = sum(m.items for m in self.measures if m.always)
        return {
            "questions": len(self.questions),
            "follow_up_questions": len(self._follow_ups),
            "always_asked_questions": len(self.questions) - len(self._follow_ups),
            "measure_items_always": always_items,
            "measure_items_optional": sum(m.items for m in self.measures if not m.always),
        }


def _given(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers without skips; lists become tuples (the shape conditions expect)."""
    given: dict[str, Any] = {}
    for key, value in answers.items():
        if value is None or value == "skip":
            continue
        given[key] = tuple(value) if isinstance(value, list) else value
    return given


def load_bank_file() -> dict[str, Any]:
    return load_mapping(__package__ or __name__, "questions.yaml")


@cache
def question_bank() -> QuestionBank:
    """The check-up question bank, loaded and validated once per process."""
    return QuestionBank(load_bank_file())
