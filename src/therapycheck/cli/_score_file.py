"""Reading score files for `therapycheck progress` and `therapycheck model` (polars).

Kept apart from the command module so that only these commands pay for importing
polars; every other command starts faster. Errors use the CLI's one-line rule.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from therapycheck.analytics import readers
from therapycheck.cli._output import fail, private_output
from therapycheck.core.change import Point

TRUE_WORDS = {"true", "1", "yes", "t", "y"}
# Optional columns the commands use when a file has them.
EXTRA_COLUMNS = ("date", "synthetic")


@dataclass(frozen=True)
class _Rows:
    """Checked score rows: one frame with typed columns plus how to name a row in errors."""

    frame: pl.DataFrame
    source: readers.SourceFile

    def where(self, index: int) -> str:
        return f"{self.source.unit} {index + self.source.first_number}"


def load_rows(path: Path) -> _Rows:
    """Read and check a score file with the same rules as `therapycheck outcomes`.

    Strict UTF-8 over the whole file, the four columns, and every row checked (client id,
    known instrument, whole session 0 to MAX_SESSION, score in the instrument's range and
    whole for PHQ-9 and GAD-7); the first bad row stops the run with its line number.
    """
    try:
        source = readers.source_file(path)
        readers.check_utf8(source)
        rows = readers.canonical_instruments(readers.read_rows(source, extra=EXTRA_COLUMNS))
        present = readers.instruments_present(rows)
        invalid = readers.count_bad(rows, present)
        if invalid:
            first = readers.describe_bad_rows(source, rows, present, limit=1)
            raise readers.BadRowsError(first, source.unit, total=invalid)
    except readers.InputError as exc:
        fail(str(exc))
    except readers.BadRowsError as exc:
        fail(f"{path}: {exc.reason}")
    frame = rows.with_row_index("_row").with_columns(
        pl.col("client_id").str.strip_chars(),
        pl.col("session").cast(pl.Int64).alias("_session"),
        pl.col("score").alias("_score"),
    )
    return _Rows(frame, source)


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _parse_date(text: str | None, where: str) -> datetime.date | None:
    if text is None or not text.strip():
        return None
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        fail(f"{where}: date {text!r} is not a date like 2025-01-31")


def _points(rows: _Rows, frame: pl.DataFrame) -> list[Point]:
    seen: dict[int, float] = {}
    points = []
    has_date = "date" in frame.columns
    for record in frame.sort("_session", "_row").iter_rows(named=True):
        session, score = int(record["_session"]), float(record["_score"])
        where = rows.where(int(record["_row"]))
        if session in seen:
            if seen[session] != score:
                fail(f"{where}: two different scores for session {session}")
            continue
        seen[session] = score
        date = _parse_date(record["date"], where) if has_date else None
        points.append(Point(session, _number(score), date))
    return points


def _client_frame(rows: _Rows, client: str, instrument: str | None) -> pl.DataFrame:
    frame = rows.frame.filter(pl.col("client_id") == client.strip())
    if frame.is_empty():
        fail(f"client {client!r} is not in the file")
    if instrument is not None:
        frame = frame.filter(pl.col("instrument") == instrument)
        if frame.is_empty():
            fail(f"client {client!r} has no {instrument} scores")
    return frame


def _is_synthetic(frame: pl.DataFrame) -> bool:
    if "synthetic" not in frame.columns:
        return False
    values = frame["synthetic"].cast(pl.String).str.strip_chars().str.to_lowercase()
    return bool(values.is_in(list(TRUE_WORDS)).any())


def client_series(rows: _Rows, client: str, instrument: str | None) -> dict[str, list[Point]]:
    """Each instrument's points for one client, instruments in name order."""
    frame = _client_frame(rows, client, instrument)
    return {
        instrument_id: _points(rows, frame.filter(pl.col("instrument") == instrument_id))
        for instrument_id in sorted(frame["instrument"].unique().to_list())
    }


def instrument_rows(
    rows: _Rows, instrument_id: str, file: Path
) -> tuple[list[tuple[Any, Any, Any]], bool]:
    """(client_id, session, score) triples for one instrument, and whether they are synthetic."""
    frame = rows.frame.filter(pl.col("instrument") == instrument_id)
    if frame.is_empty():
        fail(f"{file} has no {instrument_id} scores")
    triples = list(
        zip(
            frame["client_id"].to_list(),
            frame["_session"].to_list(),
            frame["_score"].to_list(),
            strict=True,
        )
    )
    return triples, _is_synthetic(frame)


def write_rows(records: Iterable[dict[str, Any]], output: Path) -> None:
    """Write dict rows as CSV, or Parquet by the file's extension."""
    frame = pl.DataFrame(list(records))
    with private_output(output) as handle:
        if output.suffix.lower() in {".parquet", ".pq"}:
            frame.write_parquet(handle)
        else:
            frame.write_csv(handle)
