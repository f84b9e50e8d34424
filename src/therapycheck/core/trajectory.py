"""Expected-response model: how people who started at a similar level usually progress.

Idea (Finch et al. 2001; Lambert's "not on track" feedback): fit, from a service's own
data, the usual path of scores over sessions for clients who started at a similar
severity, with a tolerance range per session. A client whose score is worse than the
range of similar clients at the same session is flagged "not on track", early enough
for the client and therapist to change something.

The model, per intake-severity stratum (the instrument's band at the first session):

    score(t) = intake + log(t) * (b + c * (intake - intake_mean)) + residual

where t counts sessions from intake (t = 1 is the intake session, so the curve starts at
the person's own intake score: a per-client intercept). `b` is the usual change per unit
of log(session); `c` lets people who start higher within the band improve faster, which
is what regression to the mean and real response both produce. Both are fitted by
ordinary least squares on all later scores. The tolerance range is EMPIRICAL: the 10th,
50th and 90th percentiles of the residuals at each session.

Small-sample rules (documented in docs/measurement.md):
- A stratum needs MIN_CLIENTS_PER_STRATUM clients with at least two scores to get its
  own curve; smaller strata use the pooled "all" stratum fitted on every client.
- A session's percentiles come from a 3-session window (t-1, t, t+1) to smooth them;
  while the window holds fewer than MIN_RESIDUALS_PER_SESSION residuals it widens
  (t-2..t+2, t-3..t+3, ...) until it has enough.
- Beyond the last session seen in the data the curve is extrapolated and the last
  session's percentiles are carried forward.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from therapycheck.core.change import (
    Measure,
    Point,
    SeriesStatus,
    resolve,
    series_status,
    sort_points,
)

MODEL_KIND = "therapycheck.expected_response"
MODEL_VERSION = 1
PERCENTILES = (10.0, 50.0, 90.0)
MIN_CLIENTS_PER_STRATUM = 30
MIN_RESIDUALS_PER_SESSION = 20
POOLED_STRATUM = "all"
FORMULA = "score(t) = intake + log(t) * (b + c * (intake - intake_mean)) + residual"

ClassificationStatus = Literal["on_track", "not_on_track", "insufficient_data"]

# (client_id, session, score) for one instrument.
Row = tuple[str, int, float]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SessionBand(_Doc):
    """Residual percentiles at one session (t counted from intake, t >= 2)."""

    session: int = Field(ge=2)
    n: int = Field(ge=0)
    n_pooled: int = Field(ge=1)
    low: float
    median: float
    high: float


class Stratum(_Doc):
    id: str
    intake_min: float | None
    intake_max: float | None
    n_clients: int = Field(ge=1)
    intake_mean: float
    b: float
    c: float
    sessions: tuple[SessionBand, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consecutive_sessions(self) -> Stratum:
        numbers = [band.session for band in self.sessions]
        if numbers != list(range(2, 2 + len(numbers))):
            raise ValueError("sessions must run 2, 3, 4, ... without gaps")
        return self


class InstrumentInfo(_Doc):
    id: str
    min: float
    max: float
    higher_is_better: bool


class ModelDocument(_Doc):
    kind: Literal["therapycheck.expected_response"]
    version: Literal[1]
    instrument: InstrumentInfo
    synthetic: bool
    formula: str
    percentiles: tuple[float, float, float]
    min_clients_per_stratum: int
    min_residuals_per_session: int
    n_clients: int
    n_rows: int
    strata: tuple[Stratum, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _pooled_first(self) -> ModelDocument:
        if self.strata[0].id != POOLED_STRATUM:
            raise ValueError(f"the first stratum must be the pooled {POOLED_STRATUM!r} one")
        return self


@dataclass(frozen=True)
class SessionRange:
    """The usual range at one session, on the client's own session numbering."""

    session: int
    low: float
    median: float
    high: float

    def to_dict(self) -> dict[str, float | int]:
        return {"session": self.session, "low": self.low, "median": self.median, "high": self.high}


@dataclass(frozen=True)
class Classification:
    status: ClassificationStatus
    session: int | None
    score: float | None
    expected_low: float | None
    expected_median: float | None
    expected_high: float | None
    explanation: str
    ranges: list[SessionRange]
    stratum: str | None
    synthetic: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "session": self.session,
            "score": self.score,
            "expected_low": self.expected_low,
            "expected_median": self.expected_median,
            "expected_high": self.expected_high,
            "explanation": self.explanation,
            "ranges": [r.to_dict() for r in self.ranges],
            "stratum": self.stratum,
            "synthetic": self.synthetic,
        }


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile (the usual "type 7"), q in [0, 1]."""
    if not sorted_values:
        raise ValueError("no values")
    position = q * (len(sorted_values) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    weight = position - lower
    return sorted_values[lower] * (1 - weight) + sorted_values[upper] * weight


# One later score: (t, intake, score). A plain tuple: fitting makes one per row.
_Obs = tuple[int, float, float]


@dataclass(frozen=True)
class _Client:
    intake: float
    later: tuple[tuple[int, float], ...]


def _clients(rows: Iterable[Row], measure: Measure) -> tuple[dict[str, _Client], int]:
    series: dict[str, dict[int, float]] = defaultdict(dict)
    n_rows = 0
    # Read once: the registry computes the range from the items on every access.
    lowest, highest = measure.min, measure.max
    for client_id, session, score in rows:
        n_rows += 1
        if not lowest <= score <= highest:
            raise ValueError(
                f"client {client_id} session {session}: score {score} is outside the "
                f"{measure.id} range {lowest}-{highest}"
            )
        known = series[client_id].get(session)
        if known is not None and known != score:
            raise ValueError(f"client {client_id} has two different scores at session {session}")
        series[client_id][session] = score
    clients: dict[str, _Client] = {}
    for client_id, by_session in series.items():
        sessions = sorted(by_session)
        first = sessions[0]
        later = tuple((s - first + 1, by_session[s]) for s in sessions[1:])
        if later:
            clients[client_id] = _Client(intake=by_session[first], later=later)
    return clients, n_rows


def _solve_slopes(obs: Sequence[_Obs], intake_mean: float) -> tuple[float, float]:
    """Least squares for y = L*b + L*d*c, with L = log t, d = intake - mean, y = score - intake."""
    sll = slld = slldd = sly = slyd = 0.0
    for t, intake, score in obs:
        log_t, d, y = math.log(t), intake - intake_mean, score - intake
        sll += log_t * log_t
        slld += log_t * log_t * d
        slldd += log_t * log_t * d * d
        sly += log_t * y
        slyd += log_t * y * d
    det = sll * slldd - slld * slld
    if sll == 0:
        return 0.0, 0.0
    if abs(det) <= 1e-9 * max(1.0, sll * slldd):
        # Every client started at the same score: no spread to learn `c` from.
        return sly / sll, 0.0
    b = (sly * slldd - slld * slyd) / det
    c = (sll * slyd - slld * sly) / det
    return b, c


def _session_bands(residuals: Mapping[int, list[float]]) -> tuple[SessionBand, ...]:
    if not residuals:
        return ()
    last = max(residuals)
    total = sum(len(v) for v in residuals.values())
    need = min(MIN_RESIDUALS_PER_SESSION, total)
    bands = []
    for t in range(2, last + 1):
        # Always pool the neighbouring sessions too: a 3-session moving window smooths
        # the jagged edges that percentiles of one session's residuals would have.
        pooled = [r for s in (t - 1, t, t + 1) for r in residuals.get(s, [])]
        width = 1
        while len(pooled) < need:
            width += 1
            for neighbour in (t - width, t + width):
                pooled.extend(residuals.get(neighbour, []))
        pooled.sort()
        low, median, high = (quantile(pooled, p / 100) for p in PERCENTILES)
        bands.append(
            SessionBand(
                session=t,
                n=len(residuals.get(t, [])),
                n_pooled=len(pooled),
                low=low,
                median=median,
                high=high,
            )
        )
    return tuple(bands)


def _fit_stratum(
    stratum_id: str,
    clients: Sequence[_Client],
    intake_range: tuple[float | None, float | None],
) -> Stratum:
    intake_mean = sum(c.intake for c in clients) / len(clients)
    obs = [(t, client.intake, score) for client in clients for t, score in client.later]
    b, c = _solve_slopes(obs, intake_mean)
    residuals: dict[int, list[float]] = defaultdict(list)
    for t, intake, score in obs:
        predicted = math.log(t) * (b + c * (intake - intake_mean))
        residuals[t].append(score - intake - predicted)
    return Stratum(
        id=stratum_id,
        intake_min=intake_range[0],
        intake_max=intake_range[1],
        n_clients=len(clients),
        intake_mean=intake_mean,
        b=b,
        c=c,
        sessions=_session_bands(residuals),
    )


def _band_key(measure: Measure, intake: float) -> tuple[str, float, float] | None:
    band = measure.band_for(intake)
    if band is None:
        return None
    return band.label, band.min, band.max


class ExpectedResponseModel:
    """Usual progress of similar clients, fitted from data; see the module docstring."""

    def __init__(self, document: ModelDocument) -> None:
        self.document = document

    @property
    def instrument(self) -> str:
        return self.document.instrument.id

    @property
    def synthetic(self) -> bool:
        return self.document.synthetic

    @classmethod
    def fit(
        cls, rows: Iterable[Row], instrument: Measure | str, *, synthetic: bool = False
    ) -> ExpectedResponseModel:
        """Fit from (client_id, session, score) rows of one instrument."""
        measure = resolve(instrument)
        clients, n_rows = _clients(rows, measure)
        if len(clients) < MIN_CLIENTS_PER_STRATUM:
            raise ValueError(
                f"need at least {MIN_CLIENTS_PER_STRATUM} clients with two or more scores "
                f"to fit a model, found {len(clients)}"
            )
        strata = [_fit_stratum(POOLED_STRATUM, list(clients.values()), (None, None))]
        by_band: dict[tuple[str, float, float], list[_Client]] = defaultdict(list)
        band_of: dict[float, tuple[str, float, float] | None] = {}
        for client in clients.values():
            if client.intake not in band_of:
                band_of[client.intake] = _band_key(measure, client.intake)
            key = band_of[client.intake]
            if key is not None:
                by_band[key].append(client)
        for (label, low, high), members in sorted(by_band.items(), key=lambda kv: kv[0][1]):
            if len(members) >= MIN_CLIENTS_PER_STRATUM:
                strata.append(_fit_stratum(label, members, (low, high)))
        document = ModelDocument(
            kind=MODEL_KIND,
            version=MODEL_VERSION,
            instrument=InstrumentInfo(
                id=measure.id,
                min=measure.min,
                max=measure.max,
                higher_is_better=measure.higher_is_better,
            ),
            synthetic=synthetic,
            formula=FORMULA,
            percentiles=PERCENTILES,
            min_clients_per_stratum=MIN_CLIENTS_PER_STRATUM,
            min_residuals_per_session=MIN_RESIDUALS_PER_SESSION,
            n_clients=len(clients),
            n_rows=n_rows,
            strata=tuple(strata),
        )
        return cls(document)

    def to_json(self) -> dict[str, Any]:
        """The model as a JSON-ready document (see ModelDocument for the shape)."""
        return self.document.model_dump(mode="json")

    @classmethod
    def from_json(cls, document: Mapping[str, Any] | str) -> ExpectedResponseModel:
        """Load a model document; a malformed one raises ValueError with the reason."""
        try:
            if isinstance(document, str):
                parsed = ModelDocument.model_validate_json(document)
            else:
                parsed = ModelDocument.model_validate(dict(document))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "document"
            raise ValueError(
                f"not a valid expected-response model: {where}: {first['msg']}"
            ) from exc
        return cls(parsed)

    def stratum_for(self, intake: float) -> Stratum:
        pooled = self.document.strata[0]
        for stratum in self.document.strata:
            low, high = stratum.intake_min, stratum.intake_max
            if low is not None and high is not None and low <= intake <= high:
                return stratum
        return pooled

    def expected(self, intake_score: float, session: int) -> tuple[float, float, float]:
        """(low, median, high) expected at `session`, counted from intake (1 = intake)."""
        info = self.document.instrument
        if not info.min <= intake_score <= info.max:
            raise ValueError(f"intake score {intake_score} is outside {info.min}-{info.max}")
        if session < 1:
            raise ValueError("session is counted from intake and starts at 1")
        if session == 1:
            return intake_score, intake_score, intake_score
        stratum = self.stratum_for(intake_score)
        band = _band_at(stratum, session)
        curve = intake_score + math.log(session) * (
            stratum.b + stratum.c * (intake_score - stratum.intake_mean)
        )
        low, median, high = (
            round(min(info.max, max(info.min, curve + offset)), 2)
            for offset in (band.low, band.median, band.high)
        )
        return low, median, high

    def classify(self, points: Sequence[Point]) -> Classification:
        """Is the latest score within the usual range of similar clients at that session?"""
        ordered = sort_points(points)
        if len(ordered) < 2:
            return self._insufficient(ordered)
        first, latest = ordered[0], ordered[-1]
        t = latest.session - first.session + 1
        low, median, high = self.expected(first.score, t)
        stratum = self.stratum_for(first.score)
        off_track = latest.score < low if self._higher_is_better else latest.score > high
        status: ClassificationStatus = "not_on_track" if off_track else "on_track"
        return Classification(
            status=status,
            session=latest.session,
            score=latest.score,
            expected_low=low,
            expected_median=median,
            expected_high=high,
            explanation=self._explain(status, latest, low, high),
            ranges=self._ranges(first, max(t, stratum.sessions[-1].session)),
            stratum=stratum.id,
            synthetic=self.synthetic,
        )

    @property
    def _higher_is_better(self) -> bool:
        return self.document.instrument.higher_is_better

    def _ranges(self, first: Point, last_t: int) -> list[SessionRange]:
        ranges = []
        for t in range(1, last_t + 1):
            low, median, high = self.expected(first.score, t)
            ranges.append(SessionRange(first.session + t - 1, low, median, high))
        return ranges

    def _insufficient(self, ordered: list[Point]) -> Classification:
        latest = ordered[-1] if ordered else None
        return Classification(
            status="insufficient_data",
            session=latest.session if latest else None,
            score=latest.score if latest else None,
            expected_low=None,
            expected_median=None,
            expected_high=None,
            explanation=(
                "There is only one score so far. After your next score we can compare "
                "your progress with people who started at a similar level."
            ),
            ranges=[],
            stratum=None,
            synthetic=self.synthetic,
        )

    def _explain(self, status: ClassificationStatus, latest: Point, low: float, high: float) -> str:
        usual = f"{low:.0f} to {high:.0f}"
        where = f"At session {latest.session}, your score ({latest.score:g})"
        if status == "on_track":
            text = (
                f"{where} is within the usual range for people who started at a similar "
                f"level ({usual}). Ups and downs along the way are normal."
            )
        else:
            side = "lower" if self._higher_is_better else "higher"
            text = (
                f"{where} is {side} than about 9 in 10 people who started at a similar level "
                f"had by this point (their usual range: {usual}). This does not mean therapy "
                "cannot work for you. It is an early signal that something may need to change. "
                "It helps to look at what might be in the way: the working relationship, your "
                "goals, the support you have and what is going on in your life."
            )
        if self.synthetic:
            text += (
                " Note: this comparison was built from made-up practice data, not real "
                "clients, so treat it as a demonstration."
            )
        return text


def series_progress(
    instrument: Measure | str,
    points: Sequence[Point],
    model: ExpectedResponseModel | None = None,
) -> tuple[SeriesStatus, Classification | None]:
    """A series' status and, where a model for this instrument is fitted, its comparison.

    The one way the progress page, the report and `therapycheck progress` judge a series,
    so they always agree: the comparison feeds the status (core.change.series_status), and
    a model for another instrument is not used.
    """
    measure = resolve(instrument)
    classification = None
    if model is not None and model.instrument == measure.id and points:
        classification = model.classify(points)
    return series_status(measure, points, classification), classification


def _band_at(stratum: Stratum, t: int) -> SessionBand:
    bands = stratum.sessions
    index = min(t - 2, len(bands) - 1)
    return bands[index]
