"""Golden outputs of the check-up, for speed work that must not change a single answer.

    .venv/bin/python benchmarks/golden.py write before.json   # before changing the code
    .venv/bin/python benchmarks/golden.py check before.json   # after: same outputs?

The documents: the seeded corpus (`_corpus.py`, 3,000 varied full answer sets), the
benchmark's own answer set, and 800 broken copies of corpus documents (one answer or one
questionnaire item replaced by a bad value). For each it keeps every field of the
evaluation, the report's JSON, or the error's type and message. `check` exits 1 and
names the first documents that differ.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import datetime
import json
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.corpus import corpus, full_answers

from therapycheck.core.checkup import AnswersError, evaluate
from therapycheck.core.report import report_from_evaluation

TODAY = datetime.date(2026, 11, 21)
_BAD_VALUES: tuple[Any, ...] = (True, 3.5, "nope", [1], -1, {"a": 1}, 10**6)


def documents() -> list[dict[str, Any]]:
    docs = [*corpus(3000), full_answers()]
    rng = random.Random(7)
    broken: list[dict[str, Any]] = []
    for doc in docs[:400]:
        answer = copy.deepcopy(doc)
        answer["answers"][rng.choice(list(answer["answers"]))] = rng.choice(_BAD_VALUES)
        broken.append(answer)
        if doc["measures"]:
            item = copy.deepcopy(doc)
            name = rng.choice(list(item["measures"]))
            item["measures"][name] = [*item["measures"][name][:-1], rng.choice((9, "x", True))]
            broken.append(item)
    return docs + broken


def plain(value: Any) -> Any:
    """Every field of dataclasses, recursively, as JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"__class__": type(value).__name__, **fields}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "short_name"):  # an instrument: its id is enough
        return f"instrument:{value.id}"
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return repr(value)


def outputs() -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for doc in documents():
        try:
            evaluation = evaluate(doc)
        except (AnswersError, ValueError) as exc:
            results.append({"error": f"{type(exc).__name__}: {exc}"})
            continue
        report = report_from_evaluation(evaluation, today=TODAY).to_dict()
        results.append({"evaluation": plain(evaluation), "report": report})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("write", "check"))
    parser.add_argument("file", type=Path)
    args = parser.parse_args()
    found = json.loads(json.dumps(outputs(), sort_keys=True, default=str))
    if args.action == "write":
        args.file.write_text(json.dumps(found, sort_keys=True), encoding="utf-8")
        errors = sum("error" in entry for entry in found)
        print(f"wrote {len(found):,} outputs ({errors:,} errors) to {args.file}")
        return
    expected = json.loads(args.file.read_text(encoding="utf-8"))
    differ = [n for n, (a, b) in enumerate(zip(expected, found, strict=False)) if a != b]
    if len(expected) != len(found) or differ:
        print(f"{len(differ):,} of {len(found):,} outputs differ; first: {differ[:10]}")
        raise SystemExit(1)
    print(f"all {len(found):,} outputs are the same")


if __name__ == "__main__":
    main()
