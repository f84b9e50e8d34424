"""File in, outcome report out: reading, bad rows, KPIs and the optional per-client table.

The same function serves the CLI, the benchmark and any other caller, so what is
measured is what users run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from therapycheck.analytics import readers
from therapycheck.analytics.outcomes import (
    KPI_INSTRUMENTS,
    KpiRules,
    OutcomeKpis,
    compute_kpis_skipping_conflicts,
    per_client,
)
from therapycheck.analytics.readers import BadRowsError

# Steps reported to `on_step`, in order, so a caller can show progress.
STEPS = ("reading", "checking", "computing", "finishing")

Step = Callable[[str], None]


@dataclass(frozen=True)
class OutcomeReport:
    kpis: OutcomeKpis
    skipped_rows: int  # every bad row, however many
    bad_rows: pl.DataFrame  # line, client_id, reason of the first ones; empty when clean
    per_client: pl.DataFrame | None
    unit: str  # "line" (CSV) or "row" (Parquet)

    def as_dict(self) -> dict[str, int | float | None]:
        """The contract's keys plus `skipped_rows` (0 when nothing was skipped)."""
        return {**self.kpis.as_dict(), "skipped_rows": self.skipped_rows}


def _no_step(_: str) -> None:
    return None


def analyse_file(
    path: str | Path,
    *,
    skip_bad_rows: bool = False,
    with_per_client: bool = False,
    on_step: Step = _no_step,
    describe: int = 1,
) -> OutcomeReport:
    """Read, check and summarise one outcomes file.

    Raises `readers.InputError` when the file cannot be used and `readers.BadRowsError`
    (naming the first bad row) when it has bad rows and `skip_bad_rows` is False: the run
    stops at once then, describing only the first `describe` bad rows. When skipping, the
    first MAX_DESCRIBED_BAD_ROWS are described; `skipped_rows` always counts them all.
    """
    rules = KpiRules.from_registry()
    source = readers.source_file(path)
    on_step("reading")
    readers.check_utf8(source)
    rows = readers.canonical_instruments(readers.read_rows(source))
    on_step("checking")
    present = readers.instruments_present(rows)
    invalid = readers.count_bad(rows, present)
    if invalid and not skip_bad_rows:
        described = readers.describe_bad_rows(source, rows, present, limit=describe)
        raise BadRowsError(described, source.unit, total=invalid)
    good, bad = _checked(source, rows, present, invalid)
    on_step("computing")
    kpis, conflicts = _kpis_and_conflicts(source, good, rules, present)
    skipped = invalid + conflicts.height
    if not conflicts.is_empty():
        bad = pl.concat([bad, conflicts]).sort("line").head(readers.MAX_DESCRIBED_BAD_ROWS)
        if not skip_bad_rows:
            raise BadRowsError(bad.head(describe), source.unit, total=skipped)
    on_step("finishing")
    table = None
    if with_per_client:
        usable = _without(good, conflicts, source) if not conflicts.is_empty() else good
        table = per_client(usable.drop("index", strict=False), rules)
    return OutcomeReport(kpis, skipped, bad, table, source.unit)


def _checked(
    source: readers.SourceFile, rows: pl.DataFrame, present: list[str], invalid: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Usable rows and the first bad rows described. Clean files skip all the slow work."""
    if invalid == 0:
        return rows, readers.empty_bad_rows()
    bad = readers.describe_bad_rows(source, rows, present)
    good = rows.with_row_index("index").filter(readers.valid_expr(present))
    return good, bad


def _kpis_and_conflicts(
    source: readers.SourceFile, good: pl.DataFrame, rules: KpiRules, present: list[str]
) -> tuple[OutcomeKpis, pl.DataFrame]:
    """The KPIs without any clashing rows, and the clashing rows (of every instrument)."""
    only_kpi = set(present) <= set(KPI_INSTRUMENTS)
    conflicts = [readers.empty_bad_rows() if only_kpi else _other_conflicts(source, good)]
    kpis, clash = compute_kpis_skipping_conflicts(good.drop("index", strict=False), rules)
    if clash is not None:
        kpi_rows = clash.where(_indexed(good)).filter(pl.col("instrument").is_in(KPI_INSTRUMENTS))
        conflicts.append(readers.conflicting_rows(source, kpi_rows))
    return kpis, pl.concat(conflicts)


def _other_conflicts(source: readers.SourceFile, good: pl.DataFrame) -> pl.DataFrame:
    """Clashing duplicates among instruments other than PHQ-9 and GAD-7 (usually none)."""
    others = pl.col("instrument").is_in(KPI_INSTRUMENTS).not_()
    if not good.select(others.any()).item():
        return readers.empty_bad_rows()
    return readers.conflicting_rows(source, _indexed(good).filter(others))


def _indexed(rows: pl.DataFrame) -> pl.DataFrame:
    return rows if "index" in rows.columns else rows.with_row_index("index")


def _without(
    good: pl.DataFrame, conflicts: pl.DataFrame, source: readers.SourceFile
) -> pl.DataFrame:
    indexes = (conflicts["line"] - source.first_number).cast(pl.UInt32)
    indexed = _indexed(good)
    return indexed.filter(~pl.col("index").is_in(indexes.implode()))
