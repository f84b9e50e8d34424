"""The KPIs of rows that must hold no clash, for tests that state the rules directly."""

from __future__ import annotations

import polars as pl

from therapycheck.analytics.outcomes import (
    KpiRules,
    OutcomeKpis,
    compute_kpis_skipping_conflicts,
)


def compute_kpis(rows: pl.DataFrame | pl.LazyFrame, rules: KpiRules | None = None) -> OutcomeKpis:
    """The contract's KPIs over checked rows; raises ConflictingScores for a clash."""
    kpis, clash = compute_kpis_skipping_conflicts(rows, rules)
    if clash is not None:
        raise clash
    return kpis
