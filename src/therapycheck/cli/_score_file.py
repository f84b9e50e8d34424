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

from therapycheck.cli._output import fail
from therapycheck.core.change import Point
from therapycheck.core.instruments import UnknownInstrument, get_instrument

REQUIRED_COLUMNS = ("client_id", "session", "instrument", "score")
TRUE_WORDS = {"true", "1", "yes", "t", "y"}


@dataclass(frozen=True)
class _Rows:
    """Parsed score rows: one frame with typed columns plus how to name a row in errors."""

    frame: pl.DataFrame
    csv: bool

    def where(self, index: int) -> str:
        return f"row {index + 1} (line {index + 2})" if self.csv else f"row {index + 1}"


def _read_table(path: Path) -> tuple[pl.DataFrame, bool]:
    if not path.is_file():
        fail(f"no such file: {path}")
    is_parquet = path.suffix.lower() in {".parquet", ".pq"}
    try:
        if is_parquet:
            frame = pl.read_parquet(path)
            frame = frame.with_columns(pl.all().cast(pl.String))
        else:
            frame = pl.read_csv(path, infer_schema=False)
    except Exception as exc:  # polars raises many error types for unreadable files
        # Polars appends long hints on later lines; the first line says what is wrong.
        fail(f"cannot read {path}: {str(exc).strip().splitlines()[0] if str(exc) else exc!r}")
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        fail(f"{path} is missing the column(s): {', '.join(missing)}")
    return frame, not is_parquet


def _first_bad(frame: pl.DataFrame, mask: pl.Expr) -> int | None:
    bad = frame.filter(mask)
    return None if bad.is_empty() else int(bad["_row"][0])


def _canonical_instruments(rows: _Rows, path: Path) -> pl.DataFrame:
    names = rows.frame["instrument"].unique().to_list()
    mapping: dict[str, str] = {}
    for name in names:
        try:
            mapping[name] = get_instrument(str(name or "")).id
        except UnknownInstrument:
            index = _first_bad(rows.frame, pl.col("instrument").eq_missing(name))
            reason = f"unknown instrument {name!r}" if name else "instrument is empty"
            fail(f"{path}: {rows.where(index or 0)}: {reason}")
    return rows.frame.with_columns(pl.col("instrument").replace_strict(mapping, default=None))


def load_rows(path: Path) -> _Rows:
    """Read and type-check a score file; the first bad row stops the run with its number."""
    raw, is_csv = _read_table(path)
    frame = raw.with_row_index("_row").with_columns(
        pl.col("client_id").str.strip_chars(),
        pl.col("instrument").str.strip_chars(),
        pl.col("session").str.strip_chars().cast(pl.Int64, strict=False).alias("_session"),
        pl.col("score").str.strip_chars().cast(pl.Float64, strict=False).alias("_score"),
    )
    rows = _Rows(frame, is_csv)
    checks = (
        (pl.col("client_id").is_null() | (pl.col("client_id") == ""), "client_id is empty"),
        (pl.col("_session").is_null(), "session must be a whole number"),
        (pl.col("_score").is_null() | ~pl.col("_score").is_finite(), "score must be a number"),
    )
    for mask, reason in checks:
        index = _first_bad(frame, mask)
        if index is not None:
            fail(f"{path}: {rows.where(index)}: {reason}")
    return _Rows(_canonical_instruments(rows, path), is_csv)


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
    for record in frame.sort("_session").iter_rows(named=True):
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
    try:
        if output.suffix.lower() in {".parquet", ".pq"}:
            frame.write_parquet(output)
        else:
            frame.write_csv(output)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
