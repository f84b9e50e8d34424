"""The KPI rules on small in-memory data (DESIGN.md, contract — service outcome KPIs).

Rules and thresholds: NHS England, NHS Talking Therapies for anxiety and depression manual
(v7, 2024): paired PHQ-9/GAD-7 scores, caseness PHQ-9 >= 10 or GAD-7 >= 8, reliable change
6 points on PHQ-9 and 4 on GAD-7, "reliable improvement" only when neither measure shows
reliable deterioration (and the other way round).
"""

from __future__ import annotations

import random
from collections import defaultdict

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.analytics.kpis import compute_kpis
from therapycheck.analytics import outcomes
from therapycheck.analytics.outcomes import (
    CONTRACT_KEYS,
    ConflictingScores,
    KpiRules,
    OutcomeKpis,
    per_client,
)

Row = tuple[str, int, str, int]


def frame(rows: list[Row]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "client_id": pl.String,
            "session": pl.Int64,
            "instrument": pl.String,
            "score": pl.Int64,
        },
        orient="row",
    )


def course(client: str, *sessions: tuple[int, int, int]) -> list[Row]:
    """Rows for one client: (session, PHQ-9, GAD-7) per session."""
    rows: list[Row] = []
    for session, phq, gad in sessions:
        rows += [(client, session, "phq9", phq), (client, session, "gad7", gad)]
    return rows


def kpis(rows: list[Row]) -> OutcomeKpis:
    return compute_kpis(frame(rows))


def test_the_rules_come_from_the_registry_with_the_nhs_talking_therapies_figures() -> None:
    # NHS Talking Therapies manual (v7, 2024): caseness 10/8, reliable change 6/4.
    rules = KpiRules.from_registry()
    assert (rules.phq9_case, rules.gad7_case) == (10, 8)
    assert (rules.phq9_change, rules.gad7_change) == (6, 4)
    assert (rules.phq9_max, rules.gad7_max) == (27, 21)


def test_a_client_improved_on_one_measure_and_worse_on_the_other_counts_as_neither() -> None:
    # NHS TT tie rule: reliable improvement needs "not worse"; deterioration needs "not improved".
    result = kpis(course("a", (1, 16, 6), (2, 10, 10)))  # dPHQ -6, dGAD +4
    assert result.finished_treatment == 1
    assert result.reliable_improvement == 0
    assert result.reliable_deterioration == 0


def test_a_fall_of_exactly_six_on_phq9_is_reliable_improvement_and_five_is_not() -> None:
    result = kpis(course("a", (1, 16, 5), (2, 10, 5)) + course("b", (1, 16, 5), (2, 11, 5)))
    assert result.reliable_improvement == 1


def test_a_fall_of_exactly_four_on_gad7_is_reliable_improvement_and_three_is_not() -> None:
    result = kpis(course("a", (1, 5, 12), (2, 5, 8)) + course("b", (1, 5, 12), (2, 5, 9)))
    assert result.reliable_improvement == 1


def test_a_rise_of_six_on_phq9_alone_is_reliable_deterioration() -> None:
    result = kpis(course("a", (1, 4, 3), (2, 10, 3)))
    assert (result.reliable_deterioration, result.reliable_improvement) == (1, 0)


def test_a_gad7_of_exactly_eight_alone_makes_a_case() -> None:
    # NHS TT caseness: PHQ-9 >= 10 or GAD-7 >= 8; here PHQ-9 is below its cutoff.
    result = kpis(course("a", (1, 9, 8), (2, 3, 3)) + course("b", (1, 9, 7), (2, 3, 3)))
    assert result.case_at_start == 1
    assert result.recovered == 1


def test_a_phq9_of_exactly_ten_alone_makes_a_case() -> None:
    result = kpis(course("a", (1, 10, 2), (2, 10, 2)))
    assert result.case_at_start == 1
    assert result.recovered == 0


def test_exactly_one_paired_session_is_not_finished_treatment() -> None:
    result = kpis([*course("a", (1, 20, 15)), ("a", 2, "phq9", 3)])
    assert result.clients == 1
    assert result.finished_treatment == 0
    assert result.case_at_start == 0


def test_sessions_with_only_one_measure_do_not_count_as_paired() -> None:
    # Session 1 has only PHQ-9 and session 4 only GAD-7: first/last paired are 2 and 3.
    rows = [("a", 1, "phq9", 25), ("a", 4, "gad7", 0)]
    rows += course("a", (2, 12, 9), (3, 11, 9))
    result = kpis(rows)
    assert result.finished_treatment == 1
    assert result.case_at_start == 1
    assert result.recovered == 0
    assert result.reliable_improvement == 0


def test_rows_out_of_order_give_the_same_kpis() -> None:
    rows = course("a", (1, 18, 12), (5, 6, 4), (3, 14, 10)) + course("b", (2, 9, 9), (7, 4, 2))
    shuffled = list(reversed(rows))
    assert kpis(rows) == kpis(shuffled)
    assert kpis(shuffled).reliable_recovery == 2


def test_first_and_last_are_by_session_number_not_by_row_position() -> None:
    rows = course("a", (9, 4, 3)) + course("a", (2, 20, 15))
    result = kpis(rows)
    assert (result.recovered, result.reliable_improvement, result.reliable_recovery) == (1, 1, 1)


def test_recovery_needs_both_measures_below_their_cutoffs_at_the_end() -> None:
    result = kpis(course("a", (1, 20, 15), (2, 5, 8)))
    assert (result.case_at_start, result.recovered, result.reliable_improvement) == (1, 0, 1)


def test_exact_duplicate_rows_are_not_a_conflict() -> None:
    rows = course("a", (1, 15, 10), (2, 5, 3))
    assert kpis(rows + rows[:2]) == kpis(rows)


def test_duplicate_rows_with_different_scores_are_a_conflict() -> None:
    rows = [*course("a", (1, 15, 10), (2, 5, 3)), ("a", 2, "phq9", 6)]
    with pytest.raises(ConflictingScores):
        kpis(rows)


def test_clients_counts_ids_with_phq9_or_gad7_rows_only() -> None:
    rows = [("a", 1, "phq9", 5), ("b", 1, "gad7", 5), ("c", 1, "core10", 12)]
    assert kpis(rows).clients == 2


def test_other_instruments_do_not_change_the_kpis() -> None:
    rows = course("a", (1, 15, 10), (3, 5, 3))
    with_others = [*rows, ("a", 2, "core10", 20), ("a", 4, "who5", 40)]
    assert kpis(with_others) == kpis(rows)


def test_zero_denominators_give_null_rates() -> None:
    result = kpis(course("a", (1, 3, 2), (2, 4, 2))).as_dict()
    assert result["finished_treatment"] == 1
    assert result["case_at_start"] == 0
    assert result["recovery_rate"] is None
    assert result["reliable_recovery_rate"] is None
    assert result["reliable_improvement_rate"] == 0.0


def test_no_rows_give_zero_counts_and_null_rates() -> None:
    result = kpis([]).as_dict()
    assert result["clients"] == 0
    assert all(result[key] is None for key in CONTRACT_KEYS if key.endswith("_rate"))


def test_the_dictionary_has_exactly_the_contract_keys_in_order() -> None:
    result = kpis(course("a", (1, 15, 10), (2, 5, 3))).as_dict()
    assert tuple(result) == CONTRACT_KEYS
    assert result["recovery_rate"] == 1.0


def test_a_hash_collision_is_detected_and_the_exact_grouping_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Force every id into one of two buckets so that different clients collide.
    def colliding_key() -> tuple[pl.Expr, pl.Expr]:
        client = pl.col("client_id")
        return client.hash(seed=1) % 2, client.hash(seed=2)

    rows = course("a", (1, 20, 15), (2, 3, 2)) + course("b", (1, 4, 3), (2, 15, 12))
    rows += course("c", (1, 12, 9), (5, 12, 9))
    expected = kpis(rows)
    monkeypatch.setattr(outcomes, "_fast_client_key", colliding_key)
    assert kpis(rows) == expected
    assert expected.reliable_improvement == 1
    assert expected.reliable_deterioration == 1


def test_per_client_lists_first_and_last_paired_sessions_and_flags() -> None:
    rows = [*course("b", (2, 20, 15), (6, 4, 3)), ("b", 1, "phq9", 27), *course("a", (1, 9, 9))]
    table = per_client(frame(rows))
    assert table.columns == list(outcomes.PER_CLIENT_COLUMNS)
    a, b = table.rows(named=True)
    assert (a["client_id"], a["paired_sessions"], a["finished"]) == ("a", 1, False)
    assert a["case_at_start"] is True
    assert b["client_id"] == "b"
    assert (b["first_session"], b["last_session"]) == (2, 6)
    assert (b["phq9_first"], b["phq9_last"], b["gad7_first"], b["gad7_last"]) == (20, 4, 15, 3)
    assert (b["d_phq9"], b["d_gad7"]) == (-16, -12)
    assert b["reliable_recovery"] is True
    assert b["reliable_deterioration"] is False


# --- properties: an independent reference and row order --------------------------------------


def reference(rows: list[Row]) -> dict[str, int]:
    """The contract's rules written out plainly, one client at a time (no polars)."""
    by_session: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    for client, session, instrument, score in rows:
        if instrument in ("phq9", "gad7"):
            by_session[(client, session)][instrument] = score
    paired: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for (client, session), scores in by_session.items():
        if len(scores) == 2:
            paired[client].append((session, scores["phq9"], scores["gad7"]))
    counts = dict.fromkeys(
        ("finished_treatment", "case_at_start", "recovered", "reliable_improvement"), 0
    )
    counts |= {"reliable_deterioration": 0, "reliable_recovery": 0}
    counts["clients"] = len({client for client, _ in by_session})
    for sessions in paired.values():
        if len(sessions) < 2:
            continue
        (_, phq0, gad0), (_, phq1, gad1) = min(sessions), max(sessions)
        case0, case1 = phq0 >= 10 or gad0 >= 8, phq1 >= 10 or gad1 >= 8
        improved = phq1 - phq0 <= -6 or gad1 - gad0 <= -4
        worse = phq1 - phq0 >= 6 or gad1 - gad0 >= 4
        counts["finished_treatment"] += 1
        counts["case_at_start"] += case0
        counts["recovered"] += case0 and not case1
        counts["reliable_improvement"] += improved and not worse
        counts["reliable_deterioration"] += worse and not improved
        counts["reliable_recovery"] += case0 and not case1 and improved and not worse
    return counts


@st.composite
def datasets(draw: st.DrawFn) -> list[Row]:
    """Small random services: a few clients, sessions 0-6, unpaired and other-instrument rows."""
    cells = draw(
        st.dictionaries(
            st.tuples(
                st.sampled_from(["a", "b", "c", "d", "e"]),
                st.integers(0, 6),
                st.sampled_from(["phq9", "gad7", "gad7", "phq9", "core10"]),
            ),
            st.integers(0, 21),
            max_size=60,
        )
    )
    return [
        (client, session, instrument, score)
        for (client, session, instrument), score in cells.items()
    ]


@settings(max_examples=150, deadline=None)
@given(datasets())
def test_kpis_match_an_independent_pure_python_reference(rows: list[Row]) -> None:
    result = kpis(rows)
    expected = reference(rows)
    assert {key: getattr(result, key) for key in expected} == expected


@settings(max_examples=60, deadline=None)
@given(datasets(), st.randoms(use_true_random=False))
def test_kpis_do_not_depend_on_row_order(rows: list[Row], rnd: random.Random) -> None:
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    assert kpis(shuffled) == kpis(rows)


@settings(max_examples=60, deadline=None)
@given(datasets())
def test_per_client_totals_agree_with_the_kpis(rows: list[Row]) -> None:
    table = per_client(frame(rows))
    result = kpis(rows)
    finished = table.filter(pl.col("finished"))
    assert table.height == result.clients
    assert finished.height == result.finished_treatment
    assert finished["case_at_start"].sum() == result.case_at_start
    assert table["reliable_recovery"].sum() == result.reliable_recovery


@st.composite
def datasets_with_clashes(draw: st.DrawFn) -> list[Row]:
    """A random service plus a few rows that repeat a cell with another score."""
    rows = draw(datasets())
    extra = draw(
        st.lists(
            st.tuples(st.sampled_from(rows or [("a", 1, "phq9", 3)]), st.integers(0, 21)),
            max_size=4,
        )
    )
    return rows + [
        (client, session, instrument, score) for (client, session, instrument, _), score in extra
    ]


def _without_clashes(rows: list[Row]) -> list[Row]:
    scores: dict[tuple[str, int, str], set[int]] = defaultdict(set)
    for client, session, instrument, score in rows:
        scores[(client, session, instrument)].add(score)
    return [row for row in rows if len(scores[row[:3]]) == 1]


@settings(max_examples=150, deadline=None)
@given(datasets_with_clashes())
def test_kpis_skipping_conflicts_equal_the_kpis_of_the_rows_without_them(rows: list[Row]) -> None:
    result, clash = outcomes.compute_kpis_skipping_conflicts(frame(rows))
    clean = _without_clashes(rows)
    assert result == kpis(clean)
    clashing_kpi_cells = {
        row[:3] for row in rows if row not in clean and row[2] in ("phq9", "gad7")
    }
    assert (clash is not None) == bool(clashing_kpi_cells)


def test_a_clash_leaves_out_only_that_instruments_score_in_that_session() -> None:
    rows = [*course("a", (1, 15, 10), (2, 5, 3)), ("a", 2, "phq9", 6)]
    result, clash = outcomes.compute_kpis_skipping_conflicts(frame(rows))
    assert clash is not None
    # Session 2 keeps its GAD-7 but has no PHQ-9 left, so it is not paired: not finished.
    assert result == kpis([*course("a", (1, 15, 10)), ("a", 2, "gad7", 3)])
    assert result.finished_treatment == 0
