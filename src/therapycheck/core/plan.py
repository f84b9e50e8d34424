"""From findings to a plan: ranked actions, a conversation guide and a switching checklist.

The knowledge lives in `data/actions.yaml` (titles, steps, the factor -> actions map, guide
lines, consultation questions); this module only applies the ordering rules:

1. Acute risk comes first: `crisis_support_now`, with the country's resources, whenever
   the evaluation shows a crisis (FACTORS.md principle 1).
2. Therapist misconduct gets `report_misconduct`, and no step that means carrying on with
   that therapist: it is never answered with "talk it through" (principle 2).
3. Otherwise actions follow the findings' order (the evaluator ranks them), each listed once.
4. Too early to tell holds back switching advice, unless there is a crisis or misconduct
   (principle 4), and `give_it_time` gets a number of sessions and a re-check date.
5. The default is to bring the concern into the room: `talk_to_therapist`, with a
   conversation guide built from the person's own findings (principle 2).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from therapycheck.core.checkup.model import ACTION_IDS, FACTOR_IDS, Evaluation, Finding
from therapycheck.core.citations import check_cited, citations
from therapycheck.core.datafile import load_mapping
from therapycheck.core.instruments import UnknownInstrument, get_instrument
from therapycheck.core.safety import SafetyResponse, safety_response

When = Literal["now", "before_next_session", "over_next_sessions"]

CRISIS_FACTOR = "safety_crisis"
# In a crisis the plan is short: the crisis step, then at most this many actions for this
# week; the rest wait under "when you're ready" (a person in crisis needs one clear path).
CRISIS_PLAN_ACTIONS = 3
MISCONDUCT_FACTOR = "boundary_violation"
TOO_EARLY_FACTOR = "too_early"

# Days between sessions by how often the person meets; weekly when unknown, the most
# common rhythm in outpatient therapy.
_DAYS_BETWEEN = (
    (("more_than_weekly", "twice", "two_per_week"), 4),
    (("every_two_weeks", "every_2_weeks", "fortnight", "biweekly"), 14),
    (("less_often",), 42),
    (("month",), 28),
    (("week",), 7),
)
_DEFAULT_DAYS_BETWEEN = 7


# ---------------------------------------------------------------------------- data schema


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _ActionData(_Strict):
    title: str = Field(min_length=1)
    when: When
    sessions: int | None = Field(default=None, ge=1)
    with_current_therapist: bool
    switching: bool
    steps: tuple[str, ...]
    # The steps to give instead when the person should not go back to this therapist
    # (misconduct); None when the steps above never involve the current therapist.
    without_current_therapist: tuple[str, ...] | None = None
    sources: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _cited(self) -> _ActionData:
        check_cited(self.sources, self.title)
        return self

    @model_validator(mode="after")
    def _alternative_only_where_it_can_be_used(self) -> _ActionData:
        if self.with_current_therapist and self.without_current_therapist is not None:
            raise ValueError("an action with the current therapist is never given after misconduct")
        return self


class _AnswerAction(_Strict):
    factor: str
    question: str
    action: str
    at_least: int | None = None
    includes: str | None = None
    equals: str | None = None

    def matches(self, answers: Mapping[str, Any]) -> bool:
        value = answers.get(self.question)
        if self.at_least is not None:
            return isinstance(value, int) and not isinstance(value, bool) and value >= self.at_least
        if self.includes is not None:
            return isinstance(value, list | tuple) and self.includes in value
        if self.equals is not None:
            return value == self.equals
        return False


class _FactorData(_Strict):
    label: str = Field(min_length=1)
    want: str | None
    ask: str | None
    consult: str | None


class _GuideData(_Strict):
    opening: str
    if_defensive: tuple[str, ...] = Field(min_length=1)
    closing: str


class _SwitchingData(_Strict):
    closure: tuple[str, ...] = Field(min_length=1)
    records: tuple[str, ...] = Field(min_length=1)
    next: tuple[str, ...] = Field(min_length=1)
    after_misconduct_note: str = Field(min_length=1)


class _PlanFile(_Strict):
    reviewed: str
    actions: dict[str, _ActionData]
    factor_actions: dict[str, tuple[str, ...]]
    answer_actions: tuple[_AnswerAction, ...] = ()
    factors: dict[str, _FactorData]
    guide: _GuideData
    consultation_base: tuple[str, ...] = Field(min_length=1)
    switching: _SwitchingData

    @model_validator(mode="after")
    def _ids_match_the_contract(self) -> _PlanFile:
        if set(self.actions) != set(ACTION_IDS):
            raise ValueError(f"actions must be exactly {sorted(ACTION_IDS)}")
        if set(self.factor_actions) != set(FACTOR_IDS) or set(self.factors) != set(FACTOR_IDS):
            raise ValueError("factor_actions and factors must cover every factor id")
        for factor, ids in self.factor_actions.items():
            unknown = set(ids) - set(ACTION_IDS)
            if not ids or unknown:
                raise ValueError(f"{factor}: unknown or missing actions {sorted(unknown)}")
        for rule in self.answer_actions:
            if rule.factor not in FACTOR_IDS or rule.action not in ACTION_IDS:
                raise ValueError(f"answer_actions: unknown id in {rule}")
            tests = [t for t in (rule.at_least, rule.includes, rule.equals) if t is not None]
            if len(tests) != 1:
                raise ValueError(f"answer_actions: give one of at_least, includes, equals: {rule}")
        misconduct = self.factor_actions[MISCONDUCT_FACTOR]
        if misconduct[0] != "report_misconduct":
            raise ValueError("boundary_violation must lead with report_misconduct")
        return self


@cache
def _data() -> _PlanFile:
    return _PlanFile.model_validate(load_mapping("therapycheck.core.data", "actions.yaml"))


class _RouteData(_Strict):
    route: str = Field(min_length=1)
    url: str | None = Field(default=None, pattern=r"^https://")
    source: str = Field(pattern=r"^https://")
    checked: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    verified: bool


class _ReportingFile(_Strict):
    reviewed: str
    countries: dict[str, _RouteData]
    fallback: _RouteData


@cache
def _reporting() -> _ReportingFile:
    return _ReportingFile.model_validate(load_mapping("therapycheck.core.data", "reporting.yaml"))


def report_route(country: str | None) -> str:
    """Where to report a therapist's misconduct in a country (data/reporting.yaml)."""
    data = _reporting()
    found = data.countries.get(country or "", data.fallback)
    return f"{found.route} ({found.url})" if found.url else found.route


def action_title(action: str) -> str:
    """The plain title of an action id (KeyError for an unknown id)."""
    return _data().actions[action].title


def factor_label(factor: str) -> str:
    """A plain label for a factor id; the id itself for an unknown one."""
    found = _data().factors.get(factor)
    return found.label if found else factor.replace("_", " ")


# ---------------------------------------------------------------------------- plan types


@dataclass(frozen=True)
class Action:
    """One step of the plan, with when to do it and which findings call for it."""

    action: str
    title: str
    when: When
    sessions: int | None
    recheck_on: datetime.date | None
    steps: tuple[str, ...]
    because: tuple[str, ...]
    sources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "title": self.title,
            "when": self.when,
            "sessions": self.sessions,
            "recheck_on": self.recheck_on.isoformat() if self.recheck_on else None,
            "steps": list(self.steps),
            "because": list(self.because),
            "sources": [c.text() for c in citations(self.sources)],
        }


@dataclass(frozen=True)
class ConversationGuide:
    """What to say to the therapist, built from the person's own findings. Printable."""

    opening: str
    noticed: tuple[str, ...]
    wants: tuple[str, ...]
    questions: tuple[str, ...]
    if_defensive: tuple[str, ...]
    closing: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "opening": self.opening,
            "noticed": list(self.noticed),
            "wants": list(self.wants),
            "questions": list(self.questions),
            "if_defensive": list(self.if_defensive),
            "closing": self.closing,
        }

    def to_markdown(self, level: int = 2) -> str:
        head = "#" * level
        sub = "#" * (level + 1)
        parts = [f"{head} Talking with your therapist", "", f"{sub} How to start", "", self.opening]
        parts += _md_list(f"{sub} What I have noticed", self.noticed)
        parts += _md_list(f"{sub} What I would like", self.wants)
        parts += _md_list(f"{sub} Questions I want to ask", self.questions)
        parts += _md_list(f"{sub} If it gets difficult", self.if_defensive)
        parts += ["", f"{sub} To close", "", self.closing]
        return "\n".join(parts).strip() + "\n"

    def to_text(self) -> str:
        """Plain text, for printing or pasting into a note."""
        parts = ["TALKING WITH YOUR THERAPIST", "", "How to start:", self.opening]
        for title, items in (
            ("What I have noticed:", self.noticed),
            ("What I would like:", self.wants),
            ("Questions I want to ask:", self.questions),
            ("If it gets difficult:", self.if_defensive),
        ):
            if items:
                parts += ["", title, *(f"  - {item}" for item in items)]
        parts += ["", "To close:", self.closing]
        return "\n".join(parts) + "\n"


@dataclass(frozen=True)
class Checklist:
    """Ending with one therapist and starting with the next."""

    title: str
    closure_advised: bool
    note: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "closure_advised": self.closure_advised,
            "note": self.note,
            "sections": [{"heading": h, "items": list(items)} for h, items in self.sections],
        }

    def to_markdown(self, level: int = 2) -> str:
        parts = [f"{'#' * level} {self.title}"]
        if self.note:
            parts += ["", self.note]
        for heading, items in self.sections:
            parts += ["", f"{'#' * (level + 1)} {heading}", ""]
            parts += [f"- [ ] {item}" for item in items]
        return "\n".join(parts) + "\n"


@dataclass(frozen=True)
class Plan:
    """The whole answer to "what should I do next?"."""

    actions: tuple[Action, ...]
    guide: ConversationGuide | None
    switching: Checklist | None
    consultation_questions: tuple[str, ...]
    safety: SafetyResponse
    # In a crisis, the actions that can wait until the person is ready (else empty).
    later_actions: tuple[Action, ...] = ()

    def action_ids(self) -> tuple[str, ...]:
        return tuple(a.action for a in (*self.actions, *self.later_actions))

    def to_dict(self) -> dict[str, Any]:
        return {
            "actions": [a.to_dict() for a in self.actions],
            "later_actions": [a.to_dict() for a in self.later_actions],
            "guide": self.guide.to_dict() if self.guide else None,
            "switching": self.switching.to_dict() if self.switching else None,
            "consultation_questions": list(self.consultation_questions),
            "safety": self.safety.to_dict(),
        }

    def to_markdown(self, level: int = 2, *, include_safety: bool = True) -> str:
        """The plan as Markdown; the safety section first when there is a crisis."""
        parts: list[str] = []
        if include_safety and self.safety.crisis:
            parts.append(self.safety.to_markdown())
        parts.append(_actions_markdown(self.actions, level))
        if self.later_actions:
            later = _actions_markdown(
                self.later_actions, level, start=len(self.actions) + 1, heading=False
            )
            parts.append(f"{'#' * level} When you're ready\n\n{later}")
        if self.guide is not None:
            parts.append(self.guide.to_markdown(level))
        if self.switching:
            parts.append(self.switching.to_markdown(level))
        if self.consultation_questions:
            heading = f"{'#' * level} Questions for a first call with a new therapist"
            parts.append("\n".join(_md_list(heading, self.consultation_questions)).strip() + "\n")
        if include_safety and not self.safety.crisis:
            parts.append(self.safety.to_markdown())
        return "\n".join(parts)


def _md_list(heading: str, items: Iterable[str]) -> list[str]:
    items = list(items)
    if not items:
        return []
    return ["", heading, "", *(f"- {item}" for item in items)]


# The order actions are done in, and the words every output uses for each `when`.
WHEN_ORDER: tuple[When, ...] = ("now", "before_next_session", "over_next_sessions")
WHEN_LABELS: dict[str, str] = {
    "now": "Now",
    "before_next_session": "Before your next session",
    "over_next_sessions": "Over the next few weeks",
}


def when_text(when: str) -> str:
    """Plain words for an action's `when`."""
    return WHEN_LABELS.get(when, when.replace("_", " "))


def _actions_markdown(
    actions: tuple[Action, ...], level: int, *, start: int = 1, heading: bool = True
) -> str:
    parts = [f"{'#' * level} What you can do next", ""] if heading else []
    for number, action in enumerate(actions, start=start):
        when = when_text(action.when)
        if action.recheck_on:
            when += f" (check again on or after {action.recheck_on.isoformat()})"
        parts += [f"{'#' * (level + 1)} {number}. {action.title}", "", f"*When:* {when}", ""]
        parts += [f"- {step}" for step in action.steps]
        parts.append("")
    return "\n".join(parts)


# ---------------------------------------------------------------------------- building


def _days_between_sessions(frequency: str | None) -> int:
    text = (frequency or "").lower().replace(" ", "_").replace("-", "_")
    for keys, days in _DAYS_BETWEEN:
        if any(key in text for key in keys):
            return days
    return _DEFAULT_DAYS_BETWEEN


def _actions_for(finding: Finding, answers: Mapping[str, Any]) -> list[str]:
    """A finding's actions: answer-specific ones first, then the factor's own."""
    data = _data()
    specific = [
        r.action for r in data.answer_actions if r.factor == finding.factor and r.matches(answers)
    ]
    return list(dict.fromkeys([*specific, *data.factor_actions.get(finding.factor, ())]))


def _ordered_action_ids(evaluation: Evaluation) -> dict[str, list[str]]:
    """Action id -> the factors that call for it, in the findings' order."""
    ordered: dict[str, list[str]] = {}
    for finding in evaluation.findings:
        for action in _actions_for(finding, evaluation.answers):
            ordered.setdefault(action, [])
            if finding.factor not in ordered[action]:
                ordered[action].append(finding.factor)
    return ordered


def _needs_review(evaluation: Evaluation) -> bool:
    """A series says it is time to review the plan (core.change decides, by session)."""
    return any(bool(_get(s, "review_due")) for s in evaluation.statuses.values())


def _select(evaluation: Evaluation) -> dict[str, list[str]]:
    factors = set(evaluation.factors())
    crisis = evaluation.crisis or CRISIS_FACTOR in factors
    misconduct = MISCONDUCT_FACTOR in factors
    chosen = _ordered_action_ids(evaluation)
    if crisis:
        # Acute risk outranks everything, even if the evaluator ranked it lower.
        because = chosen.pop("crisis_support_now", [CRISIS_FACTOR])
        chosen = {"crisis_support_now": because, **chosen}
    if TOO_EARLY_FACTOR in factors and not crisis and not misconduct:
        chosen = {a: f for a, f in chosen.items() if not _data().actions[a].switching}
    if not misconduct:
        chosen = _with_default_talk(chosen, evaluation)
    if _needs_review(evaluation) and "review_progress_together" not in chosen:
        chosen["review_progress_together"] = []
    if not chosen:
        # Nothing is wrong: keep an eye on progress.
        chosen["review_progress_together"] = []
    if misconduct:
        # Last, so nothing added above can send the person back to this therapist.
        chosen = {a: f for a, f in chosen.items() if not _data().actions[a].with_current_therapist}
    return chosen


def _with_default_talk(
    chosen: dict[str, list[str]], evaluation: Evaluation
) -> dict[str, list[str]]:
    """Bring the concern into the room, placed right after the top concern's own actions."""
    concerns = [f for f in evaluation.findings if f.factor != CRISIS_FACTOR]
    if not concerns or "talk_to_therapist" in chosen:
        return chosen
    because = list(dict.fromkeys(f.factor for f in concerns))
    top = tuple(_actions_for(concerns[0], evaluation.answers))
    last = _last_present(top, chosen)
    result: dict[str, list[str]] = {}
    for action, factors in chosen.items():
        result[action] = factors
        if action == last:
            result["talk_to_therapist"] = because
    result.setdefault("talk_to_therapist", because)
    return result


def _last_present(ids: tuple[str, ...], chosen: Mapping[str, Any]) -> str | None:
    present = [a for a in ids if a in chosen]
    return present[-1] if present else None


def _build_action(
    action_id: str,
    because: list[str],
    *,
    safety: SafetyResponse,
    evaluation: Evaluation,
    today: datetime.date,
    misconduct: bool,
) -> Action:
    data = _data().actions[action_id]
    sessions = data.sessions
    recheck_on = None
    if sessions is not None:
        days = _days_between_sessions(evaluation.context.frequency)
        recheck_on = today + datetime.timedelta(days=sessions * days)
    steps, when = data.steps, data.when
    if misconduct:
        steps = data.without_current_therapist or steps
        # There is no "next session" with a therapist the person should not go back to.
        when = "over_next_sessions" if when == "before_next_session" else when
    fill = {
        "sessions": str(sessions or ""),
        "recheck_on": recheck_on.isoformat() if recheck_on else "",
        "report_route": report_route(safety.country),
    }
    steps = tuple(step.format(**fill) for step in steps)
    if action_id == "crisis_support_now":
        steps = safety.steps
    if action_id == "review_progress_together" and not because and _needs_review(evaluation):
        steps = (
            "You have had a number of sessions without a clear change in your scores. "
            "That is the time to review the plan together.",
            *steps,
        )
    return Action(
        action=action_id,
        title=data.title,
        when=when,
        sessions=sessions,
        recheck_on=recheck_on,
        steps=steps,
        because=tuple(because),
        sources=data.sources,
    )


def _measure_lines(evaluation: Evaluation) -> list[str]:
    lines = []
    for instrument, score in evaluation.measures.items():
        total = _get(score, "total")
        if total is None:
            continue
        band = _get(score, "band")
        label = _get(band, "label") if band is not None and not isinstance(band, str) else band
        suffix = f" ({label})" if label else ""
        lines.append(
            f"My {measure_name(instrument)} score in this check-up was {_num(total)}{suffix}."
        )
    for instrument, status in evaluation.statuses.items():
        numbers = _get(status, "numbers") or {}
        first, latest = _get(numbers, "first"), _get(numbers, "latest")
        if first is None or latest is None:
            continue
        # Say which sessions: the first score need not be from the first session.
        start = _get(_get(status, "first"), "session")
        end = _get(_get(status, "latest"), "session")
        if start is None or end is None or start == end:
            continue
        lines.append(
            f"My {measure_name(instrument)} score went from {_num(first)} at session {start} "
            f"to {_num(latest)} at session {end}."
        )
    return lines


def measure_name(instrument: str) -> str:
    """An instrument's short name (PHQ-9); the id in capitals if the registry lacks it."""
    try:
        return get_instrument(instrument).short_name
    except UnknownInstrument:
        return instrument.upper()


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, dict | Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def build_guide(evaluation: Evaluation) -> ConversationGuide:
    """The conversation guide, from the person's own findings (most important first)."""
    factors = [f.factor for f in evaluation.findings if f.factor != MISCONDUCT_FACTOR]
    if evaluation.crisis and CRISIS_FACTOR not in factors:
        factors.insert(0, CRISIS_FACTOR)
    known = [_data().factors[f] for f in dict.fromkeys(factors) if f in _data().factors]
    # Only what the person's own answers and scores back: the `says` lines of the rules
    # that fired (findings order), then their scores.
    says = [line for f in evaluation.findings if f.factor in factors for line in f.says]
    noticed = [*dict.fromkeys(says), *_measure_lines(evaluation)]
    guide = _data().guide
    return ConversationGuide(
        opening=guide.opening,
        noticed=tuple(noticed),
        wants=tuple(k.want for k in known if k.want),
        questions=tuple(k.ask for k in known if k.ask),
        if_defensive=guide.if_defensive,
        closing=guide.closing,
    )


def build_switching(evaluation: Evaluation, action_ids: Iterable[str]) -> Checklist | None:
    """The switching checklist, when the plan points toward a new therapist."""
    ids = set(action_ids)
    misconduct = MISCONDUCT_FACTOR in evaluation.factors()
    if not misconduct and not ids & {"switch_with_closure", "try_consultations"}:
        return None
    data = _data().switching
    records = ("Records and hand-off", data.records)
    next_one = ("What to tell your next therapist", data.next)
    if misconduct:
        # Nothing to do with this therapist: the note says how to get records without them.
        return Checklist(
            title="Moving on to a new therapist",
            closure_advised=False,
            note=" ".join(data.after_misconduct_note.split()),
            sections=(next_one,),
        )
    return Checklist(
        title="Switching therapists, and ending well",
        closure_advised=True,
        note="",
        sections=(("A closing session", data.closure), records, next_one),
    )


def consultation_questions(evaluation: Evaluation) -> tuple[str, ...]:
    """Questions for a free first call with a new therapist, tailored to the findings."""
    own = [_data().factors[f].consult for f in evaluation.factors() if f in _data().factors]
    return tuple(dict.fromkeys([*(q for q in own if q), *_data().consultation_base]))


def build_plan(
    evaluation: Evaluation,
    *,
    country: str | None = None,
    today: datetime.date | None = None,
    avoid_therapist: bool = False,
) -> Plan:
    """Findings -> ranked actions, conversation guide, switching checklist, safety response.

    `avoid_therapist`: an earlier check-up found the therapist's conduct unsafe and these
    answers do not say yet whether that is still the therapist (a check-up in progress),
    so no crisis step names a therapist."""
    day = today or datetime.date.today()
    factors = evaluation.factors()
    misconduct = MISCONDUCT_FACTOR in factors
    # A safety finding always carries its reasons; the flag covers one built without them.
    unexplained = CRISIS_FACTOR in factors and not evaluation.safety_reasons
    safety = safety_response(
        flags=("safety",) if unexplained else (),
        reasons=evaluation.safety_reasons,
        dangers=evaluation.dangers,
        misconduct=misconduct or avoid_therapist,
        country=country or evaluation.context.country,
    )
    chosen = _select(evaluation)
    actions = tuple(
        _build_action(
            a, because, safety=safety, evaluation=evaluation, today=day, misconduct=misconduct
        )
        for a, because in chosen.items()
    )
    later: tuple[Action, ...] = ()
    if safety.crisis:
        actions, later = actions[: 1 + CRISIS_PLAN_ACTIONS], actions[1 + CRISIS_PLAN_ACTIONS :]
    switching = build_switching(evaluation, chosen)
    return Plan(
        actions=actions,
        # A script for a talk in session, so only when the plan says to have that talk.
        guide=build_guide(evaluation) if "talk_to_therapist" in chosen else None,
        switching=switching,
        consultation_questions=consultation_questions(evaluation) if switching else (),
        safety=safety,
        later_actions=later,
    )
