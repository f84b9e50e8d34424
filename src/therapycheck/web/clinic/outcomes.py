"""Service outcome figures (NHS Talking Therapies KPIs) from the clinic's database.

    table = outcome_table(user, start=date(2026, 1, 1), end=date(2026, 12, 31))

The figures are those of `therapycheck outcomes`: the scores are put in the frame that
command reads from a file (`client_id, session, instrument, score`), through the same
instrument and row checks (`analytics.readers`), and the KPIs come from the same function
(`analytics.outcomes.compute_kpis_skipping_conflicts`). Nothing here knows the rules.

Whose figures a user sees (aggregates only, never one client's scores):
- a clinician: their own clients;
- a supervisor: each clinician they supervise, and the team together;
- a clinic admin: each clinician of the clinic, and the whole clinic;
- nobody: another clinic's figures; a client: no figures at all.

Which clients count for a clinician: those with an ACTIVE care link to them that shares
measures, at the time the figures are made. A client who stopped sharing (or revoked the
link) drops out of every range, past ones included: they took their consent back, and a
figure over few clients can come close to showing one client's scores.

Which scores count: those dated from `start` to `end`, both included. A client's first
and last paired sessions are found among those scores only. Two queries in all: the
links, then the scores of every client counted (never one query per client or clinician).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from therapycheck.analytics.outcomes import CONTRACT_KEYS, OutcomeKpis
from therapycheck.web.clinic.access import membership_of
from therapycheck.web.clinic.models import Clinic, Membership, Role
from therapycheck.web.sharing.models import CareLink
from therapycheck.web.tracking.models import Measurement

if TYPE_CHECKING:
    import polars as pl

# Cells a spreadsheet would run as a formula start with one of these.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("group", "kind", "from", "to", *CONTRACT_KEYS, "clients_with_risk_answer")


@dataclass(frozen=True)
class OutcomeRow:
    """The figures of one group of clients: a clinician, a team or the whole clinic."""

    label: str
    kind: str  # "clinician", "team" or "clinic"
    kpis: OutcomeKpis
    # Clients of this group with a risk answer (on any questionnaire) dated in the range.
    clients_with_risk_answer: int

    @property
    def figures(self) -> dict[str, int | float | None]:
        """The contract's keys, as `therapycheck outcomes --format json` prints them."""
        return self.kpis.as_dict()


@dataclass(frozen=True)
class OutcomeTable:
    clinic: Clinic
    role: str
    start: dt.date
    end: dt.date
    # The total row first (team or clinic) when there is one, then one row per clinician.
    rows: tuple[OutcomeRow, ...]


@dataclass(frozen=True)
class _Group:
    label: str
    kind: str
    clinician_ids: frozenset[int]


def may_see_outcomes(user: Any) -> bool:
    """Staff of a clinic (clinician, supervisor, admin); clients and strangers never."""
    return bool(user.has_perm("clinic.view_outcomes"))


def _groups(member: Membership) -> list[_Group]:
    """The groups `member` may see figures for, total first (see the module docstring)."""
    if member.role == Role.CLINICIAN:
        return [_Group(member.display_name, "clinician", frozenset({member.pk}))]
    staff = Membership.objects.filter(clinic_id=member.clinic_id, role=Role.CLINICIAN)
    if member.role == Role.SUPERVISOR:
        staff = staff.filter(supervisor=member)
        total_label, total_kind = "Your team", "team"
    else:
        total_label, total_kind = f"Whole clinic: {member.clinic.name}", "clinic"
    clinicians = list(staff.order_by("display_name", "pk"))
    total = _Group(total_label, total_kind, frozenset(c.pk for c in clinicians))
    return [total, *(_Group(c.display_name, "clinician", frozenset({c.pk})) for c in clinicians)]


def counted_links(clinician_ids: Iterable[int]) -> list[tuple[int, int]]:
    """(clinician membership id, person id) of every link whose client counts."""
    links = CareLink.objects.filter(
        clinician_id__in=list(clinician_ids),
        status=CareLink.Status.ACTIVE,
        share_measures=True,
        person__isnull=False,
    )
    return [(c, p) for c, p in links.values_list("clinician_id", "person_id") if p is not None]


def score_rows(
    person_ids: Sequence[int], start: dt.date, end: dt.date
) -> list[tuple[int, int, str, float, bool]]:
    """(person id, session, instrument, score, has a risk answer) of the scores in range."""
    if not person_ids:
        return []
    found = Measurement.objects.filter(
        person_id__in=person_ids, taken_on__gte=start, taken_on__lte=end
    ).values_list("person_id", "session_number", "instrument", "total", "flags")
    return [
        (person, session, instrument, total, "safety" in (flags or []))
        for person, session, instrument, total, flags in found.order_by("pk")
    ]


def scores_frame(rows: Iterable[tuple[int, int, str, float, bool]]) -> pl.DataFrame:
    """The rows as `therapycheck outcomes` reads a file: typed as `readers.read_rows` types them."""
    import polars as pl

    from therapycheck.analytics.readers import REQUIRED_COLUMNS

    rows = list(rows)
    return pl.DataFrame(
        {
            "client_id": [str(person) for person, *_ in rows],
            "session": [float(session) for _, session, *_ in rows],
            "instrument": [instrument for _, _, instrument, *_ in rows],
            "score": [float(score) for *_, score, _ in rows],
        },
        schema={
            "client_id": pl.String(),
            "session": pl.Float64(),
            "instrument": pl.String(),
            "score": pl.Float64(),
        },
    ).select(REQUIRED_COLUMNS)


def kpis_of(frame: pl.DataFrame) -> OutcomeKpis:
    """The KPIs of these scores, as `therapycheck outcomes --skip-bad-rows` computes them.

    The database only holds scored, unique (client, instrument, session) rows, so no row
    is ever bad here; the checks stay so that one could never change the figures unseen.
    """
    from therapycheck.analytics import readers
    from therapycheck.analytics.outcomes import KpiRules, compute_kpis_skipping_conflicts

    rows = readers.canonical_instruments(frame)
    present = readers.instruments_present(rows)
    good = rows.filter(readers.valid_expr(present))
    kpis, _ = compute_kpis_skipping_conflicts(good, KpiRules.from_registry())
    return kpis


def outcome_table(user: Any, *, start: dt.date, end: dt.date) -> OutcomeTable | None:
    """The figures `user` may see over [start, end]; None for someone who is not staff."""
    import polars as pl

    member = membership_of(user)
    if member is None:
        return None
    groups = _groups(member)
    all_clinicians = frozenset[int]().union(*(group.clinician_ids for group in groups))
    links = counted_links(all_clinicians)
    people = sorted({person for _, person in links})
    rows = score_rows(people, start, end)
    frame = scores_frame(rows)
    risky = {person for person, *_, risk in rows if risk}
    table_rows = []
    for group in groups:
        members = {person for clinician, person in links if clinician in group.clinician_ids}
        ids = pl.Series([str(person) for person in sorted(members)], dtype=pl.String())
        mine = frame.filter(pl.col("client_id").is_in(ids.implode()))
        table_rows.append(OutcomeRow(group.label, group.kind, kpis_of(mine), len(members & risky)))
    return OutcomeTable(member.clinic, member.role, start, end, tuple(table_rows))


def _safe_cell(text: str) -> str:
    # A leading apostrophe keeps a spreadsheet from running a name as a formula.
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _cell(value: int | float | None) -> str:
    return "" if value is None else str(value)


def table_csv(table: OutcomeTable) -> str:
    """The table as CSV: one row per group; the contract's keys, rates as fractions (0-1)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in table.rows:
        figures = row.figures
        writer.writerow(
            [
                _safe_cell(row.label),
                row.kind,
                table.start.isoformat(),
                table.end.isoformat(),
                *(_cell(figures[key]) for key in CONTRACT_KEYS),
                row.clients_with_risk_answer,
            ]
        )
    return buffer.getvalue()
