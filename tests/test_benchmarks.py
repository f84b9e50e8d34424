"""The benchmark inputs are what they claim to be, and the benchmarks run and agree."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def test_the_checkup_benchmark_reports_evaluate_and_plan_rates_against_the_target():
    command = [sys.executable, str(BENCHMARKS / "checkup.py"), "--seconds", "0.06"]
    run = subprocess.run(
        [*command, "--corpus", "12", "--json"], capture_output=True, text=True, check=True
    )
    result = json.loads(run.stdout)
    assert result["target"] == {"case": "evaluate+plan", "per_second": 1_000}
    assert set(result["per_second"]) == {
        "parse",
        "evaluate",
        "evaluate+plan",
        "evaluate+plan+report",
    }
    assert result["corpus"]["documents"] == 12
    assert all(rate > 0 for rate in result["corpus"]["per_second"].values())
    # The machine's own speed comes with the figures, so runs on two machines compare.
    assert result["machine"]["reference_loops_per_second"] > 0


def test_the_outcomes_benchmark_runs_and_every_engine_agrees_with_the_floor():
    # `make bench` runs this script; it stops with an error when any engine's counts differ
    # from DuckDB's (or rows were skipped on the clean file), so a passing run means they
    # agree. A tiny file keeps it quick.
    command = [sys.executable, str(BENCHMARKS / "outcomes.py"), "--rows", "600", "--repeat", "1"]
    for extra in ([], ["--bad-rows"]):
        run = subprocess.run([*command, *extra], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr + run.stdout
        assert "600 rows" in run.stdout
