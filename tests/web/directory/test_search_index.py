"""The SQLite search index keeps its triggers through every migration (SQLite drops a
table's triggers when Django rebuilds the table to add a column)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from therapycheck.web.directory.search import FTS_TABLE

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the FTS5 index and its triggers are SQLite's"
)
TRIGGERS = {f"{FTS_TABLE}_insert", f"{FTS_TABLE}_update", f"{FTS_TABLE}_delete"}


def triggers() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {row[0] for row in cursor.fetchall()} & TRIGGERS


@pytest.mark.django_db(transaction=True)
def test_the_index_triggers_exist_after_every_migration_forwards_and_back() -> None:
    assert triggers() == TRIGGERS
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("directory")
    try:
        executor.migrate([("directory", "0001_initial")])
        assert triggers() == TRIGGERS
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    assert triggers() == TRIGGERS
