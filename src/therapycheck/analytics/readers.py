"""Reading an outcomes file (CSV or Parquet) and finding its bad rows.

The happy path reads the four needed columns once, typed, and checks every row with a few
column expressions in one pass; nothing is built per row in Python. Only when that pass
finds a problem does the slow path run: it re-reads the raw text of the first bad rows
(at most MAX_DESCRIBED_BAD_ROWS, however many there are) to say exactly what is wrong
with each, with its line number.

A CSV must be UTF-8 from its first byte to its last: `check_utf8` reads the whole file in
fixed-size blocks before anything else, so a bad byte anywhere stops the run (naming its
line) instead of being replaced, and a file of random bytes is refused at once. These
checks serve `therapycheck outcomes` and `therapycheck progress` alike.

Line numbers: for CSV, "line N" counts the header as line 1, so the first data row is
line 2 (as a text editor shows it, for files without line breaks inside quoted fields).
For Parquet there is no header: "row N" is the N-th data row, counting from 1.
"""

from __future__ import annotations

import codecs
import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from therapycheck.analytics.outcomes import KPI_INSTRUMENTS, MAX_SESSION
from therapycheck.core.instruments import UnknownInstrument, all_instruments, get_instrument

REQUIRED_COLUMNS = ("client_id", "session", "instrument", "score")
# However many bad rows a file has, only this many are described (their count is exact).
MAX_DESCRIBED_BAD_ROWS = 1000
_UTF8_BLOCK = 1 << 20
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
    """Bad rows were found and skipping was not asked for; names the first one.

    `rows` describes the first bad rows (see MAX_DESCRIBED_BAD_ROWS); `total` counts them all.
    """

    def __init__(self, rows: pl.DataFrame, unit: str, total: int | None = None) -> None:
        first = BadRow(**rows.row(0, named=True))
        self.first, self.rows, self.total = first, rows, max(total or 0, rows.height)
        more = f" ({self.total} bad rows in all)" if self.total > 1 else ""
        self.reason = f"{unit} {first.line}: {first.reason}{more}"
        super().__init__(f"{self.reason}; use --skip-bad-rows to leave bad rows out")


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


def check_utf8(source: SourceFile) -> None:
    """Refuse a CSV with any byte that is not UTF-8, naming its line; memory stays one block."""
    if source.kind != "csv":
        return  # Parquet strings are checked by the Parquet reader
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0
    lines = 1
    try:
        with source.path.open("rb") as handle:
            while block := handle.read(_UTF8_BLOCK):
                if block.isascii() and not decoder.getstate()[0]:
                    lines += block.count(b"\n")  # plain ASCII is UTF-8: nothing to decode
                    offset += len(block)
                    continue
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    # exc.object: the bytes kept from the last block (part of a character,
                    # never a line break), then this block.
                    line = lines + exc.object.count(b"\n", 0, exc.start)
                    byte = offset - (len(exc.object) - len(block)) + exc.start + 1
                    raise InputError(
                        f"line {line} of {source.path.name} is not UTF-8 text (byte "
                        f"{byte:,} of the file); save it as UTF-8"
                    ) from None
                lines += block.count(b"\n")
                offset += len(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise InputError(
            f"{source.path.name} ends in the middle of a character; it is not UTF-8 text"
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read {source.path}: {exc.strerror or exc}") from None


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


def read_rows(source: SourceFile, extra: tuple[str, ...] = ()) -> pl.DataFrame:
    """The four needed columns, typed; a value that does not parse becomes null (found later).

    `extra`: optional columns to bring along as text when the file has them (e.g. date).
    Call `check_utf8` first: a CSV is read as strict UTF-8.
    """
    _check_columns(source)
    present = set(_header(source))
    wanted = [*REQUIRED_COLUMNS, *(name for name in extra if name in present)]
    types = {name: _TYPES.get(name, pl.String()) for name in wanted}
    try:
        if source.kind == "parquet":
            frame = pl.read_parquet(source.path, columns=wanted)
            return frame.select(
                pl.col(name).cast(kind, strict=False) for name, kind in types.items()
            )
        return pl.read_csv(
            source.path,
            columns=wanted,
            schema_overrides=types,
            ignore_errors=True,
            encoding="utf8",
        ).select(wanted)
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

    Scanned lazily and filtered by position, so only those rows are kept in memory, and
    only up to the last of them: a run that stops at an early bad row reads no further.
    """
    if source.kind == "parquet":
        scan = pl.scan_parquet(source.path).select(
            pl.col(name).cast(pl.String) for name in REQUIRED_COLUMNS
        )
    else:
        scan = pl.scan_csv(source.path, infer_schema=False, encoding="utf8")
    wanted = pl.col("index").is_in(indexes.implode())
    last = int(indexes.max() or 0) + 1  # type: ignore[arg-type]
    return (
        scan.select(REQUIRED_COLUMNS)
        .with_row_index("index")
        .head(last)
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
    # The distinct spellings only (no copy of the rows that use them).
    spellings = rows.get_column("instrument").unique().drop_nulls().to_list()
    others = [spelling for spelling in spellings if spelling not in ids]
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
    if not isinstance(value, float) or not math.isfinite(value):
        return f"session {_text(raw)!r} is not a number"
    if value != int(value):
        return f"session {_text(raw)} is not a whole number"
    if not 0 <= value <= MAX_SESSION:
        return f"session {_text(raw)} is out of range (0 to {MAX_SESSION})"
    return None


def _score_problem(raw: str | None, value: object, instrument: str) -> str:
    if _text(raw) == "":
        return "score is missing"
    if not isinstance(value, float) or not math.isfinite(value):
        return f"score {_text(raw)!r} is not a number"
    found = get_instrument(instrument)
    low, high = _plain(found.min), _plain(found.max)
    if not low <= value <= high:
        return f"score {_text(raw)} is out of range for {instrument} ({low}-{high})"
    return f"score {_text(raw)} is not a whole number ({instrument} totals are whole numbers)"


def _plain(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number


def describe_bad_rows(
    source: SourceFile,
    rows: pl.DataFrame,
    present: list[str],
    limit: int = MAX_DESCRIBED_BAD_ROWS,
) -> pl.DataFrame:
    """The first `limit` bad rows as a table (line, client_id, reason), in file order.

    Slow path only; the work is bounded by `limit`, not by how many rows are bad.
    """
    # Lazy, so the filter stops at `limit` rows instead of copying every bad one first.
    flagged = rows.lazy().with_row_index("index").filter(~valid_expr(present)).head(limit).collect()
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
