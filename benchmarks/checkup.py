"""Check-up speed: evaluations per second, single process, plain Python.

The check-up is evaluated once per web request or CLI run, and the results page (the
slowest real flow) also builds the plan. The figure to meet is 1,000 `evaluate` + plan
per second on the project's 2-core machine: a millisecond each, well under a page's own
rendering time. Measured side by side in one run, on one realistic full answers document
(`tests/corpus.py: full_answers`) and on a seeded corpus of varied full answer sets
(`tests/corpus.py: corpus`). Every document goes through JSON first, as the CLI and the
API receive it:

  parse                 `parse_answers`: answer checks, questionnaire scoring, series status
  evaluate              `core.checkup.evaluate` (parse + rules + findings)
  evaluate+plan         evaluate, then `core.plan.build_plan` (the results page's work)
  evaluate+plan+report  evaluate + plan + `CheckupReport.to_dict()` (the CLI/API JSON)

It prints the rates, evaluate+plan against the figure, peak memory, and the machine with
its speed on a fixed reference loop (benchmarks/_common.py), so runs on two machines can
be compared. `--profile` adds where `evaluate` spends its time (cProfile).

    .venv/bin/python benchmarks/checkup.py [--seconds 2] [--corpus 1000] [--profile] [--json]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.corpus import corpus, full_answers

from _common import machine, peak_rss_mb, rate
from therapycheck.core.checkup import evaluate, parse_answers
from therapycheck.core.plan import build_plan
from therapycheck.core.report import report_from_evaluation

# evaluate + plan per second on the 2-core machine (issue "One clear check-up engine").
TARGET = 1_000
TARGET_CASE = "evaluate+plan"
TODAY = datetime.date(2026, 11, 21)


def as_received(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as a JSON parser gives it (what `checkup --answers` and the API read)."""
    received: dict[str, Any] = json.loads(json.dumps(doc))
    return received


def cases() -> dict[str, Callable[[dict[str, Any]], object]]:
    return {
        "parse": parse_answers,
        "evaluate": evaluate,
        "evaluate+plan": lambda doc: build_plan(evaluate(doc), today=TODAY),
        "evaluate+plan+report": lambda doc: report_from_evaluation(
            evaluate(doc), today=TODAY
        ).to_dict(),
    }


def corpus_rate(fn: Callable[[Any], object], items: list[Any], rounds: int = 3) -> float:
    """Calls per second over `items`, each called once per round; the best round counts."""
    fn(items[0])  # the one-off loading (question bank, rules, instruments)
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - t0)
    return len(items) / best


def profile(doc: dict[str, Any], calls: int = 500, top: int = 15) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        evaluate(doc)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    parser.add_argument("--corpus", type=int, default=1000, help="varied answer sets to run")
    parser.add_argument("--profile", action="store_true", help="show where evaluate spends time")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args()

    doc = as_received(full_answers())
    docs = [as_received(d) for d in corpus(args.corpus)]
    evaluation = evaluate(doc)
    rates = {name: rate(lambda fn=fn: fn(doc), args.seconds) for name, fn in cases().items()}
    corpus_rates = {name: corpus_rate(fn, docs) for name, fn in cases().items()}
    result = {
        "machine": machine(),
        "answers": {
            "questions_answered": len(doc["answers"]),
            "measures": sorted(doc["measures"]),
            "findings": [f.factor for f in evaluation.findings],
        },
        "per_second": {k: round(v) for k, v in rates.items()},
        "target": {"case": TARGET_CASE, "per_second": TARGET},
        "ratio_to_target": round(rates[TARGET_CASE] / TARGET, 2),
        "corpus": {
            "documents": len(docs),
            "mean_questions_answered": round(sum(len(d["answers"]) for d in docs) / len(docs), 1),
            "per_second": {k: round(v) for k, v in corpus_rates.items()},
            "ratio_to_target": round(corpus_rates[TARGET_CASE] / TARGET, 2),
        },
        "peak_mb": round(peak_rss_mb(), 1),
    }
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print(result)
    if args.profile:
        out = sys.stderr if args.json else sys.stdout  # keep stdout one JSON document
        print("\nWhere evaluate spends its time (cProfile, top functions by own time):", file=out)
        print(profile(doc), file=out)


def _print(result: dict[str, Any]) -> None:
    m = result["machine"]
    print(
        f"check-up benchmark: 1 process, {m['cores']} cores, Python {m['python']}, "
        f"load {m['load']:.2f}; reference loop {m['reference_loops_per_second']:,}/s"
    )
    a = result["answers"]
    print(
        f"one full answer set: {a['questions_answered']} questions, measures "
        f"{', '.join(a['measures'])}; {len(a['findings'])} findings"
    )
    c = result["corpus"]
    print(f"corpus: {c['documents']:,} varied sets, {c['mean_questions_answered']} questions each")
    print(f"{'case':<24}{'one set /s':>12}{'corpus /s':>12}")
    for name, per_second in result["per_second"].items():
        print(f"{name:<24}{per_second:>12,}{c['per_second'][name]:>12,}")
    print(
        f"target: {TARGET:,} {TARGET_CASE} per second; one set {result['ratio_to_target']:.2f}x, "
        f"corpus {c['ratio_to_target']:.2f}x; peak memory {result['peak_mb']} MB"
    )


if __name__ == "__main__":
    main()
