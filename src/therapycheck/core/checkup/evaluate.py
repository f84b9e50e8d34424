"""The one evaluator: answers and scores -> ordered factor findings.

    evaluate({"answers": {...}, "measures": {...}, "history": {...}}, country="GB")

Order (FACTORS.md principle 1): `safety_crisis` first, then `boundary_violation`, then
by severity (urgent, high, medium, low), then by strength (the sum of the weights of the
rules that fired), then in catalogue order so equal findings always sort the same way.
This is the one place findings are ordered; every output shows them in this order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from therapycheck.core.checkup.answers import ParsedAnswers, parse_answers
from therapycheck.core.checkup.bank import join_words, question_bank
from therapycheck.core.checkup.conditions import State
from therapycheck.core.checkup.modalities import modalities
from therapycheck.core.checkup.model import (
    FACTOR_IDS,
    SEVERITIES,
    SEVERITY_RANK,
    Evaluation,
    Finding,
)
from therapycheck.core.checkup.rules import Rule, Tempering, rule_set
from therapycheck.core.safety import dangers_in_order
from therapycheck.core.trajectory import ExpectedResponseModel

# Acute risk, then therapist misconduct, always come first (FACTORS.md principle 1).
PINNED: tuple[str, ...] = ("safety_crisis", "boundary_violation")


def evaluate(
    doc_or_parsed: Mapping[str, Any] | ParsedAnswers,
    *,
    country: str | None = None,
    models: Mapping[str, ExpectedResponseModel] | None = None,
) -> Evaluation:
    """Evaluate a check-up; raises AnswersError (a ValueError) for an invalid document.

    `models` (expected-response models by instrument) judge the score history the way the
    progress page does; without them the review-point rule of core.change applies.
    """
    parsed = (
        doc_or_parsed
        if isinstance(doc_or_parsed, ParsedAnswers)
        else parse_answers(doc_or_parsed, models=models)
    )
    rules = rule_set()
    state = State(
        answers=parsed.answers,
        items=parsed.measures,
        scores=parsed.scores,
        statuses=parsed.statuses,
        facts=derived_facts(parsed.answers),
    )
    fired = rules.fired(state)
    findings = [_finding(factor, matched, state) for factor, matched in fired.items()]
    findings = sorted(_temper(findings, rules.tempering), key=finding_order)
    safety = next((f for f in findings if f.factor == "safety_crisis"), None)
    named = [rule.danger for rule in fired.get("safety_crisis", []) if rule.danger is not None]
    reviews = tuple(s.explanation for s in parsed.statuses.values() if s.review_due)
    context = parsed.context if country is None else replace(parsed.context, country=country)
    return Evaluation(
        findings=tuple(findings),
        context=context,
        measures=dict(parsed.scores),
        statuses=dict(parsed.statuses),
        safety_reasons=safety.why if safety is not None else (),
        dangers=dangers_in_order(named) if named else (),
        answers=dict(parsed.answers),
        review_due=bool(reviews),
        review_reasons=reviews,
        unscored=dict(parsed.unscored),
        safety_items_skipped=parsed.safety_items_skipped,
    )


def finding_order(finding: Finding) -> tuple[int, int, float, int]:
    """The sort key of a finding: pinned factors, severity, strength, catalogue order."""
    pinned = PINNED.index(finding.factor) if finding.factor in PINNED else len(PINNED)
    catalogue = FACTOR_IDS.index(finding.factor)
    return (pinned, SEVERITY_RANK[finding.severity], -finding.strength, catalogue)


def _finding(factor: str, matched: list[Rule], state: State) -> Finding:
    """One factor's finding from the rules that fired for it, strongest first."""
    quoted: dict[str, Any] = {}
    for rule in matched:
        quoted.update({q: state.answers[q] for q in rule.questions if q in state.answers})
    return Finding(
        factor=factor,
        severity=matched[0].severity,
        # Repeated lines and sources are shown once, in rule order.
        why=tuple(dict.fromkeys(rule.why.render(state) for rule in matched)),
        strength=round(sum(rule.weight for rule in matched), 2),
        sources=tuple(dict.fromkeys(s for rule in matched for s in rule.sources)),
        evidence={"rules": [rule.id for rule in matched], "answers": quoted},
        says=tuple(dict.fromkeys(r.says.render(state) for r in matched if r.says is not None)),
    )


def _temper(findings: list[Finding], tempering: tuple[Tempering, ...]) -> list[Finding]:
    """Lower a finding one severity step when a factor that explains it is also found."""
    present = {f.factor for f in findings}
    active = [t for t in tempering if t.factor in present]
    return [_tempered(f, active) for f in findings]


def _tempered(finding: Finding, active: list[Tempering]) -> Finding:
    for tempering in active:
        if finding.factor in tempering.lowers:
            lower = SEVERITIES[min(SEVERITY_RANK[finding.severity] + 1, len(SEVERITIES) - 1)]
            return replace(
                finding,
                severity=lower,
                why=(*finding.why, tempering.note),
                evidence={**finding.evidence, "tempered_by": tempering.factor},
            )
    return finding


def derived_facts(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Facts derived from the modality map, for `{fact: ...}` conditions and why lines."""
    approach = answers.get("approach")
    concerns = answers.get("concerns")
    if approach is None or not concerns:
        return {}
    mods = modalities()
    mismatched = mods.mismatches(approach, concerns, answers)
    if not mismatched:
        return {}
    named = question_bank().get("approach")
    sentences = [f"You said your therapy is {named.label(approach) if named else approach}."]
    for concern in mismatched:
        fit = mods.concerns[concern]
        best = [mods.approaches[a].name for a in fit.strong]
        sentences.append(
            f"For {fit.label}, the approaches with the strongest support are {join_words(best)}."
        )
    return {"approach_mismatch": True, "approach_mismatch.text": " ".join(sentences)}
