"""A person's progress per instrument: points, status, expected range, chart and table."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from therapycheck.core import change as core_change
from therapycheck.core.change import Point, SeriesStatus
from therapycheck.core.instruments import get_instrument
from therapycheck.core.instruments.schema import Instrument
from therapycheck.core.trajectory import Classification, ExpectedResponseModel, series_progress
from therapycheck.web.accounts.models import Person
from therapycheck.web.tracking.charts import screen_charts_html
from therapycheck.web.tracking.models import Measurement

log = logging.getLogger(__name__)


@dataclass
class Row:
    session: int
    date: str
    score: float
    band: str
    change: float | None
    reading: str
    expected: str = ""


@dataclass
class InstrumentProgress:
    instrument: Instrument
    points: list[Point]
    status: SeriesStatus
    classification: Classification | None
    svg: SafeString
    rows: list[Row] = field(default_factory=list)


def expected_model(
    instrument_id: str, models_dir: Path | None = None
) -> ExpectedResponseModel | None:
    """The expected-response model for an instrument from the data dir, if one is there.

    A missing file means no model; an unreadable one is logged and ignored, since the
    chart is still useful without the expected range.
    """
    folder = Path(models_dir or settings.THERAPYCHECK_MODELS_DIR)
    path = folder / f"{instrument_id}.json"
    if not path.is_file():
        return None
    try:
        model = ExpectedResponseModel.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("ignoring expected-response model %s: %s", path, exc)
        return None
    return model if model.instrument == instrument_id else None


def progress_for(person: Person) -> list[InstrumentProgress]:
    by_instrument: dict[str, list[Measurement]] = {}
    for row in Measurement.objects.filter(person=person).order_by("session_number", "pk"):
        by_instrument.setdefault(row.instrument, []).append(row)
    found = []
    for instrument_id, rows in by_instrument.items():
        try:
            instrument = get_instrument(instrument_id)
        except ValueError:
            continue  # an instrument no longer shipped: its rows stay exportable
        found.append(instrument_progress(instrument, rows))
    order = {inst_id: n for n, inst_id in enumerate(_order())}
    return sorted(found, key=lambda p: order.get(p.instrument.id, len(order)))


def instrument_progress(instrument: Instrument, rows: list[Measurement]) -> InstrumentProgress:
    points = [Point(r.session_number, r.total, r.taken_on) for r in rows]
    # The same judgement as the report and `therapycheck progress` (core.trajectory).
    status, classification = series_progress(instrument, points, expected_model(instrument.id))
    # Two drawings, phone and wide; tracking/charts.css shows the one that fits.
    svg = screen_charts_html(
        instrument,
        points,
        status=status,
        expected=classification.ranges if classification and classification.ranges else None,
    )
    return InstrumentProgress(
        instrument=instrument,
        points=points,
        status=status,
        classification=classification,
        # The builder escapes every piece of text it writes.
        svg=mark_safe(svg),
        rows=_rows(instrument, rows, classification),
    )


def _rows(
    instrument: Instrument, rows: list[Measurement], classification: Classification | None
) -> list[Row]:
    first = rows[0].total
    ranges = {r.session: r for r in (classification.ranges if classification else [])}
    table = []
    for n, row in enumerate(rows):
        change = None if n == 0 else row.total - first
        reading = "first score"
        if n:
            found = core_change.compare(instrument, first, row.total)
            reading = _reading(found)
        expected = ""
        if row.session_number in ranges:
            r = ranges[row.session_number]
            expected = f"{r.low:.0f}–{r.high:.0f}"
        table.append(
            Row(
                session=row.session_number,
                date=row.taken_on.isoformat(),
                score=row.total,
                band=row.band,
                change=change,
                reading=reading,
                expected=expected,
            )
        )
    return table


def _reading(found: core_change.Change) -> str:
    """One score against the first, in the words of the status labels (core.change)."""
    if found.reliable and found.direction == "better":
        return "clearly better"
    if found.reliable and found.direction == "worse":
        return "clearly worse"
    if found.direction == "none":
        return "no change"
    # Inside the noise, or no agreed figure: say which way the score moved, not what it means.
    moved = "higher" if found.delta > 0 else "lower"
    if found.threshold is None:
        return f"{moved} than the first score"
    return f"{moved}, within the usual ups and downs"


def _order() -> list[str]:
    from therapycheck.core.instruments import instrument_ids

    return list(instrument_ids())
