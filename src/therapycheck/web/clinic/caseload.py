"""The caseload: each client a user may see, with their latest scores, status and alerts.

    rows = caseload(user, today=date.today())

One query for the links, one for all the shared measurements, one for the check-up risk
answers and one for what clinicians did about alerts (never one per client), then the pure
functions of core: `core.trajectory.series_progress` for each series' status (the same as
the client's own progress page) and `core.alerts.client_alerts` for the alerts.
Clients with the most urgent open alert come first; a risk answer is never hidden: an
acknowledged one stays open until resolved, a resolved one is listed as resolved.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from therapycheck.core.alerts import ALERT_KINDS, Alert, Measured, client_alerts
from therapycheck.core.change import Point, SeriesStatus
from therapycheck.core.instruments import get_instrument
from therapycheck.core.safety import SAFETY_FLAG, SafetyResponse, safety_response
from therapycheck.core.trajectory import ExpectedResponseModel, series_progress
from therapycheck.web.accounts.models import Person, SafetyEvent
from therapycheck.web.clinic.access import visible_links
from therapycheck.web.clinic.alert_states import (
    AlertItem,
    alert_key,
    checkup_alert,
    checkup_events_of,
    checkup_key,
    items_for,
    states_of,
)
from therapycheck.web.clinic.models import AlertState
from therapycheck.web.sharing.models import CareLink
from therapycheck.web.tracking.models import Measurement


@dataclass(frozen=True)
class SeriesSummary:
    instrument: str
    name: str
    latest_total: float
    latest_session: int
    latest_date: datetime.date | None
    band: str
    status: SeriesStatus
    # Totals in session order, for a small trend line.
    totals: tuple[float, ...]

    @property
    def trend_text(self) -> str:
        """The last few totals in words ("18, 17, 15"), oldest first."""
        shown = self.totals[-6:]
        words = ", ".join(f"{t:g}" for t in shown)
        return f"earlier scores left out; {words}" if len(self.totals) > len(shown) else words

    @property
    def sparkline(self) -> str:
        """SVG polyline points for the totals, on a 0-100 by 0-24 box (higher score up)."""
        if len(self.totals) < 2:
            return ""
        inst = get_instrument(self.instrument)
        span = (inst.max - inst.min) or 1
        step = 100 / (len(self.totals) - 1)
        return " ".join(
            f"{i * step:.1f},{22 - (t - inst.min) / span * 20:.1f}"
            for i, t in enumerate(self.totals)
        )


@dataclass(frozen=True)
class CaseloadRow:
    person: Person
    # The clinicians through whom the user sees this client (a supervisor may see several).
    clinicians: tuple[str, ...]
    shares_measures: bool
    shares_checkups: bool
    series: tuple[SeriesSummary, ...] = ()
    # Every alert the client's shared answers raise now, most urgent first (check-up risk
    # answers included when check-ups are shared).
    alerts: tuple[Alert, ...] = ()
    last_measured: datetime.date | None = None
    measured: tuple[Measured, ...] = field(default=(), repr=False)
    # The same alerts with what clinicians did: open ones (acknowledged risk alerts
    # included) and resolved ones.
    open_alerts: tuple[AlertItem, ...] = ()
    resolved_alerts: tuple[AlertItem, ...] = ()

    @property
    def urgency(self) -> int:
        """Index of the most urgent open alert kind (lower is more urgent); len(kinds) if none."""
        if not self.open_alerts:
            return len(ALERT_KINDS)
        return min(ALERT_KINDS.index(item.alert.kind) for item in self.open_alerts)

    @property
    def has_risk(self) -> bool:
        return any(item.alert.kind == "risk" for item in self.open_alerts)

    @property
    def crisis(self) -> SafetyResponse | None:
        """The crisis response for the client's country while a risk alert is open."""
        if not self.has_risk:
            return None
        return safety_response(flags=[SAFETY_FLAG], country=self.person.country)

    @property
    def has_unacknowledged_risk(self) -> bool:
        return any(item.alert.kind == "risk" and not item.acknowledged for item in self.open_alerts)

    @property
    def not_on_track(self) -> bool:
        return any(item.alert.kind == "not_on_track" for item in self.open_alerts)


def caseload(
    user: Any,
    *,
    today: datetime.date,
    due_every_days: int | None = None,
    models: Mapping[str, ExpectedResponseModel] | None = None,
) -> list[CaseloadRow]:
    links = list(visible_links(user).select_related("person", "clinician"))
    by_person: dict[int, list[CareLink]] = defaultdict(list)
    for link in links:
        if link.person_id is not None:
            by_person[link.person_id].append(link)
    sharing = [pid for pid, ls in by_person.items() if any(lk.share_measures for lk in ls)]
    measurements = _measurements_of(sharing)
    checkups = checkup_events_of(
        pid for pid, ls in by_person.items() if any(lk.share_checkups for lk in ls)
    )
    states = states_of(by_person) if by_person else {}
    rows = []
    for person_links in by_person.values():
        person = person_links[0].person
        assert person is not None
        rows.append(
            _row(
                person,
                person_links,
                measurements.get(person.pk, []),
                checkups.get(person.pk, []),
                states.get(person.pk, {}),
                today=today,
                due_every_days=due_every_days,
                models=models,
            )
        )
    rows.sort(
        key=lambda row: (
            row.urgency,
            not row.has_unacknowledged_risk,
            str(row.person.display_name).lower(),
            row.person.pk,
        )
    )
    return rows


def _measurements_of(person_ids: Sequence[int]) -> dict[int, list[Measurement]]:
    found: dict[int, list[Measurement]] = defaultdict(list)
    if not person_ids:
        return found
    rows = Measurement.objects.filter(person_id__in=person_ids).only(
        "person_id", "instrument", "session_number", "taken_on", "total", "band", "flags"
    )
    for measurement in rows.order_by("person_id", "instrument", "session_number"):
        found[measurement.person_id].append(measurement)
    return found


def _row(
    person: Person,
    links: list[CareLink],
    measurements: list[Measurement],
    checkup_events: list[SafetyEvent],
    states: dict[str, AlertState],
    *,
    today: datetime.date,
    due_every_days: int | None,
    models: Mapping[str, ExpectedResponseModel] | None,
) -> CaseloadRow:
    shares_measures = any(link.share_measures for link in links)
    measured = tuple(
        Measured(
            instrument=m.instrument,
            session=m.session_number,
            date=m.taken_on,
            total=m.total,
            flags=tuple(m.flags or ()),
        )
        for m in measurements
    )
    shares_checkups = any(link.share_checkups for link in links)
    series = _series(measurements, models)
    keyed = keyed_alerts(
        measured if shares_measures else (),
        checkup_events if shares_checkups else (),
        today=today,
        due_every_days=due_every_days,
        models=models,
        statuses={s.instrument: s.status for s in series},
    )
    items = items_for(keyed, states)
    return CaseloadRow(
        person=person,
        clinicians=tuple(sorted({link.clinician.display_name for link in links})),
        shares_measures=shares_measures,
        shares_checkups=shares_checkups,
        series=series,
        alerts=tuple(alert for alert, _ in keyed),
        last_measured=max((m.taken_on for m in measurements), default=None),
        measured=measured,
        open_alerts=tuple(item for item in items if not item.resolved),
        resolved_alerts=tuple(item for item in items if item.resolved),
    )


def keyed_alerts(
    measured: Sequence[Measured],
    checkup_events: Sequence[SafetyEvent],
    *,
    today: datetime.date,
    due_every_days: int | None,
    models: Mapping[str, ExpectedResponseModel] | None,
    statuses: Mapping[str, SeriesStatus] | None = None,
) -> list[tuple[Alert, str]]:
    """A client's alerts with their identities, most urgent first: risk answers from
    questionnaires and from check-ups, then the rest (core.alerts)."""
    found = (
        [
            (alert, alert_key(alert))
            for alert in client_alerts(
                measured,
                today=today,
                due_every_days=due_every_days,
                models=models,
                statuses=statuses,
            )
        ]
        if measured
        else []
    )
    found += [(checkup_alert(event), checkup_key(event.pk)) for event in checkup_events]
    # A stable sort keeps core's order within a kind; check-up risks join the risks.
    found.sort(key=lambda pair: ALERT_KINDS.index(pair[0].kind))
    return found


def _series(
    measurements: list[Measurement], models: Mapping[str, ExpectedResponseModel] | None
) -> tuple[SeriesSummary, ...]:
    grouped: dict[str, list[Measurement]] = defaultdict(list)
    for m in measurements:
        grouped[m.instrument].append(m)
    summaries = []
    for instrument, series in sorted(grouped.items()):
        points = [Point(m.session_number, m.total, m.taken_on) for m in series]
        status, _ = series_progress(instrument, points, (models or {}).get(instrument))
        latest = series[-1]
        summaries.append(
            SeriesSummary(
                instrument=instrument,
                name=get_instrument(instrument).short_name,
                latest_total=latest.total,
                latest_session=latest.session_number,
                latest_date=latest.taken_on,
                band=latest.band,
                status=status,
                totals=tuple(m.total for m in series),
            )
        )
    return tuple(summaries)
