"""The benchmark inputs are what they claim to be, and the benchmarks run and agree."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from therapycheck.core.checkup import parse_answers, question_bank

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.append(str(BENCHMARKS))

from _corpus import corpus  # noqa: E402


def test_the_corpus_answers_every_question_shown_and_fills_every_questionnaire_offered():
    bank = question_bank()
    for doc in corpus(40, seed=3):
        parsed = parse_answers(doc)
        shown = {q.id for q in bank.visible(doc["answers"])}
        assert set(doc["answers"]) == shown
        assert set(doc["measures"]) == set(bank.measures_offered(doc["answers"]))
        assert parsed.ignored == ()


def test_the_corpus_is_the_same_for_the_same_seed_and_varies_between_documents():
    first, again = corpus(20), corpus(20)
    assert first == again
    assert len({json.dumps(doc, sort_keys=True) for doc in first}) == 20


def test_the_checkup_benchmark_reports_rates_against_the_target():
    command = [sys.executable, str(BENCHMARKS / "checkup.py"), "--seconds", "0.06"]
    run = subprocess.run(
        [*command, "--corpus", "12", "--json"], capture_output=True, text=True, check=True
    )
    result = json.loads(run.stdout)
    assert result["target_per_second_per_core"] == 20_000
    assert set(result["per_second"]) >= {"parse", "evaluate", "rules+findings"}
    assert result["corpus"]["documents"] == 12
    assert all(rate > 0 for rate in result["corpus"]["per_second"].values())
    # The machine's own speed comes with the figures, so runs on two machines compare.
    assert result["machine"]["reference_loops_per_second"] > 0
    assert set(result["reference_loops_needed"]) == {"evaluate", "corpus evaluate"}


def test_the_outcomes_benchmark_runs_and_every_engine_agrees_with_the_floor():
    # `make bench` runs this script; it stops with an error when any engine's counts differ
    # from DuckDB's (or rows were skipped on the clean file), so a passing run means they
    # agree. A tiny file keeps it quick.
    command = [sys.executable, str(BENCHMARKS / "outcomes.py"), "--rows", "600", "--repeat", "1"]
    for extra in ([], ["--bad-rows"]):
        run = subprocess.run([*command, *extra], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr + run.stdout
        assert "600 rows" in run.stdout
