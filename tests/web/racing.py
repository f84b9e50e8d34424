"""Racing threads against one database, for the tests that prove the database alone
stops a double booking (tests/web/booking/test_no_double_booking.py, the API move race)."""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from django.db import connection, connections
from django.db.utils import load_backend

T = TypeVar("T")


class Racer:
    """Runs attempts in threads, each with its own database connection.

    Django's SQLite test database lives in memory with a shared cache, where a second
    writer fails at once ("table is locked") instead of waiting its turn as it does on a
    server's SQLite file (settings: IMMEDIATE transactions, a 30-second timeout). So on
    SQLite the race runs on a file copy of the test database, with the same settings; on
    PostgreSQL it runs on the test database itself.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.file_settings: dict[str, Any] | None = None
        self.keeper: sqlite3.Connection | None = None

    def close(self) -> None:
        if self.keeper is not None:
            self.keeper.close()

    def copy_database(self) -> None:
        """Call once the data is set up: threads then work on a file copy (SQLite only)."""
        if connection.vendor != "sqlite":
            return
        path = self.folder / "race.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        # Switch the copy to the write-ahead log once, here, as `migrate` does for a real
        # database: otherwise fifty threads each run the settings' `journal_mode=WAL` on
        # their first query, and a switch that meets another connection can fail with
        # "database is locked" without waiting (seen once in CI).
        target.execute("PRAGMA journal_mode=WAL")
        # ...and keep this connection open until the test ends, so the log and its index
        # are not torn down and rebuilt as racing threads close and open connections.
        self.keeper = target
        self.file_settings = {**connection.settings_dict, "NAME": str(path)}

    def _bind(self) -> None:
        if self.file_settings is not None:
            backend = load_backend(self.file_settings["ENGINE"])
            connections["default"] = backend.DatabaseWrapper(dict(self.file_settings), "default")

    def run(self, fn: Callable[[], T]) -> T:
        """`fn()` on the database the racers used (for the checks after a race)."""
        box: list[T] = []

        def target() -> None:
            self._bind()
            try:
                box.append(fn())
            finally:
                connections.close_all()

        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
        assert box, "the check raised in its thread (see the warning above)"
        return box[0]

    def race(self, attempt: Callable[[int], str], n: int) -> Counter[str]:
        """Run `attempt(i)` in n threads released together; count what each returned."""
        barrier = threading.Barrier(n)
        results: list[str] = []
        lock = threading.Lock()

        def target(i: int) -> None:
            self._bind()
            try:
                barrier.wait()
                outcome = attempt(i)
            except Exception as exc:
                outcome = f"error: {type(exc).__name__}: {exc}"
            finally:
                connections.close_all()
            with lock:
                results.append(outcome)

        threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return Counter(results)
