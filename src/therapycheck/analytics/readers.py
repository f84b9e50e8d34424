"""Reading an outcomes file (CSV or Parquet) and finding its bad rows.

The happy path reads the four needed columns once, typed, and checks every row with a few
column expressions in one pass; nothing is built per row in Python. Only when that pass
finds a problem does the slow path run: it re-reads the raw text of the bad rows to say
exactly what is wrong with each, with its line number.

Line numbers: for CSV, "line N" counts the header as line 1, so the first data row is
line 2 (as a text editor shows it, for files without line breaks inside quoted fields).
For Parquet there is no header: "row N" is the N-th data row, counting from 1.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from therapycheck.analytics.outcomes import KPI_INSTRUMENTS, MAX_SESSION
from therapycheck.core.instruments import UnknownInstrument, all_instruments, get_instrument

REQUIRED_COLUMNS = ("client_id", "session", "instrument", "score")
_TYPES: dict[str, pl.DataType] = {
    "client_id": pl.String(),
    "session": pl.Float64(),
    "instrument": pl.String(),
    "score": pl.Float64(),
}


class InputError(ValueError):
    """The file cannot be used at all: missing, unreadable, or without a needed column."""


@dataclass(frozen=True)
class BadRow:
    line: int
    client_id: str
    reason: str


class BadRowsError(ValueError):
    """Bad rows were found and skipping was not asked for; names the first one."""

    def __init__(self, rows: pl.DataFrame, unit: str) -> None:
        first = BadRow(**rows.row(0, named=True))
        more = f" ({rows.height} bad rows in all)" if rows.height > 1 else ""
        hint = "; use --skip-bad-rows to leave bad rows out"
        super().__init__(f"{unit} {first.line}: {first.reason}{more}{hint}")
        self.first, self.rows = first, rows


@dataclass(frozen=True)
class SourceFile:
    path: Path
    kind: str  # "csv" or "parquet"

    @property
    def unit(self) -> str:
        return "line" if self.kind == "csv" else "row"

    @property
    def first_number(self) -> int:
        """The first data row's number: line 2 in a CSV (after the header), row 1 in Parquet."""
        return 2 if self.kind == "csv" else 1


def source_file(path: str | Path) -> SourceFile:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"cannot read {path}: no such file")
    suffix = path.suffix.lower()
    if suffix in {".parquet", ".pq"}:
        return SourceFile(path, "parquet")
    if suffix in {".csv", ".txt", ""}:
        return SourceFile(path, "csv")
    raise InputError(f"cannot read {path}: use a .csv or .parquet file")


def _header(source: SourceFile) -> list[str]:
    try:
        if source.kind == "parquet":
            return list(pl.read_parquet_schema(source.path))
        with source.path.open(encoding="utf-8-sig") as handle:
            line = handle.readline()
    except (OSError, UnicodeDecodeError, pl.exceptions.PolarsError) as exc:
        raise InputError(f"cannot read {source.path}: {_short(exc)}") from exc
    return [name.strip().strip('"') for name in line.rstrip("\r\n").split(",")]


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _check_columns(source: SourceFile) -> None:
    present = set(_header(source))
    missing = [name for name in REQUIRED_COLUMNS if name not in present]
    if missing:
        names = ", ".join(missing)
        raise InputError(
            f"{source.path.name} has no column {names}; "
            f"the columns needed are {', '.join(REQUIRED_COLUMNS)} (date is optional)"
        )


def read_rows(source: SourceFile) -> pl.DataFrame:
    """The four needed columns, typed; a value that does not parse becomes null (found later)."""
    _check_columns(source)
    try:
        if source.kind == "parquet":
            frame = pl.read_parquet(source.path, columns=list(REQUIRED_COLUMNS))
            return frame.select(
                pl.col(name).cast(kind, strict=False) for name, kind in _TYPES.items()
            )
        return pl.read_csv(
            source.path,
            columns=list(REQUIRED_COLUMNS),
            schema_overrides=_TYPES,
            ignore_errors=True,
            encoding="utf8-lossy",
        ).select(REQUIRED_COLUMNS)
    except (OSError, pl.exceptions.PolarsError) as exc:
        if "more fields" in str(exc):
            raise InputError(_too_many_fields(source)) from exc
        raise InputError(f"cannot read {source.path}: {_short(exc)}") from exc


def _too_many_fields(source: SourceFile) -> str:
    """Find the first row with more fields than the header (error path only, so in Python)."""
    with source.path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        width = len(next(reader, []))
        for row in reader:
            if len(row) > width:
                return (
                    f"line {reader.line_num}: {len(row)} values but the header has {width} "
                    "(a comma inside a value needs quotes)"
                )
    return f"cannot read {source.path}: a row has more values than the header"


def _raw_rows(source: SourceFile, indexes: pl.Series) -> pl.DataFrame:
    """The needed columns of some rows as text, to describe them (slow path only).

    Scanned lazily and filtered by position, so only those rows are kept in memory.
    """
    if source.kind == "parquet":
        scan = pl.scan_parquet(source.path).select(
            pl.col(name).cast(pl.String) for name in REQUIRED_COLUMNS
        )
    else:
        scan = pl.scan_csv(source.path, infer_schema=False, encoding="utf8-lossy")
    wanted = pl.col("index").is_in(indexes.implode())
    return (
        scan.select(REQUIRED_COLUMNS)
        .with_row_index("index")
        .filter(wanted)
        .collect(engine="streaming")
        .sort("index")
    )


# --- instruments -------------------------------------------------------------------------


def canonical_instruments(rows: pl.DataFrame) -> pl.DataFrame:
    """Registry ids in `instrument` ("PHQ-9" -> "phq9"); null where the registry has no such id.

    Only the distinct spellings that are not already ids are looked up, so a file that
    uses the ids costs one cheap membership test.
    """
    ids = [instrument.id for instrument in all_instruments()]
    column = pl.col("instrument")
    if rows.select(column.is_in(ids).all()).item():
        return rows
    others = rows.filter(~column.is_in(ids))["instrument"].unique().drop_nulls().to_list()
    mapping: dict[str, str | None] = {}
    for spelling in others:
        try:
            mapping[spelling] = get_instrument(spelling).id
        except UnknownInstrument:
            mapping[spelling] = None
    return rows.with_columns(column.replace(mapping))


# --- validity ----------------------------------------------------------------------------


def instruments_present(rows: pl.DataFrame) -> list[str]:
    """The registry ids used in `rows` (after `canonical_instruments`)."""
    if rows.select(pl.col("instrument").is_in(KPI_INSTRUMENTS).all()).item():
        return list(KPI_INSTRUMENTS)
    return sorted(rows["instrument"].drop_nulls().unique().to_list())


def _bounds(present: list[str]) -> tuple[pl.Expr, pl.Expr]:
    """Each row's instrument range, as a short when-chain over the instruments present.

    Faster than a dictionary lookup per row: a file rarely uses more than a few instruments.
    """
    instrument = pl.col("instrument")
    low: Any = pl
    high: Any = pl
    for instrument_id in present:
        found = get_instrument(instrument_id)
        is_it = instrument == instrument_id
        low = low.when(is_it).then(pl.lit(float(found.min)))
        high = high.when(is_it).then(pl.lit(float(found.max)))
    if low is pl:
        return pl.lit(None, dtype=pl.Float64), pl.lit(None, dtype=pl.Float64)
    return low.otherwise(None), high.otherwise(None)


def _is_whole(column: pl.Expr) -> pl.Expr:
    return column == column.floor()


def valid_expr(present: list[str]) -> pl.Expr:
    """True for a row that can be used; all checks are column expressions (one pass)."""
    instrument, session, score = pl.col("instrument"), pl.col("session"), pl.col("score")
    low, high = _bounds(present)
    # PHQ-9 and GAD-7 totals are sums of 0-3 answers, so a fraction cannot be a real total.
    whole_if_kpi = ~instrument.is_in(KPI_INSTRUMENTS) | _is_whole(score)
    checks = (
        (pl.col("client_id").str.len_bytes() > 0)
        & instrument.is_not_null()
        & _is_whole(session)
        & (session >= 0)
        & (session <= MAX_SESSION)
        & (score >= low)
        & (score <= high)
        & whole_if_kpi
    )
    return checks.fill_null(False)


def count_bad(rows: pl.DataFrame, present: list[str]) -> int:
    return int(rows.select((~valid_expr(present)).sum()).item())


def _text(value: str | None) -> str:
    return "" if value is None else value.strip()


def _describe(raw: dict[str, str | None], row: dict[str, object]) -> str:
    """The one reason a row is bad, in plain words; the first problem found wins."""
    if all(_text(raw[name]) == "" for name in REQUIRED_COLUMNS):
        return "empty row"
    if _text(raw["client_id"]) == "":
        return "client_id is missing"
    if _text(raw["instrument"]) == "":
        return "instrument is missing"
    if row["instrument"] is None:
        return f"unknown instrument {_text(raw['instrument'])!r}"
    session_problem = _session_problem(raw["session"], row["session"])
    if session_problem:
        return session_problem
    return _score_problem(raw["score"], row["score"], str(row["instrument"]))


def _session_problem(raw: str | None, value: object) -> str | None:
    if _text(raw) == "":
        return "session is missing"
    if not isinstance(value, float):
        return f"session {_text(raw)!r} is not a number"
    if value != int(value):
        return f"session {_text(raw)} is not a whole number"
    if not 0 <= value <= MAX_SESSION:
        return f"session {_text(raw)} is out of range (0 to {MAX_SESSION})"
    return None


def _score_problem(raw: str | None, value: object, instrument: str) -> str:
    if _text(raw) == "":
        return "score is missing"
    if not isinstance(value, float):
        return f"score {_text(raw)!r} is not a number"
    found = get_instrument(instrument)
    low, high = _plain(found.min), _plain(found.max)
    if not low <= value <= high:
        return f"score {_text(raw)} is out of range for {instrument} ({low}-{high})"
    return f"score {_text(raw)} is not a whole number ({instrument} totals are whole numbers)"


def _plain(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number


def describe_bad_rows(source: SourceFile, rows: pl.DataFrame, present: list[str]) -> pl.DataFrame:
    """The bad rows as a table (line, client_id, reason), in file order. Slow path only."""
    flagged = rows.with_row_index("index").filter(~valid_expr(present)).sort("index")
    raw = _raw_rows(source, flagged["index"])
    reasons = [
        _describe(raw_row, row)
        for raw_row, row in zip(
            raw.iter_rows(named=True), flagged.iter_rows(named=True), strict=True
        )
    ]
    return pl.DataFrame(
        {
            "line": (raw["index"].cast(pl.Int64) + source.first_number),
            "client_id": raw["client_id"].fill_null(""),
            "reason": reasons,
        },
        schema={"line": pl.Int64, "client_id": pl.String, "reason": pl.String},
    )


def conflicting_rows(source: SourceFile, rows: pl.DataFrame) -> pl.DataFrame:
    """Rows whose client, session and instrument also appear with a different score.

    Every row of such a group is bad: there is no way to tell which score is right.
    `rows` must be the checked rows with an `index` column (position in the file).
    """
    keys = ["client_id", "session", "instrument"]
    groups = (
        rows.group_by(keys)
        .agg(
            pl.col("score").n_unique().alias("scores"),
            pl.col("index").sort().alias("indexes"),
        )
        .filter(pl.col("scores") > 1)
    )
    if groups.is_empty():
        return empty_bad_rows()
    first = source.first_number
    unit = source.unit
    lines = pl.col("indexes").list.eval((pl.element() + first).cast(pl.String)).list.join(", ")
    reasons = groups.select(
        *keys,
        pl.format(
            "session {} has different {} scores for this client on {}s {}",
            pl.col("session").cast(pl.Int64),
            pl.col("instrument"),
            pl.lit(unit),
            lines,
        ).alias("reason"),
    )
    joined = rows.join(reasons, on=keys, how="inner")
    return joined.select(
        (pl.col("index").cast(pl.Int64) + first).alias("line"),
        pl.col("client_id"),
        pl.col("reason"),
    ).sort("line")


def empty_bad_rows() -> pl.DataFrame:
    return pl.DataFrame(schema={"line": pl.Int64, "client_id": pl.String, "reason": pl.String})
