"""The one evaluator: answers and scores -> ordered factor findings.

    evaluate({"answers": {...}, "measures": {...}, "history": {...}}, country="GB")

Order (FACTORS.md principle 1): `safety_crisis` first, then `boundary_violation`, then
by severity (urgent, high, medium, low), then by strength (the sum of the weights of the
rules that fired), then in catalogue order so equal findings always sort the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cache, lru_cache
from typing import Any

from therapycheck.core._build import build, constructor
from therapycheck.core.checkup.answers import ParsedAnswers, parse_answers
from therapycheck.core.checkup.bank import question_bank
from therapycheck.core.checkup.conditions import State
from therapycheck.core.checkup.modalities import Modalities, modalities
from therapycheck.core.checkup.model import (
    FACTOR_IDS,
    SEVERITY_RANK,
    Evaluation,
    Finding,
)
from therapycheck.core.checkup.rules import Rule, RuleSet, Tempering, rule_set
from therapycheck.core.instruments import all_instruments

try:
    from therapycheck.core.checkup import _native
except ImportError:  # not built (no C compiler or Cython): the Python path does it all
    _native = None  # type: ignore[assignment]

# Acute risk, then therapist misconduct, always come first (FACTORS.md principle 1).
PINNED: dict[str, int] = {"safety_crisis": 0, "boundary_violation": 1}
_CATALOGUE = {factor: n for n, factor in enumerate(FACTOR_IDS)}
_SEVERITIES = ("urgent", "high", "medium", "low")


def evaluate(
    doc_or_parsed: Mapping[str, Any] | ParsedAnswers, *, country: str | None = None
) -> Evaluation:
    """Evaluate a check-up; raises AnswersError (a ValueError) for an invalid document.

    Uses the compiled fast path (`_native.pyx`) when it is built; it gives the same result
    as `evaluate_python` and hands anything unusual (and every error) back to it.
    """
    engine = native_engine()
    if engine is not None:
        if isinstance(doc_or_parsed, ParsedAnswers):
            return engine.evaluate_parsed(doc_or_parsed, country)
        result = engine.evaluate_doc(doc_or_parsed, country)
        if result is not None:
            return result
    return evaluate_python(doc_or_parsed, country=country)


@cache
def native_engine() -> _native.Engine | None:
    """The compiled evaluator over this process's rules and tables, or None if not built."""
    if _native is None:
        return None
    return _native.Engine(
        rules=rule_set(),
        bank=question_bank(),
        mods=modalities(),
        facts_fn=_facts,
        temper=_temper,
        instruments={inst.id: inst for inst in all_instruments()},
        factor_keys=_FACTOR_KEYS,
        unknown_key=_UNKNOWN_KEY,
    )


def evaluate_python(
    doc_or_parsed: Mapping[str, Any] | ParsedAnswers, *, country: str | None = None
) -> Evaluation:
    """The reference evaluator, in plain Python: what the compiled path must agree with."""
    parsed = (
        doc_or_parsed if isinstance(doc_or_parsed, ParsedAnswers) else parse_answers(doc_or_parsed)
    )
    rules = rule_set()
    state = state_for(parsed)
    findings = findings_for(fire(rules, state), state, rules)
    safety = next((f for f in findings if f.factor == "safety_crisis"), None)
    reviews = tuple(s.explanation for s in parsed.statuses.values() if s.review_due)
    context = parsed.context if country is None else replace(parsed.context, country=country)
    return build(
        Evaluation,
        findings=tuple(findings),
        context=context,
        measures=dict(parsed.scores),
        statuses=dict(parsed.statuses),
        safety_reasons=safety.why if safety is not None else (),
        answers=dict(parsed.answers),
        review_due=bool(reviews),
        review_reasons=reviews,
    )


def state_for(parsed: ParsedAnswers) -> State:
    """What the rules look at: answers, items, scores, statuses and derived facts."""
    return State(
        answers=parsed.answers,
        items=parsed.measures,
        scores=parsed.scores,
        statuses=parsed.statuses,
        facts=_facts(parsed.answers, modalities()),
    )


def fire(rules: RuleSet, state: State) -> dict[str, list[Rule]]:
    """The rules that fire, grouped by factor, each group strongest first."""
    return rules.fire_grouped(state.answers, state.items, state.scores, state.statuses, state.facts)


def findings_for(fired: dict[str, list[Rule]], state: State, rules: RuleSet) -> list[Finding]:
    """One finding per factor, tempered, most important first."""
    findings = [_finding(factor, matched, state) for factor, matched in fired.items()]
    findings = _temper(findings, rules)
    findings.sort(key=_order)
    return findings


def _order(finding: Finding) -> tuple[int, int, float, int]:
    pinned, catalogue = _FACTOR_KEYS.get(finding.factor, _UNKNOWN_KEY)
    return (pinned, SEVERITY_RANK[finding.severity], -finding.strength, catalogue)


# factor -> (pinned position, catalogue position), the fixed parts of `_order`.
_FACTOR_KEYS = {f: (PINNED.get(f, len(PINNED)), n) for n, f in enumerate(FACTOR_IDS)}
_UNKNOWN_KEY = (len(PINNED), len(_CATALOGUE))
_new_finding = constructor(Finding)


def _finding(factor: str, matched: list[Rule], state: State) -> Finding:
    """One factor's finding; `matched` is strongest first (`RuleSet.fire_grouped`)."""
    if len(matched) == 1:
        rule = matched[0]
        return _new_finding(
            factor=factor,
            severity=rule.severity,
            why=(rule.why(state),),
            strength=rule.weight,
            sources=rule.sources,
            evidence={"rules": [rule.id], "answers": _quote(rule, state.answers, {})},
        )
    # One pass; dicts keep the first of repeated lines and sources, in rule order.
    whys: dict[str, None] = {}
    sources: dict[str, None] = {}
    ids: list[str] = []
    quoted: dict[str, Any] = {}
    answers = state.answers
    hundredths = 0
    for rule in matched:
        whys[rule.why(state)] = None
        sources[rule.source] = None
        ids.append(rule.id)
        hundredths += rule.hundredths
        _quote(rule, answers, quoted)
    return _new_finding(
        factor=factor,
        severity=matched[0].severity,
        why=tuple(whys),
        strength=hundredths / 100,
        sources=tuple(sources),
        evidence={"rules": ids, "answers": quoted},
    )


def _quote(rule: Rule, answers: dict[str, Any], quoted: dict[str, Any]) -> dict[str, Any]:
    """Add the evidence a rule quotes to `quoted`: the answers given to its questions."""
    for q in rule.questions:
        if q in answers:
            quoted[q] = answers[q]
    return quoted


def _temper(findings: list[Finding], rules: RuleSet) -> list[Finding]:
    present = {f.factor for f in findings}
    active = [t for t in rules.tempering if t.factor in present]
    if not active:
        return findings
    return [_tempered(f, active) for f in findings]


def _tempered(finding: Finding, active: list[Tempering]) -> Finding:
    for tempering in active:
        if finding.factor in tempering.lowers:
            lower = _SEVERITIES[min(SEVERITY_RANK[finding.severity] + 1, len(_SEVERITIES) - 1)]
            evidence = {**finding.evidence, "tempered_by": tempering.factor}
            return build(
                Finding,
                factor=finding.factor,
                severity=lower,
                why=(*finding.why, tempering.note),
                strength=finding.strength,
                sources=finding.sources,
                evidence=evidence,
            )
    return finding


def _facts(answers: Mapping[str, Any], mods: Modalities) -> dict[str, Any]:
    """Facts derived from the modality map, for `{fact: ...}` conditions and why lines."""
    approach = answers.get("approach")
    concerns = answers.get("concerns")
    if approach is None or not concerns:
        return {}
    mismatched = mods.mismatches(approach, concerns, answers)
    if not mismatched:
        return {}
    return {
        "approach_mismatch": True,
        "approach_mismatch.text": _mismatch_text(approach, mismatched),
    }


@lru_cache(maxsize=512)
def _mismatch_text(approach: str, concerns: tuple[str, ...]) -> str:
    mods = modalities()
    named = question_bank().get("approach")
    approach_label = named.label(approach) if named is not None else approach
    sentences = [f"You said your therapy is {approach_label}."]
    for concern in concerns:
        fit = mods.concerns[concern]
        best = [mods.approaches[a].name for a in fit.strong]
        sentences.append(
            f"For {fit.label}, the approaches with the strongest support are {_join(best)}."
        )
    return " ".join(sentences)


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
