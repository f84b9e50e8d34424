"""`therapycheck outcomes FILE`: service outcome KPIs (NHS Talking Therapies rules).

Thin: reading, checking and the rules live in `therapycheck.analytics`. The heavy imports
(polars) happen inside the command so that other commands start fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from therapycheck.cli._output import FORMAT_OPTION, Format, emit_json, fail, private_output

if TYPE_CHECKING:
    from therapycheck.analytics.pipeline import OutcomeReport

# Files above this size show a progress indicator (on stderr, and only on a terminal).
PROGRESS_FROM_BYTES = 20_000_000

_LABELS = {
    "clients": "Clients with PHQ-9 or GAD-7 scores",
    "finished_treatment": "Finished treatment (2+ paired sessions)",
    "case_at_start": "A case at the start",
    "recovered": "Recovered",
    "reliable_improvement": "Reliable improvement",
    "reliable_deterioration": "Reliable deterioration",
    "reliable_recovery": "Reliable recovery",
}
_RATES = {
    "recovered": "recovery_rate",
    "reliable_improvement": "reliable_improvement_rate",
    "reliable_deterioration": "reliable_deterioration_rate",
    "reliable_recovery": "reliable_recovery_rate",
}

FileArgument = Annotated[
    Path,
    typer.Argument(help="CSV or Parquet: client_id, session, instrument, score (date optional)"),
]
SkipOption = Annotated[
    bool, typer.Option("--skip-bad-rows", help="Leave bad rows out (counted in skipped_rows).")
]
ReportOption = Annotated[
    Path | None,
    typer.Option(
        "--report-bad-rows",
        help="Write the bad rows to this CSV (line, client_id, reason; the first 1,000).",
    ),
]
PerClientOption = Annotated[
    Path | None, typer.Option("--per-client", help="Write each client's outcome to this CSV.")
]


def outcomes_command(
    file: FileArgument,
    skip_bad_rows: SkipOption = False,
    report_bad_rows: ReportOption = None,
    per_client: PerClientOption = None,
    output_format: Format = FORMAT_OPTION,
) -> None:
    """Service outcomes from session scores: recovery, reliable improvement and more."""
    import polars as pl

    from therapycheck.analytics.readers import BadRowsError, InputError

    try:
        report = _run(file, skip_bad_rows, per_client is not None, report_bad_rows is not None)
    except BadRowsError as exc:
        if report_bad_rows is not None:
            _write_csv(exc.rows, report_bad_rows)
        fail(str(exc))
    except (InputError, OSError, pl.exceptions.PolarsError) as exc:
        fail(str(exc) if isinstance(exc, InputError) else f"cannot read {file}: {_first_line(exc)}")
    if report_bad_rows is not None:
        _write_csv(report.bad_rows, report_bad_rows)
    if per_client is not None and report.per_client is not None:
        _write_csv(report.per_client, per_client)
    if output_format is Format.json:
        emit_json(report.as_dict())
        return
    _print_table(report)


def _run(file: Path, skip_bad_rows: bool, with_per_client: bool, report: bool) -> OutcomeReport:
    from therapycheck.analytics.pipeline import STEPS, analyse_file
    from therapycheck.analytics.readers import MAX_DESCRIBED_BAD_ROWS

    # Stopping at a bad row describes only that one, unless a report of them was asked for.
    describe = MAX_DESCRIBED_BAD_ROWS if report else 1
    options: dict[str, Any] = {
        "skip_bad_rows": skip_bad_rows,
        "with_per_client": with_per_client,
        "describe": describe,
    }
    if not _show_progress(file):
        return analyse_file(file, **options)
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("starting", total=len(STEPS))

        def on_step(step: str) -> None:
            progress.update(task, description=f"{step} {file.name}", completed=STEPS.index(step))

        return analyse_file(file, on_step=on_step, **options)


def _show_progress(file: Path) -> bool:
    try:
        large = file.stat().st_size >= PROGRESS_FROM_BYTES
    except OSError:
        return False
    return large and sys.stderr.isatty()


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _write_csv(frame: Any, target: Path) -> None:
    with private_output(target) as handle:
        frame.write_csv(handle)


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.1%}"


def _print_table(report: OutcomeReport) -> None:
    numbers = report.as_dict()
    table = Table(title="Service outcomes (NHS Talking Therapies rules)")
    table.add_column("Measure")
    table.add_column("Clients", justify="right")
    table.add_column("Rate", justify="right")
    for key, label in _LABELS.items():
        rate_key = _RATES.get(key)
        rate = _percent(numbers[rate_key]) if rate_key else ""
        table.add_row(label, f"{numbers[key]:,}", rate)
    console = Console()
    console.print(table)
    console.print(
        "Counts below 'Finished treatment' are among clients who finished. Recovery rates are "
        "out of those who were a case at the start; improvement and deterioration rates are "
        "out of all who finished."
    )
    if report.skipped_rows:
        console.print(f"Skipped {report.skipped_rows:,} bad {report.unit}s.")


def register(app: typer.Typer) -> None:
    app.command("outcomes")(outcomes_command)
