"""CSV export of everything, and import of the measurements CSV.

`measurements.csv` starts with the columns `therapycheck outcomes` and `progress` read
(`client_id, session, instrument, score, date`), then the band and flags we computed, then
one column per item answer (`item_1` ...). Importing reads only the item answers: the
score is re-computed and a `score` that disagrees with the answers makes the row bad.
Every bad row is named (line number and reason) and nothing is returned unless all rows
are good, so a caller can never save half a file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from therapycheck.interop._instruments import instrument_info, scored_measurement
from therapycheck.interop.records import (
    CheckupRecord,
    ExchangeError,
    ExchangeRecords,
    JournalRecord,
    MeasurementRecord,
)

PERSONAL_CLIENT_ID = "me"
MEASUREMENT_COLUMNS = ("client_id", "session", "instrument", "score", "date", "band", "flags")
JOURNAL_COLUMNS = (
    "session",
    "date",
    "feeling_before",
    "feeling_after",
    "topics",
    "avoided_topics",
    "homework",
    "notes",
)
CHECKUP_COLUMNS = ("started_at", "completed_at", "status", "answers_json", "result_json")
# Spreadsheet programs run a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_PROBLEMS_SHOWN = 20
# Numbers as a person or a spreadsheet writes them: ASCII digits only (int() and float()
# would also take "²", Arabic-Indic digits, "1_000", "nan" and "inf"), and never so long
# that converting them costs anything.
_WHOLE = re.compile(r"[0-9]{1,9}")
_NUMBER = re.compile(r"-?[0-9]{1,9}(\.[0-9]{1,17})?")


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class CsvImportError(ExchangeError):
    """One or more rows are bad; `problems` names each (line number + reason)."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        suffix = f"; and {more} more" if more > 0 else ""
        noun = "row" if len(problems) == 1 else "rows"
        super().__init__(f"{len(problems)} bad {noun}, nothing was imported: {shown}{suffix}")


# --------------------------------------------------------------------------- export


def export_csv(records: ExchangeRecords, client_id: str = PERSONAL_CLIENT_ID) -> dict[str, str]:
    """One file per kind of record: file name -> CSV text."""
    files = {
        "measurements.csv": measurements_csv(records.measurements, client_id),
        "journal.csv": _journal_csv(records.journal),
        "checkups.csv": _checkups_csv(records.checkups),
    }
    if records.report_note:
        files["report_note.txt"] = records.report_note
    return files


def _write(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _number(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def measurements_csv(
    measurements: Iterable[MeasurementRecord], client_id: str = PERSONAL_CLIENT_ID
) -> str:
    measurements = list(measurements)
    width = max((len(m.answers) for m in measurements), default=0)
    header = [*MEASUREMENT_COLUMNS, *(f"item_{n}" for n in range(1, width + 1))]
    rows = []
    for m in measurements:
        session = "" if m.session_number is None else str(m.session_number)
        items = [str(a) for a in m.answers] + [""] * (width - len(m.answers))
        fixed = [client_id, session, m.instrument, _number(m.total), m.taken_on.isoformat()]
        rows.append([*fixed, m.band, ";".join(m.flags), *items])
    return _write(header, rows)


def _safe_text(text: str) -> str:
    # A leading apostrophe keeps a spreadsheet from running journal text as a formula.
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _journal_csv(entries: Iterable[JournalRecord]) -> str:
    rows = [
        [
            "" if j.session_number is None else j.session_number,
            j.date.isoformat(),
            "" if j.feeling_before is None else j.feeling_before,
            "" if j.feeling_after is None else j.feeling_after,
            *(_safe_text(getattr(j, name)) for name in JOURNAL_COLUMNS[4:]),
        ]
        for j in entries
    ]
    return _write(JOURNAL_COLUMNS, rows)


def _checkups_csv(checkups: Iterable[CheckupRecord]) -> str:
    rows = [
        [
            c.started_at.isoformat(),
            c.completed_at.isoformat() if c.completed_at else "",
            c.status,
            json.dumps(c.answers, ensure_ascii=False, sort_keys=True),
            "" if c.result is None else json.dumps(c.result, ensure_ascii=False, sort_keys=True),
        ]
        for c in checkups
    ]
    return _write(CHECKUP_COLUMNS, rows)


# --------------------------------------------------------------------------- import


def import_measurements_csv(data: bytes | str) -> tuple[MeasurementRecord, ...]:
    """Every row of a measurements CSV, re-scored; CsvImportError if any row is bad."""
    text = _as_text(data)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    _check_header(reader.fieldnames)
    has_items = "item_1" in (reader.fieldnames or [])
    records: list[MeasurementRecord] = []
    problems: list[RowProblem] = []
    clients: set[str] = set()
    try:
        for row in reader:
            if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
                continue  # a blank line is not a row
            if not has_items:
                raise ExchangeError(
                    "the file has scores but no item answers (item_1, item_2 ...); "
                    "this app re-scores every questionnaire from its answers"
                )
            try:
                records.append(_read_row(row))
                clients.add((row.get("client_id") or "").strip())
            except ExchangeError as exc:
                problems.append(RowProblem(reader.line_num, str(exc)))
    except csv.Error as exc:
        problems.append(RowProblem(reader.line_num, f"the CSV cannot be read here ({exc})"))
    if problems:
        raise CsvImportError(problems)
    if len(clients - {""}) > 1:
        raise ExchangeError(
            f"the file holds {len(clients - {''})} different client_id values; "
            "import one person's file at a time"
        )
    return tuple(records)


def _as_text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    if b"\x00" in data[:4096]:
        raise ExchangeError("the file is not a CSV text file (it looks binary)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExchangeError("the file is not UTF-8 text; save the CSV as UTF-8") from exc


def _check_header(fieldnames: Sequence[str] | None) -> None:
    if not fieldnames:
        raise ExchangeError("the file is empty; a measurements CSV starts with a header row")
    missing = [c for c in ("instrument", "date") if c not in fieldnames]
    if missing:
        raise ExchangeError(
            f"the header row has no {' or '.join(missing)} column; "
            "use the measurements.csv this app exports"
        )


def _read_row(row: dict[str | None, str | list[str] | None]) -> MeasurementRecord:
    if None in row:
        raise ExchangeError("the row has more cells than the header has columns")
    cells = {str(k): (v if isinstance(v, str) else "").strip() for k, v in row.items()}
    instrument = cells.get("instrument", "")
    if not instrument:
        raise ExchangeError("no instrument")
    info = instrument_info(instrument)
    taken_on = _read_date(cells.get("date", ""))
    session = _read_session(cells.get("session", ""))
    answers = _read_items(cells, info.item_count, info.short_name)
    measurement = scored_measurement(info.id, answers, taken_on, session)
    _check_score(cells.get("score", ""), measurement)
    return measurement


def _read_date(text: str) -> dt.date:
    if not text:
        raise ExchangeError("no date (use year-month-day, e.g. 2025-03-14)")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ExchangeError(f"date {text!r} is not year-month-day (e.g. 2025-03-14)") from exc


def _read_session(text: str) -> int | None:
    if not text:
        return None
    if not _WHOLE.fullmatch(text):
        raise ExchangeError(f"session {_short(text)!r} is not a whole number")
    return int(text)


def _short(text: str) -> str:
    return text if len(text) <= 20 else text[:20] + "…"


def _read_items(cells: dict[str, str], count: int, name: str) -> tuple[int, ...]:
    answers: list[int] = []
    for n in range(1, count + 1):
        text = cells.get(f"item_{n}", "")
        if not text:
            raise ExchangeError(f"{name} needs {count} answers; item_{n} is empty")
        if not _WHOLE.fullmatch(text):
            raise ExchangeError(f"item_{n} {_short(text)!r} is not a whole number")
        answers.append(int(text))
    extra = [k for k, v in cells.items() if k.startswith("item_") and v and _index(k) > count]
    if extra:
        raise ExchangeError(f"{name} has {count} questions but {extra[0]} is filled in")
    return tuple(answers)


def _index(column: str) -> int:
    suffix = column.removeprefix("item_")
    return int(suffix) if suffix.isdigit() else 0


def _check_score(text: str, measurement: MeasurementRecord) -> None:
    if not text:
        return
    if not _NUMBER.fullmatch(text) or not math.isfinite(given := float(text)):
        raise ExchangeError(f"score {_short(text)!r} is not a number")
    if measurement.total is not None and abs(given - float(measurement.total)) > 1e-9:
        raise ExchangeError(
            f"score {text} does not match the answers (they give {_number(measurement.total)})"
        )
