"""What a clinician sees of one client: only what the client shares, risk answers first.

    record = client_record(user, person, today=..., models=...)

Access is decided by clinic/access.py alone; this module gathers what it allows:
the measures (a chart and a table per questionnaire, judged like the caseload), the
finished check-ups' findings, the journal entries the client picked, and every risk
alert (questionnaire or check-up) with the crisis lines of the client's country.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.safestring import SafeString, mark_safe

from therapycheck.core.alerts import Measured
from therapycheck.core.change import Point, SeriesStatus
from therapycheck.core.checkup.model import SEVERITY_LABELS
from therapycheck.core.instruments import get_instrument
from therapycheck.core.instruments.schema import Instrument
from therapycheck.core.plan import factor_label
from therapycheck.core.safety import DANGERS, SAFETY_FLAG, Danger, SafetyResponse, safety_response
from therapycheck.core.trajectory import ExpectedResponseModel, series_progress
from therapycheck.web.accounts.models import Person, SafetyEvent
from therapycheck.web.checkups.models import Checkup
from therapycheck.web.clinic import access
from therapycheck.web.clinic.alert_states import (
    AlertItem,
    checkup_events_of,
    items_for,
    states_of,
)
from therapycheck.web.clinic.caseload import keyed_alerts
from therapycheck.web.tracking.charts import screen_charts_html
from therapycheck.web.tracking.models import JournalEntry, Measurement


@dataclass(frozen=True)
class ScoreRow:
    session: int
    date: datetime.date
    total: float
    band: str
    safety: bool


@dataclass(frozen=True)
class InstrumentRecord:
    instrument: Instrument
    status: SeriesStatus
    svg: SafeString
    rows: tuple[ScoreRow, ...]


@dataclass(frozen=True)
class FindingView:
    factor: str
    label: str
    severity: str
    why: tuple[str, ...]


@dataclass(frozen=True)
class CheckupView:
    checkup: Checkup
    completed_on: datetime.date | None
    readable: bool
    crisis: bool
    findings: tuple[FindingView, ...]


@dataclass
class ClientRecord:
    person: Person
    shares_measures: bool
    shares_checkups: bool
    shares_journal: bool
    open_alerts: tuple[AlertItem, ...] = ()
    resolved_alerts: tuple[AlertItem, ...] = ()
    measures: list[InstrumentRecord] = field(default_factory=list)
    checkups: list[CheckupView] = field(default_factory=list)
    journal: list[JournalEntry] = field(default_factory=list)
    crisis: SafetyResponse | None = None

    @property
    def risk_alerts(self) -> tuple[AlertItem, ...]:
        return tuple(i for i in self.open_alerts if i.alert.kind == "risk")

    @property
    def other_alerts(self) -> tuple[AlertItem, ...]:
        return tuple(i for i in self.open_alerts if i.alert.kind != "risk")

    @property
    def not_on_track(self) -> bool:
        return any(
            i.alert.kind in ("not_on_track", "reliable_deterioration") for i in self.open_alerts
        )

    def shown(self) -> str:
        """What the page showed, for the audit log."""
        parts = []
        if self.shares_measures:
            parts.append("measures")
        if self.shares_checkups:
            parts.append(f"check-up results ({len(self.checkups)})")
        if self.journal:
            parts.append(f"shared journal entries ({len(self.journal)})")
        if self.open_alerts or self.resolved_alerts:
            parts.append("alerts")
        return "Client record: " + (", ".join(parts) if parts else "nothing shared")


def client_record(
    user: object,
    person: Person,
    *,
    today: datetime.date,
    due_every_days: int | None,
    models: Mapping[str, ExpectedResponseModel] | None = None,
) -> ClientRecord:
    record = ClientRecord(
        person=person,
        shares_measures=access.can_see(user, person, "measures"),
        shares_checkups=access.can_see(user, person, "checkups"),
        shares_journal=access.can_see(user, person, "journal"),
    )
    measurements: list[Measurement] = []
    if record.shares_measures:
        measurements = list(
            Measurement.objects.filter(person=person).order_by("instrument", "session_number")
        )
        record.measures = _measures(measurements, models)
    events = checkup_events_of([person.pk]).get(person.pk, []) if record.shares_checkups else []
    if record.shares_checkups:
        record.checkups = [
            _checkup(c)
            for c in Checkup.objects.filter(
                person=person, status=Checkup.Status.COMPLETED
            ).order_by("-completed_at", "-pk")
        ]
    if record.shares_journal:
        record.journal = list(
            access.shared_journal_entries(user, person).order_by("-entry_date", "-pk")
        )
    measured = [
        Measured(m.instrument, m.session_number, m.taken_on, m.total, tuple(m.flags or ()))
        for m in measurements
    ]
    keyed = keyed_alerts(
        measured, events, today=today, due_every_days=due_every_days, models=models
    )
    items = items_for(keyed, states_of([person.pk]).get(person.pk, {}))
    record.open_alerts = tuple(i for i in items if not i.resolved)
    record.resolved_alerts = tuple(i for i in items if i.resolved)
    risks = [i for i in record.open_alerts if i.alert.kind == "risk"]
    if risks:
        record.crisis = safety_response(
            flags=[SAFETY_FLAG],
            reasons=[i.alert.reason for i in risks],
            dangers=_dangers(events),
            country=person.country,
        )
    return record


def _dangers(events: list[SafetyEvent]) -> list[Danger]:
    """The kinds of danger the check-up answers showed (questionnaire items: unspecified)."""
    named = {str(d) for event in events for d in (event.dangers or ())}
    return [d for d in DANGERS if d in named]


def _measures(
    measurements: list[Measurement], models: Mapping[str, ExpectedResponseModel] | None
) -> list[InstrumentRecord]:
    grouped: dict[str, list[Measurement]] = {}
    for m in measurements:
        grouped.setdefault(m.instrument, []).append(m)
    found = []
    for instrument_id, rows in sorted(grouped.items()):
        try:
            instrument = get_instrument(instrument_id)
        except (KeyError, ValueError):
            continue
        points = [Point(r.session_number, r.total, r.taken_on) for r in rows]
        status, classification = series_progress(
            instrument, points, (models or {}).get(instrument_id)
        )
        svg = screen_charts_html(
            instrument,
            points,
            status=status,
            expected=classification.ranges if classification and classification.ranges else None,
            id_prefix=f"client-chart-{instrument_id}",
        )
        found.append(
            InstrumentRecord(
                instrument=instrument,
                status=status,
                # The chart builder escapes every piece of text it writes.
                svg=mark_safe(svg),
                rows=tuple(
                    ScoreRow(
                        r.session_number, r.taken_on, r.total, r.band, "safety" in (r.flags or ())
                    )
                    for r in rows
                ),
            )
        )
    return found


def _checkup(checkup: Checkup) -> CheckupView:
    result = checkup.stored_result()
    completed = checkup.completed_at.date() if checkup.completed_at else None
    if result is None:
        return CheckupView(checkup, completed, readable=False, crisis=False, findings=())
    return CheckupView(
        checkup,
        completed,
        readable=True,
        crisis=result.crisis,
        findings=tuple(
            FindingView(
                f.factor,
                f.label or factor_label(f.factor),
                SEVERITY_LABELS.get(f.severity, f.severity),
                tuple(f.why),
            )
            for f in result.findings
        ),
    )
