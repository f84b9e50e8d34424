"""Server-side SVG progress charts: a pure function over numbers, no Django, no JavaScript.

`progress_chart_svg` draws one instrument's scores by session with:
- the instrument's severity bands shaded behind the line (from its data file);
- the reliable-change lines measured from the FIRST score, and each later point marked
  by shape when it is a reliable change (`core.change.compare` decides, so the chart and
  the words never disagree);
- the expected range of similar clients when a model is given (`core.trajectory`).

The bands' names stand in a column to the right of the plot (the "gutter"), never on it,
so the line and its points can never cover them, whatever the scores.

Text is never shrunk below its size on a screen: `screen_charts_html` draws the chart twice,
narrow for phones and wide for larger screens, each shown at its own size (one SVG unit is
one CSS pixel) and picked by CSS (tracking/charts.css); no text is smaller than 14 units.

The SVG carries a <title> and <desc> so screen readers get the same story in words; every
piece of text is escaped, so the result is safe to mark_safe. Colours are presentation
attributes (not inline styles), which the strict Content-Security-Policy allows. The
report app reuses this for its printable report and its PDF.
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

# Text sizes in SVG units. Shown at one unit per CSS pixel (screen_charts_html), no text
# is smaller than 14 px; printed, 14 units of a 300-unit chart across a half page are
# about 11 pt.
_FONT = 15  # the axes' numbers, the "Session" title and the key
_BAND_FONT = 14  # the bands' names
# Roughly how wide one character of the chart's sans-serif text is, per unit of font size;
# used to keep labels from running into each other (a little generous on purpose).
_CHAR_WIDTH = 0.6
_MARGIN_RIGHT = 12  # a chart without bands: room for the last session's number
_MARGIN_TOP = 12
_BARE_TOP = 10  # without a key: room for the top number's upper half
# Points sit this far inside the plot's left and right edges, so a marker (7 units across
# its centre) never reaches the y axis' numbers or the bands' names.
_PAD = 9
# A marker reaches 7 units below the lowest score: the session numbers start below it.
_TICK_BASELINE = 8 + _FONT
_AXIS_BOTTOM = _TICK_BASELINE + _FONT + 12  # session numbers and the "Session" title
_BARE_BOTTOM = _TICK_BASELINE + 5  # session numbers only (the printed small multiples)
_LEGEND_ROW = _FONT + 6
# The bands' names: their column starts this far right of the plot, may take about this
# share of the chart's width (longer names wrap onto a second line), one line this tall.
_GUTTER_GAP = 10
_GUTTER_SHARE = 0.32
_BAND_LINE = _BAND_FONT + 3
_BAND_NAME_GAP = 3  # between two names in the column
# Text never comes closer than this to the next label on the y axis.
_LABEL_GAP = _FONT + 3
# The least height of the plot area (its two end labels fit, with room between).
_MIN_PLOT = 2 * _LABEL_GAP + 6

# The two drawings of screen_charts_html: (width, height) in units = CSS pixels. The phone
# one fits a 360 px screen (330 px inside the page's margins) at full size; the wide one
# fits the progress page's column (34rem) from 641 px up, where tracking/charts.css
# switches to it.
PHONE_SIZE = (320, 340)
WIDE_SIZE = (540, 340)


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
        inner = self.x1 - self.x0 - 2 * _PAD
        return self.x0 + _PAD + (session - self.first_session) / span * inner

    def y(self, score: float) -> float:
        span = max(self.high_score - self.low_score, 1e-9)
        return self.y1 - (score - self.low_score) / span * (self.y1 - self.y0)


def progress_chart_svg(
    instrument: Instrument | str,
    points: Sequence[Point | tuple[int, float]],
    status: SeriesStatus | None = None,
    expected: ExpectedLike | Sequence[SessionRangeLike] | None = None,
    width: int = 400,
    height: int = 320,
    id_prefix: str | None = None,
    legend: bool = True,
    variant: str = "",
) -> str:
    """One instrument's scores by session as an accessible, self-contained SVG string.

    The SVG's width and height are `width` x `height` CSS pixels, so shown at its own size
    its text has its own size (a page's CSS may still stretch it, as print does).
    `legend=False` leaves out the key and the "Session" title (the printed report explains
    them once, under all the charts). `variant` ("phone" or "wide") names the drawing in
    its class, for the CSS that picks one (see screen_charts_html).
    """
    inst = get_instrument(instrument) if isinstance(instrument, str) else instrument
    series = core_change.sort_points([_as_point(p) for p in points])
    if not series:
        raise ValueError("a chart needs at least one score")
    ranges = _ranges(expected)
    uid = _safe_id(id_prefix or f"chart-{inst.id}")
    left = _left_margin(inst)
    keys = _legend_rows(inst, bool(ranges), width - left) if legend else []
    bottom = (_AXIS_BOTTOM + len(keys) * _LEGEND_ROW + 4) if legend else _BARE_BOTTOM
    top = _MARGIN_TOP if legend else _BARE_TOP
    # Never squash the plot below a readable height: the chart grows instead.
    height = max(height, top + bottom + _MIN_PLOT)
    names = _band_names(inst, width)
    frame = _frame(inst, series, ranges, width, height, bottom, top, left, _gutter(names))
    css_class = f"progress-chart chart-{_safe_id(variant)}" if variant else "progress-chart"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="{css_class}" role="img" '
        f'aria-labelledby="{uid}-title {uid}-desc" font-family="system-ui, sans-serif" '
        f'font-size="{_FONT}" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{uid}-title">{_e(inst.short_name)} score by session</title>',
        f'<desc id="{uid}-desc">{_e(describe_chart(inst, series, status, ranges))}</desc>',
        *_bands(inst, frame),
        *_expected(ranges, frame),
        *_reliable_lines(inst, series[0], frame),
        *_band_labels(inst, series, frame, names),
        *_axes(inst, frame, axis_title=legend),
        *_series(inst, series, frame),
        *_legend(keys, frame, height),
        "</svg>",
    ]
    return "\n".join(part for part in parts if part)


def screen_charts_html(
    instrument: Instrument | str,
    points: Sequence[Point | tuple[int, float]],
    status: SeriesStatus | None = None,
    expected: ExpectedLike | Sequence[SessionRangeLike] | None = None,
    id_prefix: str | None = None,
) -> str:
    """The chart for a web page: drawn for a phone and for a larger screen.

    A chart scaled down to fit a phone would shrink its text below a readable size, and one
    drawn for a phone looks oversized stretched across a laptop. So both drawings are in
    the page, each shown at its own size (PHONE_SIZE, WIDE_SIZE), and the page's CSS
    (tracking/charts.css) shows the one that fits: no text under 14 px and nothing to
    scroll sideways from a 360 px screen up. The hidden one is `display: none`, so a screen
    reader meets one chart. Each has its own ids, so the page's ids stay unique.
    """
    inst = get_instrument(instrument) if isinstance(instrument, str) else instrument
    base = id_prefix or f"chart-{inst.id}"
    return "\n".join(
        progress_chart_svg(
            inst,
            points,
            status=status,
            expected=expected,
            width=width,
            height=height,
            id_prefix=f"{base}-{variant}",
            variant=variant,
        )
        for variant, (width, height) in (("phone", PHONE_SIZE), ("wide", WIDE_SIZE))
    )


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
    bottom: int,
    top: int,
    left: float,
    right: float,
) -> _Frame:
    sessions = [p.session for p in series] + [r.session for r in ranges]
    first, last = min(sessions), max(sessions)
    if first == last:
        first, last = max(first - 1, 0), first + 1
    return _Frame(
        x0=left,
        x1=width - right,
        y0=top,
        y1=height - bottom,
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
    parts.append("</g>")
    return parts


@dataclass(frozen=True)
class _BandName:
    """One band's name in the gutter: its lines and where its band is on the y axis."""

    index: int
    lines: tuple[str, ...]
    band_top: float
    band_bottom: float

    @property
    def height(self) -> float:
        return len(self.lines) * _BAND_LINE

    @property
    def middle(self) -> float:
        return (self.band_top + self.band_bottom) / 2


def _band_names(inst: Instrument, width: int) -> list[tuple[str, ...]]:
    """Each band's name (sorted by score, as _bands), wrapped to the gutter's share."""
    room = max(int(width * _GUTTER_SHARE / (_CHAR_WIDTH * _BAND_FONT)), 6)
    return [_wrap(b.label, room) for b in sorted(inst.bands, key=lambda b: b.min)]


def _wrap(text: str, room: int) -> tuple[str, ...]:
    """Words onto lines of at most `room` characters (a longer word keeps its own line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= room:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return tuple(lines)


def _gutter(names: Sequence[tuple[str, ...]]) -> float:
    """The room right of the plot: the longest line of a band's name, or a small margin."""
    longest = max((len(line) for lines in names for line in lines), default=0)
    if not longest:
        return _MARGIN_RIGHT
    return _GUTTER_GAP + longest * _CHAR_WIDTH * _BAND_FONT + 2


def _band_labels(
    inst: Instrument, series: Sequence[Point], frame: _Frame, names: Sequence[tuple[str, ...]]
) -> list[str]:
    """Each band's name in the gutter right of the plot, beside its band.

    Nothing else is drawn in the gutter, so no line, point or dashed line can cross a name.
    Names that would touch are moved apart (a thin leader then points to the band). When
    the chart is too short for all of them, the latest score's band and the first score's
    keep their names first, then the tallest bands; every band still has its <title>.
    """
    bands = sorted(inst.bands, key=lambda b: b.min)
    if not bands:
        return []
    found = []
    for index, band in enumerate(bands):
        top_score = bands[index + 1].min if index + 1 < len(bands) else inst.max
        found.append(_BandName(index, names[index], frame.y(top_score), frame.y(band.min)))
    placed = _stack(_keep(inst, series, found, frame), frame)
    x = frame.x1 + _GUTTER_GAP
    parts = ['<g class="band-labels">']
    for name, top in placed:
        parts.append('<g class="band-label">')
        middle = top + name.height / 2
        if not name.band_top <= middle <= name.band_bottom:
            parts.append(
                f'<line x1="{frame.x1 + 1:.1f}" y1="{name.middle:.1f}" x2="{x - 2:.1f}" '
                f'y2="{middle:.1f}" stroke="{MUTED}" stroke-width="1" class="band-leader"/>'
            )
        for number, line in enumerate(name.lines):
            baseline = top + number * _BAND_LINE + _BAND_FONT - 1
            parts.append(
                f'<text x="{x:.1f}" y="{baseline:.1f}" fill="{MUTED}" '
                f'font-size="{_BAND_FONT}">{_e(line)}</text>'
            )
        parts.append("</g>")
    parts.append("</g>")
    return parts


def _keep(
    inst: Instrument, series: Sequence[Point], names: list[_BandName], frame: _Frame
) -> list[_BandName]:
    """The names that fit the plot's height, the most useful first (see _band_labels)."""
    bands = sorted(inst.bands, key=lambda b: b.min)
    latest, first = inst.band_for(series[-1].score), inst.band_for(series[0].score)

    def rank(name: _BandName) -> tuple[bool, bool, float]:
        band = bands[name.index]
        return (band != latest, band != first, name.band_top - name.band_bottom)

    room = frame.y1  # from the chart's top to the plot's bottom (see _stack)
    kept: list[_BandName] = []
    used = 0.0
    for name in sorted(names, key=rank):
        need = name.height + (_BAND_NAME_GAP if kept else 0)
        if used + need <= room:
            kept.append(name)
            used += need
    return sorted(kept, key=lambda n: n.middle)


def _stack(names: list[_BandName], frame: _Frame) -> list[tuple[_BandName, float]]:
    """Top edges for the names (top of the chart first): each as near its band's middle as
    it can be, none touching the next, all between the chart's top and the plot's bottom."""
    low, high = 0.0, frame.y1
    tops: list[float] = []
    for name in names:
        want = name.middle - name.height / 2
        floor = tops[-1] + names[len(tops) - 1].height + _BAND_NAME_GAP if tops else low
        tops.append(max(want, floor))
    ceiling = high
    for index in range(len(names) - 1, -1, -1):
        tops[index] = min(tops[index], ceiling - names[index].height)
        ceiling = tops[index] - _BAND_NAME_GAP
    return list(zip(names, tops, strict=True))


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


def _reliable_scores(inst: Instrument, first: Point) -> list[tuple[float, str, str]]:
    """The reliable-change lines inside the scale: (score, words, colour)."""
    threshold = inst.reliable_change_points()
    if threshold is None:
        return []
    sign = 1 if inst.higher_is_better else -1
    lines = (
        (first.score + sign * threshold, "reliable improvement", BETTER),
        (first.score - sign * threshold, "reliable worsening", WORSE),
    )
    return [line for line in lines if inst.min <= line[0] <= inst.max]


def _reliable_lines(inst: Instrument, first: Point, frame: _Frame) -> list[str]:
    """Dashed lines at reliable change from the first score; the legend names them, so no
    words sit on the plot where they would cross the bands' names or the scores' line."""
    lines = _reliable_scores(inst, first)
    if not lines:
        return []
    parts = ['<g class="reliable-change">']
    for score, label, colour in lines:
        y = frame.y(score)
        parts.append(
            f'<line x1="{frame.x0:.1f}" x2="{frame.x1:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{colour}" stroke-width="1.5" stroke-dasharray="6 4">'
            f"<title>{_e(label)} from the first score ({_num(round(score, 1))})</title></line>"
        )
    parts.append("</g>")
    return parts


def _axes(inst: Instrument, frame: _Frame, *, axis_title: bool = True) -> list[str]:
    parts = [
        '<g class="axes">',
        f'<line x1="{frame.x0}" x2="{frame.x0}" y1="{frame.y0}" y2="{frame.y1}" stroke="{INK}"/>',
        f'<line x1="{frame.x0}" x2="{frame.x1}" y1="{frame.y1}" y2="{frame.y1}" stroke="{INK}"/>',
    ]
    for score in _y_ticks(inst, frame):
        y = frame.y(score)
        parts.append(
            f'<text x="{frame.x0 - 6:.1f}" y="{y + 0.35 * _FONT:.1f}" text-anchor="end" '
            f'fill="{INK}">{_num(score)}</text>'
        )
    for session in _x_ticks(frame):
        x = frame.x(session)
        parts.append(
            f'<text x="{x:.1f}" y="{frame.y1 + _TICK_BASELINE:.1f}" text-anchor="middle" '
            f'fill="{INK}">{session}</text>'
        )
    if axis_title:
        parts.append(
            f'<text x="{(frame.x0 + frame.x1) / 2:.1f}" '
            f'y="{frame.y1 + _TICK_BASELINE + _FONT + 6:.1f}" '
            f'text-anchor="middle" fill="{INK}">Session</text>'
        )
    parts.append("</g>")
    return parts


def _y_ticks(inst: Instrument, frame: _Frame | None = None) -> list[float]:
    """The scale's ends and each band's start, leaving out any that would touch another
    label (the ends always stay, see _MIN_PLOT; a band start next to an end gives way)."""
    ticks = sorted({float(inst.min), float(inst.max), *(float(b.min) for b in inst.bands)})
    if frame is None:
        return ticks
    ends = [ticks[0], ticks[-1]]
    kept = list(ends)
    for tick in ticks[1:-1]:
        if all(abs(frame.y(tick) - frame.y(other)) >= _LABEL_GAP for other in kept):
            kept.append(tick)
    return sorted(kept)


def _x_ticks(frame: _Frame) -> list[int]:
    """Session numbers under the axis: evenly spaced, never touching, the latest always."""
    first, last = frame.first_session, frame.last_session
    widest = len(str(last)) * _CHAR_WIDTH * _FONT + 8
    most = max(int((frame.x1 - frame.x0 - 2 * _PAD) // widest), 2)
    step = max(1, -(-(last - first) // most))
    ticks = list(range(first, last + 1, step))
    if ticks[-1] != last:
        if frame.x(last) - frame.x(ticks[-1]) < widest:
            ticks.pop()
        ticks.append(last)
    return ticks


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


def _legend_rows(inst: Instrument, has_expected: bool, room: float) -> list[list[str]]:
    """The key's entries, wrapped into rows that fit `room` (the chart's width right of
    the y axis' margin, where the key starts)."""
    names = ["first"]
    if inst.reliable_change_points() is not None:
        names += ["reliably better", "reliably worse", "reliable change"]
    if has_expected:
        names.append("usual range")
    rows: list[list[str]] = [[]]
    used = 0.0
    room -= 4
    for name in names:
        need = _legend_width(name)
        if rows[-1] and used + need > room:
            rows.append([])
            used = 0.0
        rows[-1].append(name)
        used += need
    return rows


def _legend_width(name: str) -> float:
    swatch = 28 if name == "reliable change" else 16
    return swatch + len(name) * _CHAR_WIDTH * _FONT + 14


def _legend(rows: list[list[str]], frame: _Frame, height: int) -> list[str]:
    if not rows:
        return []
    items: list[str] = []
    for number, row in enumerate(rows):
        y = height - 8 - (len(rows) - 1 - number) * _LEGEND_ROW
        x = frame.x0
        for name in row:
            items += _legend_item(name, x, y)
            x += _legend_width(name)
    return ['<g class="legend">', *items, "</g>"]


def _legend_item(name: str, x: float, y: float) -> list[str]:
    text = f'<text x="{x + 16:.1f}" y="{y}" fill="{INK}">{_e(name)}</text>'
    if name == "first":
        mark = (
            f'<circle cx="{x + 5:.1f}" cy="{y - 4}" r="4" fill="#ffffff" stroke="{LINE}" '
            'stroke-width="2"/>'
        )
    elif name == "reliably better":
        mark = (
            f'<path d="M{x + 5:.1f},{y - 10} L{x + 11:.1f},{y - 4} L{x + 5:.1f},{y + 2} '
            f'L{x - 1:.1f},{y - 4} Z" fill="{BETTER}"/>'
        )
    elif name == "reliably worse":
        mark = (
            f'<path d="M{x + 5:.1f},{y - 10} L{x + 11:.1f},{y + 1} L{x - 1:.1f},{y + 1} Z" '
            f'fill="{WORSE}"/>'
        )
    elif name == "reliable change":
        mark = (
            f'<line x1="{x:.1f}" x2="{x + 24:.1f}" y1="{y - 4}" y2="{y - 4}" stroke="{MUTED}" '
            'stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
        text = f'<text x="{x + 28:.1f}" y="{y}" fill="{INK}">{_e(name)}</text>'
    else:
        mark = f'<rect x="{x:.1f}" y="{y - 10}" width="12" height="10" fill="{EXPECTED_FILL}"/>'
    return [mark, text]


# --- small helpers ------------------------------------------------------------------------


def _left_margin(inst: Instrument) -> float:
    """Room for the y axis' longest number and a little space before the axis."""
    longest = max(len(_num(v)) for v in (inst.min, inst.max, *(b.min for b in inst.bands)))
    return longest * _CHAR_WIDTH * _FONT + 12


def _band_words(inst: Instrument, score: float) -> str:
    band = inst.band_for(score)
    return f" ({band.label})" if band is not None else ""


def _num(value: float) -> str:
    return f"{value:g}"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _safe_id(value: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in value)
