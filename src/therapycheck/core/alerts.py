"""Alerts for a clinician: which clients to look at first, by published rules.

    client_alerts(measures, today=date.today(), due_every_days=7, models={"phq9": model})

Every alert names its rule and the rules' version (data/alerts.yaml), so a clinic can read
why it was raised. The kinds, most urgent first:

- `risk`: a safety item answered above 0 (PHQ-9 item 9, CORE-10 item 6). Never hidden,
  never merged: one alert per answer.
- `reliable_deterioration`: a series is reliably worse than at the start, or got reliably
  worse along the way (core.change).
- `not_on_track`: a series is `not_improving` (core.change, judged by session: off the
  expected-response range where a model is fitted, else no reliable change after the
  review point, with room to improve).
- `alliance_drop`: the latest WAI-SR is low, or fell clearly from the one before.
- `overdue`: no measure for longer than the agreed interval.

Pure functions over the client's scored measures; the web's clinic mode stores them.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from therapycheck.core.change import REVIEW_AFTER_SESSIONS, Point, SeriesStatus
from therapycheck.core.citations import check_cited
from therapycheck.core.datafile import load_mapping
from therapycheck.core.instruments import get_instrument
from therapycheck.core.trajectory import ExpectedResponseModel, series_progress

AlertKind = Literal["risk", "reliable_deterioration", "not_on_track", "alliance_drop", "overdue"]
# Most urgent first: the order alerts are listed in.
ALERT_KINDS: tuple[AlertKind, ...] = (
    "risk",
    "reliable_deterioration",
    "not_on_track",
    "alliance_drop",
    "overdue",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _AllianceRule(_Strict):
    instrument: str
    low_total: int = Field(ge=0)
    drop_points: int = Field(ge=1)
    sources: tuple[str, ...] = Field(min_length=1)


class _OverdueRule(_Strict):
    grace_days: int = Field(ge=0)


class _AlertFile(_Strict):
    version: int = Field(ge=1)
    alliance: _AllianceRule
    overdue: _OverdueRule


@cache
def rules() -> _AlertFile:
    data = _AlertFile.model_validate(load_mapping("therapycheck.core.data", "alerts.yaml"))
    check_cited(data.alliance.sources, "alerts.yaml alliance")
    return data


@dataclass(frozen=True)
class Measured:
    """One scored questionnaire of a client (as stored: instrument, session, date, total)."""

    instrument: str
    session: int
    date: datetime.date | None
    total: float
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    # The rule that raised it ("alerts.yaml#alliance.low_total", "core.change:not_improving").
    rule: str
    version: int
    instrument: str | None
    session: int | None
    date: datetime.date | None
    # For the clinician, in plain words, with the numbers behind it.
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rule": self.rule,
            "version": self.version,
            "instrument": self.instrument,
            "session": self.session,
            "date": self.date.isoformat() if self.date else None,
            "reason": self.reason,
        }


def client_alerts(
    measures: Sequence[Measured],
    *,
    today: datetime.date,
    due_every_days: int | None = None,
    models: Mapping[str, ExpectedResponseModel] | None = None,
    statuses: Mapping[str, SeriesStatus] | None = None,
) -> tuple[Alert, ...]:
    """The client's alerts, most urgent first (risk always first).

    `statuses`: the series statuses already worked out for these measures (by instrument,
    with the same models), so a caseload does not judge each series twice.
    """
    found = [*_risk(measures)]
    for instrument, series in _by_instrument(measures).items():
        status = (statuses or {}).get(instrument)
        if status is None:
            status, _ = series_progress(instrument, series, (models or {}).get(instrument))
        found += _series_alerts(status)
    found += _alliance(measures)
    found += _overdue(measures, today, due_every_days)
    return tuple(sorted(found, key=lambda a: ALERT_KINDS.index(a.kind)))


def _by_instrument(measures: Sequence[Measured]) -> dict[str, list[Point]]:
    series: dict[str, list[Point]] = {}
    for m in sorted(measures, key=lambda m: m.session):
        series.setdefault(m.instrument, []).append(Point(m.session, m.total, m.date))
    return series


def _risk(measures: Sequence[Measured]) -> list[Alert]:
    version = rules().version
    return [
        Alert(
            kind="risk",
            rule="core.scoring:safety",
            version=version,
            instrument=m.instrument,
            session=m.session,
            date=m.date,
            reason=(
                f"A safety item on the {get_instrument(m.instrument).short_name} at session "
                f"{m.session} was answered above zero."
            ),
        )
        for m in measures
        if "safety" in m.flags
    ]


def _series_alerts(status: SeriesStatus) -> list[Alert]:
    version = rules().version
    latest = status.latest
    alerts: list[Alert] = []
    if status.status == "deteriorated" or status.setback is not None:
        worse = status.status == "deteriorated"
        alerts.append(
            Alert(
                "reliable_deterioration",
                "core.change:deteriorated" if worse else "core.change:setback",
                version,
                status.instrument,
                latest.session,
                latest.date,
                _worse_reason(status) if worse else _setback_reason(status),
            )
        )
    if status.status == "not_improving":
        alerts.append(
            Alert(
                "not_on_track",
                "core.change:not_improving",
                version,
                status.instrument,
                latest.session,
                latest.date,
                _not_on_track_reason(status),
            )
        )
    return alerts


# Reasons for the clinician, in the third person with the numbers (the client's own
# progress page explains the same status to them in the second person).


def _span(status: SeriesStatus) -> str:
    name = get_instrument(status.instrument).short_name
    first, latest = status.first, status.latest
    return (
        f"{name} {_num(first.score)} at session {first.session} to "
        f"{_num(latest.score)} at session {latest.session}"
    )


def _needs(status: SeriesStatus) -> str:
    bar = status.numbers.get("threshold")
    return f" (a reliable change is {_num(float(bar))} points)" if bar is not None else ""


def _worse_reason(status: SeriesStatus) -> str:
    return f"{_span(status)}: reliably worse than at the start{_needs(status)}."


def _setback_reason(status: SeriesStatus) -> str:
    setback = status.setback
    assert setback is not None
    name = get_instrument(status.instrument).short_name
    latest = status.latest
    return (
        f"{name} {_num(setback.before.score)} at session {setback.before.session} to "
        f"{_num(setback.after.score)} at session {setback.after.session}: reliably worse "
        f"along the way{_needs(status)}; latest {_num(latest.score)} at session "
        f"{latest.session}."
    )


def _not_on_track_reason(status: SeriesStatus) -> str:
    sessions = status.numbers.get("sessions")
    if isinstance(sessions, int) and sessions < REVIEW_AFTER_SESSIONS:
        # Before the review point only the expected-response model makes a series
        # not_improving (core.change._status).
        why = "outside the range similar clients usually reach by now (expected-response model)"
    else:
        why = (
            f"no reliable change after {sessions} sessions (review point: session "
            f"{REVIEW_AFTER_SESSIONS}), with room to improve"
        )
    return f"{_span(status)}: {why}{_needs(status)}."


def _alliance(measures: Sequence[Measured]) -> list[Alert]:
    rule = rules().alliance
    series = sorted(
        (m for m in measures if m.instrument == rule.instrument), key=lambda m: m.session
    )
    if not series:
        return []
    latest = series[-1]
    name = get_instrument(rule.instrument).short_name
    alerts: list[Alert] = []
    if latest.total <= rule.low_total:
        alerts.append(
            Alert(
                "alliance_drop",
                "alerts.yaml#alliance.low_total",
                rules().version,
                rule.instrument,
                latest.session,
                latest.date,
                f"The latest {name} total is {_num(latest.total)} (session {latest.session}), "
                f"at or below {rule.low_total}.",
            )
        )
    if len(series) > 1 and series[-2].total - latest.total >= rule.drop_points:
        before = series[-2]
        alerts.append(
            Alert(
                "alliance_drop",
                "alerts.yaml#alliance.drop_points",
                rules().version,
                rule.instrument,
                latest.session,
                latest.date,
                f"The {name} total fell from {_num(before.total)} at session {before.session} "
                f"to {_num(latest.total)} at session {latest.session}, a fall of "
                f"{rule.drop_points} points or more.",
            )
        )
    return alerts


def _overdue(
    measures: Sequence[Measured], today: datetime.date, due_every_days: int | None
) -> list[Alert]:
    dated = [m.date for m in measures if m.date is not None]
    if due_every_days is None or not dated:
        return []
    last = max(dated)
    late = (today - last).days - due_every_days
    if late <= rules().overdue.grace_days:
        return []
    return [
        Alert(
            "overdue",
            "alerts.yaml#overdue.grace_days",
            rules().version,
            None,
            None,
            last,
            f"No measure since {_long_date(last)}: {late} days past the agreed interval of "
            f"{due_every_days} days.",
        )
    ]


def _long_date(day: datetime.date) -> str:
    """The app's one date format, "5 December 2026" (as web/pages/templatetags/dates.py)."""
    return f"{day.day} {day:%B %Y}"


def _num(value: float) -> str:
    return f"{value:g}"
