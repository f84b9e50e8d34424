"""Gather a person's one-page report: safety, scores and changes, charts, findings, note.

Every judgement comes from the core: `core.trajectory.series_progress` (the progress
page's own judgement, with its expected-response model) for what a series of
scores means, `core.safety` (through accounts.safety) for the crisis response, and the
frozen check-up result for findings. This module only collects and orders them.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from therapycheck.core import change as core_change
from therapycheck.core.change import Point, SeriesStatus
from therapycheck.core.instruments import UnknownInstrument, get_instrument
from therapycheck.core.result import StoredResult
from therapycheck.core.safety import SAFETY_FLAG, Danger, SafetyResponse
from therapycheck.web.accounts.models import Person
from therapycheck.web.accounts.safety import misconduct_found, response_for
from therapycheck.web.checkups import labels, presenters
from therapycheck.web.checkups.models import Checkup
from therapycheck.web.reports.models import ReportNote

# How many findings of the latest check-up the one-page report shows.
TOP_FINDINGS = 3
# Characters of a finding's first "why" line the printed page has room for.
WHY_PRINT_LIMIT = 120
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
# How many next steps from the check-up's plan the one-page report lists.
TOP_ACTIONS = 3
# Chart size (SVG user units) for the printed report's small multiples, drawn without
# their own key (the page explains it once): at about 8.5 cm wide on paper the chart's
# text (14 units, the bands' names; 15, the axes) prints at about 11 pt, and read on a
# screen (one chart per row below 768 px, reports/print.css) it is never shown narrower
# than 300 px, so never below 14 px. The bands' names stand right of the plot; a short
# chart names the bands of the latest and first scores first (tracking.charts).
PRINT_CHART_SIZE = (300, 80)
# With one row of charts (two questionnaires or fewer) and no crisis section the page has
# room for taller charts, tall enough for the bands' names.
PRINT_CHART_SIZE_ROOMY = (300, 150)


def print_chart_size(instruments: int, *, crisis: bool) -> tuple[int, int]:
    """The printed charts' size: as tall as the one page allows."""
    return PRINT_CHART_SIZE_ROOMY if instruments <= 2 and not crisis else PRINT_CHART_SIZE


# Instruments whose items include a risk question (PHQ-9 item 9, CORE-10 item 6).
RISK_INSTRUMENTS = ("phq9", "core10")


@dataclass(frozen=True)
class InstrumentSummary:
    instrument: str
    name: str
    short_name: str
    higher_is_better: bool
    points: tuple[Point, ...]
    latest_score: float
    latest_band: str
    latest_session: int
    latest_date: datetime.date
    change_from_first: float | None
    change_from_previous: float | None
    status: SeriesStatus | None
    safety_flag: bool
    chart_svg: str = ""

    @property
    def explanation(self) -> str:
        return self.status.explanation if self.status else ""

    @property
    def status_words(self) -> str:
        """The status in a few words: the core's label, the same on every output."""
        return self.status.label if self.status else ""


@dataclass(frozen=True)
class RiskAnswer:
    """One answer about safety, with its day: what a clinician most wants to see."""

    day: datetime.date
    text: str


# What every questionnaire safety item asks about, in a few words (PHQ-9 question 9,
# CORE-10 question 6).
RISK_ITEM_WORDS = "thoughts of hurting yourself or being better off dead"
# How many risk answers the report lists (newest first); the rest are counted.
TOP_RISK_ANSWERS = 4


@dataclass(frozen=True)
class ReportData:
    person: Person
    made_on: datetime.date
    safety: SafetyResponse | None  # only when the latest answers carry a flag
    instruments: tuple[InstrumentSummary, ...]
    checkup: Checkup | None
    findings: tuple[dict[str, Any], ...]
    note: str
    note_version: int
    other_findings: int = 0
    # Questionnaire scores given inside the latest check-up: [{"name", "total", "band"}].
    checkup_scores: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    # The first next steps of the check-up's plan: [{"title", "when"}], most urgent first.
    actions: tuple[dict[str, str], ...] = field(default_factory=tuple)
    other_actions: int = 0
    # Every safety answer above 0 among the measures and every check-up with a safety
    # answer, newest first (the first TOP_RISK_ANSWERS; the rest are counted).
    risk_answers: tuple[RiskAnswer, ...] = ()
    other_risk_answers: int = 0
    # The latest check-up found the therapist's conduct unsafe: nothing here sends the
    # person's answers about safety to that therapist.
    misconduct: bool = False

    @property
    def empty(self) -> bool:
        return not self.instruments and self.checkup is None


def build_report(
    person: Person, *, charts: bool = True, chart_size: tuple[int, int] | None = None
) -> ReportData:
    summaries = tuple(instrument_summaries(person, charts=charts, chart_size=chart_size))
    latest = latest_checkup(person)
    checkup, result = latest if latest is not None else (None, None)
    findings = _findings(result)
    actions = _actions(result)
    note = ReportNote.objects.filter(person=person).first()
    misconduct = misconduct_found(person)
    safety = report_safety(person, summaries, latest, misconduct=misconduct)
    risks = risk_answers(person, frozenset(safety.reasons) if safety is not None else frozenset())
    return ReportData(
        person=person,
        made_on=timezone.localdate(),
        safety=safety,
        instruments=summaries,
        checkup=checkup,
        findings=tuple(findings[:TOP_FINDINGS]),
        other_findings=max(len(findings) - TOP_FINDINGS, 0),
        actions=tuple(actions[:TOP_ACTIONS]),
        other_actions=max(len(actions) - TOP_ACTIONS, 0),
        checkup_scores=tuple(presenters.scores(result)) if result is not None else (),
        note=note.text if note else "",
        note_version=note.version if note else 0,
        risk_answers=tuple(risks[:TOP_RISK_ANSWERS]),
        other_risk_answers=max(len(risks) - TOP_RISK_ANSWERS, 0),
        misconduct=bool(risks) and misconduct,
    )


def risk_answers(person: Person, shown: frozenset[str] = frozenset()) -> list[RiskAnswer]:
    """Each safety answer above 0 (PHQ-9 question 9, CORE-10 question 6: the items each
    instrument's data marks as safety items) and each finished check-up whose safety
    answers raised the crisis response, newest first, in the person's own answers' words.
    `shown` are reasons the report's safety section already quotes (not repeated)."""
    from therapycheck.web.tracking.models import Measurement

    found: list[tuple[datetime.date, int, RiskAnswer]] = []
    rows = Measurement.objects.filter(person=person).order_by("taken_on", "pk")
    for m in rows:
        try:
            inst = get_instrument(m.instrument)
        except (UnknownInstrument, ValueError):
            continue
        for number in inst.safety_items:
            value = m.answers[number - 1] if number - 1 < len(m.answers) else 0
            if int(value) > 0:
                answer = inst.item_label(number, int(value))
                text = (
                    f"{inst.short_name} question {number} ({RISK_ITEM_WORDS}), "
                    f"session {m.session_number}: “{answer}”."
                )
                found.append((m.taken_on, 0, RiskAnswer(m.taken_on, text)))
    finished = Checkup.objects.filter(person=person, status=Checkup.Status.COMPLETED)
    for checkup in finished.order_by("completed_at", "pk"):
        result = checkup.stored_result()
        if result is None or not result.crisis or checkup.completed_at is None:
            continue
        day = timezone.localdate(checkup.completed_at)
        reasons = [r for r in result.safety.reasons if r]
        if reasons and set(reasons) <= shown:
            text = "Check-up: the safety answers listed at the top of this report."
        else:
            text = "Check-up: " + (" ".join(reasons) or "the safety questions showed a risk.")
        found.append((day, 1, RiskAnswer(day, text)))
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [risk for _, _, risk in found]


def _measurements(person: Person) -> dict[str, list[Any]]:
    from therapycheck.web.tracking.models import Measurement

    rows = Measurement.objects.filter(person=person).order_by("session_number", "taken_on", "pk")
    by_instrument: dict[str, list[Any]] = {}
    for m in rows:
        by_instrument.setdefault(m.instrument, []).append(m)
    return by_instrument


def instrument_summaries(
    person: Person, *, charts: bool = True, chart_size: tuple[int, int] | None = None
) -> list[InstrumentSummary]:
    out = []
    for instrument_id, rows in sorted(_measurements(person).items(), key=_order):
        summary = _summary(instrument_id, rows, charts=charts, chart_size=chart_size)
        if summary is not None:
            out.append(summary)
    return out


def _order(item: tuple[str, list[Any]]) -> tuple[int, str]:
    # Mood and anxiety first: they are the ones most services track (NHS Talking Therapies).
    preferred = ("phq9", "gad7", "core10", "wai_sr", "who5")
    iid = item[0]
    return (preferred.index(iid) if iid in preferred else len(preferred), iid)


def _summary(
    instrument_id: str, rows: list[Any], *, charts: bool, chart_size: tuple[int, int] | None
) -> InstrumentSummary | None:
    try:
        inst = get_instrument(instrument_id)
    except (KeyError, ValueError, LookupError):
        return None  # an instrument no longer in the core: nothing to judge it by
    points = tuple(
        core_change.sort_points([Point(m.session_number, m.total, m.taken_on) for m in rows])
    )
    try:
        status: SeriesStatus | None = _series_status(inst, points)
    except ValueError:
        status = None
    chart = _chart(inst, points, status, chart_size) if charts else ""
    return _with_chart(inst, rows, points, status, chart)


def _series_status(inst: Any, points: tuple[Point, ...]) -> SeriesStatus:
    """The judgement the progress page makes of the same series, with the same model."""
    from therapycheck.core.trajectory import series_progress
    from therapycheck.web.tracking.progress import expected_model

    return series_progress(inst, list(points), expected_model(inst.id))[0]


def _with_chart(
    inst: Any, rows: list[Any], points: tuple[Point, ...], status: SeriesStatus | None, chart: str
) -> InstrumentSummary:
    latest = rows[-1]
    previous = rows[-2] if len(rows) > 1 else None
    return InstrumentSummary(
        instrument=inst.id,
        name=inst.name,
        short_name=getattr(inst, "short_name", inst.name),
        higher_is_better=bool(inst.higher_is_better),
        points=points,
        latest_score=latest.total,
        latest_band=latest.band or "",
        latest_session=latest.session_number,
        latest_date=latest.taken_on,
        change_from_first=latest.total - rows[0].total if previous is not None else None,
        change_from_previous=latest.total - previous.total if previous is not None else None,
        status=status,
        safety_flag=SAFETY_FLAG in (latest.flags or []),
        chart_svg=chart,
    )


def _chart(
    inst: Any,
    points: tuple[Point, ...],
    status: SeriesStatus | None,
    size: tuple[int, int] | None = None,
) -> str:
    from therapycheck.web.tracking.charts import progress_chart_svg, screen_charts_html

    try:
        if size is None:
            # The report page on a screen: phone and wide drawings, as the progress page.
            return screen_charts_html(
                inst, list(points), status=status, id_prefix=f"report-{inst.id}"
            )
        width, height = size
        return progress_chart_svg(
            inst,
            list(points),
            status=status,
            width=width,
            height=height,
            id_prefix=f"report-{inst.id}",
            legend=False,
        )
    except ValueError:
        return ""


def latest_checkup(person: Person) -> tuple[Checkup, StoredResult] | None:
    """The newest finished check-up whose result can be read, with that result.

    A check-up whose stored result is unreadable (an odd import) is passed over: the
    report says only what a readable result says.
    """
    finished = Checkup.objects.filter(person=person, status=Checkup.Status.COMPLETED)
    for checkup in finished.order_by("-completed_at", "-pk").iterator():
        result = checkup.stored_result()
        if result is not None:
            return checkup, result
    return None


def _findings(result: StoredResult | None) -> list[dict[str, Any]]:
    if result is None:
        return []
    return [
        {
            "factor": finding.factor,
            "title": labels.factor_title(finding.factor),
            "severity": finding.severity,
            "why": list(finding.why),
            "first_why": first_sentences(finding.why[0]) if finding.why else "",
        }
        for finding in result.findings
    ]


def first_sentences(text: str, limit: int = WHY_PRINT_LIMIT) -> str:
    """The opening sentences of a "why" line that fit in about `limit` characters.

    A sentence is never cut in the middle; a first sentence longer than the limit is
    kept whole, so the reason a finding was raised always reads complete.
    """
    text = text.strip()
    if len(text) <= limit:
        return text
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    fitting = [e for e in ends if e <= limit]
    if fitting:
        return text[: fitting[-1]]
    return text[: ends[0]] if ends else text


# First steps shown on the one-page report: enough to say what to do, few enough to fit.
FIRST_STEPS = 2


def _actions(result: StoredResult | None) -> list[dict[str, str]]:
    """The plan's next steps in the plan's own order (it follows the findings). The top
    ones carry their first step, so the page says what to do, not only what it is about;
    the crisis steps are in the safety panel already."""
    if result is None:
        return []
    rows: list[dict[str, str]] = []
    # In a crisis the top finding's steps are the crisis steps, in the safety panel.
    shown = FIRST_STEPS if result.safety.crisis else 0
    for action in result.actions:
        first = ""
        if action.steps and action.action != "crisis_support_now" and shown < FIRST_STEPS:
            first, shown = action.steps[0], shown + 1
        rows.append(
            {
                "title": labels.action_title(action),
                "when": labels.WHEN_TITLES[action.when],
                "first_step": first,
            }
        )
    return rows


def note_excerpt(note: str, limit: int) -> tuple[str, bool]:
    """(text, trimmed?): the note cut at a word boundary near `limit` characters.

    Paper has room for one page only; the full note stays in the app, and a trimmed note
    always says so, so nothing disappears without a word.
    """
    text = note.strip()
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" \n,;:.-") + "…", True


def report_safety(
    person: Person,
    summaries: tuple[InstrumentSummary, ...],
    latest: tuple[Checkup, StoredResult] | None,
    *,
    misconduct: bool | None = None,
) -> SafetyResponse | None:
    """The crisis response when the person's latest answers carry a safety flag, else None.

    Latest means: the newest score of each questionnaire with a risk item, and the newest
    check-up unless a risk questionnaire was answered after it (a newer answer speaks for now).
    """
    flagged = [s for s in summaries if s.safety_flag]
    reasons: list[str] = []
    dangers: tuple[Danger, ...] = ()
    if latest is not None:
        checkup, result = latest
        if result.crisis and not _answered_after(summaries, checkup):
            reasons.extend(r for r in result.safety.reasons if r)
            dangers = result.safety.dangers
            if not reasons:
                reasons.append("Your latest check-up showed a possible risk to your safety.")
    if not flagged and not reasons:
        return None
    # response_for keeps every step away from a therapist whose conduct the latest check-up
    # found unsafe, whatever raised the crisis.
    response = response_for(
        person,
        flags=[SAFETY_FLAG] if flagged else [],
        reasons=reasons,
        dangers=dangers,
        misconduct=misconduct,
    )
    return response if response.crisis else None


def _answered_after(summaries: tuple[InstrumentSummary, ...], checkup: Checkup) -> bool:
    done = checkup.completed_at.date() if checkup.completed_at else None
    if done is None:
        return False
    return any(s.instrument in RISK_INSTRUMENTS and s.latest_date > done for s in summaries)


def save_note(person: Person, text: str, version: int) -> tuple[bool, ReportNote]:
    """Save the note unless it changed since the form was shown. (saved?, note)."""
    note, _ = ReportNote.objects.select_for_update().get_or_create(person=person)
    if note.text == text:
        return True, note  # a repeat of what is saved: nothing to do
    if note.version != version:
        return False, note
    note.text = text
    note.version += 1
    note.save()
    return True, note
