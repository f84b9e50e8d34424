"""Change over time on one measure: reliable change, clinical cutoffs and a series status.

Two questions are asked of every pair of scores (Jacobson & Truax 1991):
1. Is the change bigger than measurement noise? (reliable change)
2. Did the person move from the clinical to the non-clinical side of the cutoff?

Where a service publishes a fixed threshold (NHS Talking Therapies: PHQ-9 6 points,
GAD-7 4 points) that threshold is used and named; otherwise the Jacobson-Truax reliable
change index is computed from the instrument's SD and reliability.

`series_status` turns a person's whole series into one plain-language status, judged by
SESSION NUMBERS, never by how many times the questionnaire was filled in: the scores
cover the sessions from the first scored session to the latest, counting both (scores at
sessions 1 and 14 cover 14 sessions, however many fill-ins lie between them). The two
session counts it uses are the product's own choice, since no source sets a validated
minimum (shared/domain/REFERENCES.md section 4): fewer than MIN_SESSIONS_TO_JUDGE is too
early to judge, and REVIEW_AFTER_SESSIONS without reliable change is time to review
(about half of clients have improved by session 8, Howard et al. 1986).
"""

from __future__ import annotations

import datetime
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from therapycheck.core.instruments.schema import Band, Norms, ReliableChange

Direction = Literal["better", "worse", "none"]
Category = Literal["recovered", "improved", "unchanged", "deteriorated"]
Status = Literal[
    "too_early",
    "reliably_improved",
    "recovered",
    "no_reliable_change",
    "not_improving",
    "deteriorated",
    "trend_only",
]

# |RC| above this is reliable change at the 95% level (Jacobson & Truax 1991).
RC_CRITICAL = 1.96
# Scores covering fewer sessions than this (first to latest scored session, counting both):
# too early to judge (REFERENCES.md section 4: "fewer than 3 sessions"; seed 001).
MIN_SESSIONS_TO_JUDGE = 3
# Scores covering this many sessions without reliable change, with room to improve: time
# to review the plan (REFERENCES.md section 4; about half of clients have improved by
# session 8, Howard et al. 1986). The one "review after N sessions" figure: the plan, the
# learn page and the docs read it from here.
REVIEW_AFTER_SESSIONS = 8

# The few words every output (progress page, report, `therapycheck progress`, check-up
# report) shows for a status; {sessions} is how many sessions the scores cover. Statuses
# in plain words (core.change decides, the outputs only show):
#   too_early           one score, or scores covering fewer than MIN_SESSIONS_TO_JUDGE sessions
#   recovered           reliably better from first to latest, and past the clinical cutoff
#   reliably_improved   reliably better from first to latest
#   deteriorated        reliably worse from first to latest
#   not_improving       no reliable change after REVIEW_AFTER_SESSIONS sessions (or worse
#                       than the expected-response range, where a model is fitted), with
#                       room to improve: review due
#   no_reliable_change  no reliable change yet, or no room left to show one
#   trend_only          the questionnaire has no agreed reliable-change figure
STATUS_LABELS: dict[Status, str] = {
    "too_early": "Too early to tell",
    "recovered": "Clearly better, past the usual cut-off",
    "reliably_improved": "Clearly better",
    "deteriorated": "Clearly worse",
    "not_improving": "No clear change after {sessions} sessions",
    "no_reliable_change": "No clear change so far",
    "trend_only": "No agreed size for a clear change: see the trend",
}
# Statuses that call for a review of the plan. (The explanations' advice names no one in
# particular: they are also shown in a check-up that found the therapist's misconduct.)
REVIEW_STATUSES: frozenset[Status] = frozenset({"not_improving", "deteriorated"})


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


def sessions_covered(first: Point, latest: Point) -> int:
    """How many sessions a series covers: first to latest scored session, counting both."""
    return latest.session - first.session + 1


class ExpectedRange(Protocol):
    """What `series_status` reads from an expected-response comparison of the same series
    (`core.trajectory.Classification` fits it)."""

    @property
    def status(self) -> str: ...

    @property
    def expected_low(self) -> float | None: ...

    @property
    def expected_high(self) -> float | None: ...

    @property
    def synthetic(self) -> bool: ...


@dataclass(frozen=True)
class Setback:
    """The biggest reliable worsening from an earlier score to a later one in a series."""

    before: Point
    after: Point
    change: Change


@dataclass(frozen=True)
class SeriesStatus:
    """Where a person's series on one instrument stands, in words and numbers."""

    instrument: str
    status: Status
    # STATUS_LABELS filled in: the same few words on every output.
    label: str
    review_due: bool
    explanation: str
    numbers: dict[str, float | int | None]
    first: Point
    latest: Point
    change: Change | None
    points: tuple[Point, ...] = field(default=())
    setback: Setback | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "instrument": self.instrument,
            "status": self.status,
            "label": self.label,
            "review_due": self.review_due,
            "explanation": self.explanation,
            "numbers": dict(self.numbers),
            "first": self.first.to_dict(),
            "latest": self.latest.to_dict(),
            "change": self.change.to_dict() if self.change else None,
            "points": [p.to_dict() for p in self.points],
        }


def series_status(
    instrument: Measure | str,
    points: Sequence[Point],
    expected: ExpectedRange | None = None,
) -> SeriesStatus:
    """The status of a series, judged by session numbers (see the module docstring).

    `expected` is the expected-response comparison of the same points, where a model is
    fitted (`core.trajectory.series_progress` passes it): a series worse than the usual
    range of similar clients counts as not improving before REVIEW_AFTER_SESSIONS.
    """
    measure = resolve(instrument)
    if not points:
        raise ValueError("no scores given; at least one is needed")
    ordered = sort_points(points)
    for point in ordered:
        _check_score(measure, point.score, f"session {point.session}")
    first, latest = ordered[0], ordered[-1]
    sessions = sessions_covered(first, latest)
    change = _compare(measure, first.score, latest.score) if len(ordered) > 1 else None
    threshold = change.threshold if change is not None else _threshold(measure)[0]
    off_track = expected is not None and expected.status == "not_on_track"
    no_room = _no_room(measure, ordered, threshold)
    status = _status(sessions, change, no_room is None, off_track)
    setback = _setback(measure, ordered)
    series = _Series(measure, tuple(ordered), sessions, change, setback, no_room, expected)
    return SeriesStatus(
        instrument=measure.id,
        status=status,
        label=STATUS_LABELS[status].format(sessions=sessions),
        review_due=status in REVIEW_STATUSES,
        explanation=_explain(status, series),
        numbers={
            "first": first.score,
            "latest": latest.score,
            "change": change.delta if change else None,
            "threshold": _rounded(threshold),
            "sessions": sessions,
            "setback": abs(setback.change.delta) if setback else None,
        },
        first=first,
        latest=latest,
        change=change,
        points=tuple(ordered),
        setback=setback,
    )


def _status(sessions: int, change: Change | None, room: bool, off_track: bool) -> Status:
    if change is None or sessions < MIN_SESSIONS_TO_JUDGE:
        return "too_early"
    if change.threshold is None:
        return "trend_only"
    if change.category == "recovered":
        return "recovered"
    if change.category == "improved":
        return "reliably_improved"
    if change.category == "deteriorated":
        return "deteriorated"
    if room and (sessions >= REVIEW_AFTER_SESSIONS or off_track):
        return "not_improving"
    return "no_reliable_change"


# Why a series has no room to show a reliable improvement (None: it has room).
_NoRoom = Literal["never_a_case", "near_best"] | None


def _no_room(measure: Measure, ordered: Sequence[Point], threshold: float | None) -> _NoRoom:
    """A review for "no reliable change" needs room to improve.

    There is none when the latest score is closer to the best end of the scale than the
    reliable-change threshold (no reliable improvement is possible any more), or when
    every score was on the healthy side of the clinical cutoff (never a case).
    """
    if threshold is None:
        return None
    if all(_is_clinical(measure, point.score) is False for point in ordered):
        return "never_a_case"
    best = measure.max if measure.higher_is_better else measure.min
    if abs(best - ordered[-1].score) < threshold:
        return "near_best"
    return None


def _worsening(measure: Measure, before: float, after: float) -> float:
    return before - after if measure.higher_is_better else after - before


def _setback(measure: Measure, ordered: Sequence[Point]) -> Setback | None:
    """The biggest worsening from an earlier score to a later one, when it is reliable.

    Compares each score with the best score before it, so a clear rise after a good
    stretch (20, 8, 22, 19) is found even when the first and latest scores are close.
    """
    if len(ordered) < 2:
        return None
    best = ordered[0]
    worst: tuple[float, Point, Point] | None = None
    for point in ordered[1:]:
        size = _worsening(measure, best.score, point.score)
        if size > 0 and (worst is None or size > worst[0]):
            worst = (size, best, point)
        if _worsening(measure, point.score, best.score) > 0:
            best = point
    if worst is None:
        return None
    _, before, after = worst
    change = _compare(measure, before.score, after.score)
    return Setback(before, after, change) if change.reliable else None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# --- explanations ----------------------------------------------------------------------
# Plain words (about an 8th-grade reading level), no diagnosis, and only what the scores
# show: each sentence below is chosen by the numbers that make it true.


@dataclass(frozen=True)
class _Series:
    """Everything an explanation may quote about one series."""

    measure: Measure
    points: tuple[Point, ...]
    sessions: int
    change: Change | None
    setback: Setback | None
    no_room: _NoRoom
    expected: ExpectedRange | None

    @property
    def first(self) -> Point:
        return self.points[0]

    @property
    def latest(self) -> Point:
        return self.points[-1]


def _later(first: Point, latest: Point) -> str:
    """ ", 13 weeks later" when both dates are known and in order; else nothing."""
    if first.date is None or latest.date is None or latest.date <= first.date:
        return ""
    days = (latest.date - first.date).days
    if days < 14:
        return f", {days} day{'s' if days != 1 else ''} later"
    if days < 63:
        return f", {round(days / 7)} weeks later"
    return f", about {round(days / 30.44)} months later"


def _moved(series: _Series) -> str:
    first, latest = series.first, series.latest
    a, b = _format_number(first.score), _format_number(latest.score)
    at_first, at_latest = f"session {first.session}", f"session {latest.session}"
    later = _later(first, latest)
    if first.score == latest.score:
        return f"Your score was {a} at {at_first} and {b} again at {at_latest}{later}."
    return f"Your score went from {a} at {at_first} to {b} at {at_latest}{later}."


def _better(measure: Measure) -> str:
    return f"On this questionnaire, {_which_way(measure)} scores are better."


def _which_way(measure: Measure) -> str:
    return "higher" if measure.higher_is_better else "lower"


def _bar(change: Change) -> str:
    assert change.threshold is not None
    return _format_number(round(change.threshold, 1))


def _explain(status: Status, series: _Series) -> str:
    if status == "too_early":
        parts = _too_early(series)
    else:
        parts = [_moved(series), _better(series.measure), *_BODIES[status](series)]
    return " ".join(" ".join(parts).split())


def _recovered(series: _Series) -> list[str]:
    return [
        *_reliably_improved(series),
        "Your score is now on the healthy side of the usual cut-off. That is a real step forward.",
    ]


def _reliably_improved(series: _Series) -> list[str]:
    change = series.change
    assert change is not None
    return [
        f"A change of {_format_number(abs(change.delta))} points is big enough to be fairly "
        f"sure it is real, not just a good week (the bar is {_bar(change)} points).",
        *_setback_text(series),
    ]


def _deteriorated(series: _Series) -> list[str]:
    change = series.change
    assert change is not None
    return [
        f"A change of {_format_number(abs(change.delta))} points the wrong way is more than the "
        f"usual ups and downs (the bar is {_bar(change)} points).",
        *_setback_text(series),
        "It is not your fault, and it does not mean therapy cannot help you. Please raise it "
        "soon with whoever is treating you, so the plan can be looked at again.",
    ]


def _within_noise(series: _Series) -> str:
    change = series.change
    assert change is not None
    return f"That is within the usual ups and downs: a clear change needs {_bar(change)} points."


def _not_improving(series: _Series) -> list[str]:
    parts = [
        _within_noise(series),
        f"This means no clear change after {series.sessions} sessions.",
        *_setback_text(series),
    ]
    expected = series.expected
    if expected is not None and expected.status == "not_on_track":
        parts.append(_off_track_text(series.measure, expected))
    if series.sessions >= REVIEW_AFTER_SESSIONS:
        parts.append(
            f"In large studies, about half of people had improved by around session "
            f"{REVIEW_AFTER_SESSIONS}."
        )
    parts.append(
        "This is a good time to review the plan: what helps, what does not, and whether "
        "something should change. It does not mean therapy cannot help you."
    )
    return parts


def _off_track_text(measure: Measure, expected: ExpectedRange) -> str:
    side = "lower" if measure.higher_is_better else "higher"
    low, high = expected.expected_low, expected.expected_high
    usual = "" if low is None or high is None else f" ({low:.0f} to {high:.0f} at this point)"
    made_up = (
        " That range was built from made-up practice data, so treat it as a demonstration."
        if expected.synthetic
        else ""
    )
    return (
        f"Your latest score is also {side} than the usual range for people who started at a "
        f"similar level{usual}.{made_up}"
    )


def _no_reliable_change(series: _Series) -> list[str]:
    parts = [_within_noise(series), "So there is no clear change so far.", *_setback_text(series)]
    if series.no_room == "never_a_case":
        parts.append(
            "Your scores have stayed on the healthy side of the usual cut-off the whole time, "
            "so there was little room for a clear change."
        )
    elif series.no_room == "near_best":
        parts.append(
            "Your latest score is close to the best end of the scale, so there is little room "
            "left for a clear change."
        )
    else:
        parts.append(
            f"Change often takes time. If there is still no clear change after "
            f"{REVIEW_AFTER_SESSIONS} sessions, that is a good time to review the plan."
        )
    return parts


_NO_FIGURE_TEXT = (
    "There is no agreed figure for how big a change must be to count on this "
    "questionnaire, so look at the overall trend over time."
)


def _trend_only(series: _Series) -> list[str]:
    parts = [_NO_FIGURE_TEXT]
    measure = series.measure
    best = measure.max if measure.higher_is_better else measure.min
    if series.latest.score == best:
        parts.append("Your latest score is the best this questionnaire allows.")
    return parts


_BODIES: dict[Status, Callable[[_Series], list[str]]] = {
    "recovered": _recovered,
    "reliably_improved": _reliably_improved,
    "deteriorated": _deteriorated,
    "not_improving": _not_improving,
    "no_reliable_change": _no_reliable_change,
    "trend_only": _trend_only,
}


def _setback_text(series: _Series) -> list[str]:
    """Names a reliable worsening along the way; first to latest is said elsewhere."""
    setback = series.setback
    if setback is None or (setback.before, setback.after) == (series.first, series.latest):
        return []
    way = "fell" if series.measure.higher_is_better else "rose"
    return [
        f"Along the way, your score {way} from {_format_number(setback.before.score)} at "
        f"session {setback.before.session} to {_format_number(setback.after.score)} at "
        f"session {setback.after.session}. That was more than the usual ups and downs, and "
        "it is worth raising with whoever is treating you, if you have not already."
    ]


def _too_early(series: _Series) -> list[str]:
    first, latest, change = series.first, series.latest, series.change
    a = _format_number(first.score)
    if change is None:
        return [
            f"This is your first score ({a}, at session {first.session}). It is a starting "
            "point, not a verdict. After a few more sessions you will be able to see which "
            "way things are going."
        ]
    b = _format_number(latest.score)
    parts = [
        f"So far your scores are from session {first.session} ({a}) and session "
        f"{latest.session} ({b}). That is too short a time to tell if therapy is helping: "
        "scores go up and down from week to week, and a pattern takes a few sessions to show."
    ]
    if change.category == "deteriorated":
        parts.append(
            "Your score did get clearly worse, though, so please mention it to whoever is "
            "treating you soon."
        )
    elif change.reliable and change.direction == "better":
        parts.append(
            "The clear drop so far is a good sign."
            if not series.measure.higher_is_better
            else "The clear rise so far is a good sign."
        )
    if change.threshold is None:
        parts.append(_NO_FIGURE_TEXT)
    return parts
