"""Factor rules (`rules.yaml`): validated against the question bank once, at load time.

A rule is "when <condition>, raise <factor> at <severity>, adding <weight>, because <why>".
Loading checks every reference (questions, options, instruments, facts, named conditions,
why-line placeholders), so a typo in the data stops start-up instead of silently never
firing. Evaluation interprets the checked conditions (`conditions.Scope.holds`) and fills
the why lines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from therapycheck.core.checkup.bank import (
    KNOWN_INSTRUMENTS,
    Question,
    QuestionBank,
    question_bank,
)
from therapycheck.core.checkup.conditions import CondSpec, Scope, State, answer_refs, walk
from therapycheck.core.checkup.model import FACTOR_IDS, SEVERITY_RANK, Severity
from therapycheck.core.citations import check_cited
from therapycheck.core.datafile import load_mapping
from therapycheck.core.instruments import get_instrument
from therapycheck.core.safety import Danger

# Facts the evaluator derives in Python (see evaluate.py) and rules may test.
FACTS = frozenset(("approach_mismatch",))
# The questions each fact is derived from (evaluate.py computes it from these answers).
FACT_INPUTS: dict[str, tuple[str, ...]] = {
    "approach_mismatch": ("approach", "concerns", "cbt_trauma_focus"),
}
_PLACEHOLDER = re.compile(r"\{([amqsf])\.([A-Za-z0-9_.]+)\}")
_MEASURE_FIELD = re.compile(r"total|band|name|sub\.[A-Za-z0-9_]+|item\.[0-9]+")
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
    # The reason in the person's own voice, for the conversation guide (optional).
    says: str | None = Field(default=None, min_length=5)
    # Where the idea comes from: ids of real citations (data/citations.yaml).
    sources: tuple[str, ...] = Field(min_length=1)
    # For safety_crisis rules only: the kind of danger, which decides the response.
    danger: Danger | None = None

    @model_validator(mode="after")
    def _factor_known(self) -> _RuleSpec:
        if self.factor not in FACTOR_IDS:
            raise ValueError(f"rule {self.id}: unknown factor {self.factor!r}")
        # FACTORS.md principle 1: acute risk is always the most urgent thing shown.
        if self.factor == "safety_crisis" and self.severity != "urgent":
            raise ValueError(f"rule {self.id}: safety_crisis rules must be urgent")
        check_cited(self.sources, f"rule {self.id}")
        # Each kind of danger has its own response (core.safety): a safety rule names it.
        if (self.factor == "safety_crisis") != (self.danger is not None):
            raise ValueError(f"rule {self.id}: safety_crisis rules, and only they, name a danger")
        # A finding's strength is its rules' weights added up and shown to 2 decimals.
        if round(self.weight, 2) != self.weight:
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


# --- why lines ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Placeholder:
    """One `{kind.path}` in a why line: what it quotes (see docs/checkup.md)."""

    kind: str  # a: an answer's words, q: a question's text, f: a fact, s: a series, m: a score
    path: str
    question: Question | None = None  # for `a` and `q`

    def fill(self, state: State) -> str:
        if self.question is not None:
            if self.kind == "q":
                return self.question.text
            value = state.answers.get(self.path)
            return _NOT_ANSWERED if value is None else self.question.label(value)
        if self.kind == "f":
            return str(state.facts.get(f"{self.path}.text", ""))
        if self.kind == "s":
            status = state.statuses.get(self.path)
            return status.explanation if status is not None else ""
        return _measure_text(state, *self.path.split(".", 1))


@dataclass(frozen=True)
class WhyLine:
    """A rule's why line: the text as written, split into literal text and placeholders."""

    text: str
    parts: tuple[str | Placeholder, ...]

    def render(self, state: State) -> str:
        return "".join(p if isinstance(p, str) else p.fill(state) for p in self.parts)


def parse_why(text: str, bank: QuestionBank, rule_id: str) -> WhyLine:
    """Split a why line into text and checked placeholders (ValueError on a bad one)."""
    parts: list[str | Placeholder] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(text[position : match.start()])
        parts.append(_placeholder(match.group(1), match.group(2), bank, rule_id))
        position = match.end()
    parts.append(text[position:])
    if any("{" in p for p in parts if isinstance(p, str)):
        raise ValueError(f"rule {rule_id}: unknown placeholder in {text!r}")
    return WhyLine(text, tuple(p for p in parts if p != ""))


def _placeholder(kind: str, path: str, bank: QuestionBank, rule_id: str) -> Placeholder:
    if kind in ("a", "q"):
        question = bank.get(path)
        if question is None:
            raise ValueError(f"rule {rule_id}: placeholder names unknown question {path!r}")
        return Placeholder(kind, path, question)
    if kind == "f" and path not in FACTS:
        raise ValueError(f"rule {rule_id}: unknown fact {path!r}")
    if kind == "s" and path not in KNOWN_INSTRUMENTS:
        raise ValueError(f"rule {rule_id}: unknown instrument {path!r}")
    if kind == "m":
        inst, _, field = path.partition(".")
        if inst not in KNOWN_INSTRUMENTS:
            raise ValueError(f"rule {rule_id}: unknown instrument {inst!r}")
        if not _MEASURE_FIELD.fullmatch(field):
            raise ValueError(f"rule {rule_id}: unknown measure field {path!r}")
    return Placeholder(kind, path)


def _measure_text(state: State, inst: str, field: str) -> str:
    """`{m.inst.field}`: a score's total, band, name, subscale or one item's answer."""
    sc = state.scores.get(inst)
    if field.startswith("item."):
        # Items are there even when skipped items leave the questionnaire without a total.
        number = int(field[5:])
        given = state.items.get(inst, ())
        value = given[number - 1] if len(given) >= number else None
        return str(get_instrument(inst).item_label(number, value)) if value is not None else ""
    if sc is None:
        return inst if field == "name" else ""
    if field == "total":
        return _num(sc.total)
    if field == "band":
        return str(sc.band.label) if sc.band is not None else ""
    if field == "name":
        return str(sc.instrument.short_name)
    if field.startswith("sub."):
        return _num(sc.subscales.get(field[4:], ""))
    return ""


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- rules ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Rule:
    id: str
    factor: str
    severity: Severity
    weight: float
    when: CondSpec
    why: WhyLine
    sources: tuple[str, ...]
    # The questions its condition reads: the answers a finding quotes as evidence.
    questions: tuple[str, ...]
    says: WhyLine | None = None
    danger: Danger | None = None

    def strength_order(self) -> tuple[int, float]:
        """Strongest evidence first: by severity, then by weight."""
        return (SEVERITY_RANK[self.severity], -self.weight)


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
    # What the rules' conditions may refer to; it also evaluates them.
    scope: Scope

    def fired(self, state: State) -> dict[str, list[Rule]]:
        """The rules whose condition holds, by factor, each group strongest first.

        Ties keep file order (the sort is stable), so a finding always lists its rules,
        and so its why lines, the same way.
        """
        grouped: dict[str, list[Rule]] = {}
        for rule in self.rules:
            if self.scope.holds(rule.when, state):
                grouped.setdefault(rule.factor, []).append(rule)
        for matched in grouped.values():
            matched.sort(key=Rule.strength_order)
        return grouped


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
    """Validate a rules document against `bank` (raises ValueError)."""
    raw = dict(data)
    raw["rules"] = _expand(list(raw.get("rules") or []))
    spec = _RulesFile.model_validate(raw)
    questions = {q.id: q for q in bank.questions}
    refs: dict[str, CondSpec] = {}
    for name, cond in spec.definitions.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ValueError(f"definition name {name!r} must be lower_snake_case")
        # A definition may use only the ones defined before it (no cycles).
        _check(Scope(questions, KNOWN_INSTRUMENTS, FACTS, dict(refs)), cond, name)
        refs[name] = cond
    scope = Scope(questions, KNOWN_INSTRUMENTS, FACTS, refs)
    ids = [r.id for r in spec.rules]
    if len(set(ids)) != len(ids):
        raise ValueError("rule ids must be unique")
    return RuleSet(
        rules=tuple(_rule(r, scope, bank) for r in spec.rules),
        definitions=spec.definitions,
        tempering=tuple(Tempering(t.factor, frozenset(t.lowers), t.note) for t in spec.tempering),
        scope=scope,
    )


def _check(scope: Scope, cond: CondSpec, where: str) -> None:
    try:
        scope.check(cond)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from exc


def _rule(spec: _RuleSpec, scope: Scope, bank: QuestionBank) -> Rule:
    _check(scope, spec.when, f"rule {spec.id}")
    why = parse_why(spec.why, bank, spec.id)
    says = parse_why(spec.says, bank, spec.id) if spec.says is not None else None
    questions = tuple(dict.fromkeys(q for q, _ in answer_refs(spec.when)))
    for kind, path in _PLACEHOLDER.findall(f"{spec.why} {spec.says or ''}"):
        # A line may only quote answers the rule itself looked at, so it never shows
        # "(not answered)" or an answer unrelated to the finding.
        if kind == "a" and path not in questions:
            raise ValueError(f"rule {spec.id}: it quotes {path!r}, which its condition ignores")
    return Rule(**{**dict(spec), "why": why, "says": says, "questions": questions})


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
    """The factor rules, loaded and validated once per process."""
    return build_rules(load_rules_file(), question_bank())
