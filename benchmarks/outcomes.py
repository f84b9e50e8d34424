"""Outcome KPIs at scale: `therapycheck outcomes` against vectorized pandas and a bare DuckDB query.

    .venv/bin/python benchmarks/outcomes.py                 # 1M and 10M rows (about 2-3 minutes)
    .venv/bin/python benchmarks/outcomes.py --rows 1000000  # one size
    .venv/bin/python benchmarks/outcomes.py --repeat 3      # best of 3 rounds (default 2)
    .venv/bin/python benchmarks/outcomes.py --bad-rows      # clean file vs the same with 4 bad rows

Synthetic CSVs are generated once (vectorized numpy + polars) and cached under
benchmarks/data/ (git-ignored). Every engine runs in its own fresh subprocess, one after
the other in this one run, so peak memory (ru_maxrss of that child) is its own and the
ratios compare like with like on the same machine at the same time. All three must agree
on every KPI count, or the benchmark stops.

- therapycheck: `analyse_file`, the function the CLI calls (reading, bad-row checks, KPIs).
  The full CLI (`therapycheck outcomes FILE --format json`, start-up included) is timed too.
- pandas: the vectorized reference: read, pivot, sort, groupby first/last, no per-client
  Python function. Both CSV engines are tried and the faster one is the baseline.
- duckdb floor: one bare SQL query of the same rules, no checks at all.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DATA_DIR, machine, measure, peak_rss_mb

COUNT_KEYS = (
    "clients",
    "finished_treatment",
    "case_at_start",
    "recovered",
    "reliable_improvement",
    "reliable_deterioration",
    "reliable_recovery",
)
DEFAULT_ROWS = (1_000_000, 10_000_000)


# --- synthetic data ----------------------------------------------------------------------------


def generate(rows: int, seed: int = 20260101) -> Any:
    """A service's session scores: about 13 rows per client, 1-20 sessions (mean near 6.5,
    close to the NHS Talking Therapies mean), PHQ-9 and GAD-7 each session, 1.5% of sessions
    with only one of the two, scores drifting down with noise; rows in date order, so
    clients are interleaved as in a real export.
    """
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    clients = rows // 12 + 1
    n_sess = np.clip(rng.poisson(6.5, clients), 1, 20)
    total = int(n_sess.sum())
    client = np.repeat(np.arange(clients, dtype=np.int64), n_sess)
    first_idx = np.cumsum(n_sess) - n_sess
    session = (np.arange(total) - np.repeat(first_idx, n_sess) + 1).astype(np.int64)
    progress = (session - 1) / np.maximum(np.repeat(n_sess, n_sess) - 1, 1)
    gain = np.repeat(rng.normal(0.45, 0.35, clients), n_sess)
    phq0 = np.repeat(rng.normal(14, 5, clients), n_sess)
    gad0 = np.repeat(rng.normal(12, 4.5, clients), n_sess)
    phq = np.clip(np.rint(phq0 * (1 - gain * progress) + rng.normal(0, 2, total)), 0, 27)
    gad = np.clip(np.rint(gad0 * (1 - gain * progress) + rng.normal(0, 1.7, total)), 0, 21)
    day = np.repeat(rng.integers(0, 730, clients), n_sess) + 7 * (session - 1)
    keep_phq = rng.random(total) > 0.015
    keep_gad = keep_phq & (rng.random(total) > 0.015) | ~keep_phq
    keep = np.concatenate([keep_phq, keep_gad])
    columns = {
        "client": np.concatenate([client, client])[keep][:rows],
        "session": np.concatenate([session, session])[keep][:rows],
        "inst": np.concatenate([np.zeros(total, np.int8), np.ones(total, np.int8)])[keep][:rows],
        "score": np.concatenate([phq, gad]).astype(np.int64)[keep][:rows],
        "day": np.concatenate([day, day])[keep][:rows],
    }
    order = np.lexsort((columns["inst"], columns["client"], columns["day"]))
    frame = pl.DataFrame({name: values[order] for name, values in columns.items()})
    return frame.select(
        client_id=pl.format("C{}", pl.col("client").cast(pl.String).str.zfill(7)),
        session=pl.col("session"),
        instrument=pl.when(pl.col("inst") == 0).then(pl.lit("phq9")).otherwise(pl.lit("gad7")),
        score=pl.col("score"),
        date=pl.date(2024, 1, 1) + pl.duration(days=pl.col("day")),
    )


def dataset_path(rows: int) -> Path:
    return DATA_DIR / f"outcomes_{rows}.csv"


def write_dataset(rows: int) -> None:
    """In a child process: the parent stays small, because a child's peak memory on Linux
    starts from its parent's size at the time of the fork."""
    path = dataset_path(rows)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    generate(rows).write_csv(partial)
    partial.rename(path)


def bad_dataset(rows: int) -> Path:
    """The clean file with 4 bad rows spread through it: a pair of clashing duplicates (the
    same client, session and instrument with two scores), a score out of range and a
    session that is not a number. Skipping them must leave the clean file's KPIs."""
    path = DATA_DIR / f"outcomes_{rows}_bad.csv"
    if path.exists():
        return path
    clean = dataset(rows).read_text(encoding="utf-8").splitlines(keepends=True)
    header, body = clean[0], clean[1:]
    extra = {
        len(body) // 4: "B0000001,3,phq9,12,2024-01-01\nB0000001,3,phq9,14,2024-01-01\n",
        len(body) // 2: "B0000002,2,phq9,99,2024-01-01\n",
        3 * len(body) // 4: "B0000003,two,gad7,5,2024-01-01\n",
    }
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        out.write(header)
        for number, line in enumerate(body):
            out.write(extra.get(number, ""))
            out.write(line)
    partial.rename(path)
    return path


def dataset(rows: int) -> Path:
    path = dataset_path(rows)
    if not path.exists():
        made = measure([sys.executable, __file__, "--generate", str(rows)])
        print(f"generated {path.name} in {made.seconds:.1f} s", flush=True)
    return path


# --- the engines (each runs in a child process) -------------------------------------------------


def run_therapycheck(path: str) -> dict[str, Any]:
    from therapycheck.analytics.pipeline import analyse_file

    return analyse_file(path).as_dict()


def run_therapycheck_skipping(path: str) -> dict[str, Any]:
    """What `therapycheck outcomes --skip-bad-rows` does: skip and describe the bad rows."""
    from therapycheck.analytics.pipeline import analyse_file

    report = analyse_file(path, skip_bad_rows=True)
    return {**report.as_dict(), "bad_rows": report.bad_rows.height}


def run_pandas(path: str, engine: str) -> dict[str, Any]:
    """Vectorized pandas: pivot to one row per (client, session), keep paired sessions,
    sort, then groupby first/last. No Python function runs per client."""
    import pandas as pd

    dtypes = {"client_id": "str", "session": "int64", "instrument": "str", "score": "int64"}
    frame = pd.read_csv(path, usecols=list(dtypes), dtype=dtypes, engine=engine)
    frame = frame[frame["instrument"].isin(["phq9", "gad7"])]
    clients = frame["client_id"].nunique()
    wide = frame.pivot_table(
        index=["client_id", "session"], columns="instrument", values="score", aggfunc="first"
    )
    wide = wide.dropna().sort_index()
    grouped = wide.groupby(level="client_id")
    first, last, paired = grouped.first(), grouped.last(), grouped.size()
    d_phq, d_gad = last["phq9"] - first["phq9"], last["gad7"] - first["gad7"]
    finished = paired >= 2
    case0 = (first["phq9"] >= 10) | (first["gad7"] >= 8)
    case1 = (last["phq9"] >= 10) | (last["gad7"] >= 8)
    improved = (d_phq <= -6) | (d_gad <= -4)
    worse = (d_phq >= 6) | (d_gad >= 4)
    recovered = finished & case0 & ~case1
    reliable = finished & improved & ~worse
    return {
        "clients": int(clients),
        "finished_treatment": int(finished.sum()),
        "case_at_start": int((finished & case0).sum()),
        "recovered": int(recovered.sum()),
        "reliable_improvement": int(reliable.sum()),
        "reliable_deterioration": int((finished & worse & ~improved).sum()),
        "reliable_recovery": int((recovered & reliable).sum()),
    }


FLOOR_SQL = """
WITH s AS (
  SELECT client_id, session,
         max(score) FILTER (WHERE instrument = 'phq9') AS phq,
         max(score) FILTER (WHERE instrument = 'gad7') AS gad
  FROM read_csv($path, header = true)
  WHERE instrument IN ('phq9', 'gad7')
  GROUP BY client_id, session
), c AS (
  SELECT client_id,
         count(*) FILTER (WHERE phq IS NOT NULL AND gad IS NOT NULL) AS n,
         arg_min(phq, session) FILTER (WHERE phq IS NOT NULL AND gad IS NOT NULL) AS p0,
         arg_max(phq, session) FILTER (WHERE phq IS NOT NULL AND gad IS NOT NULL) AS p1,
         arg_min(gad, session) FILTER (WHERE phq IS NOT NULL AND gad IS NOT NULL) AS g0,
         arg_max(gad, session) FILTER (WHERE phq IS NOT NULL AND gad IS NOT NULL) AS g1
  FROM s GROUP BY client_id
), f AS (
  SELECT n >= 2 AS fin, (p0 >= 10 OR g0 >= 8) AS case0, (p1 >= 10 OR g1 >= 8) AS case1,
         (p1 - p0 <= -6 OR g1 - g0 <= -4) AS imp, (p1 - p0 >= 6 OR g1 - g0 >= 4) AS wor
  FROM c
)
SELECT count(*) AS clients,
  count(*) FILTER (WHERE fin) AS finished_treatment,
  count(*) FILTER (WHERE fin AND case0) AS case_at_start,
  count(*) FILTER (WHERE fin AND case0 AND NOT case1) AS recovered,
  count(*) FILTER (WHERE fin AND imp AND NOT wor) AS reliable_improvement,
  count(*) FILTER (WHERE fin AND wor AND NOT imp) AS reliable_deterioration,
  count(*) FILTER (WHERE fin AND case0 AND NOT case1 AND imp AND NOT wor) AS reliable_recovery
FROM f
"""


def run_duckdb(path: str) -> dict[str, Any]:
    import duckdb

    cursor = duckdb.connect().execute(FLOOR_SQL, {"path": path})
    names = [column[0] for column in cursor.description]
    row = cursor.fetchone()
    assert row is not None
    return dict(zip(names, (int(value) for value in row), strict=True))


def child_main(engine: str, path: str) -> None:
    """In a fresh process: import what the engine needs, time only the work, report."""
    runners = {
        "therapycheck": run_therapycheck,
        "therapycheck-skipping": run_therapycheck_skipping,
        "pandas-c": lambda p: run_pandas(p, "c"),
        "pandas-pyarrow": lambda p: run_pandas(p, "pyarrow"),
        "duckdb": run_duckdb,
    }
    # Imports happen before the clock starts: start-up is measured separately (the CLI run).
    if engine.startswith("therapycheck"):
        import therapycheck.analytics.pipeline  # noqa: F401
    elif engine.startswith("pandas"):
        import pandas  # noqa: F401
    else:
        import duckdb  # noqa: F401
    started = time.perf_counter()
    result = runners[engine](path)
    seconds = time.perf_counter() - started
    counts = {key: result[key] for key in (*COUNT_KEYS, "skipped_rows") if key in result}
    print(json.dumps({"result": counts, "seconds": seconds, "peak_mb": peak_rss_mb()}))


# --- the parent: run children, check, print ---------------------------------------------------


def run_engine(engine: str, path: Path) -> dict[str, Any]:
    measured = measure([sys.executable, __file__, "--child", engine, str(path)])
    payload = json.loads(measured.stdout.strip().splitlines()[-1])
    return {**payload, "engine": engine, "peak_mb": measured.peak_mb}


def run_cli(path: Path) -> dict[str, Any]:
    command = Path(sys.executable).with_name("therapycheck")
    measured = measure([str(command), "outcomes", str(path), "--format", "json"])
    document = json.loads(measured.stdout)
    counts = {key: document[key] for key in COUNT_KEYS}
    return {
        "engine": "therapycheck CLI",
        "seconds": measured.seconds,
        "peak_mb": measured.peak_mb,
        "result": counts,
    }


def versions() -> str:
    names = ("polars", "duckdb", "pandas", "pyarrow", "numpy")
    return ", ".join(f"{name} {metadata.version(name)}" for name in names)


ENGINES = ("therapycheck", "therapycheck CLI", "pandas-c", "pandas-pyarrow", "duckdb")


def best_of(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest round (least disturbed by other work) and the highest peak memory."""
    fastest = min(results, key=lambda run: run["seconds"])
    return {**fastest, "peak_mb": max(run["peak_mb"] for run in results)}


def benchmark(rows: int, repeat: int) -> list[dict[str, Any]]:
    """Rounds interleave the engines, so a burst of other work on the machine is shared."""
    path = dataset(rows)
    rounds: dict[str, list[dict[str, Any]]] = {engine: [] for engine in ENGINES}
    for _ in range(repeat):
        for engine in ENGINES:
            run = run_cli(path) if engine == "therapycheck CLI" else run_engine(engine, path)
            rounds[engine].append(run)
    runs = [best_of(rounds[engine]) for engine in ENGINES]
    expected = {key: runs[-1]["result"][key] for key in COUNT_KEYS}
    for run in (run for results in rounds.values() for run in results):
        # Only therapycheck reports skipped rows; on the clean file there must be none.
        counts = {key: run["result"][key] for key in COUNT_KEYS}
        if counts != expected or run["result"].get("skipped_rows", 0):
            raise SystemExit(
                f"{run['engine']} disagrees with the floor: {run['result']} vs {expected}"
            )
    return runs


def table(rows: int, runs: list[dict[str, Any]]) -> str:
    pandas_s = min(run["seconds"] for run in runs if run["engine"].startswith("pandas"))
    floor_s = next(run["seconds"] for run in runs if run["engine"] == "duckdb")
    lines = [
        f"\n{rows:,} rows ({runs[0]['result']['clients']:,} clients)",
        f"{'engine':<18} {'seconds':>8} {'peak MB':>8} {'pandas/x':>9} {'x/floor':>8}",
    ]
    for run in runs:
        seconds = run["seconds"]
        lines.append(
            f"{run['engine']:<18} {seconds:>8.2f} {run['peak_mb']:>8.0f} "
            f"{pandas_s / seconds:>8.1f}x {seconds / floor_s:>7.2f}x"
        )
    return "\n".join(lines)


def bad_rows_benchmark(rows: int, repeat: int) -> str:
    """The clean file, and the same file with 4 bad rows skipped (the slow path)."""
    clean, bad = dataset(rows), bad_dataset(rows)
    timed: dict[str, list[dict[str, Any]]] = {"clean": [], "4 bad rows": []}
    for _ in range(repeat):
        timed["clean"].append(run_engine("therapycheck", clean))
        timed["4 bad rows"].append(run_engine("therapycheck-skipping", bad))
    runs = {name: best_of(results) for name, results in timed.items()}
    found, expected = dict(runs["4 bad rows"]["result"]), dict(runs["clean"]["result"])
    if found.pop("skipped_rows", None) != 4 or expected.pop("skipped_rows", 0) or found != expected:
        raise SystemExit(f"skipping the bad rows gave {runs['4 bad rows']['result']}")
    base = runs["clean"]["seconds"]
    lines = [f"\n{rows:,} rows: analyse_file, clean vs with 4 bad rows skipped"]
    for name, run in runs.items():
        lines.append(
            f"{name:<12} {run['seconds']:>8.2f} s {run['peak_mb']:>8.0f} MB "
            f"{run['seconds'] / base:>6.2f}x the clean file"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, action="append", help="rows per file (repeatable)")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=2, help="rounds; the fastest counts")
    parser.add_argument("--generate", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--bad-rows", action="store_true", help="time the bad-row path against the clean file"
    )
    args = parser.parse_args()
    if args.child:
        child_main(*args.child)
        return
    if args.generate:
        write_dataset(args.generate)
        return
    facts = machine()
    print(f"machine: {facts['cores']} cores, Python {facts['python']}, {facts['platform']}")
    print(f"machine speed: {facts['reference_loops_per_second']:,} reference loops/s")
    print(f"versions: {versions()}")
    print(
        f"load average at start: {facts['load']:.2f} (other work on the machine slows all engines)"
    )
    print("pandas/x: how many times faster than the best pandas; x/floor: time / DuckDB floor")
    print(f"best of {args.repeat} interleaved rounds; peak MB is the highest of the rounds")
    for rows in args.rows or DEFAULT_ROWS:
        if args.bad_rows:
            print(bad_rows_benchmark(rows, args.repeat), flush=True)
        else:
            print(table(rows, benchmark(rows, args.repeat)), flush=True)


if __name__ == "__main__":
    main()
