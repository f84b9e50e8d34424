"""`therapycheck progress` and `therapycheck model ...`: change over time from a score file.

Files are read in `_score_file` (CSV or Parquet with columns client_id, session, instrument,
score and optional date); all judgement happens in `core.change` and `core.trajectory`.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Annotated, Any

import typer

from therapycheck.cli._output import FORMAT_OPTION, Format, emit_json, fail, write_private
from therapycheck.core.change import SeriesStatus
from therapycheck.core.instruments import UnknownInstrument, get_instrument
from therapycheck.core.synthetic import synthetic_training_set
from therapycheck.core.trajectory import Classification, ExpectedResponseModel, series_progress

# Bounds that keep `model synth` to seconds and a few hundred MB, whatever is typed.
MAX_SYNTH_CLIENTS = 100_000
MAX_SYNTH_SESSIONS = 100

ScoreFile = Annotated[
    Path, typer.Argument(help="CSV or Parquet: client_id, session, instrument, score [, date]")
]


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
    except RecursionError:
        fail(f"{path}: the model file is nested too deeply to be a model")


def _instrument_report(
    status: SeriesStatus, classification: Classification | None
) -> dict[str, Any]:
    return {
        "instrument": status.instrument,
        "status": status.status,
        "label": status.label,
        "review_due": status.review_due,
        "explanation": status.explanation,
        "numbers": status.numbers,
        "points": [p.to_dict() for p in status.points],
        "change": status.change.to_dict() if status.change else None,
        "expected": classification.to_dict() if classification else None,
    }


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
    from therapycheck.cli import _score_file

    wanted = _resolve_instrument(instrument)
    expected_model = _load_model(model)
    rows = _score_file.load_rows(file)
    reports = []
    for instrument_id, series in _score_file.client_series(rows, client, wanted).items():
        try:
            # The same judgement as the progress page and the report (core.trajectory).
            status, classification = series_progress(instrument_id, series, expected_model)
        except ValueError as exc:
            fail(f"client {client}, {instrument_id}: {exc}")
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
        review = " - time to review the plan" if report["review_due"] else ""
        numbers, points = report["numbers"], report["points"]
        typer.echo(f"\n{name}: {report['label']}{review}")
        scores = f"{len(points)} score{'s' if len(points) != 1 else ''}"
        span = f"session {points[0]['session']} to session {points[-1]['session']}"
        typer.echo(
            f"  {scores} from {span} ({numbers['sessions']} sessions): "
            f"first {numbers['first']}, latest {numbers['latest']}"
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
        int,
        typer.Option("--clients", min=1, max=MAX_SYNTH_CLIENTS, help="How many made-up clients"),
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same data)")] = 1,
    max_sessions: Annotated[
        int, typer.Option("--max-sessions", min=2, max=MAX_SYNTH_SESSIONS, help="Longest course")
    ] = 16,
    output_format: Format = FORMAT_OPTION,
) -> None:
    """Write a synthetic (made-up) training set; every row is labelled synthetic."""
    instrument_id = _resolve_instrument(instrument)
    assert instrument_id is not None
    from therapycheck.cli import _score_file

    rows = synthetic_training_set(instrument_id, clients, seed, max_sessions=max_sessions)
    _score_file.write_rows((row.to_dict() for row in rows), output)
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


def fit(
    file: ScoreFile,
    instrument: Annotated[str, typer.Option("--instrument", help="Instrument to fit")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the model JSON")],
    output_format: Format = FORMAT_OPTION,
) -> None:
    """Fit an expected-response model from a service's own scores."""
    instrument_id = _resolve_instrument(instrument)
    assert instrument_id is not None
    from therapycheck.cli import _score_file

    rows = _score_file.load_rows(file)
    triples, synthetic = _score_file.instrument_rows(rows, instrument_id, file)
    try:
        model = ExpectedResponseModel.fit(triples, instrument_id, synthetic=synthetic)
    except ValueError as exc:
        fail(f"{file}: {exc}")
    write_private(output, json.dumps(model.to_json(), indent=2) + "\n")
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
