"""Property tests: any valid records round-trip; any bytes give records or ExchangeError."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from therapycheck.interop._instruments import scored_measurement
from therapycheck.interop.csv_io import export_csv, import_measurements_csv
from therapycheck.interop.fhir import export_bundle, import_bundle
from therapycheck.interop.records import (
    ExchangeError,
    ExchangeRecords,
    JournalRecord,
    MeasurementRecord,
)

_ITEMS = {"phq9": (9, 3), "gad7": (7, 3), "who5": (5, 5)}


@st.composite
def measurements(draw: st.DrawFn) -> MeasurementRecord:
    instrument = draw(st.sampled_from(sorted(_ITEMS)))
    count, top = _ITEMS[instrument]
    answers = tuple(draw(st.lists(st.integers(0, top), min_size=count, max_size=count)))
    taken_on = draw(st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)))
    session = draw(st.none() | st.integers(0, 1000))
    return scored_measurement(instrument, answers, taken_on, session)


# Text of only unusual whitespace (e.g. no-break spaces) is not a valid FHIR string; the web
# forms strip it to "", so records never hold it. Any other text must survive exactly.
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40).map(
    lambda t: t if re.search(r"[ \r\n\t\S]", t) else ""
)
journal = st.builds(
    JournalRecord,
    date=st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)),
    session_number=st.none() | st.integers(0, 1000),
    feeling_before=st.none() | st.integers(0, 10),
    feeling_after=st.none() | st.integers(0, 10),
    topics=text,
    avoided_topics=text,
    homework=st.sampled_from(["", "done", "partly", "not_done", "none_set"]),
    notes=text,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(measurements(), max_size=6), st.lists(journal, max_size=3))
def test_any_records_round_trip_through_fhir(
    found: list[MeasurementRecord], entries: list[JournalRecord]
) -> None:
    records = ExchangeRecords(measurements=tuple(found), journal=tuple(entries))
    assert import_bundle(export_bundle(records)) == records


@settings(max_examples=40, deadline=None)
@given(st.lists(measurements(), max_size=6))
def test_any_measurements_round_trip_through_csv(found: list[MeasurementRecord]) -> None:
    text_out = export_csv(ExchangeRecords(measurements=tuple(found)))["measurements.csv"]
    assert import_measurements_csv(text_out) == tuple(found)


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_give_records_or_a_named_problem(data: bytes) -> None:
    for reader in (import_bundle, import_measurements_csv):
        try:
            reader(data)
        except ExchangeError as exc:
            assert str(exc)
