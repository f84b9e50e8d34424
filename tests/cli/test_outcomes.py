"""`therapycheck outcomes FILE`: the JSON contract, the readable table, bad rows and errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from therapycheck.analytics.outcomes import CONTRACT_KEYS, PER_CLIENT_COLUMNS
from therapycheck.cli import app
from therapycheck.cli import outcomes as outcomes_cli

runner = CliRunner()

ROWS = """client_id,session,instrument,score,date
a,1,phq9,18,2025-01-06
a,1,gad7,12,2025-01-06
a,2,phq9,6,2025-01-13
a,2,gad7,4,2025-01-13
b,1,phq9,5,2025-01-07
b,1,gad7,3,2025-01-07
b,2,phq9,12,2025-01-14
b,2,gad7,9,2025-01-14
"""


def scores_file(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "scores.csv"
    path.write_text(ROWS + extra, encoding="utf-8")
    return path


def test_json_has_exactly_the_contract_keys_and_skipped_rows(tmp_path: Path) -> None:
    result = runner.invoke(app, ["outcomes", str(scores_file(tmp_path)), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert list(document) == [*CONTRACT_KEYS, "skipped_rows"]
    assert document["clients"] == 2
    assert document["recovery_rate"] == 1.0
    assert document["reliable_deterioration_rate"] == 0.5
    assert document["skipped_rows"] == 0


def test_the_readable_table_shows_rates_as_percentages(tmp_path: Path) -> None:
    result = runner.invoke(app, ["outcomes", str(scores_file(tmp_path))])
    assert result.exit_code == 0, result.stderr
    assert "Reliable improvement" in result.stdout
    assert "50.0%" in result.stdout
    assert "100.0%" in result.stdout


def test_a_zero_denominator_shows_null_in_json_and_n_a_in_the_table(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("client_id,session,instrument,score\nz,1,phq9,3\nz,1,gad7,2\n")
    document = json.loads(runner.invoke(app, ["outcomes", str(path), "-f", "json"]).stdout)
    assert document["recovery_rate"] is None
    assert document["reliable_improvement_rate"] is None
    assert "n/a" in runner.invoke(app, ["outcomes", str(path)]).stdout


def test_a_bad_row_stops_with_one_line_on_stderr_and_exit_code_2(tmp_path: Path) -> None:
    path = scores_file(tmp_path, "c,1,phq9,30\n")
    result = runner.invoke(app, ["outcomes", str(path), "--format", "json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: line 10: score 30 is out of range for phq9 (0-27)")
    assert result.stderr.count("\n") == 1


def test_skip_bad_rows_counts_them_and_writes_the_report(tmp_path: Path) -> None:
    path = scores_file(tmp_path, "c,1,phq9,30\nc,two,gad7,3\n")
    report = tmp_path / "bad.csv"
    args = [
        "outcomes",
        str(path),
        "--skip-bad-rows",
        "--report-bad-rows",
        str(report),
        "-f",
        "json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["skipped_rows"] == 2
    bad = pl.read_csv(report)
    assert bad.columns == ["line", "client_id", "reason"]
    assert bad["line"].to_list() == [10, 11]
    assert bad["reason"][1] == "session 'two' is not a number"


def test_the_bad_row_report_is_written_even_when_the_run_stops(tmp_path: Path) -> None:
    report = tmp_path / "bad.csv"
    path = scores_file(tmp_path, "c,1,phq9,30\n")
    result = runner.invoke(app, ["outcomes", str(path), "--report-bad-rows", str(report)])
    assert result.exit_code == 2
    assert pl.read_csv(report)["line"].to_list() == [10]


def test_per_client_writes_one_row_per_client(tmp_path: Path) -> None:
    target = tmp_path / "clients.csv"
    args = ["outcomes", str(scores_file(tmp_path)), "--per-client", str(target), "-f", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    table = pl.read_csv(target)
    assert table.columns == list(PER_CLIENT_COLUMNS)
    assert table["client_id"].to_list() == ["a", "b"]
    assert table["d_phq9"].to_list() == [-12, 7]
    assert table["reliable_deterioration"].to_list() == [False, True]


def test_a_missing_column_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("client,session,instrument,score\na,1,phq9,3\n")
    result = runner.invoke(app, ["outcomes", str(path), "-f", "json"])
    assert result.exit_code == 2
    assert "no column client_id" in result.stderr
    assert result.stdout == ""


def test_an_unreadable_file_is_a_one_line_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["outcomes", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_an_unwritable_report_path_is_a_one_line_error(tmp_path: Path) -> None:
    target = tmp_path / "no-such-dir" / "clients.csv"
    args = ["outcomes", str(scores_file(tmp_path)), "--per-client", str(target)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot write")


def test_parquet_files_work_from_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "scores.parquet"
    pl.read_csv(scores_file(tmp_path)).write_parquet(path)
    result = runner.invoke(app, ["outcomes", str(path), "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["reliable_recovery"] == 1


def test_the_installed_command_prints_one_json_document_and_no_progress(tmp_path: Path) -> None:
    # stderr is not a terminal here, so no progress indicator may appear anywhere.
    start = "from therapycheck.cli import main; main()"
    command = [sys.executable, "-c", start, "outcomes", str(scores_file(tmp_path))]
    env = {**os.environ, "COLUMNS": "100"}
    done = subprocess.run([*command, "-f", "json"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["clients"] == 2
    assert done.stderr == ""


def test_the_progress_indicator_goes_to_stderr_and_json_stays_one_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outcomes_cli, "_show_progress", lambda _file: True)
    result = runner.invoke(app, ["outcomes", str(scores_file(tmp_path)), "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["clients"] == 2


def test_progress_is_shown_only_for_large_files_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = scores_file(tmp_path)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert outcomes_cli._show_progress(small) is False
    monkeypatch.setattr(outcomes_cli, "PROGRESS_FROM_BYTES", 10)
    assert outcomes_cli._show_progress(small) is True
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert outcomes_cli._show_progress(small) is False
