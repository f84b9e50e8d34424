"""Helpers shared by the benchmark scripts: peak memory, machine facts, measured subprocesses."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "load": os.getloadavg()[0],
        "reference_loops_per_second": round(reference_speed()),
    }


def _reference_loop() -> int:
    # The kind of work the check-up does: small dicts keyed by strings, lookups, tuples,
    # short-lived objects. Fixed, so its rate depends on the machine and Python alone.
    found = 0
    for n in range(200):
        answers = {"q" + str(k): k * n for k in range(8)}
        for key in ("q1", "q3", "q5", "q9"):
            if answers.get(key, 0) > n:
                found += 1
        found += len(tuple(sorted(answers.values())))
    return found


def reference_speed(seconds: float = 0.3) -> float:
    """Reference loops per second on this machine (see `rate`).

    Two machines can differ twofold on the same code. The same interpreter on a machine
    with twice this figure runs the benchmarks about twice as fast, so comparing it tells
    a slower machine apart from slower code.
    """
    return rate(_reference_loop, seconds)


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second: best of three timed runs of about `seconds` / 3 each."""
    fn()  # warm caches (for the check-up: question bank, rules, instruments)
    calls = 1
    started = time.perf_counter()
    while time.perf_counter() - started < 0.05:
        fn()
        calls += 1
    per_call = (time.perf_counter() - started) / calls
    batch = max(1, int(seconds / 3 / per_call))
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(batch):
            fn()
        best = min(best, (time.perf_counter() - t0) / batch)
    return 1.0 / best


@dataclass(frozen=True)
class Measured:
    seconds: float  # wall time of the whole child process
    peak_mb: float  # that child's own peak resident memory
    stdout: str


def measure(argv: list[str]) -> Measured:
    """Run one command in a fresh process; its own peak memory comes from os.wait4.

    A fresh process per run keeps peak memory honest: ru_maxrss never goes down, and
    RUSAGE_CHILDREN would report the largest of all children so far, not this one.
    """
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errors, cwd=ROOT)
        assert child.stdout is not None
        out = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        child.stdout.close()
        if child.returncode != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace")
            raise SystemExit(f"failed: {' '.join(argv)}\n{message}")
    return Measured(seconds, usage.ru_maxrss / 1024, out.decode())
