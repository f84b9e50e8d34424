"""The check-up report: evaluate the answers, build the plan, and present both.

`CheckupReport.to_dict()` is the CLI/API contract of DESIGN.md ("contract — CLI"):
`{"findings": [{"factor", "severity", "why"}...], "actions": [{"action", "when",
"steps"}...], "safety": {"crisis", "resources"}}` plus extra keys. `to_markdown()` is the
shareable report; the safety section comes first whenever there is a crisis.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from therapycheck.core.checkup.model import SEVERITY_LABELS, Evaluation, Finding
from therapycheck.core.citations import citations
from therapycheck.core.plan import Plan, build_plan, factor_label, measure_name
from therapycheck.core.scoring import safety_skipped_text

if TYPE_CHECKING:
    from therapycheck.core.trajectory import ExpectedResponseModel

DISCLAIMER = (
    "This check-up does not diagnose anything. It points to things worth talking about "
    "with your therapist or another clinician, and explains why."
)


def severity_text(severity: str) -> str:
    """Plain words for a finding's severity."""
    return SEVERITY_LABELS.get(severity, severity)


def _jsonable(value: Any) -> Any:
    """Scores and statuses from other core modules, as plain JSON values."""
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _finding_dict(finding: Finding) -> dict[str, Any]:
    doc = finding.to_dict()
    doc["label"] = factor_label(finding.factor)
    doc["sources"] = [c.text() for c in citations(finding.sources)]
    return doc


@dataclass(frozen=True)
class CheckupReport:
    """One check-up's result: what was found, what to do, and the safety response."""

    evaluation: Evaluation
    plan: Plan
    made_on: datetime.date

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Most important first, in the evaluator's order (core.checkup.evaluate)."""
        return self.evaluation.findings

    @property
    def crisis(self) -> bool:
        return self.plan.safety.crisis

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": [_finding_dict(f) for f in self.findings],
            "actions": [a.to_dict() for a in self.plan.actions],
            "later_actions": [a.to_dict() for a in self.plan.later_actions],
            "safety": self.plan.safety.to_dict(),
            "guide": self.plan.guide.to_dict() if self.plan.guide else None,
            "switching": self.plan.switching.to_dict() if self.plan.switching else None,
            "consultation_questions": list(self.plan.consultation_questions),
            "measures": {k: _jsonable(v) for k, v in self.evaluation.measures.items()},
            "statuses": {k: _jsonable(v) for k, v in self.evaluation.statuses.items()},
            "unscored": dict(self.evaluation.unscored),
            "safety_items_skipped": {
                k: list(v) for k, v in self.evaluation.safety_items_skipped.items()
            },
            "made_on": self.made_on.isoformat(),
        }

    def to_markdown(self) -> str:
        parts = ["# Your therapy check-up", "", f"Made on {self.made_on.isoformat()}.", ""]
        if self.crisis:
            parts.append(self.plan.safety.to_markdown())
        parts.append(self._findings_markdown())
        scores = self._scores_markdown()
        if scores:
            parts.append(scores)
        progress = self._progress_markdown()
        if progress:
            parts.append(progress)
        parts.append(self.plan.to_markdown(include_safety=False))
        if not self.crisis:
            parts.append(self.plan.safety.to_markdown())
        parts += ["---", "", DISCLAIMER, ""]
        return "\n".join(parts)

    def _findings_markdown(self) -> str:
        parts = ["## What we found", ""]
        if not self.findings:
            parts += [
                "Nothing in your answers points to a clear problem. Keep checking in on "
                "your progress from time to time.",
                "",
            ]
        for number, finding in enumerate(self.findings, start=1):
            severity = severity_text(finding.severity)
            parts += [f"### {number}. {factor_label(finding.factor)} ({severity})", ""]
            parts += [f"- {why}" for why in finding.why]
            parts.append("")
        return "\n".join(parts)

    def _scores_markdown(self) -> str:
        rows = []
        for instrument, score in self.evaluation.measures.items():
            doc = _jsonable(score)
            if not isinstance(doc, Mapping) or doc.get("total") is None:
                continue
            band = doc.get("band") or ""
            rows.append(f"| {measure_name(instrument)} | {doc['total']} | {band} |")
        notes = [f"- {why}" for why in self.evaluation.unscored.values()]
        notes += [
            f"- {measure_name(instrument)}: {safety_skipped_text(items)}"
            for instrument, items in self.evaluation.safety_items_skipped.items()
        ]
        if not rows and not notes:
            return ""
        parts = ["## Your scores", ""]
        if rows:
            parts += ["| measure | score | level |", "|---|---|---|", *rows, ""]
        if notes:
            parts += [*notes, ""]
        return "\n".join(parts)

    def _progress_markdown(self) -> str:
        """Each series' status (core.change) in the words the progress page uses.

        An explanation a finding already quotes is not repeated; its label still shows.
        """
        quoted = {why for finding in self.findings for why in finding.why}
        parts = []
        for instrument, status in self.evaluation.statuses.items():
            label, explanation = getattr(status, "label", ""), getattr(status, "explanation", "")
            if not label:
                continue
            line = f"- **{measure_name(instrument)}: {label}.**"
            if explanation and not any(explanation in why for why in quoted):
                line += f" {explanation}"
            parts.append(line)
        if not parts:
            return ""
        return "\n".join(["## How your scores have changed", "", *parts, ""])


def report_from_evaluation(
    evaluation: Evaluation,
    *,
    country: str | None = None,
    today: datetime.date | None = None,
    avoid_therapist: bool = False,
) -> CheckupReport:
    """A report for an evaluation that was already made (web and CLI interactive use this).

    `avoid_therapist`: see `core.plan.build_plan`."""
    day = today or datetime.date.today()
    plan = build_plan(
        evaluation,
        country=country or evaluation.context.country,
        today=day,
        avoid_therapist=avoid_therapist,
    )
    return CheckupReport(
        evaluation=evaluation,
        plan=plan,
        made_on=day,
    )


def checkup_report(
    answers_doc: Mapping[str, Any],
    *,
    country: str | None = None,
    today: datetime.date | None = None,
    models: Mapping[str, ExpectedResponseModel] | None = None,
    avoid_therapist: bool = False,
) -> CheckupReport:
    """Evaluate a check-up's answers and build its report (raises the evaluator's AnswersError).

    `models`: expected-response models by instrument, as on the progress page.
    `avoid_therapist`: see `core.plan.build_plan`."""
    # Imported on use so that importing the report (and the CLI) never depends on the
    # evaluator's import chain.
    from therapycheck.core.checkup import evaluate

    return report_from_evaluation(
        evaluate(answers_doc, models=models),
        country=country,
        today=today,
        avoid_therapist=avoid_therapist,
    )
