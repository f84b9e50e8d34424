"""The app as `make run` starts it: private files, writes that wait their turn, no traces.

These run the real server (waitress with its threads) on the same kind of database as the
rest of this test run: the SQLite file in a fresh data folder, or, in the PostgreSQL pass,
a fresh database on that server. Nothing here measures time.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import stat
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.web.live import Browser, LiveApp, make_run
from therapycheck import config
from therapycheck.core.instruments import get_instrument

pytestmark = pytest.mark.xdist_group("live_app")

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
CHECK_INS = 50


def _postgres_url(name: str) -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{name}"


def _admin(sql: str) -> None:
    import psycopg

    db = settings.DATABASES["default"]
    with psycopg.connect(
        dbname="postgres",
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        host=db["HOST"],
        port=db["PORT"],
        autocommit=True,
    ) as connection:
        connection.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    data_dir = tmp_path_factory.mktemp("live") / "data"
    if not ON_POSTGRES:
        with make_run(data_dir) as running:
            yield running
        return
    name = f"therapycheck_live_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        with make_run(data_dir, _postgres_url(name)) as running:
            yield running
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def count(app: LiveApp, sql: str) -> int:
    if app.database_url is None:
        database = app.data_dir / config.DATABASE_FILENAME
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
            return int(connection.execute(sql).fetchone()[0])
    import psycopg

    with psycopg.connect(app.database_url.replace("postgres://", "postgresql://", 1)) as conn:
        row = conn.execute(sql).fetchone()  # type: ignore[arg-type]
        assert row is not None
        return int(row[0])


def check_in(session: int) -> dict[str, str]:
    """An after-session check-in as the page posts it: PHQ-9, GAD-7 and WAI-SR answered."""
    data = {
        "session_number": str(session),
        "taken_on": dt.date.today().isoformat(),
        "form_token": uuid.uuid4().hex,
    }
    for instrument, value in (("phq9", 1), ("gad7", 2), ("wai_sr", 4)):
        for item in get_instrument(instrument).items:
            risky = item.number in get_instrument(instrument).safety_items
            data[f"{instrument}-item_{item.number}"] = "0" if risky else str(value)
    return data


def test_fifty_simultaneous_check_ins_from_two_browsers_are_all_saved(app: LiveApp) -> None:
    tabs = [Browser(app), Browser(app)]
    tokens = [tab.token("/measures/check-in/") for tab in tabs]

    def send(session: int) -> tuple[int, str]:
        which = session % 2
        return tabs[which].post("/measures/check-in/", check_in(session), tokens[which])

    with ThreadPoolExecutor(max_workers=CHECK_INS) as pool:
        answers = list(pool.map(send, range(1, CHECK_INS + 1)))
    failed = [(status, page[:200]) for status, page in answers if status != 302]
    assert failed == []
    saved = count(app, "SELECT COUNT(*) FROM tracking_measurement")
    assert saved == CHECK_INS * 3
    assert count(app, "SELECT COUNT(DISTINCT checkin) FROM tracking_measurement") == CHECK_INS


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite files; PostgreSQL keeps its own")
def test_make_run_keeps_the_data_readable_by_this_user_only_under_umask_022(
    app: LiveApp,
) -> None:
    Browser(app).get("/measures/")  # the app has written (the person, a session)
    database = app.data_dir / config.DATABASE_FILENAME
    # Any process that opens the database now creates the log files SQLite keeps beside
    # it; SQLite gives them the database's own mode, whatever that process's umask.
    with sqlite3.connect(database) as connection:
        connection.execute("SELECT COUNT(*) FROM django_session").fetchone()
        side = sorted(p for p in app.data_dir.iterdir() if p.name.startswith(database.name))
        assert {p.name for p in side} >= {database.name, f"{database.name}-wal"}
        assert {p.name: mode(p) for p in side} == {p.name: 0o600 for p in side}
    assert mode(app.data_dir) == 0o700
    assert mode(app.data_dir / config.SECRET_KEY_FILENAME) == 0o600


@pytest.mark.skipif(ON_POSTGRES, reason="the bytes of the SQLite files")
def test_delete_everything_leaves_no_trace_in_the_database_files(app: LiveApp) -> None:
    marker = f"private-words-{uuid.uuid4().hex}"
    tab = Browser(app)
    entry: dict[str, Any] = {
        "session_number": "999",
        "entry_date": dt.date.today().isoformat(),
        "topics": marker,
        "notes": marker * 20,
        "form_token": uuid.uuid4().hex,
    }
    assert tab.post("/journal/new/", entry, tab.token("/journal/new/"))[0] == 302
    files = [p for p in app.data_dir.iterdir() if p.name.startswith(config.DATABASE_FILENAME)]
    assert any(marker.encode() in p.read_bytes() for p in files)
    deleted = tab.post("/data/delete/", {"confirm": "on"}, tab.token("/data/delete/"))
    assert deleted[0] == 302
    files = [p for p in app.data_dir.iterdir() if p.name.startswith(config.DATABASE_FILENAME)]
    assert [p.name for p in files if marker.encode() in p.read_bytes()] == []
