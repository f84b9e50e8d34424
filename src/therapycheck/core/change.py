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
import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, Literal, Protocol

from therapycheck.core._build import build, constructor, field_setters

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
    known = _KNOWN.get(instrument)
    if known is not None:
        return known[0]
    found = _registry_lookup()(instrument)
    # Only exact ids are remembered (a finite set); aliases like "PHQ-9" are looked up.
    if found.id == instrument:
        _KNOWN[instrument] = (found, _whole_scores(found))
    return found


# Registry instruments by exact id, with every whole score in their range; filled on first
# use. The registry loads each instrument once and never changes it, so an id keeps
# meaning the same object.
_KNOWN: dict[str, tuple[Measure, frozenset[int]]] = {}


@functools.cache
def _registry_lookup() -> Callable[[str], Measure]:
    # Imported on first use so the pure math here works even without the data files.
    from therapycheck.core.instruments import get_instrument

    return get_instrument


def _whole_scores(measure: Measure) -> frozenset[int]:
    return frozenset(range(math.ceil(measure.min), math.floor(measure.max) + 1))


def _known(measure: Measure) -> frozenset[int] | None:
    """The whole scores in range when `measure` is the registry's own object, else None.

    Only registry objects may share cached results keyed on the instrument id: any other
    object with the same id (a test stand-in, an edited copy) may hold different figures.
    """
    known = _KNOWN.get(measure.id)
    if known is None:
        try:
            resolve(measure.id)
        except ValueError:  # an id the registry does not know
            return None
        known = _KNOWN.get(measure.id)
    return known[1] if known is not None and known[0] is measure else None


# Slotted: a check-up with a history holds a couple of dozen of these, and an instance
# without a dict is several times cheaper to make and free.
@dataclass(frozen=True, init=False, slots=True)
class Point:
    """One total score at one session (session numbers need not start at 1)."""

    session: int
    score: float
    date: datetime.date | None = None

    def __init__(self, session: int, score: float, date: datetime.date | None = None) -> None:
        # Two plain ints (the usual point) need no checks; anything else gets all of them.
        if session.__class__ is not int or score.__class__ is not int:
            _check_point(session, score)
        # Frozen: fill the slots through their descriptors, as the generated __init__
        # would via object.__setattr__, only cheaper.
        _SET_SESSION(self, session)
        _SET_SCORE(self, score)
        _SET_DATE(self, date)

    def to_dict(self) -> dict[str, object]:
        return {
            "session": self.session,
            "score": self.score,
            "date": self.date.isoformat() if self.date else None,
        }


_POINT_SETTERS = field_setters(Point)
_SET_SESSION = _POINT_SETTERS["session"]
_SET_SCORE = _POINT_SETTERS["score"]
_SET_DATE = _POINT_SETTERS["date"]


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
    if before.__class__ is int and after.__class__ is int and _known(measure) is not None:
        return _compare_registered(measure.id, before, after)
    return _compare(measure, before, after)


# Scores are bounded by each instrument's range, so (instrument, before, after) is a small,
# finite key space; the Change is frozen, so sharing one between callers is safe.
@functools.lru_cache(maxsize=8192)
def _compare_registered(instrument_id: str, before: int, after: int) -> Change:
    return _compare(resolve(instrument_id), before, after)


def _compare(measure: Measure, before: float, after: float) -> Change:
    """`compare` for scores already checked against the measure's range."""
    delta = after - before
    threshold, source = _threshold(measure)
    rci = _rci(measure, delta)
    reliable = _is_reliable(measure, delta, rci, threshold)
    direction = _direction(delta, measure.higher_is_better)
    crossed = _crossed(measure, before, after)
    return build(
        Change,
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
    _check_range(measure.min, measure.max, measure, score, label)


def _check_range(low: float, high: float, measure: Measure, score: float, label: str) -> None:
    if not low <= score <= high:
        raise ValueError(
            f"{label} score {_format_number(score)} is outside the {measure.id} range "
            f"{_format_number(measure.min)}-{_format_number(measure.max)}"
        )


_SESSION = attrgetter("session")
_INTS_ONLY = frozenset({int})


def sort_points(points: Sequence[Point]) -> list[Point]:
    """Points in session order; two scores for one session is an error, not a guess."""
    return list(_in_session_order(points))


def _in_session_order(points: Sequence[Point]) -> Sequence[Point]:
    """`points` itself when already strictly in session order (the usual case), else sorted."""
    if _strictly_increasing(points):
        return points
    ordered = sorted(points, key=_SESSION)
    for earlier, later in itertools.pairwise(ordered):
        if earlier.session == later.session:
            raise ValueError(f"two scores for session {later.session}; keep one per session")
    return ordered


def _strictly_increasing(points: Sequence[Point]) -> bool:
    # Strictly increasing sessions are sorted and hold no duplicate, so need no sort. A
    # plain loop: cheaper here than building the list of sessions to compare in C. It
    # compares `later < earlier` as sorted() does, so odd session types fail the same way.
    previous = None
    for point in points:
        session = point.session
        if previous is not None and (session < previous or session == previous):
            return False
        previous = session
    return True


@dataclass(frozen=True, slots=True)
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


# The hottest constructor here: no __init__ runs, and Python checks every field is given.
_new_series_status = constructor(SeriesStatus)


def series_status(instrument: Measure | str, points: Sequence[Point]) -> SeriesStatus:
    """The status of a series: too early, improving, improved, recovered, stuck or worse."""
    # A registry id (the usual call) gives the instrument and its whole scores at once.
    known = _KNOWN.get(instrument) if instrument.__class__ is str else None
    whole: frozenset[int] | None
    if known is not None:
        measure, whole = known
    else:
        measure = resolve(instrument)
        whole = _known(measure)
    if not points:
        raise ValueError("no scores given; at least one is needed")
    if whole is not None and _plain_in_order(points, whole):
        ordered = points
        plain = True
    else:
        ordered = _in_session_order(points)
        _check_series_scores(measure, ordered)
        plain = False
    first, latest = ordered[0], ordered[-1]
    measured = len(ordered)
    # Only whether there are 1, 2 or 3+ scores changes the judgement (3+ may be judged);
    # the review note, which needs the exact count, is added below.
    stage = measured if measured < MIN_SESSIONS_TO_JUDGE else MIN_SESSIONS_TO_JUDGE
    if plain or (
        whole is not None and first.score.__class__ is int and latest.score.__class__ is int
    ):
        judgement = _judged_registered(measure.id, stage, int(first.score), int(latest.score))
    else:
        judgement = _judge(measure, stage, first.score, latest.score)
    change, status, text, threshold = judgement
    review_due = measured >= REVIEW_AFTER_SESSIONS and status not in _GOOD_ENOUGH
    return _new_series_status(
        instrument=measure.id,
        status=status,
        review_due=review_due,
        explanation=f"{text} {_review_note(measured)}" if review_due else text,
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


@functools.lru_cache(maxsize=256)
def _review_note(measured: int) -> str:
    return _REVIEW_TEXT.format(n=measured)


def _plain_in_order(points: Sequence[Point], whole: frozenset[int]) -> bool:
    """The usual series: sessions strictly increasing, every score a plain int in range.

    One plain loop; anything else (unsorted, a float, an error) takes the careful path.
    """
    previous = None
    for point in points:
        session = point.session
        if previous is not None and (session < previous or session == previous):
            return False
        score = point.score
        if score.__class__ is not int or score not in whole:
            return False
        previous = session
    return True


def _check_series_scores(measure: Measure, ordered: Sequence[Point]) -> None:
    """Every score is a number in the measure's range; the first bad one (by session) named."""
    low, high = measure.min, measure.max
    scores = [point.score for point in ordered]
    # Plain ints are finite numbers: when all are, the range is all there is to test.
    if _INTS_ONLY.issuperset(map(type, scores)) and low <= min(scores) and max(scores) <= high:
        return
    for point in ordered:
        score = point.score
        # The label is only built for the error.
        if score.__class__ is int:
            if not low <= score <= high:
                _check_range(low, high, measure, score, f"session {point.session}")
        else:
            _check_score(measure, score, f"session {point.session}")


# A judgement = (change first -> latest, status, explanation before any review note, the
# threshold for `numbers`).
_Judgement = tuple[Change | None, Status, str, float | None]


# (instrument, 1/2/3+ scores, first, latest) is a small, finite key space (scores are
# bounded by the instrument's range); everything in a judgement is immutable.
@functools.lru_cache(maxsize=8192)
def _judged_registered(instrument_id: str, stage: int, first: int, latest: int) -> _Judgement:
    return _judge(resolve(instrument_id), stage, first, latest)


def _judge(measure: Measure, stage: int, first: float, latest: float) -> _Judgement:
    change = _compare(measure, first, latest) if stage > 1 else None
    status = _status(stage, change)
    threshold = change.threshold if change is not None else _threshold(measure)[0]
    text = _explain(measure, status, stage, first, latest, change)
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
