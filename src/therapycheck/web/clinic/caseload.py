"""The caseload: each client a user may see, with their latest scores, status and alerts.

    rows = caseload(user, today=date.today())

One query for the links, one for all the shared measurements (never one per client), then
the pure functions of core: `core.trajectory.series_progress` for each series' status (the
same as the client's own progress page) and `core.alerts.client_alerts` for the alerts.
Clients with the most urgent alert come first; a risk answer is never hidden.
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
from therapycheck.core.trajectory import ExpectedResponseModel, series_progress
from therapycheck.web.accounts.models import Person
from therapycheck.web.clinic.access import visible_links
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


@dataclass(frozen=True)
class CaseloadRow:
    person: Person
    # The clinicians through whom the user sees this client (a supervisor may see several).
    clinicians: tuple[str, ...]
    shares_measures: bool
    shares_checkups: bool
    series: tuple[SeriesSummary, ...] = ()
    alerts: tuple[Alert, ...] = ()
    last_measured: datetime.date | None = None
    measured: tuple[Measured, ...] = field(default=(), repr=False)

    @property
    def urgency(self) -> int:
        """Index of the most urgent alert kind (lower is more urgent); len(kinds) if none."""
        if not self.alerts:
            return len(ALERT_KINDS)
        return min(ALERT_KINDS.index(alert.kind) for alert in self.alerts)

    @property
    def has_risk(self) -> bool:
        return any(alert.kind == "risk" for alert in self.alerts)


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
    rows = []
    for person_links in by_person.values():
        person = person_links[0].person
        assert person is not None
        rows.append(
            _row(
                person,
                person_links,
                measurements.get(person.pk, []),
                today=today,
                due_every_days=due_every_days,
                models=models,
            )
        )
    rows.sort(key=lambda row: (row.urgency, str(row.person.display_name).lower(), row.person.pk))
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
    return CaseloadRow(
        person=person,
        clinicians=tuple(sorted({link.clinician.display_name for link in links})),
        shares_measures=shares_measures,
        shares_checkups=any(link.share_checkups for link in links),
        series=_series(measurements, models),
        alerts=client_alerts(measured, today=today, due_every_days=due_every_days, models=models)
        if shares_measures
        else (),
        last_measured=max((m.taken_on for m in measurements), default=None),
        measured=measured,
    )


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
