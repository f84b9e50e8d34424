"""Service outcome KPIs: the NHS Talking Therapies rules over paired PHQ-9 and GAD-7 scores.

This module holds the rules only. It works on rows that are already checked (see
`analytics.readers` for files and bad rows): a polars frame with the columns
`client_id, session, instrument, score`, where `session` is a whole number and
`instrument` is a registry id. Rows for instruments other than PHQ-9 and GAD-7 are ignored.

The rules (DESIGN.md, contract — service outcome KPIs; NHS England, NHS Talking Therapies
for anxiety and depression manual, v7 2024, "paired scores" and outcome definitions):
- a client's *first* and *last* sessions are the lowest and highest session numbers at
  which BOTH PHQ-9 and GAD-7 were recorded (a "paired" session);
- *finished treatment* = at least 2 distinct paired sessions;
- *case* = PHQ-9 >= 10 or GAD-7 >= 8;
- *improved* = dPHQ <= -6 or dGAD <= -4; *worse* = dPHQ >= 6 or dGAD >= 4;
- *reliable improvement* = improved and not worse; *reliable deterioration* = worse and
  not improved (so a client who is both counts as neither);
- *recovered* = case at the first and not a case at the last paired session;
- *reliable recovery* = recovered and reliable improvement.
All counts after `clients` are among clients who finished treatment.

How it stays fast on 10 million rows: two hash group-bys (per client and session, then
per client) over numeric keys, and the first and last paired sessions found with plain
min/max over one packed integer (session, PHQ-9, GAD-7) instead of a sort.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import polars as pl

from therapycheck.core.instruments import get_instrument

PHQ9 = "phq9"
GAD7 = "gad7"
KPI_INSTRUMENTS = (PHQ9, GAD7)

# Session numbers must fit the packed key below with room to spare.
MAX_SESSION = 1_000_000_000

CONTRACT_KEYS = (
    "clients",
    "finished_treatment",
    "case_at_start",
    "recovered",
    "recovery_rate",
    "reliable_improvement",
    "reliable_improvement_rate",
    "reliable_deterioration",
    "reliable_deterioration_rate",
    "reliable_recovery",
    "reliable_recovery_rate",
)


@dataclass(frozen=True)
class KpiRules:
    """The four thresholds and the two score ranges the KPIs need.

    Defaults are the NHS Talking Therapies figures (manual v7, 2024): caseness PHQ-9 >= 10
    and GAD-7 >= 8; reliable change 6 points on PHQ-9 and 4 on GAD-7. `from_registry`
    takes them from the instrument data files, which name that source.
    """

    phq9_case: float = 10
    gad7_case: float = 8
    phq9_change: float = 6
    gad7_change: float = 4
    phq9_min: int = 0
    phq9_max: int = 27
    gad7_min: int = 0
    gad7_max: int = 21

    @classmethod
    def from_registry(cls) -> KpiRules:
        phq, gad = get_instrument(PHQ9), get_instrument(GAD7)
        defaults = cls()
        return cls(
            phq9_case=_caseness(phq, defaults.phq9_case),
            gad7_case=_caseness(gad, defaults.gad7_case),
            phq9_change=_change_points(phq, defaults.phq9_change),
            gad7_change=_change_points(gad, defaults.gad7_change),
            phq9_min=int(phq.min),
            phq9_max=int(phq.max),
            gad7_min=int(gad.min),
            gad7_max=int(gad.max),
        )


def _caseness(instrument: Any, default: float) -> float:
    caseness = getattr(instrument, "caseness", None)
    value = getattr(caseness, "at_or_above", None)
    return float(value) if value is not None else default


def _change_points(instrument: Any, default: float) -> float:
    reliable = getattr(instrument, "reliable_change", None)
    return float(reliable.points()) if reliable is not None else default


@dataclass(frozen=True)
class OutcomeKpis:
    """The contract's counts; rates are derived so they can never disagree with them."""

    clients: int
    finished_treatment: int
    case_at_start: int
    recovered: int
    reliable_improvement: int
    reliable_deterioration: int
    reliable_recovery: int

    def as_dict(self) -> dict[str, int | float | None]:
        """The contract's JSON keys, in its order; a rate with a zero denominator is None."""
        counts = asdict(self)
        rates = {
            "recovery_rate": _rate(self.recovered, self.case_at_start),
            "reliable_improvement_rate": _rate(self.reliable_improvement, self.finished_treatment),
            "reliable_deterioration_rate": _rate(
                self.reliable_deterioration, self.finished_treatment
            ),
            "reliable_recovery_rate": _rate(self.reliable_recovery, self.case_at_start),
        }
        merged: dict[str, int | float | None] = {**counts, **rates}
        return {key: merged[key] for key in CONTRACT_KEYS}


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class ConflictingScores(ValueError):
    """The same client, session and instrument has two different scores.

    `where(rows)` narrows rows down to the (client, session) groups that clash, cheaply,
    so the caller can describe them without grouping every row again.
    """

    def __init__(self, sessions: pl.DataFrame, key: pl.Expr, table: pl.DataFrame) -> None:
        super().__init__("the same client, session and instrument has different scores")
        self.sessions, self.key = sessions, key
        # The whole session table the clash was found in, so the KPIs can go on without
        # the clashing scores instead of grouping every row again.
        self.table = table

    def where(self, rows: pl.DataFrame) -> pl.DataFrame:
        # First by client key alone (a cheap membership test), then by session on the few
        # rows left: no join over every row.
        clients = self.sessions["key0"].unique().implode()
        candidates = rows.filter(self.key.is_in(clients))
        keys = candidates.select(self.key.alias("key0"), pl.col("session").cast(pl.Int64))
        clashing = keys.join(
            self.sessions, on=["key0", "session"], how="left", maintain_order="left"
        )
        return candidates.filter(clashing["clash"].fill_null(False))


# The client key for the fast path: two independent 64-bit hashes of the id. The first
# groups; the second checks the grouping. Two different ids would be merged only if both
# hashes collided at once (about 1 in 10^27 for a million clients); a collision of the first
# alone is detected and the exact (slower) string grouping is used instead.
def _fast_client_key() -> tuple[pl.Expr, pl.Expr]:
    client = pl.col("client_id")
    return client.hash(seed=0x5EED), client.hash(seed=0xC0FFEE)


FastKey = Callable[[], tuple[pl.Expr, pl.Expr]]  # (grouping key, check key)


def _bits(rules: KpiRules) -> int:
    span = max(rules.phq9_max - rules.phq9_min, rules.gad7_max - rules.gad7_min) + 1
    return max(span - 1, 1).bit_length()


def _session_level(rows: pl.LazyFrame, key: pl.Expr, check: pl.Expr) -> pl.LazyFrame:
    """One row per (client, session): min and max PHQ-9 and GAD-7 there (max differs = conflict)."""
    instrument, score = pl.col("instrument"), pl.col("score").cast(pl.Int64)
    phq = pl.when(instrument == PHQ9).then(score)
    gad = pl.when(instrument == GAD7).then(score)
    # Rows of other instruments are not filtered out (a filter copies every column): their
    # PHQ-9 and GAD-7 cells are null, so they never make a session paired, and a client
    # with only such rows is left out of `clients` below.
    return (
        rows.select(
            key.alias("key0"),
            check.alias("check"),
            pl.col("session").cast(pl.Int64),
            phq.alias("phq"),
            gad.alias("gad"),
        )
        .group_by("key0", "session")
        .agg(
            phq_min=pl.col("phq").min(),
            phq_max=pl.col("phq").max(),
            gad_min=pl.col("gad").min(),
            gad_max=pl.col("gad").max(),
            check_min=pl.col("check").min(),
            check_max=pl.col("check").max(),
        )
    )


def _client_level(sessions: pl.DataFrame, rules: KpiRules) -> pl.LazyFrame:
    """One row per client: number of paired sessions and the first and last paired scores.

    The packed integer (session, PHQ-9 offset, GAD-7 offset) orders like the session number,
    so its min is the first paired session with its two scores, and its max the last.
    """
    bits = _bits(rules)
    base = 1 << bits
    paired = pl.col("phq_min").is_not_null() & pl.col("gad_min").is_not_null()
    packed = (
        pl.col("session") * (base * base)
        + (pl.col("phq_min") - rules.phq9_min) * base
        + (pl.col("gad_min") - rules.gad7_min)
    )
    measured = pl.col("phq_min").is_not_null() | pl.col("gad_min").is_not_null()
    clients = (
        sessions.lazy()
        .group_by("key0")
        .agg(
            measured=measured.any(),
            paired_sessions=paired.sum(),
            first=pl.when(paired).then(packed).min(),
            last=pl.when(paired).then(packed).max(),
            check_min=pl.col("check_min").min(),
            check_max=pl.col("check_max").max(),
        )
    )

    def unpack(column: str, which: str) -> list[pl.Expr]:
        value = pl.col(column)
        return [
            (value // (base * base)).alias(f"{which}_session"),
            ((value // base) % base + rules.phq9_min).alias(f"phq9_{which}"),
            (value % base + rules.gad7_min).alias(f"gad7_{which}"),
        ]

    return clients.with_columns(*unpack("first", "first"), *unpack("last", "last"))


def _flags(rules: KpiRules) -> list[pl.Expr]:
    """Each client's outcome, word for word the contract's rules (see the module docstring)."""
    d_phq = pl.col("phq9_last") - pl.col("phq9_first")
    d_gad = pl.col("gad7_last") - pl.col("gad7_first")
    case_first = (pl.col("phq9_first") >= rules.phq9_case) | (
        pl.col("gad7_first") >= rules.gad7_case
    )
    case_last = (pl.col("phq9_last") >= rules.phq9_case) | (pl.col("gad7_last") >= rules.gad7_case)
    improved = (d_phq <= -rules.phq9_change) | (d_gad <= -rules.gad7_change)
    worse = (d_phq >= rules.phq9_change) | (d_gad >= rules.gad7_change)
    finished = pl.col("paired_sessions") >= 2
    recovered = finished & case_first & ~case_last
    reliable_improvement = finished & improved & ~worse
    return [
        d_phq.alias("d_phq9"),
        d_gad.alias("d_gad7"),
        finished.alias("finished"),
        case_first.fill_null(False).alias("case_at_start"),
        recovered.fill_null(False).alias("recovered"),
        reliable_improvement.fill_null(False).alias("reliable_improvement"),
        (finished & worse & ~improved).fill_null(False).alias("reliable_deterioration"),
        (recovered & reliable_improvement).fill_null(False).alias("reliable_recovery"),
    ]


def _totals(clients: pl.LazyFrame, rules: KpiRules) -> OutcomeKpis:
    finished = pl.col("finished")
    row = (
        clients.with_columns(_flags(rules))
        .select(
            clients=pl.col("measured").sum(),
            finished_treatment=finished.sum(),
            case_at_start=(finished & pl.col("case_at_start")).sum(),
            recovered=pl.col("recovered").sum(),
            reliable_improvement=pl.col("reliable_improvement").sum(),
            reliable_deterioration=pl.col("reliable_deterioration").sum(),
            reliable_recovery=pl.col("reliable_recovery").sum(),
        )
        .collect()
        .row(0, named=True)
    )
    return OutcomeKpis(**{name: int(value) for name, value in row.items()})


def _differs() -> pl.Expr:
    differs = (pl.col("phq_min") != pl.col("phq_max")) | (pl.col("gad_min") != pl.col("gad_max"))
    return differs.fill_null(False)


def _has_conflicts(sessions: pl.DataFrame) -> bool:
    return bool(sessions.select(_differs().any()).item())


def _sessions(rows: pl.LazyFrame, fast_key: FastKey | None, rules: KpiRules) -> pl.DataFrame:
    """The session table, grouped by the fast hashed key, or exactly by `client_id`."""
    if fast_key is None:
        key, check = pl.col("client_id"), pl.lit(0, dtype=pl.UInt64)
    else:
        key, check = fast_key()
    sessions = _session_level(rows, key, check).collect()
    # A collision must be ruled out first: it would look like a conflict.
    if _collided(sessions):
        raise _HashCollision
    if _has_conflicts(sessions):
        clashing = sessions.filter(_differs()).select("key0", "session", clash=pl.lit(True))
        raise ConflictingScores(clashing, key, sessions)
    return sessions


class _HashCollision(Exception):
    """Two client ids share the fast key: use the exact grouping instead."""


def _collided(table: pl.DataFrame) -> bool:
    return bool(table.select((pl.col("check_min") != pl.col("check_max")).any()).item())


def compute_kpis_skipping_conflicts(
    rows: pl.DataFrame | pl.LazyFrame, rules: KpiRules | None = None
) -> tuple[OutcomeKpis, ConflictingScores | None]:
    """The KPIs as if every row of a clashing (client, session, instrument) were left out,
    and the clash (None when there is none), from one grouping of the rows.

    A clash leaves that instrument's scores out of that session, exactly what dropping
    its rows and computing again would give, at a fraction of the cost on a big file.
    """
    rules = rules or KpiRules.from_registry()
    lazy = rows.lazy()
    try:
        return _kpis_skipping(lazy, _fast_client_key, rules)
    except _HashCollision:
        return _kpis_skipping(lazy, None, rules)


def _kpis_skipping(
    rows: pl.LazyFrame, fast_key: FastKey | None, rules: KpiRules
) -> tuple[OutcomeKpis, ConflictingScores | None]:
    clash: ConflictingScores | None = None
    try:
        sessions = _sessions(rows, fast_key, rules)
    except ConflictingScores as found:
        clash, sessions = found, _without_clashing_scores(found.table)
    clients = _client_level(sessions, rules).collect()
    if fast_key is not None and _collided(clients):
        raise _HashCollision
    return _totals(clients.lazy(), rules), clash


def _without_clashing_scores(sessions: pl.DataFrame) -> pl.DataFrame:
    """The session table with the scores of a clashing instrument emptied (as if absent)."""
    columns = []
    for name in ("phq", "gad"):
        low, high = pl.col(f"{name}_min"), pl.col(f"{name}_max")
        keep = (low == high).fill_null(True)
        columns += [pl.when(keep).then(low).alias(low.meta.output_name())]
        columns += [pl.when(keep).then(high).alias(high.meta.output_name())]
    return sessions.with_columns(columns)


PER_CLIENT_COLUMNS = (
    "client_id",
    "paired_sessions",
    "first_session",
    "last_session",
    "phq9_first",
    "phq9_last",
    "gad7_first",
    "gad7_last",
    "d_phq9",
    "d_gad7",
    "finished",
    "case_at_start",
    "recovered",
    "reliable_improvement",
    "reliable_deterioration",
    "reliable_recovery",
)


def per_client(rows: pl.DataFrame | pl.LazyFrame, rules: KpiRules | None = None) -> pl.DataFrame:
    """One row per client (sorted by id): first and last paired session, scores, changes, flags.

    Grouped exactly by `client_id` (no hashing), since the ids are needed in the output.
    A client with no paired session has empty session and score cells.
    """
    rules = rules or KpiRules.from_registry()
    sessions = _sessions(rows.lazy(), None, rules)
    clients = _client_level(sessions, rules).rename({"key0": "client_id"})
    return (
        clients.filter(pl.col("measured"))
        .with_columns(_flags(rules))
        .select(PER_CLIENT_COLUMNS)
        .sort("client_id")
        .collect()
    )
