"""`therapycheck progress` and `therapycheck model ...`: change over time from a score file.

Files are read here (CSV or Parquet with columns client_id, session, instrument, score and
optional date); all judgement happens in `core.change` and `core.trajectory`.
"""

from __future__ import annotations

import datetime
import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer

from therapycheck.cli._output import FORMAT_OPTION, Format, emit_json, fail
from therapycheck.core.change import Point, SeriesStatus, series_status
from therapycheck.core.instruments import UnknownInstrument, get_instrument
from therapycheck.core.synthetic import synthetic_training_set
from therapycheck.core.trajectory import Classification, ExpectedResponseModel

REQUIRED_COLUMNS = ("client_id", "session", "instrument", "score")
TRUE_WORDS = {"true", "1", "yes", "t", "y"}

ScoreFile = Annotated[
    Path, typer.Argument(help="CSV or Parquet: client_id, session, instrument, score [, date]")
]


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


def _load_model(path: Path | None) -> ExpectedResponseModel | None:
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"cannot read model {path}: {exc.strerror or exc}")
    try:
        return ExpectedResponseModel.from_json(text)
    except ValueError as exc:
        fail(f"{path}: {exc}")


def _instrument_report(
    status: SeriesStatus, classification: Classification | None
) -> dict[str, Any]:
    return {
        "instrument": status.instrument,
        "status": status.status,
        "review_due": status.review_due,
        "explanation": status.explanation,
        "numbers": status.numbers,
        "points": [p.to_dict() for p in status.points],
        "change": status.change.to_dict() if status.change else None,
        "expected": classification.to_dict() if classification else None,
    }


def _client_frame(rows: _Rows, client: str, instrument: str | None) -> pl.DataFrame:
    frame = rows.frame.filter(pl.col("client_id") == client.strip())
    if frame.is_empty():
        fail(f"client {client!r} is not in the file")
    if instrument is not None:
        frame = frame.filter(pl.col("instrument") == instrument)
        if frame.is_empty():
            fail(f"client {client!r} has no {instrument} scores")
    return frame


def _resolve_instrument(name: str | None) -> str | None:
    if name is None:
        return None
    try:
        return get_instrument(name).id
    except UnknownInstrument as exc:
        fail(str(exc))


def progress(
    file: ScoreFile,
    client: Annotated[str, typer.Option("--client", help="The client_id to report on")],
    instrument: Annotated[
        str | None, typer.Option("--instrument", help="Only this instrument")
    ] = None,
    model: Annotated[
        Path | None, typer.Option("--model", help="An expected-response model JSON")
    ] = None,
    output_format: Format = FORMAT_OPTION,
) -> None:
    """How a client's scores have changed, and whether they are on track."""
    wanted = _resolve_instrument(instrument)
    expected_model = _load_model(model)
    rows = load_rows(file)
    frame = _client_frame(rows, client, wanted)
    reports = []
    for instrument_id in sorted(frame["instrument"].unique().to_list()):
        series = _points(rows, frame.filter(pl.col("instrument") == instrument_id))
        try:
            status = series_status(instrument_id, series)
        except ValueError as exc:
            fail(f"client {client}, {instrument_id}: {exc}")
        classification = None
        if expected_model is not None and expected_model.instrument == instrument_id:
            classification = expected_model.classify(series)
        reports.append(_instrument_report(status, classification))
    document = {"client_id": client.strip(), "instruments": reports}
    if output_format is Format.json:
        emit_json(document)
    else:
        _print_progress(document)


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=88, initial_indent="  ", subsequent_indent="  ")


def _print_progress(document: dict[str, Any]) -> None:
    typer.echo(f"Client {document['client_id']}")
    for report in document["instruments"]:
        name = get_instrument(report["instrument"]).short_name
        status = report["status"].replace("_", " ")
        review = " - time to review the plan" if report["review_due"] else ""
        numbers = report["numbers"]
        typer.echo(f"\n{name}: {status}{review}")
        typer.echo(
            f"  {numbers['sessions']} scores: first {numbers['first']}, latest {numbers['latest']}"
        )
        typer.echo(_wrap(report["explanation"]))
        expected = report["expected"]
        if expected is not None:
            typer.echo(f"  Compared with similar clients: {expected['status'].replace('_', ' ')}")
            typer.echo(_wrap(expected["explanation"]))


def synth(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write (.csv or .parquet)")
    ],
    instrument: Annotated[str, typer.Option("--instrument", help="Instrument id")] = "phq9",
    clients: Annotated[
        int, typer.Option("--clients", min=1, help="How many made-up clients")
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same data)")] = 1,
    max_sessions: Annotated[int, typer.Option("--max-sessions", min=2, help="Longest course")] = 16,
    output_format: Format = FORMAT_OPTION,
) -> None:
    """Write a synthetic (made-up) training set; every row is labelled synthetic."""
    instrument_id = _resolve_instrument(instrument)
    assert instrument_id is not None
    rows = synthetic_training_set(instrument_id, clients, seed, max_sessions=max_sessions)
    frame = pl.DataFrame([row.to_dict() for row in rows])
    try:
        if output.suffix.lower() in {".parquet", ".pq"}:
            frame.write_parquet(output)
        else:
            frame.write_csv(output)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    summary = {
        "instrument": instrument_id,
        "clients": clients,
        "rows": len(rows),
        "seed": seed,
        "max_sessions": max_sessions,
        "output": str(output),
        "synthetic": True,
    }
    if output_format is Format.json:
        emit_json(summary)
    else:
        typer.echo(
            f"Wrote {len(rows)} synthetic {instrument_id} scores for {clients} made-up clients "
            f"to {output} (seed {seed}). This is not real data."
        )


def _is_synthetic(frame: pl.DataFrame) -> bool:
    if "synthetic" not in frame.columns:
        return False
    values = frame["synthetic"].cast(pl.String).str.strip_chars().str.to_lowercase()
    return bool(values.is_in(list(TRUE_WORDS)).any())


def fit(
    file: ScoreFile,
    instrument: Annotated[str, typer.Option("--instrument", help="Instrument to fit")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the model JSON")],
    output_format: Format = FORMAT_OPTION,
) -> None:
    """Fit an expected-response model from a service's own scores."""
    instrument_id = _resolve_instrument(instrument)
    assert instrument_id is not None
    rows = load_rows(file)
    frame = rows.frame.filter(pl.col("instrument") == instrument_id)
    if frame.is_empty():
        fail(f"{file} has no {instrument_id} scores")
    triples = zip(
        frame["client_id"].to_list(),
        frame["_session"].to_list(),
        frame["_score"].to_list(),
        strict=True,
    )
    try:
        model = ExpectedResponseModel.fit(triples, instrument_id, synthetic=_is_synthetic(frame))
    except ValueError as exc:
        fail(f"{file}: {exc}")
    try:
        output.write_text(json.dumps(model.to_json(), indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    summary = _fit_summary(model, output)
    if output_format is Format.json:
        emit_json(summary)
    else:
        _print_fit(summary)


def _fit_summary(model: ExpectedResponseModel, output: Path) -> dict[str, Any]:
    doc = model.document
    return {
        "instrument": doc.instrument.id,
        "output": str(output),
        "synthetic": doc.synthetic,
        "n_clients": doc.n_clients,
        "n_rows": doc.n_rows,
        "strata": [
            {
                "id": s.id,
                "intake_min": s.intake_min,
                "intake_max": s.intake_max,
                "n_clients": s.n_clients,
                "b": round(s.b, 3),
                "c": round(s.c, 3),
                "sessions": len(s.sessions) + 1,
            }
            for s in doc.strata
        ],
    }


def _print_fit(summary: dict[str, Any]) -> None:
    label = " (synthetic data)" if summary["synthetic"] else ""
    typer.echo(
        f"Fitted {summary['instrument']} model{label} on {summary['n_clients']} clients, "
        f"{summary['n_rows']} scores -> {summary['output']}"
    )
    for s in summary["strata"]:
        intake = (
            "any intake"
            if s["intake_min"] is None
            else f"intake {s['intake_min']:g}-{s['intake_max']:g}"
        )
        typer.echo(
            f"  {s['id']:<20} {intake:<16} {s['n_clients']:>6} clients  "
            f"change per log-session {s['b']:+.2f}  sessions 1-{s['sessions']}"
        )


def register(app: typer.Typer) -> None:
    app.command("progress")(progress)
    model_app = typer.Typer(
        help="Expected-response models: make synthetic data, fit a model from scores.",
        no_args_is_help=True,
    )
    model_app.command("synth")(synth)
    model_app.command("fit")(fit)
    app.add_typer(model_app, name="model")
