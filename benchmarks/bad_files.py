"""Bad score files: `outcomes` and `progress` refuse 1 GB of garbage in bounded time and memory.

    .venv/bin/python benchmarks/bad_files.py           # 1 GB files (about 1-2 minutes)
    .venv/bin/python benchmarks/bad_files.py --mb 100  # smaller files

Two files of the given size are written to a temporary folder and removed afterwards:
- random bytes (a photo renamed .csv, a disk error): refused by the UTF-8 check that reads
  the whole file in fixed blocks, at the first byte that is not UTF-8;
- random rows: valid UTF-8 text with the right header and rows of random values (random
  client ids, sessions from -5 to 1100 with fractions, real and unknown instruments,
  scores from -10 to 130), so most rows are bad. Without skipping, the run stops at the
  first bad row; with `--skip-bad-rows` it counts them all and describes the first 1,000.

Each command runs in its own fresh process; its wall time and its own peak memory
(os.wait4) are printed beside the floor: reading the same bytes once, and nothing else.
The bound printed with them is what the issue asks: refused, in under a minute, with
memory well below the 10.3 GB that describing every bad row took.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, machine

THERAPYCHECK = [sys.executable, "-c", "from therapycheck.cli import main; main()"]
BOUND_SECONDS = 60
BOUND_MB = 4096
BLOCK = 1 << 20


@dataclass(frozen=True)
class Run:
    code: int
    seconds: float
    peak_mb: float
    message: str


def run(argv: list[str]) -> Run:
    """One command in a fresh process: exit code, wall time, its own peak memory, stderr."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errors, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        errors.seek(0)
        lines = errors.read().decode(errors="replace").strip().splitlines()
    code = os.waitstatus_to_exitcode(status)
    return Run(code, seconds, usage.ru_maxrss / 1024, lines[0] if lines else "")


def random_bytes(path: Path, size: int) -> None:
    with path.open("wb") as handle:
        handle.write(b"client_id,session,instrument,score\n")
        for _ in range(size // BLOCK):
            handle.write(os.urandom(BLOCK))


def random_rows(path: Path, size: int, seed: int = 13) -> None:
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    names = np.array(["phq9", "gad7", "PHQ-9", "GAD 7", "bdi2", "x", ""])
    with path.open("wb") as handle:
        handle.write(b"client_id,session,instrument,score\n")
        while handle.tell() < size:
            n = 1_000_000
            frame = pl.DataFrame(
                {
                    "client_id": rng.integers(0, 10**9, n).astype(str),
                    "session": np.round(rng.uniform(-5, 1100, n), rng.integers(0, 2)),
                    "instrument": names[rng.integers(0, len(names), n)],
                    "score": np.round(rng.uniform(-10, 130, n), 1),
                }
            )
            frame.write_csv(handle, include_header=False)


def floor(path: Path) -> Run:
    """Reading the file once, in blocks, and nothing else."""
    code = f"f = open({str(path)!r}, 'rb')\nwhile f.read({BLOCK}): pass"
    return run([sys.executable, "-c", code])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=1024, help="size of each file in MiB")
    parser.add_argument("--write", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    size = args.mb * BLOCK
    if args.write:
        # In its own process: numpy and polars in this one would count towards the peak
        # memory of every child started after it (a forked child starts with its size).
        kind, path = args.write
        (random_bytes if kind == "bytes" else random_rows)(Path(path), size)
        return
    print(f"machine: {machine()}")
    print(f"bound: refused (exit 2) within {BOUND_SECONDS} s and {BOUND_MB:,} MB\n")
    with tempfile.TemporaryDirectory(prefix="therapycheck-bad-files-") as folder:
        garbage, rows = Path(folder) / "random-bytes.csv", Path(folder) / "random-rows.csv"
        for kind, path in (("bytes", garbage), ("rows", rows)):
            subprocess.run(
                [sys.executable, __file__, "--mb", str(args.mb), "--write", kind, str(path)],
                check=True,
            )
        cases = [
            ("floor: read the random bytes once", floor(garbage), False),
            ("outcomes, random bytes", run([*THERAPYCHECK, "outcomes", str(garbage)]), True),
            ("progress, random bytes", run([*THERAPYCHECK, "progress", str(garbage),
                                            "--client", "c1"]), True),
            ("floor: read the random rows once", floor(rows), False),
            ("outcomes, random rows", run([*THERAPYCHECK, "outcomes", str(rows)]), True),
            ("progress, random rows", run([*THERAPYCHECK, "progress", str(rows),
                                           "--client", "1"]), True),
            ("outcomes --skip-bad-rows, random rows",
             run([*THERAPYCHECK, "outcomes", str(rows), "--skip-bad-rows", "-f", "json"]), False),
        ]  # fmt: skip
        sizes = {garbage: garbage.stat().st_size, rows: rows.stat().st_size}
    print(f"files: random bytes {sizes[garbage] / 1e9:.2f} GB, random rows "
          f"{sizes[rows] / 1e9:.2f} GB\n")  # fmt: skip
    print(f"{'case':<40} {'exit':>4} {'seconds':>8} {'peak MB':>8}  within bound  message")
    for name, result, refusal in cases:
        bounded = result.seconds < BOUND_SECONDS and result.peak_mb < BOUND_MB
        verdict = ("yes" if bounded and result.code == 2 else "NO") if refusal else "-"
        print(
            f"{name:<40} {result.code:>4} {result.seconds:>8.2f} {result.peak_mb:>8.0f}"
            f"  {verdict:<12}  {result.message[:110]}"
        )


if __name__ == "__main__":
    main()
