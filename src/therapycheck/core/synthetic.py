"""Synthetic (made-up) score series for demos and tests of the expected-response model.

Nothing here is real client data, and every row says so (`synthetic=True`). The mix of
courses is chosen to look like routine care, not to estimate anything:
- most clients improve along a log-shaped curve (fast early change, then a plateau,
  as in dose-response studies, Howard et al. 1986);
- about 20% do not respond;
- about 8% get worse (5-10% of adults deteriorate in therapy, Hannan et al. 2005);
- each score has measurement noise; scores are whole numbers inside the instrument range.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from therapycheck.core.change import Measure, resolve

DETERIORATOR_SHARE = 0.08
NON_RESPONDER_SHARE = 0.20
# Noise per measurement and intake spread, as fractions of the instrument's range.
NOISE_SD = 0.06
INTAKE_SD = 0.17
# Intake severity (0 = best possible score, 1 = worst) when the instrument has no norms.
DEFAULT_INTAKE_SEVERITY = 0.55
# Sessions by which a responder's improvement is counted (log curve reaches `gain` here).
REFERENCE_SESSION = 12
# The most common course length (NHS Talking Therapies reports means of 7-8 sessions).
TYPICAL_SESSIONS = 8


@dataclass(frozen=True)
class SyntheticRow:
    client_id: str
    session: int
    instrument: str
    score: int
    synthetic: bool = True

    def to_dict(self) -> dict[str, object]:
        return {
            "client_id": self.client_id,
            "session": self.session,
            "instrument": self.instrument,
            "score": self.score,
            "synthetic": self.synthetic,
        }


@dataclass(frozen=True)
class _Scale:
    """The instrument facts the generator needs, read once."""

    id: str
    min: float
    max: float
    higher_is_better: bool
    intake_mean: float
    intake_sd: float
    totals: tuple[float, ...]

    @classmethod
    def of(cls, measure: Measure) -> _Scale:
        # Some scales only reach some totals (WHO-5 moves in steps of 4).
        achievable = getattr(measure, "achievable_totals", None)
        totals = tuple(achievable()) if callable(achievable) else ()
        mean, sd = _intake_severity(measure)
        return cls(measure.id, measure.min, measure.max, measure.higher_is_better, mean, sd, totals)

    def score(self, severity: float) -> int:
        """Severity 0 (best) .. 1 (worst) as a whole-number total on the scale."""
        if self.higher_is_better:
            severity = 1.0 - severity
        value = min(self.max, max(self.min, self.min + severity * (self.max - self.min)))
        if self.totals:
            return int(min(self.totals, key=lambda total: abs(total - value)))
        return round(value)


def _intake_severity(measure: Measure) -> tuple[float, float]:
    """Mean and SD of intake severity: the clinical norms when known, else a default."""
    span = measure.max - measure.min
    norms = measure.norms
    if norms is None or span <= 0:
        return DEFAULT_INTAKE_SEVERITY, INTAKE_SD
    offset = (norms.clinical_mean - measure.min) / span
    mean = 1.0 - offset if measure.higher_is_better else offset
    return mean, norms.clinical_sd / span


def _slope(rng: random.Random, intake: float) -> float:
    """Severity change per unit of log(session); positive means getting better."""
    kind = rng.random()
    log_ref = math.log(REFERENCE_SESSION)
    if kind < DETERIORATOR_SHARE:
        worsening = rng.uniform(0.3, 0.7) * max(0.2, 1.0 - intake)
        return -worsening / log_ref
    if kind < DETERIORATOR_SHARE + NON_RESPONDER_SHARE:
        return rng.gauss(0.0, 0.01)
    return rng.uniform(0.35, 0.85) * intake / log_ref


def _client_rows(
    scale: _Scale, rng: random.Random, client_id: str, max_sessions: int
) -> list[SyntheticRow]:
    intake = min(1.0, max(0.05, rng.gauss(scale.intake_mean, scale.intake_sd)))
    slope = _slope(rng, intake)
    # Most courses are short; a few run to the maximum (dropout and planned endings).
    mode = min(TYPICAL_SESSIONS, max_sessions)
    n_sessions = max(2, min(max_sessions, round(rng.triangular(2, max_sessions, mode))))
    rows = []
    for session in range(1, n_sessions + 1):
        noise = rng.gauss(0.0, NOISE_SD) if session > 1 else 0.0
        severity = intake - slope * math.log(session) + noise
        score = scale.score(min(1.0, max(0.0, severity)))
        rows.append(SyntheticRow(client_id, session, scale.id, score))
    return rows


def synthetic_training_set(
    instrument_id: str | Measure, n_clients: int, seed: int, max_sessions: int = 16
) -> list[SyntheticRow]:
    """`n_clients` made-up series, the same for the same seed; every row is labelled synthetic."""
    if n_clients < 1:
        raise ValueError("n_clients must be at least 1")
    if max_sessions < 2:
        raise ValueError("max_sessions must be at least 2")
    scale = _Scale.of(resolve(instrument_id))
    rng = random.Random(seed)
    width = len(str(n_clients))
    rows: list[SyntheticRow] = []
    for index in range(1, n_clients + 1):
        rows.extend(_client_rows(scale, rng, f"synth-{index:0{width}d}", max_sessions))
    return rows
