"""Where the chart puts its words (web/tracking/charts.py, issue 14 item 6).

The bands' names stand in a column right of the plot, so the scores' line and points can
never cover them; names never touch each other; no text is smaller than 14 units; and the
two screen drawings (phone and wide) are each shown at their own size. The geometry is
read back from the SVG itself, over random series (hypothesis).
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from therapycheck.core.instruments import get_instrument
from therapycheck.web.tracking.charts import (
    PHONE_SIZE,
    WIDE_SIZE,
    progress_chart_svg,
    screen_charts_html,
)

SVG = "{http://www.w3.org/2000/svg}"
# A little wider than the average character of a sans-serif font, per unit of font size,
# so a box estimated from it holds the text as drawn.
CHAR_WIDTH = 0.6
# Every size the app draws: the two screen drawings, the old default, the printed small
# multiples (services.PRINT_CHART_SIZE*) and the PDF's (pdf.CHART_HEIGHTS).
SIZES = [PHONE_SIZE, WIDE_SIZE, (400, 320), (300, 80), (300, 150), (300, 70), (300, 230)]
WITH_BANDS = ["phq9", "gad7", "core10", "who5", "dast10"]
WITHOUT_BANDS = ["pcl5", "wai_sr", "phq2"]


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def touches(self, other: Box) -> bool:
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )


def text_box(text: ET.Element, font_size: float) -> Box:
    """Where a <text> is drawn: its anchor, its length, and the font's ascent and descent."""
    x, y = float(text.get("x", 0)), float(text.get("y", 0))
    width = len(text.text or "") * CHAR_WIDTH * font_size
    anchor = text.get("text-anchor", "start")
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return Box(left, y - 0.95 * font_size, left + width, y + 0.25 * font_size)


def marker_box(marker: ET.Element) -> Box:
    if marker.tag == f"{SVG}circle":
        x, y = float(marker.get("cx", 0)), float(marker.get("cy", 0))
        r = float(marker.get("r", 0)) + 1  # half the stroke
        return Box(x - r, y - r, x + r, y + r)
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", marker.get("d", ""))]
    xs, ys = numbers[0::2], numbers[1::2]
    return Box(min(xs) - 1, min(ys) - 1, max(xs) + 1, max(ys) + 1)


def crosses(a: tuple[float, float], b: tuple[float, float], box: Box) -> bool:
    """Does the segment a-b pass through the box? (Liang-Barsky clipping)"""
    t0, t1 = 0.0, 1.0
    dx, dy = b[0] - a[0], b[1] - a[1]
    for p, q in (
        (-dx, a[0] - box.left),
        (dx, box.right - a[0]),
        (-dy, a[1] - box.top),
        (dy, box.bottom - a[1]),
    ):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def group(root: ET.Element, name: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == name]


def font_size(text: ET.Element, root: ET.Element) -> float:
    return float(text.get("font-size") or root.get("font-size") or 16)


def test_crosses_finds_a_segment_through_a_box_and_misses_one_beside_it() -> None:
    box = Box(10, 10, 20, 20)
    assert crosses((0, 0), (30, 30), box)
    assert crosses((15, 0), (15, 30), box)
    assert not crosses((0, 25), (30, 25), box)
    assert not crosses((0, 0), (9, 30), box)


@st.composite
def charts(
    draw: st.DrawFn, instruments: list[str] = WITH_BANDS
) -> tuple[str, list[tuple[int, float]], tuple[int, int], bool]:
    instrument = draw(st.sampled_from(instruments))
    inst = get_instrument(instrument)
    sessions = sorted(draw(st.sets(st.integers(0, 60), min_size=1, max_size=30)))
    score = st.integers(int(inst.min), int(inst.max)).map(float)
    points = [(session, draw(score)) for session in sessions]
    return instrument, points, draw(st.sampled_from(SIZES)), draw(st.booleans())


@settings(max_examples=300, deadline=None)
@given(charts())
def test_no_band_name_is_touched_by_the_line_a_point_or_another_name(
    chart: tuple[str, list[tuple[int, float]], tuple[int, int], bool],
) -> None:
    instrument, points, (width, height), legend = chart
    root = ET.fromstring(
        progress_chart_svg(instrument, points, width=width, height=height, legend=legend)
    )
    coords = []
    for line in root.iter(f"{SVG}polyline"):
        if line.get("stroke-dasharray"):
            continue  # the expected range's median, not the scores' line
        coords = [tuple(map(float, pair.split(","))) for pair in line.get("points", "").split()]
    segments = list(itertools.pairwise(coords))
    markers = [marker_box(m) for g in group(root, "series") for m in g if m.tag != f"{SVG}polyline"]
    assert len(markers) == len(points)
    dashed = [
        Box(float(line.get("x1", 0)), float(line.get("y1", 0)) - 1,
            float(line.get("x2", 0)), float(line.get("y2", 0)) + 1)
        for g in group(root, "reliable-change") for line in g
    ]  # fmt: skip
    names = group(root, "band-label")
    assert names, "at least the latest score's band is named"
    boxes = []
    for name in names:
        lines = [text_box(t, font_size(t, root)) for t in name.iter(f"{SVG}text")]
        for box in lines:
            assert box.right <= width, "a band name runs off the chart"
            assert not any(crosses(a, b, box) for a, b in segments), "line over a name"
            assert not any(box.touches(marker) for marker in markers), "point on a name"
            assert not any(box.touches(line) for line in dashed), "dashed line through a name"
        boxes += lines
    for number, box in enumerate(boxes):
        assert not any(box.touches(other) for other in boxes[number + 1 :]), "names touch"


@settings(max_examples=100, deadline=None)
@given(charts())
def test_the_latest_scores_band_always_keeps_its_name(
    chart: tuple[str, list[tuple[int, float]], tuple[int, int], bool],
) -> None:
    instrument, points, (width, height), legend = chart
    inst = get_instrument(instrument)
    root = ET.fromstring(
        progress_chart_svg(instrument, points, width=width, height=height, legend=legend)
    )
    shown = [
        " ".join(t.text or "" for t in name.iter(f"{SVG}text"))
        for name in group(root, "band-label")
    ]
    band = inst.band_for(sorted(points)[-1][1])
    assert band is not None and band.label in shown


@settings(max_examples=150, deadline=None)
@given(charts(WITH_BANDS + WITHOUT_BANDS))
def test_no_chart_text_is_smaller_than_14_units_or_off_the_chart(
    chart: tuple[str, list[tuple[int, float]], tuple[int, int], bool],
) -> None:
    instrument, points, (width, height), legend = chart
    root = ET.fromstring(
        progress_chart_svg(instrument, points, width=width, height=height, legend=legend)
    )
    for text in root.iter(f"{SVG}text"):
        size = font_size(text, root)
        assert size >= 14, text.text
        box = text_box(text, size)
        assert box.left >= 0 and box.right <= width, text.text


def test_the_screen_pair_is_a_phone_and_a_wide_drawing_each_at_its_own_size() -> None:
    html = screen_charts_html("phq9", [(0, 20), (3, 14), (6, 9)], id_prefix="p")
    root = ET.fromstring(f"<div>{html}</div>")
    phone, wide = root.findall(f"{SVG}svg")
    for svg, (width, height), variant in ((phone, PHONE_SIZE, "phone"), (wide, WIDE_SIZE, "wide")):
        # One unit is one CSS pixel: the SVG's own size is its viewBox.
        assert svg.get("viewBox") == f"0 0 {svg.get('width')} {svg.get('height')}"
        assert svg.get("width") == str(width)
        assert int(svg.get("height", 0)) >= height
        assert svg.get("class") == f"progress-chart chart-{variant}"
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert title is not None and desc is not None
        assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    # The same story in words, under ids of their own.
    phone_desc, wide_desc = phone.find(f"{SVG}desc"), wide.find(f"{SVG}desc")
    assert phone_desc is not None and wide_desc is not None
    assert phone_desc.text == wide_desc.text
    assert phone.get("aria-labelledby") != wide.get("aria-labelledby")


def test_a_long_band_name_wraps_on_a_phone_and_not_on_a_wide_screen() -> None:
    def shown(width: int) -> list[list[str]]:
        root = ET.fromstring(progress_chart_svg("phq9", [(0, 17), (1, 16)], width=width))
        return [
            [t.text or "" for t in name.iter(f"{SVG}text")] for name in group(root, "band-label")
        ]

    assert ["moderately", "severe"] in shown(PHONE_SIZE[0])
    assert ["moderately severe"] in shown(WIDE_SIZE[0])
