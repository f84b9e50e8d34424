"""Server-side SVG progress charts: a pure function over numbers, no Django, no JavaScript.

`progress_chart_svg` draws one instrument's scores by session with:
- the instrument's severity bands shaded behind the line (from its data file);
- the reliable-change lines measured from the FIRST score, and each later point marked
  by shape when it is a reliable change (`core.change.compare` decides, so the chart and
  the words never disagree);
- the expected range of similar clients when a model is given (`core.trajectory`).

The SVG carries a <title> and <desc> so screen readers get the same story in words; every
piece of text is escaped, so the result is safe to mark_safe. Colours are presentation
attributes (not inline styles), which the strict Content-Security-Policy allows. The
report app reuses this for its printable report.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from therapycheck.core import change as core_change
from therapycheck.core.change import Point, SeriesStatus
from therapycheck.core.instruments import get_instrument
from therapycheck.core.instruments.schema import Instrument

# Light tints from "least severe" to "most severe"; text stays dark on all of them, well
# above the WCAG 2.2 AA contrast ratio of 4.5:1.
BAND_TINTS: tuple[str, ...] = ("#e6f4ea", "#f1f7e0", "#fdf6d8", "#fde9d6", "#fbe0dc")
INK = "#1f2933"
MUTED = "#52606d"
LINE = "#1f4e79"
BETTER = "#1b6e3a"
WORSE = "#a4262c"
EXPECTED_FILL = "#c9d6e3"

_MARGIN_LEFT = 40
_MARGIN_RIGHT = 12
_MARGIN_TOP = 12
_MARGIN_BOTTOM = 64  # x axis labels and the legend


class SessionRangeLike(Protocol):
    # Read-only, so frozen dataclasses such as core.trajectory.SessionRange match.
    @property
    def session(self) -> int: ...
    @property
    def low(self) -> float: ...
    @property
    def median(self) -> float: ...
    @property
    def high(self) -> float: ...


class ExpectedLike(Protocol):
    @property
    def ranges(self) -> Sequence[SessionRangeLike]: ...


@dataclass(frozen=True)
class _Frame:
    """Maps sessions and scores to pixel positions inside the plot area."""

    x0: float
    x1: float
    y0: float
    y1: float
    first_session: int
    last_session: int
    low_score: float
    high_score: float

    def x(self, session: float) -> float:
        span = max(self.last_session - self.first_session, 1)
        return self.x0 + (session - self.first_session) / span * (self.x1 - self.x0)

    def y(self, score: float) -> float:
        span = max(self.high_score - self.low_score, 1e-9)
        return self.y1 - (score - self.low_score) / span * (self.y1 - self.y0)


def progress_chart_svg(
    instrument: Instrument | str,
    points: Sequence[Point | tuple[int, float]],
    status: SeriesStatus | None = None,
    expected: ExpectedLike | Sequence[SessionRangeLike] | None = None,
    width: int = 560,
    height: int = 340,
    id_prefix: str | None = None,
) -> str:
    """One instrument's scores by session as an accessible, self-contained SVG string."""
    inst = get_instrument(instrument) if isinstance(instrument, str) else instrument
    series = core_change.sort_points([_as_point(p) for p in points])
    if not series:
        raise ValueError("a chart needs at least one score")
    ranges = _ranges(expected)
    uid = _safe_id(id_prefix or f"chart-{inst.id}")
    frame = _frame(inst, series, ranges, width, height)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" class="progress-chart" role="img" '
        f'aria-labelledby="{uid}-title {uid}-desc" font-family="system-ui, sans-serif" '
        f'font-size="14" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{uid}-title">{_e(inst.short_name)} score by session</title>',
        f'<desc id="{uid}-desc">{_e(describe_chart(inst, series, status, ranges))}</desc>',
        *_bands(inst, frame),
        *_expected(ranges, frame),
        *_reliable_lines(inst, series[0], frame),
        *_axes(inst, frame),
        *_series(inst, series, frame),
        *_legend(inst, bool(ranges), frame, height),
        "</svg>",
    ]
    return "\n".join(part for part in parts if part)


def describe_chart(
    inst: Instrument,
    series: Sequence[Point],
    status: SeriesStatus | None,
    ranges: Sequence[SessionRangeLike] = (),
) -> str:
    """The chart in words, for <desc> and for anyone who cannot see the picture."""
    first, latest = series[0], series[-1]
    better = "higher" if inst.higher_is_better else "lower"
    words = [
        f"{len(series)} score{'s' if len(series) != 1 else ''} on the {inst.short_name}, "
        f"from session {first.session} to session {latest.session}.",
        f"First score {_num(first.score)}{_band_words(inst, first.score)}; "
        f"latest {_num(latest.score)}{_band_words(inst, latest.score)}.",
    ]
    if status is None:
        words.append(f"On this questionnaire {better} scores are better.")
    threshold = inst.reliable_change_points()
    if threshold is not None and len(series) > 1:
        words.append(
            f"A change of about {_num(round(threshold, 1))} points from the first score "
            "counts as reliable change."
        )
    if ranges:
        words.append("A grey area shows the usual range for people who started at a similar level.")
    if status is not None:
        words += [f"{status.label}.", status.explanation]
    return " ".join(words)


# --- pieces -------------------------------------------------------------------------------


def _as_point(value: Point | tuple[int, float]) -> Point:
    if isinstance(value, Point):
        return value
    session, score = value
    return Point(int(session), float(score))


def _ranges(
    expected: ExpectedLike | Sequence[SessionRangeLike] | None,
) -> list[SessionRangeLike]:
    if expected is None:
        return []
    found = expected if isinstance(expected, Sequence) else expected.ranges
    return sorted(found, key=lambda r: r.session)


def _frame(
    inst: Instrument,
    series: Sequence[Point],
    ranges: Sequence[SessionRangeLike],
    width: int,
    height: int,
) -> _Frame:
    sessions = [p.session for p in series] + [r.session for r in ranges]
    first, last = min(sessions), max(sessions)
    if first == last:
        first, last = max(first - 1, 0), first + 1
    return _Frame(
        x0=_MARGIN_LEFT,
        x1=width - _MARGIN_RIGHT,
        y0=_MARGIN_TOP,
        y1=height - _MARGIN_BOTTOM,
        first_session=first,
        last_session=last,
        low_score=float(inst.min),
        high_score=float(inst.max),
    )


def _band_severity(inst: Instrument, index: int) -> str:
    count = len(inst.bands)
    rank = count - 1 - index if inst.higher_is_better else index
    position = 0 if count <= 1 else round(rank * (len(BAND_TINTS) - 1) / (count - 1))
    return BAND_TINTS[position]


def _bands(inst: Instrument, frame: _Frame) -> list[str]:
    parts = ['<g class="bands">']
    bands = sorted(inst.bands, key=lambda b: b.min)
    for index, band in enumerate(bands):
        top_score = bands[index + 1].min if index + 1 < len(bands) else inst.max
        y_top, y_bottom = frame.y(top_score), frame.y(band.min)
        label = f"{band.label} ({_num(band.min)}–{_num(band.max)})"
        parts.append(
            f'<rect x="{frame.x0:.1f}" y="{y_top:.1f}" width="{frame.x1 - frame.x0:.1f}" '
            f'height="{max(y_bottom - y_top, 0):.1f}" fill="{_band_severity(inst, index)}">'
            f"<title>{_e(label)}</title></rect>"
        )
        if y_bottom - y_top >= 14:
            parts.append(
                f'<text x="{frame.x1 - 4:.1f}" y="{y_top + 13:.1f}" text-anchor="end" '
                f'fill="{MUTED}" font-size="12">{_e(band.label)}</text>'
            )
    parts.append("</g>")
    return parts


def _expected(ranges: Sequence[SessionRangeLike], frame: _Frame) -> list[str]:
    if not ranges:
        return []
    upper = [f"{frame.x(r.session):.1f},{frame.y(r.high):.1f}" for r in ranges]
    lower = [f"{frame.x(r.session):.1f},{frame.y(r.low):.1f}" for r in reversed(ranges)]
    median = " ".join(f"{frame.x(r.session):.1f},{frame.y(r.median):.1f}" for r in ranges)
    return [
        '<g class="expected">',
        f'<polygon points="{" ".join(upper + lower)}" fill="{EXPECTED_FILL}" '
        'fill-opacity="0.6"><title>Usual range for people who started at a similar level'
        "</title></polygon>",
        f'<polyline points="{median}" fill="none" stroke="{MUTED}" stroke-width="1.5" '
        'stroke-dasharray="2 3"/>',
        "</g>",
    ]


def _reliable_lines(inst: Instrument, first: Point, frame: _Frame) -> list[str]:
    threshold = inst.reliable_change_points()
    if threshold is None:
        return []
    sign = 1 if inst.higher_is_better else -1
    lines = (
        (first.score + sign * threshold, "reliable improvement", BETTER),
        (first.score - sign * threshold, "reliable worsening", WORSE),
    )
    parts = ['<g class="reliable-change">']
    for score, label, colour in lines:
        if not inst.min <= score <= inst.max:
            continue
        y = frame.y(score)
        parts.append(
            f'<line x1="{frame.x0:.1f}" x2="{frame.x1:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{colour}" stroke-width="1.5" stroke-dasharray="6 4">'
            f"<title>{_e(label)} from the first score ({_num(round(score, 1))})</title></line>"
        )
        parts.append(
            f'<text x="{frame.x0 + 4:.1f}" y="{y - 3:.1f}" fill="{colour}" font-size="12">'
            f"{_e(label)}</text>"
        )
    parts.append("</g>")
    return parts


def _axes(inst: Instrument, frame: _Frame) -> list[str]:
    parts = [
        '<g class="axes">',
        f'<line x1="{frame.x0}" x2="{frame.x0}" y1="{frame.y0}" y2="{frame.y1}" stroke="{INK}"/>',
        f'<line x1="{frame.x0}" x2="{frame.x1}" y1="{frame.y1}" y2="{frame.y1}" stroke="{INK}"/>',
    ]
    for score in _y_ticks(inst):
        y = frame.y(score)
        parts.append(
            f'<text x="{frame.x0 - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">'
            f"{_num(score)}</text>"
        )
    for session in _x_ticks(frame.first_session, frame.last_session):
        x = frame.x(session)
        parts.append(
            f'<text x="{x:.1f}" y="{frame.y1 + 16:.1f}" text-anchor="middle" fill="{INK}">'
            f"{session}</text>"
        )
    parts.append(
        f'<text x="{(frame.x0 + frame.x1) / 2:.1f}" y="{frame.y1 + 32:.1f}" '
        f'text-anchor="middle" fill="{INK}">Session</text>'
    )
    parts.append("</g>")
    return parts


def _y_ticks(inst: Instrument) -> list[float]:
    ticks = {float(inst.min), float(inst.max), *(float(b.min) for b in inst.bands)}
    return sorted(ticks)


def _x_ticks(first: int, last: int, most: int = 12) -> list[int]:
    step = max(1, -(-(last - first) // most))
    return list(range(first, last + 1, step))


def _series(inst: Instrument, series: Sequence[Point], frame: _Frame) -> list[str]:
    coords = " ".join(f"{frame.x(p.session):.1f},{frame.y(p.score):.1f}" for p in series)
    parts = ['<g class="series">']
    if len(series) > 1:
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{LINE}" stroke-width="2.5"/>'
        )
    first = series[0]
    for point in series:
        kind = _point_kind(inst, first, point)
        parts.append(_marker(kind, frame.x(point.session), frame.y(point.score), point, inst))
    parts.append("</g>")
    return parts


def _point_kind(inst: Instrument, first: Point, point: Point) -> str:
    if point is first:
        return "first"
    found = core_change.compare(inst, first.score, point.score)
    if found.reliable and found.direction == "better":
        return "better"
    if found.reliable and found.direction == "worse":
        return "worse"
    return "plain"


_KIND_WORDS = {
    "first": "first score",
    "better": "reliably better than the first score",
    "worse": "reliably worse than the first score",
    "plain": "",
}


def _marker(kind: str, x: float, y: float, point: Point, inst: Instrument) -> str:
    words = [f"Session {point.session}: {_num(point.score)}{_band_words(inst, point.score)}"]
    if _KIND_WORDS[kind]:
        words.append(_KIND_WORDS[kind])
    tip = f"<title>{_e(', '.join(words))}</title>"
    # Shape, not only colour, tells the kinds apart (WCAG 1.4.1).
    if kind == "better":
        return (
            f'<path d="M{x:.1f},{y - 7:.1f} L{x + 7:.1f},{y:.1f} L{x:.1f},{y + 7:.1f} '
            f'L{x - 7:.1f},{y:.1f} Z" fill="{BETTER}" stroke="#ffffff" stroke-width="1.5" '
            f'class="point point-better">{tip}</path>'
        )
    if kind == "worse":
        return (
            f'<path d="M{x:.1f},{y - 7:.1f} L{x + 7:.1f},{y + 6:.1f} L{x - 7:.1f},{y + 6:.1f} Z" '
            f'fill="{WORSE}" stroke="#ffffff" stroke-width="1.5" class="point point-worse">'
            f"{tip}</path>"
        )
    fill = "#ffffff" if kind == "first" else LINE
    return (
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{fill}" stroke="{LINE}" '
        f'stroke-width="2" class="point point-{kind}">{tip}</circle>'
    )


def _legend(inst: Instrument, has_expected: bool, frame: _Frame, height: int) -> list[str]:
    y = height - 12
    x = frame.x0
    items: list[str] = [
        f'<circle cx="{x + 5:.1f}" cy="{y - 4}" r="4" fill="#ffffff" stroke="{LINE}" '
        'stroke-width="2"/>',
        f'<text x="{x + 13:.1f}" y="{y}" fill="{INK}">first</text>',
    ]
    x += 60
    if inst.reliable_change_points() is not None:
        items += [
            f'<path d="M{x + 5:.1f},{y - 10} L{x + 11:.1f},{y - 4} L{x + 5:.1f},{y + 2} '
            f'L{x - 1:.1f},{y - 4} Z" fill="{BETTER}"/>',
            f'<text x="{x + 15:.1f}" y="{y}" fill="{INK}">reliably better</text>',
        ]
        x += 130
        items += [
            f'<path d="M{x + 5:.1f},{y - 10} L{x + 11:.1f},{y + 1} L{x - 1:.1f},{y + 1} Z" '
            f'fill="{WORSE}"/>',
            f'<text x="{x + 15:.1f}" y="{y}" fill="{INK}">reliably worse</text>',
        ]
        x += 125
    if has_expected:
        items += [
            f'<rect x="{x:.1f}" y="{y - 10}" width="12" height="10" fill="{EXPECTED_FILL}"/>',
            f'<text x="{x + 16:.1f}" y="{y}" fill="{INK}">usual range</text>',
        ]
    return ['<g class="legend">', *items, "</g>"]


# --- small helpers ------------------------------------------------------------------------


def _band_words(inst: Instrument, score: float) -> str:
    band = inst.band_for(score)
    return f" ({band.label})" if band is not None else ""


def _num(value: float) -> str:
    return f"{value:g}"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _safe_id(value: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in value)
