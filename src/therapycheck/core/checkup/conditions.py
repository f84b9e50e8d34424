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

Conditions are validated against the question bank when loaded, then compiled once into
plain Python closures, so evaluating a check-up never parses YAML or runs pydantic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, get_args

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
    """One condition as written in YAML (validated shape; meaning is checked on compile)."""

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

    @model_validator(mode="after")
    def _one_subject(self) -> CondSpec:
        subjects = [name for name in SUBJECTS if self._get(name) is not None]
        if len(subjects) != 1:
            raise ValueError(f"a condition needs exactly one of {SUBJECTS}, got {subjects}")
        subject = subjects[0]
        ops = [name for name in _ANSWER_OPS if self._get(name) is not None]
        extras = [n for n in ("flag", "subscale", "item", "review_due") if self._get(n) is not None]
        if subject in ("any", "all", "not", "ref", "fact") and (ops or extras):
            raise ValueError(f"'{subject}' takes no tests, got {ops + extras}")
        if subject == "answer" and (not ops or extras):
            raise ValueError(f"an answer condition needs one of {_ANSWER_OPS} and nothing else")
        if subject == "status" and not (self.in_ or self.review_due is not None):
            raise ValueError("a status condition needs 'in' or 'review_due'")
        if subject == "measure" and not (ops or self.flag):
            raise ValueError("a measure condition needs a test (gte/lte/in/flag/answered)")
        return self

    def _get(self, name: str) -> Any:
        return getattr(
            self, {"any": "any_", "all": "all_", "not": "not_", "in": "in_"}.get(name, name)
        )

    def subject(self) -> str:
        return next(name for name in SUBJECTS if self._get(name) is not None)


class StateLike(Protocol):
    answers: dict[str, Any]
    items: dict[str, tuple[int, ...]]
    scores: dict[str, Any]
    statuses: dict[str, Any]
    facts: dict[str, Any]


Pred = Callable[[StateLike], bool]


@dataclass
class State:
    """What conditions look at during one evaluation (built fresh for each check-up)."""

    answers: dict[str, Any]
    items: dict[str, tuple[int, ...]] = field(default_factory=dict)
    scores: dict[str, Any] = field(default_factory=dict)
    statuses: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CompileEnv:
    """What a condition may refer to; anything else is a load-time error."""

    questions: Mapping[str, Question]
    instruments: frozenset[str] = frozenset()
    facts: frozenset[str] = frozenset()
    # Named conditions (rules.yaml `definitions`), in the order they were defined.
    refs: Mapping[str, CondSpec] = field(default_factory=dict)


# Conditions compile to Python source (from validated ids and repr'd constants only), which
# is turned into a function once at load time. One generator serves both a single
# condition (`compile_condition`) and a whole rule set (`compile_grouped_rule_set`), so a
# check-up runs as one flat function with no per-condition call overhead.


class _Codegen:
    def __init__(self, env: CompileEnv, *, inline_refs: bool) -> None:
        self.env = env
        self.inline_refs = inline_refs
        self.prefetch: dict[str, str] = {}
        self.consts: dict[str, Any] = {}
        self._temps = 0

    # -- names -----------------------------------------------------------------------
    def _local(self, prefix: str, source: str, key: str) -> str:
        name = f"{prefix}_{key}"
        self.prefetch.setdefault(name, f"{name} = {source}.get({key!r})")
        return name

    def const(self, value: Any) -> str:
        """A name for `value` in the generated function (bound when it is built)."""
        name = f"C{len(self.consts)}"
        self.consts[name] = value
        return name

    def _temp(self) -> str:
        self._temps += 1
        return f"t{self._temps}"

    # -- expressions -----------------------------------------------------------------
    def expr(self, spec: CondSpec) -> str:
        subject = spec.subject()
        if subject in ("any", "all"):
            joiner = " or " if subject == "any" else " and "
            parts = [self.expr(s) for s in (spec.any_ or spec.all_ or ())]
            return "(" + joiner.join(parts) + ")"
        if subject == "not":
            assert spec.not_ is not None
            return f"(not {self.expr(spec.not_)})"
        if subject == "ref":
            return self._ref(spec.ref or "")
        if subject == "fact":
            name = spec.fact or ""
            if name not in self.env.facts:
                raise ValueError(f"unknown fact {name!r}; known: {sorted(self.env.facts)}")
            return f"bool({self._local('f', 'facts', name)})"
        if subject == "answer":
            return self._answer(spec)
        if subject == "measure":
            return self._measure(spec)
        return self._status(spec)

    def _ref(self, name: str) -> str:
        if name not in self.env.refs:
            raise ValueError(f"unknown named condition {name!r} (define it before use)")
        if self.inline_refs:
            return self.expr(self.env.refs[name])
        return f"r_{name}"

    def _answer(self, spec: CondSpec) -> str:
        qid = spec.answer or ""
        question = self.env.questions.get(qid)
        if question is None:
            raise ValueError(f"unknown question {qid!r}")
        _check_answer_ops(spec, question)
        var = self._local("a", "answers", qid)
        if spec.answered is not None:
            return f"({var} is {'not ' if spec.answered else ''}None)"
        if spec.equals is not None:
            return f"({var} == {spec.equals!r})"
        if spec.in_ is not None:
            return f"({var} in {self.const(frozenset(spec.in_))})"
        if spec.includes is not None:
            chosen = self.const(frozenset(spec.includes))
            return f"({var} is not None and not {chosen}.isdisjoint({var}))"
        if spec.count_gte is not None:
            exclusive = question.exclusive_ids()
            if not exclusive:
                return f"({var} is not None and len({var}) >= {spec.count_gte})"
            ex = self.const(exclusive)
            counted = f"len({var}) - len({ex}.intersection({var}))"
            return f"({var} is not None and {counted} >= {spec.count_gte})"
        return self._numeric(var, spec)

    def _numeric(self, value: str, spec: CondSpec) -> str:
        tests = [
            f"{value} {op} {_literal(bound)}"
            for op, bound in ((">=", spec.gte), (">", spec.gt), ("<=", spec.lte), ("<", spec.lt))
            if bound is not None
        ]
        return f"({value} is not None and " + " and ".join(tests) + ")"

    def _instrument(self, inst: str) -> None:
        if inst != "any" and inst not in self.env.instruments:
            raise ValueError(f"unknown instrument {inst!r}")

    def _measure(self, spec: CondSpec) -> str:
        inst = spec.measure or ""
        self._instrument(inst)
        if spec.flag is not None:
            if inst == "any":
                return f"any({spec.flag!r} in sc.flags for sc in scores.values())"
            sc = self._local("sc", "scores", inst)
            return f"({sc} is not None and {spec.flag!r} in {sc}.flags)"
        if inst == "any":
            raise ValueError("'measure: any' only supports 'flag'")
        sc = self._local("sc", "scores", inst)
        if spec.answered is not None:
            return f"({sc} is {'not ' if spec.answered else ''}None)"
        if spec.in_ is not None:
            bands = self.const(frozenset(str(v) for v in spec.in_))
            return f"({sc} is not None and {sc}.band is not None and {sc}.band.label in {bands})"
        if spec.item is not None:
            it = self._local("it", "items", inst)
            index = spec.item - 1
            return self._numeric_of(
                f"({it}[{index}] if {it} is not None and len({it}) > {index} else None)", spec
            )
        if spec.subscale is not None:
            return self._numeric_of(
                f"({sc}.subscales.get({spec.subscale!r}) if {sc} is not None else None)", spec
            )
        return self._numeric_of(f"({sc}.total if {sc} is not None else None)", spec)

    def _numeric_of(self, value: str, spec: CondSpec) -> str:
        """A numeric test of a computed value, evaluated once (assigned to a temporary)."""
        temp = self._temp()
        return self._numeric(temp, spec).replace(
            f"({temp} is not None", f"(({temp} := {value}) is not None", 1
        )

    def _status(self, spec: CondSpec) -> str:
        inst = spec.status or ""
        self._instrument(inst)
        wanted = frozenset(str(v) for v in (spec.in_ or STATUS_VALUES))
        unknown = wanted - set(STATUS_VALUES)
        if unknown:
            raise ValueError(f"unknown series status {sorted(unknown)}; known: {STATUS_VALUES}")
        names = self.const(wanted)
        review = "" if spec.review_due is None else f" and s.review_due is {spec.review_due}"
        if inst == "any":
            return f"any(s.status in {names}{review} for s in statuses.values())"
        st = self._local("st", "statuses", inst)
        review = review.replace("s.review_due", f"{st}.review_due")
        return f"({st} is not None and {st}.status in {names}{review})"

    # -- functions -------------------------------------------------------------------
    def build(self, name: str, args: str, body: list[str]) -> Callable[..., Any]:
        lines = [f"def {name}({args}):"]
        if args == "st":
            lines.append(
                "    answers, items, scores, statuses, facts = "
                "st.answers, st.items, st.scores, st.statuses, st.facts"
            )
        lines += [f"    {line}" for line in self.prefetch.values()]
        lines += [f"    {line}" for line in body]
        source = "\n".join(lines) + "\n"
        namespace: dict[str, Any] = dict(self.consts)
        exec(compile(source, f"<checkup {name}>", "exec"), namespace)
        built: Callable[..., Any] = namespace[name]
        built.__doc__ = source
        return built


def _literal(bound: float) -> str:
    # A whole bound is written as an int: answers and scores are ints, and CPython compares
    # int with int faster than int with float. The result of the test is the same.
    return repr(int(bound)) if bound.is_integer() else repr(bound)


def compile_condition(spec: CondSpec, env: CompileEnv) -> Pred:
    """A function that tests one condition against a `State`; ValueError on a bad reference."""
    gen = _Codegen(env, inline_refs=True)
    expression = gen.expr(spec)
    pred: Pred = gen.build("_condition", "st", [f"return bool({expression})"])
    return pred


GroupedFn = Callable[
    [dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]],
    dict[str, list[Any]],
]


def compile_grouped_rule_set(
    conditions: list[CondSpec],
    env: CompileEnv,
    payloads: list[tuple[str, Any]],
    *,
    order: list[int] | None = None,
) -> GroupedFn:
    """One function that returns, for each group, the payloads of its conditions that hold.

    `payloads[i]` is (group, value) for condition i, for example (factor, rule). Named
    conditions are computed once, up front, in definition order. Groups with nothing that
    holds are left out; within a group, values come in `order` (a permutation of the
    indexes) or in list order. Conditions have no side effects, so the order they are
    tested in changes nothing else.
    """
    if len(payloads) != len(conditions):
        raise ValueError("give one (group, value) payload per condition")
    indexes = range(len(conditions)) if order is None else order
    if sorted(indexes) != list(range(len(conditions))):
        raise ValueError("order must list every condition index once")
    gen = _Codegen(env, inline_refs=False)
    body = [f"r_{name} = {gen.expr(spec)}" for name, spec in env.refs.items()]
    groups = list(dict.fromkeys(group for group, _ in payloads))
    local = {group: f"g{n}" for n, group in enumerate(groups)}
    body.extend(f"{name} = []" for name in local.values())
    for index in indexes:
        group, value = payloads[index]
        body.append(f"if {gen.expr(conditions[index])}: {local[group]}.append({gen.const(value)})")
    body.append("fired = {}")
    body.extend(f"if {name}: fired[{group!r}] = {name}" for group, name in local.items())
    body.append("return fired")
    built: GroupedFn = gen.build("_rule_groups", "answers, items, scores, statuses, facts", body)
    return built


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
