"""Full-text search with the database's own engine.

PostgreSQL: django.contrib.postgres.search (to_tsvector / plainto_tsquery, ranked by
ts_rank). SQLite: an FTS5 virtual table, created by the app's migration for SQLite only
and kept in step with the profiles by triggers (insert, update, delete: a save, a delete,
a cascade or a queryset update all reach it), queried with MATCH and ranked by bm25.

A search is reduced to its words first (letters and digits), each passed as a quoted
string: FTS5 syntax (quotes, NEAR, *, parentheses, AND/OR/NOT, column filters) and
tsquery operators in what someone types are only ever words, so no search can fail.
All words must match, on both databases.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.db.migrations.operations import RunSQL
from django.db.migrations.operations.base import Operation
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL

FTS_TABLE = "directory_specialistprofile_fts"
MAX_TERMS = 12
_WORD = re.compile(r"\w+")


def search_terms(text: str) -> list[str]:
    """The words of a search (lower case, at most MAX_TERMS); [] when there are none."""
    return [w.lower() for w in _WORD.findall(text or "")][:MAX_TERMS]


def fts5_query(terms: list[str]) -> str:
    # A word is letters, digits and "_", so it holds no double quote to escape; quoting
    # makes AND, OR, NOT and NEAR plain words too.
    return " ".join(f'"{term}"' for term in terms)


def apply_search(queryset: QuerySet[Any], terms: list[str]) -> QuerySet[Any]:
    """Profiles matching every word, best first (annotated `rank`)."""
    if not terms:
        return queryset
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector("search_text", config="english")
        query = SearchQuery(" ".join(terms), config="english", search_type="plain")
        found: QuerySet[Any] = (
            queryset.annotate(search_vector=vector, rank=SearchRank(vector, query))
            .filter(search_vector=query)
            .order_by(F("rank").desc(), "membership__display_name", "pk")
        )
        return found
    match = fts5_query(terms)
    table = queryset.model._meta.db_table
    matched: QuerySet[Any] = (
        queryset.filter(
            pk__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [match])
        )
        .annotate(
            rank=RawSQL(
                f"SELECT -bm25({FTS_TABLE}) FROM {FTS_TABLE} "
                f"WHERE {FTS_TABLE} MATCH %s AND {FTS_TABLE}.rowid = {table}.id",
                [match],
            )
        )
        .order_by(F("rank").desc(), "membership__display_name", "pk")
    )
    return matched


class RunSQLFor(RunSQL):
    """RunSQL on one database vendor only (the FTS5 table exists on SQLite alone)."""

    def __init__(self, vendor: str, sql: Any, reverse_sql: Any = None, **kwargs: Any) -> None:
        self.vendor = vendor
        super().__init__(sql, reverse_sql, **kwargs)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        name, args, kwargs = super().deconstruct()
        return name, [self.vendor, *args], kwargs

    def database_forwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, *args)

    def database_backwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, *args)


# The triggers that keep the index in step with the profiles. SQLite drops a table's
# triggers when Django rebuilds the table (which it does to add or change most columns), so
# a migration that changes directory_specialistprofile must make them again with
# `recreate_sqlite_triggers()` (see migrations/0002; tests/web/directory check they exist).
SQLITE_FTS_TRIGGERS = [
    f"""CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON directory_specialistprofile BEGIN
        INSERT INTO {FTS_TABLE}(rowid, body) VALUES (new.id, new.search_text);
    END""",
    f"""CREATE TRIGGER {FTS_TABLE}_update AFTER UPDATE ON directory_specialistprofile BEGIN
        DELETE FROM {FTS_TABLE} WHERE rowid = old.id;
        INSERT INTO {FTS_TABLE}(rowid, body) VALUES (new.id, new.search_text);
    END""",
    f"""CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON directory_specialistprofile BEGIN
        DELETE FROM {FTS_TABLE} WHERE rowid = old.id;
    END""",
]
SQLITE_FTS_DROP_TRIGGERS = [
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_insert",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_update",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_delete",
]
SQLITE_FTS_SQL = [
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(body, tokenize = 'porter unicode61')",
    f"INSERT INTO {FTS_TABLE}(rowid, body) SELECT id, search_text FROM directory_specialistprofile",
    *SQLITE_FTS_TRIGGERS,
]
SQLITE_FTS_REVERSE_SQL = [*SQLITE_FTS_DROP_TRIGGERS, f"DROP TABLE IF EXISTS {FTS_TABLE}"]


def recreate_sqlite_triggers(
    operation: Operation,
) -> tuple[RunSQLFor, Operation, RunSQLFor]:
    """`operation` (one that rebuilds directory_specialistprofile on SQLite) with the FTS
    triggers made again after it, forwards and backwards. The rebuild copies the rows
    without firing triggers, so the index itself stays as it was."""
    again = [*SQLITE_FTS_DROP_TRIGGERS, *SQLITE_FTS_TRIGGERS]
    return (
        RunSQLFor("sqlite", RunSQL.noop, reverse_sql=again),
        operation,
        RunSQLFor("sqlite", again, reverse_sql=RunSQL.noop),
    )
