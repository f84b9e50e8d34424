"""Synthetic training sets (core.synthetic): plausible, reproducible, always labelled."""

from __future__ import annotations

from collections import defaultdict

import pytest

from therapycheck.core.instruments import get_instrument
from therapycheck.core.synthetic import SyntheticRow, synthetic_training_set


def by_client(rows: list[SyntheticRow]) -> dict[str, list[SyntheticRow]]:
    grouped: dict[str, list[SyntheticRow]] = defaultdict(list)
    for row in rows:
        grouped[row.client_id].append(row)
    return grouped


def test_the_same_seed_gives_the_same_data() -> None:
    assert synthetic_training_set("phq9", 50, seed=3) == synthetic_training_set("phq9", 50, 3)
    assert synthetic_training_set("phq9", 50, seed=3) != synthetic_training_set("phq9", 50, 4)


def test_every_row_is_labelled_synthetic() -> None:
    rows = synthetic_training_set("gad7", 30, seed=1)
    assert all(row.synthetic for row in rows)
    assert all(row.to_dict()["synthetic"] is True for row in rows)


def test_scores_are_whole_numbers_inside_the_range() -> None:
    for instrument_id in ("phq9", "gad7", "who5"):
        inst = get_instrument(instrument_id)
        achievable = set(inst.achievable_totals())
        for row in synthetic_training_set(instrument_id, 200, seed=2):
            assert isinstance(row.score, int)
            assert row.score in achievable
            assert row.instrument == instrument_id


def test_each_client_has_consecutive_sessions_from_one() -> None:
    clients = by_client(synthetic_training_set("phq9", 300, seed=5, max_sessions=10))
    assert len(clients) == 300
    for rows in clients.values():
        sessions = [r.session for r in rows]
        assert sessions == list(range(1, len(sessions) + 1))
        assert 2 <= len(sessions) <= 10


def test_most_clients_improve_and_a_few_get_clearly_worse() -> None:
    """About 5-10% of adults deteriorate (Hannan et al. 2005); most improve."""
    clients = by_client(synthetic_training_set("phq9", 2000, seed=11))
    changes = [rows[-1].score - rows[0].score for rows in clients.values()]
    worse = sum(1 for c in changes if c >= 6) / len(changes)
    better = sum(1 for c in changes if c < 0) / len(changes)
    assert 0.02 <= worse <= 0.15
    assert better >= 0.6


def test_who5_clients_mostly_rise_because_higher_is_better() -> None:
    clients = by_client(synthetic_training_set("who5", 1000, seed=12))
    rising = sum(1 for rows in clients.values() if rows[-1].score > rows[0].score)
    assert rising / len(clients) >= 0.6


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        synthetic_training_set("phq9", 0, seed=1)
    with pytest.raises(ValueError):
        synthetic_training_set("phq9", 10, seed=1, max_sessions=1)
