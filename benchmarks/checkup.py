"""Check-up speed: evaluations per second for a full answer set, single process.

Measures, side by side in one run, on one realistic full answers document and on a seeded
corpus of varied full answer sets (`_corpus.py`: every visible question answered, every
offered questionnaire filled, histories of earlier scores), so no per-input shortcut can
flatter the figure. Every document goes through JSON first, as the CLI and API get it:
  parse           `parse_answers` alone: validation, scoring, series status
  evaluate        `core.checkup.evaluate` on the JSON document (parse + rules + findings),
                  through the compiled fast path (core/checkup/_native.pyx) when it is built
  evaluate, python path
                  `evaluate_python`, the reference evaluator, on the same input, side by side
  rules+findings  `evaluate` on already validated answers (`ParsedAnswers`): the factor
                  rules and findings alone, as when a stored check-up is evaluated again
  + plan          evaluate, then `core.plan.build_plan` (actions, guide, checklist, safety)
  + report        evaluate + plan + `CheckupReport.to_dict()` (the CLI/API JSON)

Target: >= 20,000 evaluations per second per core (the issue's figure), i.e. 50 us per
evaluation. The script prints rates, the ratio to the target, peak memory and the machine
(with its load: other work on the machine lowers every figure) and its speed on a fixed
reference loop, with the speed a machine needs for `evaluate` to meet the target (the
figure is per core, so it depends on the core). Then the time per step of one evaluation
of the Python path, each step timed alone on its own inputs: parse, rules (which rules
fire), findings (the "why" lines, tempering, ordering) and, outside `evaluate`, plan.
`--profile` adds where the time goes in `evaluate` (cProfile, top functions by own time);
it is also shown whenever `evaluate` is below the target.

    .venv/bin/python benchmarks/checkup.py [--seconds 2] [--corpus 2000] [--profile] [--json]
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, peak_rss_mb, rate
from _corpus import corpus
from therapycheck.core.checkup import evaluate, parse_answers, question_bank, rule_set
from therapycheck.core.checkup.evaluate import (
    evaluate_python,
    findings_for,
    fire,
    native_engine,
    state_for,
)
from therapycheck.core.plan import build_plan
from therapycheck.core.report import report_from_evaluation

TARGET_PER_CORE = 20_000
TODAY = datetime.date(2026, 11, 21)


def as_received(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as a JSON parser gives it (what `checkup --answers` and the API read)."""
    received: dict[str, Any] = json.loads(json.dumps(doc))
    return received


def full_answers() -> dict[str, Any]:
    """Every visible question answered (a mixed, realistic picture), plus questionnaires.

    Chosen so that several rules fire: trust is low, goals unclear, therapy was someone
    else's idea, alcohol and trauma come up (so AUDIT-C and PCL-5 are asked too), and the
    PHQ-9 series has 9 sessions without reliable change.
    """
    bank = question_bank()
    preferred: dict[str, Any] = {
        "sessions": 9,
        "weeks": 12,
        "frequency": "weekly",
        "safe_now": "safe",
        "harm_worry": "no",
        "concerns": ["depression", "trauma", "substance_use"],
        "chosen": "partner",
        "dual_relationship": "no",
    }
    answers: dict[str, Any] = {}
    for _ in range(3):  # follow-up questions appear as earlier answers are given
        for question in bank.visible(answers):
            if question.id in answers:
                continue
            answers[question.id] = preferred.get(question.id, _middle(question))
    measures = {
        "phq9": [2, 1, 2, 1, 1, 1, 1, 1, 0],
        "gad7": [1, 1, 2, 1, 1, 0, 1],
        "wai_sr": [2, 3, 2, 3, 2, 3, 2, 2, 3, 2, 3, 2],
        "audit_c": [2, 1, 0],
        "pcl5": [1] * 20,
    }
    offered = set(bank.measures_offered(answers))
    history = {
        "phq9": [
            {"session": n, "score": s}
            for n, s in zip(range(1, 9), (13, 14, 12, 13, 12, 13, 12, 13), strict=True)
        ]
    }
    return {
        "answers": answers,
        "measures": {k: v for k, v in measures.items() if k in offered},
        "history": history,
        "country": "GB",
    }


def _middle(question: Any) -> Any:
    if question.type == "number":
        return question.min or 1
    if question.type == "agree5":
        return 2
    if question.type == "yes_no":
        return "no"
    options = [o for o in question.options if not o.exclusive]
    if question.type == "multi":
        return [options[0].id]
    return options[len(options) // 2].id


def corpus_rate(fn: Callable[[Any], object], items: list[Any], rounds: int = 5) -> float:
    """Calls per second over `items`, each called once per round; the best round counts."""
    for item in items[: max(1, len(items) // 10)]:
        fn(item)  # warm the one-off loading (question bank, rules, instruments)
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - t0)
    return len(items) / best


def phases(doc: dict[str, Any], seconds: float) -> dict[str, float]:
    """Microseconds per call of each step of `evaluate`, each timed on its own inputs.

    parse     `parse_answers`: answer checks, questionnaire scoring, series statuses
    rules     derived facts and the compiled rule set (which rules fire, by factor)
    findings  findings with their "why" lines, tempering and ordering
    plan      `core.plan.build_plan` on the evaluation (not part of `evaluate`)
    """
    parsed = parse_answers(doc)
    rules = rule_set()
    state = state_for(parsed)
    fired = fire(rules, state)
    evaluation = evaluate(parsed)
    steps: dict[str, Callable[[], object]] = {
        "parse": lambda: parse_answers(doc),
        "rules": lambda: fire(rules, state_for(parsed)),
        "findings": lambda: findings_for(fired, state, rules),
        "plan": lambda: build_plan(evaluation, today=TODAY),
    }
    return {name: 1e6 / rate(fn, seconds / 4) for name, fn in steps.items()}


def profile(doc: dict[str, Any], calls: int = 2000, top: int = 15) -> str:
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
    parser.add_argument("--corpus", type=int, default=2000, help="varied answer sets to run")
    parser.add_argument("--profile", action="store_true", help="show where evaluate spends time")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args()

    # Through JSON first, as the CLI and the API receive a document: its keys and option
    # ids are then new strings, not the question bank's own objects.
    doc = as_received(full_answers())
    evaluation = evaluate(doc)
    parsed = parse_answers(doc)
    cases: dict[str, Callable[[], object]] = {
        "parse": lambda: parse_answers(doc),
        "evaluate": lambda: evaluate(doc),
        "evaluate, python path": lambda: evaluate_python(doc),
        "rules+findings": lambda: evaluate(parsed),
        "evaluate+plan": lambda: build_plan(evaluate(doc), today=TODAY),
        "evaluate+plan+report": lambda: report_from_evaluation(
            evaluate(doc), today=TODAY
        ).to_dict(),
    }
    rates = {name: rate(fn, args.seconds) for name, fn in cases.items()}
    docs = [as_received(d) for d in corpus(args.corpus)]
    parsed_docs = [parse_answers(d) for d in docs]
    corpus_rates = {
        "parse": corpus_rate(parse_answers, docs),
        "evaluate": corpus_rate(evaluate, docs),
        "evaluate, python path": corpus_rate(evaluate_python, docs),
        "rules+findings": corpus_rate(evaluate, parsed_docs),
        "evaluate+plan": corpus_rate(lambda d: build_plan(evaluate(d), today=TODAY), docs),
    }
    per_doc = [evaluate(p) for p in parsed_docs]
    split = phases(doc, args.seconds)
    facts = machine()
    reference = facts["reference_loops_per_second"]
    result = {
        "machine": facts,
        # "compiled": core/checkup/_native.pyx is built and `evaluate` uses it; "python":
        # it is not, and both evaluate rows measure the Python path.
        "engine": "compiled" if native_engine() is not None else "python",
        "answers": {
            "questions_answered": len(doc["answers"]),
            "measures": sorted(doc["measures"]),
            "findings": [f.factor for f in evaluation.findings],
        },
        "per_second": {k: round(v) for k, v in rates.items()},
        "target_per_second_per_core": TARGET_PER_CORE,
        "ratio_to_target": {k: round(v / TARGET_PER_CORE, 3) for k, v in rates.items()},
        "corpus": {
            "documents": len(docs),
            "mean_questions_answered": round(sum(len(d["answers"]) for d in docs) / len(docs), 1),
            "mean_measures": round(sum(len(d["measures"]) for d in docs) / len(docs), 2),
            "mean_findings": round(sum(len(e.findings) for e in per_doc) / len(docs), 2),
            "per_second": {k: round(v) for k, v in corpus_rates.items()},
            "ratio_to_target": {k: round(v / TARGET_PER_CORE, 3) for k, v in corpus_rates.items()},
        },
        "evaluate_share_of_parse": round(rates["evaluate"] / rates["parse"], 3),
        # Where one evaluation's time goes (microseconds per call, each step timed alone).
        "microseconds_per_step": {k: round(v, 1) for k, v in split.items()},
        "microseconds_budget_at_target": round(1e6 / TARGET_PER_CORE, 1),
        # The machine speed at which `evaluate` would just meet the target, scaling its rate
        # by the reference loop: how far the result depends on this machine.
        "reference_loops_needed": {
            name: round(TARGET_PER_CORE * reference / per_second)
            for name, per_second in (
                ("evaluate", rates["evaluate"]),
                ("corpus evaluate", corpus_rates["evaluate"]),
            )
        },
        "peak_mb": round(peak_rss_mb(), 1),
    }
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print(result)
    if args.profile or rates["evaluate"] < TARGET_PER_CORE:
        # Keep stdout a single JSON document under --json.
        out = sys.stderr if args.json else sys.stdout
        print("\nWhere evaluate spends its time (cProfile, top functions by own time):", file=out)
        print(profile(doc), file=out)


def _print(result: dict[str, Any]) -> None:
    m = result["machine"]
    print(f"check-up benchmark: 1 process, {m['cores']} cores on the machine, Python {m['python']}")
    print(
        f"machine speed: {m['reference_loops_per_second']:,} reference loops/s "
        "(benchmarks/_common.py; the same code runs about in proportion to it)"
    )
    print(f"evaluator: {result['engine']} (the python path row is the reference evaluator)")
    a = result["answers"]
    print(
        f"answers: {a['questions_answered']} questions, measures {', '.join(a['measures'])}; "
        f"{len(a['findings'])} findings"
    )
    print(f"{'case':<24}{'per second':>12}{'vs target':>12}")
    for name, per_second in result["per_second"].items():
        ratio = result["ratio_to_target"][name]
        print(f"{name:<24}{per_second:>12,}{ratio:>11.2f}x")
    c = result["corpus"]
    print(
        f"corpus: {c['documents']:,} varied answer sets, on average {c['mean_questions_answered']}"
        f" questions, {c['mean_measures']} questionnaires, {c['mean_findings']} findings"
    )
    for name, per_second in c["per_second"].items():
        ratio = c["ratio_to_target"][name]
        print(f"{'corpus ' + name:<24}{per_second:>12,}{ratio:>11.2f}x")
    print(f"target: {TARGET_PER_CORE:,}/s per core; peak memory {result['peak_mb']} MB")
    for name, needed in result["reference_loops_needed"].items():
        print(f"{name} meets the target on a machine with {needed:,} reference loops/s or more")
    steps = result["microseconds_per_step"]
    parts = ", ".join(f"{name} {us:,.1f}" for name, us in steps.items())
    inside = sum(us for name, us in steps.items() if name != "plan")
    print(
        f"python path, time per step (us, each timed alone): {parts}; "
        f"parse+rules+findings {inside:,.1f} "
        f"vs {result['microseconds_budget_at_target']} us per evaluation at the target"
    )


if __name__ == "__main__":
    main()
