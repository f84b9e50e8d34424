"""Crash test: kill -9 the server while people save, restart, and find every saved answer.

    make crash-test                                   # 10 rounds
    .venv/bin/python benchmarks/crash.py --rounds 20 --writers 6

Not part of the test suite or CI (it kills processes and takes a minute). Each round starts
`therapycheck serve` on a fresh port with the same data folder (SQLite in WAL mode, as a
person runs it), lets several writers save questionnaires as fast as the server takes
them, kills the server with SIGKILL at a random moment, then opens the database and
checks two things: `PRAGMA integrity_check` says ok, and every write the server
acknowledged (a redirect to the saved entry) is in it. Writes that were in flight at the
kill may or may not be there; they are counted, not judged.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.web.live import Browser, LiveApp, free_port

from _common import ROOT, machine
from therapycheck.core.instruments import all_instruments

STARTUP_SECONDS = 60


@dataclass
class Ledger:
    """What the writers sent and what the server acknowledged, shared by all threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: set[tuple[str, int]] = field(default_factory=set)
    in_flight: set[tuple[str, int]] = field(default_factory=set)
    refused: int = 0


def serve(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "THERAPYCHECK_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-c", "from therapycheck.cli import main; main()"]
    return subprocess.Popen(
        [*command, "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_until_up(app: LiveApp, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped with {server.returncode}")
        try:
            if Browser(app).get("/")[0] == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def writer(
    app: LiveApp, slots: list[tuple[str, int]], ledger: Ledger, stop: threading.Event
) -> None:
    browser = Browser(app)
    try:
        token = browser.token("/measures/phq9/new/")
    except OSError:
        return
    # The first option of every item: a valid answer that raises no safety flag.
    answers = {
        inst.id: {f"item_{i.number}": str(inst.item_options(i.number)[0].value) for i in inst.items}
        for inst in all_instruments()
    }
    while slots and not stop.is_set():
        instrument, session = slot = slots.pop()
        data = {"session_number": str(session), "taken_on": "2026-12-01"}
        data["form_token"] = uuid.uuid4().hex
        data.update(answers[instrument])
        with ledger.lock:
            ledger.in_flight.add(slot)
        try:
            status, _ = browser.post(f"/measures/{instrument}/new/", data, token)
        except OSError:
            return  # the server is gone: this write stays "in flight"
        with ledger.lock:
            ledger.in_flight.discard(slot)
            if status == 302:
                ledger.acknowledged.add(slot)
            else:
                ledger.refused += 1


def check(database: Path, ledger: Ledger) -> tuple[str, int, int]:
    """(integrity_check, acknowledged writes missing, in-flight writes that made it)."""
    with sqlite3.connect(database) as connection:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        rows = connection.execute("SELECT instrument, session_number FROM tracking_measurement")
        present = {(str(i), int(s)) for i, s in rows}
    return integrity, len(ledger.acknowledged - present), len(ledger.in_flight & present)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    slots = [(inst.id, s) for inst in all_instruments() for s in range(1001)]
    rng.shuffle(slots)
    print(f"machine: {machine()}")
    print(
        f"{'round':>5} {'acknowledged':>12} {'missing':>8} {'in flight':>9} {'kept':>5}  integrity"
    )
    ledger = Ledger()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="therapycheck-crash-") as folder:
        data_dir = Path(folder) / "data"
        for number in range(1, args.rounds + 1):
            port = free_port()
            app = LiveApp(f"http://127.0.0.1:{port}", data_dir, None)
            server = serve(data_dir, port)
            wait_until_up(app, server)
            ledger.in_flight.clear()
            stop = threading.Event()
            threads = [
                threading.Thread(target=writer, args=(app, slots, ledger, stop))
                for _ in range(args.writers)
            ]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.5, 2.5))
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
            stop.set()
            for thread in threads:
                thread.join()
            integrity, missing, kept = check(data_dir / "therapycheck.sqlite3", ledger)
            failures += missing + (integrity != "ok")
            print(
                f"{number:>5} {len(ledger.acknowledged):>12} {missing:>8} "
                f"{len(ledger.in_flight):>9} {kept:>5}  {integrity}"
            )
    print(
        f"\n{args.rounds} kills, {len(ledger.acknowledged)} acknowledged writes, "
        f"{ledger.refused} refused with a message, "
        + ("all present, database intact" if not failures else f"{failures} PROBLEMS")
    )
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
