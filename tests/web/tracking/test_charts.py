"""The server-side SVG progress chart (web/tracking/charts.py): a pure function over numbers."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest

from therapycheck.core.change import Point, series_status
from therapycheck.core.instruments import get_instrument
from therapycheck.core.trajectory import SessionRange
from therapycheck.web.tracking.charts import describe_chart, progress_chart_svg

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def classes(root: ET.Element, prefix: str) -> list[str]:
    return [el.get("class", "") for el in root.iter() if el.get("class", "").startswith(prefix)]


def test_it_is_well_formed_svg_with_a_title_and_description() -> None:
    root = parse(progress_chart_svg("phq9", [(1, 18), (4, 12), (8, 7)]))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and title.text == "PHQ-9 score by session"
    assert desc is not None and "from session 1 to session 8" in (desc.text or "")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_it_shades_one_area_per_severity_band() -> None:
    phq9 = get_instrument("phq9")
    root = parse(progress_chart_svg(phq9, [(1, 18), (2, 15)]))
    bands = root.find(f"{SVG}g[@class='bands']")
    assert bands is not None
    labels = [rect.find(f"{SVG}title").text for rect in bands.iter(f"{SVG}rect")]
    assert labels == [f"{b.label} ({b.min:g}–{b.max:g})" for b in phq9.bands]


def test_it_marks_reliable_change_against_the_first_score() -> None:
    """PHQ-9 reliable change is 6 points (NHS Talking Therapies manual, REFERENCES.md §1)."""
    root = parse(progress_chart_svg("phq9", [(1, 15), (2, 13), (3, 9), (4, 21)]))
    assert classes(root, "point") == [
        "point point-first",
        "point point-plain",  # -2: within the usual ups and downs
        "point point-better",  # -6: reliable improvement
        "point point-worse",  # +6: reliable deterioration
    ]
    lines = [t.text for t in root.iter(f"{SVG}title") if "from the first score (" in (t.text or "")]
    assert lines == [
        "reliable improvement from the first score (9)",
        "reliable worsening from the first score (21)",
    ]


def test_higher_is_better_flips_which_way_counts_as_better() -> None:
    root = parse(progress_chart_svg("who5", [(1, 28), (5, 60)]))
    assert classes(root, "point") == ["point point-first", "point point-better"]


def test_it_draws_the_expected_range_when_given() -> None:
    ranges = [SessionRange(s, 18 - s, 20 - s, 22 - s) for s in range(1, 9)]
    with_range = parse(progress_chart_svg("phq9", [(1, 20), (3, 17)], expected=ranges))
    without = parse(progress_chart_svg("phq9", [(1, 20), (3, 17)]))
    assert with_range.find(f".//{SVG}g[@class='expected']/{SVG}polygon") is not None
    assert without.find(f".//{SVG}g[@class='expected']") is None


def test_it_escapes_every_piece_of_text() -> None:
    tricky = get_instrument("phq9").model_copy(update={"short_name": "<script>&"})
    svg = progress_chart_svg(tricky, [(1, 10)])
    assert "<script>" not in svg
    assert "&lt;script&gt;&amp;" in svg
    parse(svg)


def test_a_single_score_still_draws_a_chart() -> None:
    root = parse(progress_chart_svg("gad7", [Point(3, 12)]))
    assert classes(root, "point") == ["point point-first"]


def test_it_refuses_two_scores_for_one_session() -> None:
    with pytest.raises(ValueError, match="session 2"):
        progress_chart_svg("phq9", [(2, 10), (2, 11)])


def test_it_refuses_an_empty_series() -> None:
    with pytest.raises(ValueError):
        progress_chart_svg("phq9", [])


def test_the_description_includes_the_status_in_words() -> None:
    points = [Point(1, 18), Point(2, 14), Point(3, 10)]
    status = series_status("phq9", points)
    text = describe_chart(get_instrument("phq9"), points, status)
    assert status.explanation in text
    assert "First score 18 (moderately severe); latest 10 (moderate)." in text


def test_ids_can_be_made_unique_per_chart() -> None:
    svg = progress_chart_svg("phq9", [(1, 5)], id_prefix="report 1")
    assert 'id="report-1-title"' in svg


# --- fits a phone, and labels never touch (issue 14) ---------------------------------


def _texts(root: ET.Element, group: str) -> list[ET.Element]:
    return [
        el for g in root.iter(f"{SVG}g") if g.get("class") == group for el in g.iter(f"{SVG}text")
    ]


@pytest.mark.parametrize("legend", [True, False])
@pytest.mark.parametrize("size", [(400, 320), (300, 80), (300, 110), (300, 40)])
@pytest.mark.parametrize("instrument", ["phq9", "gad7", "core10", "who5", "wai_sr"])
def test_y_axis_labels_are_never_closer_than_a_line_of_text(
    instrument: str, size: tuple[int, int], legend: bool
) -> None:
    inst = get_instrument(instrument)
    width, height = size
    points = [(0, inst.min), (1, inst.max)]
    svg = progress_chart_svg(inst, points, width=width, height=height, legend=legend)
    ys = sorted(
        float(t.get("y", 0)) for t in _texts(parse(svg), "axes") if t.get("text-anchor") == "end"
    )
    assert len(ys) >= 2  # the scale's two ends are always labelled
    assert all(b - a >= 17 for a, b in itertools.pairwise(ys)), ys


@pytest.mark.parametrize("sessions", [2, 9, 14, 27, 60])
def test_the_latest_session_is_always_numbered_and_numbers_never_touch(sessions: int) -> None:
    points = [(n, 10.0) for n in range(sessions + 1)]
    root = parse(progress_chart_svg("phq9", points))
    numbers = [t for t in _texts(root, "axes") if t.get("text-anchor") == "middle"]
    labels = [t.text for t in numbers if t.text != "Session"]
    assert labels[-1] == str(sessions)
    xs = [float(t.get("x", 0)) for t in numbers if t.text != "Session"]
    widest = len(str(sessions)) * 0.6 * 14
    assert all(b - a > widest for a, b in itertools.pairwise(xs)), xs


def test_the_key_wraps_to_stay_inside_a_phone_sized_chart() -> None:
    ranges = [SessionRange(session=n, low=5, median=10, high=15) for n in range(4)]
    root = parse(progress_chart_svg("phq9", [(0, 20), (3, 8)], expected=ranges))
    key = _texts(root, "legend")
    assert {t.text for t in key} == {
        "first",
        "reliably better",
        "reliably worse",
        "reliable change",
        "usual range",
    }
    assert len({t.get("y") for t in key}) >= 2  # more than one row at 400 units wide
    for text in key:
        right = float(text.get("x", 0)) + len(text.text or "") * 0.6 * 15
        assert right <= 400, text.text


def test_the_print_chart_leaves_out_its_key_and_axis_title() -> None:
    root = parse(progress_chart_svg("phq9", [(0, 20), (3, 8)], legend=False))
    assert _texts(root, "legend") == []
    assert "Session" not in [t.text for t in _texts(root, "axes")]
