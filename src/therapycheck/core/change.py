"""Change over time on one measure: reliable change, clinical cutoffs and a series status.

Two questions are asked of every pair of scores (Jacobson & Truax 1991):
1. Is the change bigger than measurement noise? (reliable change)
2. Did the person move from the clinical to the non-clinical side of the cutoff?

Where a service publishes a fixed threshold (NHS Talking Therapies: PHQ-9 6 points,
GAD-7 4 points) that threshold is used and named; otherwise the Jacobson-Truax reliable
change index is computed from the instrument's SD and reliability.

`series_status` turns a person's whole series into one plain-language status. The
session counts it uses ("fewer than 3 is too early", "8 without reliable improvement is
time to review") are the product's own choice: no source sets a validated minimum
(shared/domain/REFERENCES.md section 4; Howard et al. 1986 for the 8-session dose).
"""

from __future__ import annotations

import datetime
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from therapycheck.core.instruments.schema import Band, Norms, ReliableChange

Direction = Literal["better", "worse", "none"]
Category = Literal["recovered", "improved", "unchanged", "deteriorated"]
Status = Literal[
    "too_early",
    "improving",
    "reliably_improved",
    "recovered",
    "no_reliable_change",
    "deteriorated",
]

# |RC| above this is reliable change at the 95% level (Jacobson & Truax 1991).
RC_CRITICAL = 1.96
# Fewer measured sessions than this: too early to judge (REFERENCES.md section 4).
MIN_SESSIONS_TO_JUDGE = 3
# This many measured sessions without reliable improvement: time to review the plan
# (REFERENCES.md section 4; about half of clients improve by session 8, Howard et al. 1986).
REVIEW_AFTER_SESSIONS = 8


class Measure(Protocol):
    """What change.py needs from an instrument (the registry's `Instrument` fits it)."""

    @property
    def id(self) -> str: ...

    @property
    def min(self) -> float: ...

    @property
    def max(self) -> float: ...

    @property
    def higher_is_better(self) -> bool: ...

    @property
    def reliable_change(self) -> ReliableChange | None: ...

    @property
    def norms(self) -> Norms | None: ...

    def is_case(self, total: float) -> bool | None: ...

    def band_for(self, total: float) -> Band | None: ...


def resolve(instrument: Measure | str) -> Measure:
    """An instrument object, looking an id up in the registry."""
    if not isinstance(instrument, str):
        return instrument
    # Imported here so the pure math in this module works without the data files.
    from therapycheck.core.instruments import get_instrument

    return get_instrument(instrument)


@dataclass(frozen=True)
class Point:
    """One total score at one session (session numbers need not start at 1)."""

    session: int
    score: float
    date: datetime.date | None = None

    def __post_init__(self) -> None:
        _check_point(self.session, self.score)

    def to_dict(self) -> dict[str, object]:
        return {
            "session": self.session,
            "score": self.score,
            "date": self.date.isoformat() if self.date else None,
        }


@dataclass(frozen=True)
class Change:
    """The change between two scores on one instrument, read both ways."""

    instrument: str
    before: float
    after: float
    delta: float
    threshold: float | None
    threshold_source: str
    rci: float | None
    reliable: bool
    direction: Direction
    crossed_cutoff: bool | None
    category: Category

    def to_dict(self) -> dict[str, object]:
        return {
            "instrument": self.instrument,
            "before": self.before,
            "after": self.after,
            "delta": self.delta,
            "threshold": self.threshold,
            "threshold_source": self.threshold_source,
            "rci": self.rci,
            "reliable": self.reliable,
            "direction": self.direction,
            "crossed_cutoff": self.crossed_cutoff,
            "category": self.category,
        }


def _check_point(session: object, score: object) -> None:
    if isinstance(session, bool) or not isinstance(session, int):
        raise ValueError(f"session must be a whole number, got {session!r}")
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise ValueError(f"score must be a number, got {score!r}")
    if not math.isfinite(score):
        raise ValueError(f"score must be a finite number, got {score!r}")


def jt_cutoffs(norms: Norms, higher_is_better: bool) -> tuple[float, float, float]:
    """Jacobson & Truax (1991) clinical cutoffs (a, b, c); c is the preferred one.

    a: two SDs beyond the clinical mean, towards health (leaves the clinical range);
    b: two SDs from the functional mean, towards the clinical side (enters the
    functional range); c: the point between the two means weighted by their SDs.
    """
    m1, s1 = norms.clinical_mean, norms.clinical_sd
    m0, s0 = norms.functional_mean, norms.functional_sd
    sign = 1.0 if higher_is_better else -1.0
    a = m1 + sign * 2.0 * s1
    b = m0 - sign * 2.0 * s0
    c = (s0 * m1 + s1 * m0) / (s0 + s1)
    return a, b, c


def _format_number(value: float) -> str:
    return f"{value:g}"


def _threshold(instrument: Measure) -> tuple[float | None, str]:
    rc = instrument.reliable_change
    if rc is None:
        return None, "no reliable-change figure is published for this measure"
    if rc.threshold is not None:
        return rc.threshold, f"published ({rc.source.citation})"
    assert rc.sd is not None and rc.reliability is not None  # schema guarantees one way
    return rc.points(), (
        f"Jacobson-Truax from SD {_format_number(rc.sd)} "
        f"and reliability {_format_number(rc.reliability)}"
    )


def _rci(instrument: Measure, delta: float) -> float | None:
    """RC = (post - pre) / S_diff, S_diff = sqrt(2) * SD * sqrt(1 - r) (Jacobson & Truax 1991)."""
    rc = instrument.reliable_change
    if rc is None or rc.sd is None or rc.reliability is None:
        return None
    s_diff = math.sqrt(2.0) * rc.sd * math.sqrt(1.0 - rc.reliability)
    if s_diff <= 0:
        return None
    return delta / s_diff


def _is_clinical(instrument: Measure, score: float) -> bool | None:
    """Caseness from the instrument's published cutoff, else the Jacobson-Truax cutoff c."""
    case = instrument.is_case(score)
    if case is not None:
        return case
    if instrument.norms is None:
        return None
    c = jt_cutoffs(instrument.norms, instrument.higher_is_better)[2]
    return score < c if instrument.higher_is_better else score > c


def _direction(delta: float, higher_is_better: bool) -> Direction:
    improvement = delta if higher_is_better else -delta
    if improvement > 0:
        return "better"
    if improvement < 0:
        return "worse"
    return "none"


def _is_reliable(
    instrument: Measure, delta: float, rci: float | None, threshold: float | None
) -> bool:
    if threshold is None:
        return False
    rc = instrument.reliable_change
    if rc is not None and rc.threshold is None and rci is not None:
        return abs(rci) > RC_CRITICAL
    # Published thresholds count a change of exactly the threshold ("falls by 6 or more").
    return abs(delta) >= threshold


def compare(instrument: Measure | str, before: float, after: float) -> Change:
    """Read the change from `before` to `after` on one instrument."""
    measure = resolve(instrument)
    for label, value in (("before", before), ("after", after)):
        _check_score(measure, value, label)
    return _compare(measure, before, after)


def _compare(measure: Measure, before: float, after: float) -> Change:
    """`compare` for scores already checked against the measure's range."""
    delta = after - before
    threshold, source = _threshold(measure)
    rci = _rci(measure, delta)
    reliable = _is_reliable(measure, delta, rci, threshold)
    direction = _direction(delta, measure.higher_is_better)
    crossed = _crossed(measure, before, after)
    return Change(
        instrument=measure.id,
        before=before,
        after=after,
        delta=delta,
        threshold=threshold,
        threshold_source=source,
        rci=rci,
        reliable=reliable,
        direction=direction,
        crossed_cutoff=crossed,
        category=_category(reliable, direction, crossed),
    )


def _crossed(measure: Measure, before: float, after: float) -> bool | None:
    was, now = _is_clinical(measure, before), _is_clinical(measure, after)
    if was is None or now is None:
        return None
    return was and not now


def _category(reliable: bool, direction: Direction, crossed: bool | None) -> Category:
    if reliable and direction == "better":
        return "recovered" if crossed else "improved"
    if reliable and direction == "worse":
        return "deteriorated"
    return "unchanged"


def _check_score(measure: Measure, score: float, label: str) -> None:
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
        raise ValueError(f"{label} score must be a number, got {score!r}")
    if not measure.min <= score <= measure.max:
        raise ValueError(
            f"{label} score {_format_number(score)} is outside the {measure.id} range "
            f"{_format_number(measure.min)}-{_format_number(measure.max)}"
        )


def sort_points(points: Sequence[Point]) -> list[Point]:
    """Points in session order; two scores for one session is an error, not a guess."""
    ordered = sorted(points, key=lambda point: point.session)
    for earlier, later in itertools.pairwise(ordered):
        if earlier.session == later.session:
            raise ValueError(f"two scores for session {later.session}; keep one per session")
    return ordered


@dataclass(frozen=True)
class SeriesStatus:
    """Where a person's series on one instrument stands, in words and numbers."""

    instrument: str
    status: Status
    review_due: bool
    explanation: str
    numbers: dict[str, float | int | None]
    first: Point
    latest: Point
    change: Change | None
    points: tuple[Point, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return {
            "instrument": self.instrument,
            "status": self.status,
            "review_due": self.review_due,
            "explanation": self.explanation,
            "numbers": dict(self.numbers),
            "first": self.first.to_dict(),
            "latest": self.latest.to_dict(),
            "change": self.change.to_dict() if self.change else None,
            "points": [p.to_dict() for p in self.points],
        }


def series_status(instrument: Measure | str, points: Sequence[Point]) -> SeriesStatus:
    """The status of a series: too early, improving, improved, recovered, stuck or worse."""
    measure = resolve(instrument)
    if not points:
        raise ValueError("no scores given; at least one is needed")
    ordered = sort_points(points)
    for point in ordered:
        _check_score(measure, point.score, f"session {point.session}")
    first, latest = ordered[0], ordered[-1]
    measured = len(ordered)
    change, status, text, threshold = _judge(measure, measured, first.score, latest.score)
    review_due = measured >= REVIEW_AFTER_SESSIONS and status not in _GOOD_ENOUGH
    return SeriesStatus(
        instrument=measure.id,
        status=status,
        review_due=review_due,
        explanation=f"{text} {_REVIEW_TEXT.format(n=measured)}" if review_due else text,
        numbers={
            "first": first.score,
            "latest": latest.score,
            "change": change.delta if change else None,
            "threshold": threshold,
            "sessions": measured,
        },
        first=first,
        latest=latest,
        change=change,
        points=tuple(ordered),
    )


# A reliable improvement needs no review of the plan, however many sessions it took.
_GOOD_ENOUGH: frozenset[Status] = frozenset({"reliably_improved", "recovered"})

# A judgement = (change first -> latest, status, explanation before any review note, the
# threshold for `numbers`).
_Judgement = tuple[Change | None, Status, str, float | None]


def _judge(measure: Measure, measured: int, first: float, latest: float) -> _Judgement:
    change = _compare(measure, first, latest) if measured > 1 else None
    status = _status(measured, change)
    threshold = change.threshold if change is not None else _threshold(measure)[0]
    text = _explain(measure, status, measured, first, latest, change)
    return change, status, text, _rounded(threshold)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _status(measured: int, change: Change | None) -> Status:
    if change is None or measured < MIN_SESSIONS_TO_JUDGE:
        return "too_early"
    if change.category == "recovered":
        return "recovered"
    if change.category == "improved":
        return "reliably_improved"
    if change.category == "deteriorated":
        return "deteriorated"
    return "improving" if change.direction == "better" else "no_reliable_change"


def _which_way(measure: Measure) -> str:
    return "higher" if measure.higher_is_better else "lower"


# What each judged status says after "Your score went from X to Y". {better} names the
# good direction; {size} says how big the change was against the bar (may be empty).
_STATUS_TEXT: dict[Status, str] = {
    "recovered": "{moved}. {better} {size} You are now on the healthy side of the usual "
    "cut-off. That is a real step forward.",
    "reliably_improved": "{moved}. {better} {size}",
    "improving": "{moved}, which is the right direction. {better} The change is not yet big "
    "enough to be sure it is more than the usual ups and downs, so keep going and keep "
    "measuring.",
    "deteriorated": "{moved}. {better} That is more than the usual ups and downs. It is not "
    "your fault, and it does not mean therapy cannot help you. Please tell your therapist "
    "soon so you can look at it together.",
    "no_reliable_change": "{moved}. {better} That is within the usual ups and downs, so there "
    "is no clear change yet. Some people need more time; for others, a change of plan helps.",
}
_NO_FIGURE_TEXT = (
    "There is no agreed figure for how big a change must be to count on this "
    "questionnaire, so look at the overall trend with your therapist."
)
_REVIEW_TEXT = (
    "You have filled this in {n} times without a clear improvement. This is a good time to "
    "review the plan with your therapist: what helps, what does not, and whether something "
    "should change."
)


def _explain(
    measure: Measure,
    status: Status,
    measured: int,
    first_score: float,
    latest_score: float,
    change: Change | None,
) -> str:
    """The explanation without the review note (which `series_status` appends)."""
    first, latest = _format_number(first_score), _format_number(latest_score)
    if status == "too_early":
        parts = [_too_early(measured, first, latest, change)]
    else:
        parts = [
            _STATUS_TEXT[status].format(
                moved=f"Your score went from {first} to {latest}",
                better=f"On this questionnaire, {_which_way(measure)} scores are better.",
                size=_size_sentence(change),
            )
        ]
    if change is not None and change.threshold is None:
        parts.append(_NO_FIGURE_TEXT)
    return " ".join(" ".join(parts).split())


def _size_sentence(change: Change | None) -> str:
    if change is None or change.threshold is None:
        return ""
    size = _format_number(abs(change.delta))
    needed = _format_number(round(change.threshold, 1))
    return (
        f"A change of {size} points is enough (the bar is {needed} points) to be fairly "
        "sure it is real, not just a good week."
    )


def _too_early(measured: int, first: str, latest: str, change: Change | None) -> str:
    if measured == 1:
        return (
            f"This is your first score ({first}). It is a starting point, not a verdict. "
            "After a few more sessions you will be able to see which way things are going."
        )
    text = (
        f"You have {measured} scores so far ({first}, then {latest}). It is too early to tell "
        "if therapy is helping: scores go up and down from week to week, and most people "
        "need a few sessions before a pattern shows."
    )
    if change is not None and change.category == "deteriorated":
        text += (
            " Your score did get clearly worse, though, so please mention it to your "
            "therapist at your next session."
        )
    elif change is not None and change.reliable and change.direction == "better":
        text += " It is a good start."
    return text
