"""Types shared by the check-up evaluator (`core.checkup`) and the plan (`core.plan`).

Factor and action ids are a public contract: see docs/factors.md (copied from
shared/domain/FACTORS.md). Only these ids, or documented additions, may appear.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from therapycheck.core.safety import Danger

Severity = Literal["urgent", "high", "medium", "low"]
# Most serious first; a finding's severity is one of these.
SEVERITIES: tuple[Severity, ...] = ("urgent", "high", "medium", "low")
SEVERITY_RANK: dict[str, int] = {severity: n for n, severity in enumerate(SEVERITIES)}
# The words every output (web, report, CLI, PDF) uses for a severity.
SEVERITY_LABELS: dict[str, str] = {
    "urgent": "Needs attention now",
    "high": "Important",
    "medium": "Worth looking at",
    "low": "Minor",
}

FACTOR_IDS: tuple[str, ...] = (
    "safety_crisis",
    "boundary_violation",
    "alliance",
    "style_culture_fit",
    "feedback_response",
    "feeling_worse_unaddressed",
    # Measured like feeling worse, from the series status (core.change), so it sits next
    # to it when two findings tie (FACTORS.md: no reliable change after N sessions).
    "not_improving",
    "too_early",
    "expectations",
    "unclear_goals",
    "unrecognized_progress",
    "modality_fit",
    "therapist_scope",
    "readiness",
    "avoidance",
    "life_barriers",
    "needs_more_than_therapy",
    "hidden_issues",
    "logistics",
    "agreement",
)

ACTION_IDS: tuple[str, ...] = (
    "crisis_support_now",
    "report_misconduct",
    "talk_to_therapist",
    "review_progress_together",
    "set_goals_together",
    "give_it_time",
    "reset_expectations",
    "adjust_schedule",
    "consider_other_modality",
    "seek_specialist",
    "medication_evaluation",
    "add_support",
    "screen_hidden_issues",
    "stabilize_first",
    "address_practical_barriers",
    "journal_between_sessions",
    "try_consultations",
    "switch_with_closure",
    "plan_ending",
)


@dataclass(frozen=True)
class Finding:
    """One reason therapy may be stalling, with the evidence that raised it."""

    factor: str
    severity: Severity
    # Plain-language reasons: the specific answers and scores behind the finding.
    why: tuple[str, ...]
    # Strength of evidence: the weights of the rules that fired, added up; used after
    # severity to order findings (higher first).
    strength: float = 1.0
    # Where the idea comes from: citation ids (core.citations), for "learn more".
    sources: tuple[str, ...] = ()
    # Machine-readable evidence (question ids and answers, scores) for other layers.
    evidence: dict[str, Any] = field(default_factory=dict)
    # The same reasons in the person's own voice, for the conversation guide: only the
    # lines of rules that fired, so each is backed by the answers that raised it.
    says: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"factor": self.factor, "severity": self.severity, "why": list(self.why)}


@dataclass(frozen=True)
class Context:
    """What the person told us about their therapy so far (all optional: skippable)."""

    sessions: int | None = None
    weeks: int | None = None
    frequency: str | None = None
    format: str | None = None
    credential: str | None = None
    approach: str | None = None
    concerns: tuple[str, ...] = ()
    wants: tuple[str, ...] = ()
    chosen: str | None = None  # "chosen" or who imposed it: parents, court, partner, employer
    country: str | None = None


@dataclass(frozen=True)
class Evaluation:
    """The evaluator's result: ordered findings plus what the plan needs to know."""

    findings: tuple[Finding, ...]  # most important first
    context: Context
    # instrument id -> core.scoring score object for measures answered in the check-up
    measures: dict[str, Any] = field(default_factory=dict)
    # instrument id -> core.change series status, when a history of scores was given
    statuses: dict[str, Any] = field(default_factory=dict)
    # Plain-language reasons acute risk was detected; empty when none.
    safety_reasons: tuple[str, ...] = ()
    # The kinds of danger behind them (core.safety.DANGERS order); empty when none.
    dangers: tuple[Danger, ...] = ()
    # The validated answers, by question id (skipped questions are absent).
    answers: dict[str, Any] = field(default_factory=dict)
    # True when a series of scores says it is time to review the plan together
    # (core.change.series_status, judged by session number).
    review_due: bool = False
    # Plain-language reasons for the review (the series explanations).
    review_reasons: tuple[str, ...] = ()
    # Questionnaires answered with items skipped and so without a total: id -> why.
    unscored: dict[str, str] = field(default_factory=dict)
    # Safety items the person reached and skipped: id -> item numbers (never read as 0).
    safety_items_skipped: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def crisis(self) -> bool:
        return bool(self.safety_reasons)

    def factors(self) -> tuple[str, ...]:
        return tuple(f.factor for f in self.findings)
