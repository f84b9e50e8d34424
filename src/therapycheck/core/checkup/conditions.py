"""The small condition language shared by questions (`show_if`), measures (`offer_if`)
and factor rules (`when`).

A condition is a YAML mapping with one *subject* and its tests:

    {answer: trust, lte: 2}                      an answer (equals, in, includes, count_gte,
                                                 gte, gt, lte, lt, answered)
    {measure: phq9, gte: 15}                     a questionnaire total (or band `in`, `flag`,
    {measure: phq9, item: 9, gte: 1}             one item, one `subscale`)
    {status: any, in: [deteriorated]}            a series status from core.change
    {fact: approach_mismatch}                    a fact derived from modalities.yaml
    {ref: no_progress}                           a named condition from rules.yaml
    {any: [...]} / {all: [...]} / {not: {...}}   combinations

`CondSpec` checks a condition's shape. A `Scope` says what conditions may refer to: its
`check` rejects, at load time, any reference to an unknown question, option, instrument,
fact or named condition, and its `holds` interprets a checked condition against a `State`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from therapycheck.core.change import Status

if TYPE_CHECKING:
    from therapycheck.core.checkup.bank import Question

SUBJECTS = ("any", "all", "not", "ref", "fact", "answer", "measure", "status")
_NUMERIC_OPS = ("gte", "gt", "lte", "lt")
_ANSWER_OPS = ("equals", "in", "includes", "count_gte", "answered", *_NUMERIC_OPS)
# The series statuses core.change can give, in its own order.
STATUS_VALUES: tuple[str, ...] = get_args(Status)


class CondSpec(BaseModel):
    """One condition as written in YAML (validated shape; references are checked by a Scope)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )

    any_: tuple[CondSpec, ...] | None = Field(default=None, alias="any", min_length=1)
    all_: tuple[CondSpec, ...] | None = Field(default=None, alias="all", min_length=1)
    not_: CondSpec | None = Field(default=None, alias="not")
    ref: str | None = None
    fact: str | None = None
    answer: str | None = None
    measure: str | None = None
    status: str | None = None

    equals: str | int | None = None
    in_: tuple[str | int, ...] | None = Field(default=None, alias="in", min_length=1)
    includes: tuple[str, ...] | None = Field(default=None, min_length=1)
    count_gte: int | None = Field(default=None, ge=1)
    gte: float | None = None
    gt: float | None = None
    lte: float | None = None
    lt: float | None = None
    answered: bool | None = None
    flag: str | None = None
    subscale: str | None = None
    item: int | None = Field(default=None, ge=1)
    review_due: bool | None = None
    # A reliable worsening along the way (core.change.Setback), whatever the overall status.
    setback: bool | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> CondSpec:
        subjects = [name for name in SUBJECTS if self._get(name) is not None]
        if len(subjects) != 1:
            raise ValueError(f"a condition needs exactly one of {SUBJECTS}, got {subjects}")
        subject = subjects[0]
        ops = [name for name in _ANSWER_OPS if self._get(name) is not None]
        extras = [
            n
            for n in ("flag", "subscale", "item", "review_due", "setback")
            if self._get(n) is not None
        ]
        if subject in ("any", "all", "not", "ref", "fact") and (ops or extras):
            raise ValueError(f"'{subject}' takes no tests, got {ops + extras}")
        if subject == "answer" and (not ops or extras):
            raise ValueError(f"an answer condition needs one of {_ANSWER_OPS} and nothing else")
        if subject == "status" and not (
            self.in_ or self.review_due is not None or self.setback is not None
        ):
            raise ValueError("a status condition needs 'in', 'review_due' or 'setback'")
        if subject == "measure" and not (ops or self.flag):
            raise ValueError("a measure condition needs a test (gte/lte/in/flag/answered)")
        if subject == "measure" and any(
            self._get(n) is not None for n in ("equals", "includes", "count_gte")
        ):
            raise ValueError("a measure condition tests with gte/gt/lte/lt, in, flag or answered")
        return self

    def _get(self, name: str) -> Any:
        return getattr(
            self, {"any": "any_", "all": "all_", "not": "not_", "in": "in_"}.get(name, name)
        )

    def subject(self) -> str:
        return next(name for name in SUBJECTS if self._get(name) is not None)

    def bounds_hold(self, value: Any) -> bool:
        """The numeric tests (gte, gt, lte, lt) on `value`; a missing value never passes."""
        return (
            value is not None
            and (self.gte is None or value >= self.gte)
            and (self.gt is None or value > self.gt)
            and (self.lte is None or value <= self.lte)
            and (self.lt is None or value < self.lt)
        )


@dataclass
class State:
    """What conditions look at during one evaluation (built fresh for each check-up)."""

    answers: Mapping[str, Any]
    items: Mapping[str, tuple[int | None, ...]] = field(default_factory=dict)
    scores: Mapping[str, Any] = field(default_factory=dict)
    statuses: Mapping[str, Any] = field(default_factory=dict)
    facts: Mapping[str, Any] = field(default_factory=dict)
    # Named conditions already worked out for this state: a definition means one thing
    # for one check-up, however many rules refer to it.
    named: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Scope:
    """What a condition may refer to; `check` refuses anything else, `holds` evaluates."""

    questions: Mapping[str, Question]
    instruments: frozenset[str] = frozenset()
    facts: frozenset[str] = frozenset()
    # Named conditions (rules.yaml `definitions`), in the order they were defined.
    refs: Mapping[str, CondSpec] = field(default_factory=dict)

    # --- load time ----------------------------------------------------------------------

    def check(self, spec: CondSpec) -> None:
        """Raise ValueError for a reference to anything this scope does not know."""
        for cond in walk(spec):
            subject = cond.subject()
            if subject == "ref" and cond.ref not in self.refs:
                raise ValueError(f"unknown named condition {cond.ref!r} (define it before use)")
            if subject == "fact" and cond.fact not in self.facts:
                raise ValueError(f"unknown fact {cond.fact!r}; known: {sorted(self.facts)}")
            if subject == "answer":
                question = self.questions.get(cond.answer or "")
                if question is None:
                    raise ValueError(f"unknown question {cond.answer!r}")
                _check_answer_ops(cond, question)
            if subject == "measure":
                self._check_instrument(cond.measure or "")
                if cond.measure == "any" and cond.flag is None:
                    raise ValueError("'measure: any' only supports 'flag'")
            if subject == "status":
                self._check_instrument(cond.status or "")
                unknown = {str(v) for v in cond.in_ or ()} - set(STATUS_VALUES)
                if unknown:
                    raise ValueError(
                        f"unknown series status {sorted(unknown)}; known: {STATUS_VALUES}"
                    )

    def _check_instrument(self, inst: str) -> None:
        if inst != "any" and inst not in self.instruments:
            raise ValueError(f"unknown instrument {inst!r}")

    # --- evaluation ---------------------------------------------------------------------

    def holds(self, spec: CondSpec, state: State) -> bool:
        """Whether a condition (already checked by `check`) is met by `state`."""
        # Exactly one subject is set (CondSpec's validator); test them in SUBJECTS order.
        if spec.any_ is not None:
            return any(self.holds(part, state) for part in spec.any_)
        if spec.all_ is not None:
            return all(self.holds(part, state) for part in spec.all_)
        if spec.not_ is not None:
            return not self.holds(spec.not_, state)
        if spec.ref is not None:
            if spec.ref not in state.named:
                state.named[spec.ref] = self.holds(self.refs[spec.ref], state)
            return state.named[spec.ref]
        if spec.fact is not None:
            return bool(state.facts.get(spec.fact))
        if spec.answer is not None:
            return self._answer_holds(spec, state.answers.get(spec.answer))
        if spec.measure is not None:
            return _measure_holds(spec, state)
        return _status_holds(spec, state)

    def _answer_holds(self, spec: CondSpec, value: Any) -> bool:
        if spec.answered is not None:
            return (value is not None) == spec.answered
        if spec.equals is not None:
            return bool(value == spec.equals)
        if spec.in_ is not None:
            return value in spec.in_
        if spec.includes is not None:
            return value is not None and any(option in value for option in spec.includes)
        if spec.count_gte is not None:
            if value is None:
                return False
            # An exclusive option ("none of these") is not a choice to count.
            exclusive = self.questions[spec.answer or ""].exclusive_ids()
            return len([v for v in value if v not in exclusive]) >= spec.count_gte
        return spec.bounds_hold(value)


def _measure_holds(spec: CondSpec, state: State) -> bool:
    inst = spec.measure or ""
    if spec.flag is not None:
        scores = state.scores.values() if inst == "any" else [state.scores.get(inst)]
        return any(sc is not None and spec.flag in sc.flags for sc in scores)
    sc = state.scores.get(inst)
    if spec.answered is not None:
        return (sc is not None) == spec.answered
    if spec.item is not None:
        items = state.items.get(inst, ())
        return len(items) >= spec.item and spec.bounds_hold(items[spec.item - 1])
    if sc is None:
        return False
    if spec.in_ is not None:
        return sc.band is not None and sc.band.label in {str(v) for v in spec.in_}
    if spec.subscale is not None:
        return spec.bounds_hold(sc.subscales.get(spec.subscale))
    return spec.bounds_hold(sc.total)


def _status_holds(spec: CondSpec, state: State) -> bool:
    inst = spec.status or ""
    statuses = state.statuses.values() if inst == "any" else [state.statuses.get(inst)]
    wanted = {str(v) for v in spec.in_ or STATUS_VALUES}
    return any(
        s is not None
        and s.status in wanted
        and (spec.review_due is None or s.review_due is spec.review_due)
        and (spec.setback is None or (s.setback is not None) is spec.setback)
        for s in statuses
    )


def _check_answer_ops(spec: CondSpec, question: Question) -> None:
    """The test must make sense for the question's type, and name its real options."""
    kind = question.type
    option_ids = {str(o.id) for o in question.options}
    numeric = any(getattr(spec, op) is not None for op in _NUMERIC_OPS)
    if numeric and kind not in ("number", "agree5"):
        raise ValueError(f"{question.id}: gte/lte only apply to number and agree5 questions")
    if (spec.includes is not None or spec.count_gte is not None) and kind != "multi":
        raise ValueError(f"{question.id}: includes/count_gte only apply to multi questions")
    if (spec.equals is not None or spec.in_ is not None) and kind == "multi":
        raise ValueError(f"{question.id}: use includes for a multi question")
    values: list[str | int] = list(spec.includes or ())
    values += list(spec.in_ or ()) + ([spec.equals] if spec.equals is not None else [])
    for value in values:
        _check_value(question, value, option_ids)


def _check_value(question: Question, value: str | int, option_ids: set[str]) -> None:
    if question.type in ("single", "multi", "yes_no"):
        if not isinstance(value, str) or value not in option_ids:
            raise ValueError(
                f"{question.id}: {value!r} is not one of its options {sorted(option_ids)}"
            )
    elif isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{question.id}: {value!r} must be a whole number")


def walk(spec: CondSpec) -> Iterator[CondSpec]:
    """Every condition inside `spec`, itself included (for reference checks and docs)."""
    yield spec
    for child in (*(spec.any_ or ()), *(spec.all_ or ()), *((spec.not_,) if spec.not_ else ())):
        yield from walk(child)


def answer_refs(spec: CondSpec) -> Iterator[tuple[str, tuple[str | int, ...]]]:
    """(question id, values tested) for every answer condition inside `spec`."""
    for cond in walk(spec):
        if cond.answer is not None:
            values: tuple[str | int, ...] = (*(cond.in_ or ()), *(cond.includes or ()))
            if cond.equals is not None:
                values += (cond.equals,)
            yield cond.answer, values
