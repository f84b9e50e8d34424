"""Factor rules (`rules.yaml`): validated against the question bank and compiled once.

A rule is "when <condition>, raise <factor> at <severity>, adding <weight>, because <why>".
Loading checks every reference (questions, options, instruments, facts, named conditions,
template placeholders), so a typo in the data stops start-up instead of silently never
firing. Evaluation then only calls the compiled closures and template renderers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from therapycheck.core.checkup.bank import KNOWN_INSTRUMENTS, QuestionBank, _join, question_bank
from therapycheck.core.checkup.conditions import (
    CompileEnv,
    CondSpec,
    GroupedFn,
    Pred,
    StateLike,
    answer_refs,
    compile_condition,
    compile_grouped_rule_set,
    walk,
)
from therapycheck.core.checkup.model import FACTOR_IDS, SEVERITY_RANK, Severity
from therapycheck.core.datafile import load_mapping

# Facts the evaluator derives in Python (see evaluate.py) and rules may test.
FACTS = frozenset(("approach_mismatch",))
# The questions each fact is derived from (evaluate.py computes it from these answers).
FACT_INPUTS: dict[str, tuple[str, ...]] = {
    "approach_mismatch": ("approach", "concerns", "cbt_trauma_focus"),
}
_PLACEHOLDER = re.compile(r"\{([amqsf])\.([A-Za-z0-9_.]+)\}")
_NOT_ANSWERED = "(not answered)"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _RuleSpec(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    factor: str
    severity: Severity
    weight: float = Field(gt=0, le=10)
    when: CondSpec
    why: str = Field(min_length=5)
    source: str = Field(min_length=3)

    @model_validator(mode="after")
    def _factor_known(self) -> _RuleSpec:
        if self.factor not in FACTOR_IDS:
            raise ValueError(f"rule {self.id}: unknown factor {self.factor!r}")
        # FACTORS.md principle 1: acute risk is always the most urgent thing shown.
        if self.factor == "safety_crisis" and self.severity != "urgent":
            raise ValueError(f"rule {self.id}: safety_crisis rules must be urgent")
        # Weights are summed in hundredths (see Rule.hundredths), so they must be exact there.
        if self.weight * 100 != round(self.weight * 100):
            raise ValueError(f"rule {self.id}: weight {self.weight} has more than 2 decimals")
        return self


class _TemperingSpec(_Strict):
    factor: str
    lowers: tuple[str, ...] = Field(min_length=1)
    note: str

    @model_validator(mode="after")
    def _safe(self) -> _TemperingSpec:
        unknown = [f for f in (self.factor, *self.lowers) if f not in FACTOR_IDS]
        if unknown:
            raise ValueError(f"tempering: unknown factors {unknown}")
        # Safety and misconduct are never softened (FACTORS.md principle 1).
        if {"safety_crisis", "boundary_violation"} & set(self.lowers):
            raise ValueError("tempering may never lower safety_crisis or boundary_violation")
        return self


class _RulesFile(_Strict):
    version: int
    definitions: dict[str, CondSpec] = Field(default_factory=dict)
    tempering: tuple[_TemperingSpec, ...] = ()
    rules: tuple[_RuleSpec, ...] = Field(min_length=1)


# --- templates ---------------------------------------------------------------------------

Renderer = Callable[[StateLike], str]


@dataclass(frozen=True, eq=False)
class Template:
    """A compiled why line: `render(state)`, plus what the native evaluator needs to know.

    `constant` is the whole line when it quotes nothing; `paths` are the answers it
    quotes when it quotes only answers (then the line depends on nothing else). `parts`
    spells out any other line: literal text, and for each placeholder what it reads
    (`_spec`), so the compiled path can build the line without calling back into Python.
    """

    render: Renderer
    constant: str | None = None
    paths: tuple[str, ...] = ()
    parts: tuple[str | tuple[Any, ...], ...] = ()


def _compile_template(text: str, bank: QuestionBank, rule_id: str) -> Template:
    parts: list[str | Renderer] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(text[position : match.start()])
        parts.append(_placeholder(match.group(1), match.group(2), bank, rule_id))
        position = match.end()
    parts.append(text[position:])
    if "{" in "".join(p for p in parts if isinstance(p, str)):
        raise ValueError(f"rule {rule_id}: unknown placeholder in {text!r}")
    # Question texts never change: fold them (and neighbouring literals) into one string.
    merged: list[str | Renderer] = []
    for part in parts:
        if isinstance(part, _Constant):
            part = part.text
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    parts = merged
    if len(parts) == 1 and isinstance(parts[0], str):
        constant = parts[0]
        return Template(lambda st: constant, constant=constant)
    render = _concatenation(parts)
    paths = [p.path for p in parts if isinstance(p, _AnswerLabel | _ChoicesLabel)]
    if len(paths) == len([p for p in parts if not isinstance(p, str)]):
        unique = tuple(dict.fromkeys(paths))
        return Template(_by_answers(render, unique), paths=unique)
    return Template(render, parts=tuple(p if isinstance(p, str) else _spec(p) for p in parts))


def _spec(part: Renderer) -> tuple[Any, ...]:
    """What a placeholder reads, for the compiled path: (kind, arguments...)."""
    if isinstance(part, _AnswerLabel):
        return ("answer", part.path, part.labels)
    spec: tuple[Any, ...] | None = getattr(part, "spec", None)
    return spec if spec is not None else ("call", part)


def _described(render: Renderer, *spec: Any) -> Renderer:
    """A placeholder tagged with what it reads (see `_spec`); rendering is unchanged."""
    render.spec = spec  # type: ignore[attr-defined]
    return render


# A line that quotes only answers depends on nothing but those answers, whose values come
# from small fixed sets (options, bounded numbers): each distinct line is built once and then
# looked up. The cap bounds memory even for unusual input.
_LINES_PER_RULE = 2048
_MISSING = object()


def _by_answers(render: Renderer, paths: tuple[str, ...]) -> Renderer:
    lines: dict[Any, str] = {}
    first = paths[0]

    def remember(key: Any, st: StateLike) -> str:
        line = render(st)
        if len(lines) < _LINES_PER_RULE:
            lines[key] = line
        return line

    def by_one(st: StateLike) -> str:
        key = st.answers.get(first, _MISSING)
        try:
            line = lines.get(key)
        except TypeError:  # an unhashable answer (only in hand-built states)
            return render(st)
        return line if line is not None else remember(key, st)

    def by_many(st: StateLike) -> str:
        answers = st.answers
        key = tuple([answers.get(path, _MISSING) for path in paths])
        try:
            line = lines.get(key)
        except TypeError:
            return render(st)
        return line if line is not None else remember(key, st)

    return by_one if len(paths) == 1 else by_many


def _concatenation(parts: list[str | Renderer]) -> Renderer:
    """One generated function that joins the literals and placeholder values with `+`.

    Every placeholder renders to a str, so this gives the same text as filling a format
    pattern, without a list and a format call per line. Answer labels are inlined.
    """
    namespace: dict[str, Any] = {"NA": _NOT_ANSWERED}
    terms: list[str] = []
    for n, part in enumerate(parts):
        if isinstance(part, str):
            namespace[f"P{n}"] = part
            terms.append(f"P{n}")
        elif isinstance(part, _AnswerLabel):
            namespace[f"L{n}"] = part.labels
            terms.append(
                f"((L{n}[v{n}] if v{n} in L{n} else str(v{n})) "
                f"if (v{n} := answers.get({part.path!r})) is not None else NA)"
            )
        else:
            namespace[f"G{n}"] = part
            terms.append(f"G{n}(st)")
    source = "def render(st):\n    answers = st.answers\n    return " + " + ".join(terms) + "\n"
    exec(compile(source, "<checkup why>", "exec"), namespace)
    render: Renderer = namespace["render"]
    return render


@dataclass(frozen=True, eq=False)
class _ChoicesLabel:
    """`{a.question}` for a multi question: the chosen options' words, joined."""

    path: str
    labels: dict[Any, str]
    label: Callable[[Any], str]

    def __call__(self, st: StateLike) -> str:
        answers = st.answers
        if self.path not in answers:
            return _NOT_ANSWERED
        value = answers[self.path]
        labels = self.labels
        # A validated multi answer is a tuple of option ids: look each up once.
        if value.__class__ is tuple and all(v.__class__ is str for v in value):
            return _join([labels[v] if v in labels else v for v in value])  # noqa: SIM401
        return self.label(value)


@dataclass(frozen=True, eq=False)
class _AnswerLabel:
    """`{a.question}` for a one-choice question: the chosen option's words."""

    path: str
    labels: dict[Any, str]

    def __call__(self, st: StateLike) -> str:
        value = st.answers.get(self.path)
        return self.labels.get(value, str(value)) if value is not None else _NOT_ANSWERED


@dataclass(frozen=True)
class _Constant:
    """A placeholder whose text is known at load time (a question's wording)."""

    text: str

    def __call__(self, st: StateLike) -> str:
        return self.text


def _placeholder(kind: str, path: str, bank: QuestionBank, rule_id: str) -> Renderer:
    if kind in ("a", "q"):
        question = bank.get(path)
        if question is None:
            raise ValueError(f"rule {rule_id}: placeholder names unknown question {path!r}")
        if kind == "q":
            return _Constant(question.text)
        if question.type == "multi":
            return _ChoicesLabel(path, {o.id: o.label for o in question.options}, question.label)
        return _AnswerLabel(path, {o.id: o.label for o in question.options})
    if kind == "f":
        if path not in FACTS:
            raise ValueError(f"rule {rule_id}: unknown fact {path!r}")
        key = path + ".text"
        return _described(lambda st: str(st.facts.get(key, "")), "fact", key)
    if kind == "s":
        if path not in KNOWN_INSTRUMENTS:
            raise ValueError(f"rule {rule_id}: unknown instrument {path!r}")
        return _described(
            lambda st: st.statuses[path].explanation if path in st.statuses else "",
            "status",
            path,
        )
    return _measure_placeholder(path, rule_id)


def _measure_placeholder(path: str, rule_id: str) -> Renderer:
    inst, _, field = path.partition(".")
    if inst not in KNOWN_INSTRUMENTS:
        raise ValueError(f"rule {rule_id}: unknown instrument {inst!r}")

    def get(st: StateLike) -> Any:
        return st.scores.get(inst)

    if field == "total":
        return _described(
            lambda st: _num(sc.total) if (sc := get(st)) is not None else "", "total", inst
        )
    if field == "band":
        return _described(
            lambda st: sc.band.label if (sc := get(st)) is not None and sc.band else "",
            "band",
            inst,
        )
    if field == "name":
        return _described(
            lambda st: sc.instrument.short_name if (sc := get(st)) is not None else inst,
            "name",
            inst,
        )
    if field.startswith("sub."):
        name = field[4:]
        return _described(
            lambda st: _num(sc.subscales.get(name, "")) if (sc := get(st)) is not None else "",
            "sub",
            inst,
            name,
        )
    if field.startswith("item.") and field[5:].isdigit():
        number = int(field[5:])
        return _described(lambda st: _item_label(get(st), number), "item", inst, number)
    raise ValueError(f"rule {rule_id}: unknown measure field {path!r}")


def _item_label(sc: Any, number: int) -> str:
    if sc is None:
        return ""
    return str(sc.instrument.item_label(number, sc.answers[number - 1]))


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- compiled rules ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Rule:
    id: str
    factor: str
    severity: Severity
    rank: int
    weight: float
    # The weight in hundredths: a finding adds these as ints and divides once, which gives
    # the same float as rounding the float sum to 2 decimals, without round()'s cost.
    hundredths: int
    # (severity rank, -weight): strongest evidence first within a finding.
    order: tuple[int, float]
    when: CondSpec
    pred: Pred
    why: Renderer
    # The compiled why line with its kind (constant, answers only, or other).
    template: Template
    why_text: str
    source: str
    questions: tuple[str, ...]
    # (source,), so a one-rule finding shares it instead of building a tuple each time.
    sources: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Tempering:
    factor: str
    lowers: frozenset[str]
    note: str


@dataclass(frozen=True, eq=False)
class RuleSet:
    rules: tuple[Rule, ...]
    definitions: Mapping[str, CondSpec]
    tempering: tuple[Tempering, ...]
    # The rules strongest first: by (severity rank, -weight), ties in file order.
    ranked: tuple[Rule, ...]
    # All rule conditions compiled into one function: (answers, items, scores, statuses,
    # facts) -> factor -> the rules that fire for it, each list by (severity rank, -weight),
    # ties in file order: the order a finding shows its rules in.
    fire_grouped: GroupedFn

    def for_factor(self, factor: str) -> list[Rule]:
        return [r for r in self.rules if r.factor == factor]


def _expand(raw_rules: list[Any]) -> list[Any]:
    """Repeat `for_each` rules once per instrument, replacing `$inst` everywhere."""
    expanded: list[Any] = []
    for raw in raw_rules:
        if not isinstance(raw, dict) or "for_each" not in raw:
            expanded.append(raw)
            continue
        body = {k: v for k, v in raw.items() if k != "for_each"}
        for inst in raw["for_each"]:
            copy = _substitute(body, str(inst))
            copy["id"] = f"{body['id']}_{inst}"
            expanded.append(copy)
    return expanded


def _substitute(value: Any, inst: str) -> Any:
    if isinstance(value, str):
        return value.replace("$inst", inst)
    if isinstance(value, list):
        return [_substitute(v, inst) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, inst) for k, v in value.items()}
    return value


def build_rules(data: Mapping[str, Any], bank: QuestionBank) -> RuleSet:
    """Validate and compile a rules document against `bank` (raises ValueError)."""
    raw = dict(data)
    raw["rules"] = _expand(list(raw.get("rules") or []))
    spec = _RulesFile.model_validate(raw)
    env = CompileEnv(
        questions={q.id: q for q in bank.questions},
        instruments=KNOWN_INSTRUMENTS,
        facts=FACTS,
    )
    refs: dict[str, CondSpec] = {}
    for name, cond in spec.definitions.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ValueError(f"definition name {name!r} must be lower_snake_case")
        # A definition may use only the ones defined before it (no cycles).
        _compile(cond, CompileEnv(env.questions, env.instruments, env.facts, dict(refs)), name)
        refs[name] = cond
    env = CompileEnv(env.questions, env.instruments, env.facts, refs)
    ids = [r.id for r in spec.rules]
    if len(set(ids)) != len(ids):
        raise ValueError("rule ids must be unique")
    rules = tuple(_rule(r, env, bank) for r in spec.rules)
    tempering = tuple(Tempering(t.factor, frozenset(t.lowers), t.note) for t in spec.tempering)
    conditions = [r.when for r in rules]
    # Strongest evidence first (the order a finding lists its rules in); ties in file order.
    ranked = sorted(range(len(rules)), key=lambda n: (rules[n].order, n))
    return RuleSet(
        rules=rules,
        definitions=spec.definitions,
        tempering=tempering,
        ranked=tuple(rules[n] for n in ranked),
        fire_grouped=compile_grouped_rule_set(
            conditions, env, [(r.factor, r) for r in rules], order=ranked
        ),
    )


def _compile(cond: CondSpec, env: CompileEnv, where: str) -> Pred:
    try:
        return compile_condition(cond, env)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from exc


def _rule(spec: _RuleSpec, env: CompileEnv, bank: QuestionBank) -> Rule:
    pred = _compile(spec.when, env, f"rule {spec.id}")
    template = _compile_template(spec.why, bank, spec.id)
    questions = tuple(dict.fromkeys(q for q, _ in answer_refs(spec.when)))
    for kind, path in _PLACEHOLDER.findall(spec.why):
        # The why line may only quote answers the rule itself looked at, so it never
        # shows "(not answered)" or an answer unrelated to the finding.
        if kind == "a" and path not in questions:
            raise ValueError(f"rule {spec.id}: why quotes {path!r}, which its condition ignores")
    return Rule(
        id=spec.id,
        factor=spec.factor,
        severity=spec.severity,
        rank=SEVERITY_RANK[spec.severity],
        weight=spec.weight,
        hundredths=round(spec.weight * 100),
        order=(SEVERITY_RANK[spec.severity], -spec.weight),
        when=spec.when,
        pred=pred,
        why=template.render,
        template=template,
        why_text=spec.why,
        source=spec.source,
        questions=questions,
        sources=(spec.source,),
    )


def referenced_questions(spec: CondSpec, definitions: Mapping[str, CondSpec]) -> set[str]:
    """Question ids a condition reads, following named conditions (`ref`)."""
    found: set[str] = set()
    for cond in walk(spec):
        if cond.answer is not None:
            found.add(cond.answer)
        if cond.ref is not None and cond.ref in definitions:
            found |= referenced_questions(definitions[cond.ref], definitions)
        if cond.fact is not None:
            found.update(FACT_INPUTS.get(cond.fact, ()))
    return found


def load_rules_file() -> dict[str, Any]:
    return load_mapping(__package__ or __name__, "rules.yaml")


@cache
def rule_set() -> RuleSet:
    """The factor rules, loaded, validated and compiled once per process."""
    return build_rules(load_rules_file(), question_bank())
