"""The expected-response model (core.trajectory), fitted on synthetic data."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pytest

from therapycheck.core.change import Point, series_status
from therapycheck.core.instruments.schema import Band, Norms, ReliableChange, Source
from therapycheck.core.synthetic import synthetic_training_set
from therapycheck.core.trajectory import (
    MIN_CLIENTS_PER_STRATUM,
    MIN_RESIDUALS_PER_SESSION,
    ExpectedResponseModel,
    Row,
    quantile,
    series_progress,
)


def as_rows(instrument_id: str, n_clients: int, seed: int) -> list[Row]:
    return [
        (r.client_id, r.session, float(r.score))
        for r in synthetic_training_set(instrument_id, n_clients, seed)
    ]


@pytest.fixture(scope="module")
def phq9_model() -> ExpectedResponseModel:
    return ExpectedResponseModel.fit(as_rows("phq9", 1500, seed=7), "phq9", synthetic=True)


@pytest.fixture(scope="module")
def who5_model() -> ExpectedResponseModel:
    return ExpectedResponseModel.fit(as_rows("who5", 1500, seed=8), "who5", synthetic=True)


def series(*scores: float, start: int = 1) -> list[Point]:
    return [Point(start + i, score) for i, score in enumerate(scores)]


def test_a_clear_deteriorator_is_not_on_track(phq9_model: ExpectedResponseModel) -> None:
    result = phq9_model.classify(series(18, 19, 21, 22, 24))
    assert result.status == "not_on_track"
    assert result.expected_high is not None and result.score is not None
    assert result.score > result.expected_high
    assert "higher than about 9 in 10" in result.explanation


def test_a_typical_responder_is_on_track(phq9_model: ExpectedResponseModel) -> None:
    result = phq9_model.classify(series(18, 16, 15, 13, 12, 11))
    assert result.status == "on_track"
    assert result.expected_low is not None and result.expected_high is not None
    assert result.expected_low <= 11 <= result.expected_high


def test_a_slow_but_steady_start_is_not_flagged(phq9_model: ExpectedResponseModel) -> None:
    assert phq9_model.classify(series(18, 18, 17)).status == "on_track"


def test_on_higher_is_better_scales_falling_is_not_on_track(
    who5_model: ExpectedResponseModel,
) -> None:
    falling = who5_model.classify(series(40, 36, 28, 20, 12))
    rising = who5_model.classify(series(40, 48, 52, 56, 60))
    assert falling.status == "not_on_track"
    assert "lower than about 9 in 10" in falling.explanation
    assert rising.status == "on_track"


def test_one_score_is_insufficient_data(phq9_model: ExpectedResponseModel) -> None:
    result = phq9_model.classify(series(18))
    assert result.status == "insufficient_data"
    assert result.expected_median is None and result.ranges == []


def test_expected_starts_at_the_intake_score(phq9_model: ExpectedResponseModel) -> None:
    assert phq9_model.expected(17, 1) == (17, 17, 17)


def test_expected_ranges_are_ordered_and_inside_the_scale(
    phq9_model: ExpectedResponseModel,
) -> None:
    for intake in (3, 9, 14, 19, 27):
        for session in range(1, 30):
            low, median, high = phq9_model.expected(intake, session)
            assert 0 <= low <= median <= high <= 27


def test_the_usual_path_goes_down_for_phq9(phq9_model: ExpectedResponseModel) -> None:
    medians = [phq9_model.expected(20, t)[1] for t in (1, 4, 8, 12)]
    assert medians == sorted(medians, reverse=True)
    assert medians[-1] < 15


def test_expected_refuses_bad_input(phq9_model: ExpectedResponseModel) -> None:
    with pytest.raises(ValueError):
        phq9_model.expected(30, 2)
    with pytest.raises(ValueError):
        phq9_model.expected(10, 0)


def test_ranges_follow_the_clients_own_session_numbers(
    phq9_model: ExpectedResponseModel,
) -> None:
    result = phq9_model.classify(series(18, 16, 14, start=5))
    sessions = [r.session for r in result.ranges]
    assert sessions[0] == 5 and sessions == list(range(5, 5 + len(sessions)))
    assert result.ranges[0].low == result.ranges[0].high == 18


def test_unsorted_points_are_classified_in_session_order(
    phq9_model: ExpectedResponseModel,
) -> None:
    ordered = phq9_model.classify(series(18, 19, 21, 22, 24))
    shuffled = phq9_model.classify([Point(3, 21), Point(5, 24), Point(1, 18), Point(2, 19)])
    assert shuffled.session == 5
    assert shuffled.expected_high == ordered.expected_high
    with pytest.raises(ValueError):
        phq9_model.classify([Point(1, 18), Point(1, 17)])


def test_the_model_is_stratified_by_intake_band(phq9_model: ExpectedResponseModel) -> None:
    ids = [s.id for s in phq9_model.document.strata]
    assert ids[0] == "all"
    assert {"moderate", "moderately severe", "severe"} <= set(ids)
    assert phq9_model.stratum_for(22).id == "severe"
    # The 0-4 band has too few synthetic clients: it falls back to the pooled stratum.
    assert phq9_model.stratum_for(2).id == "all"


def test_every_session_band_pools_enough_residuals(phq9_model: ExpectedResponseModel) -> None:
    for stratum in phq9_model.document.strata:
        for band in stratum.sessions:
            assert band.n_pooled >= min(MIN_RESIDUALS_PER_SESSION, stratum.n_clients)
            assert band.low <= band.median <= band.high


def test_json_round_trip_keeps_every_figure(phq9_model: ExpectedResponseModel) -> None:
    document = phq9_model.to_json()
    text = json.dumps(document)
    again = ExpectedResponseModel.from_json(text)
    assert again.to_json() == document
    assert ExpectedResponseModel.from_json(document).expected(18, 6) == phq9_model.expected(18, 6)
    assert document["synthetic"] is True
    assert document["version"] == 1
    assert document["instrument"]["id"] == "phq9"
    assert document["n_clients"] == 1500
    assert set(document["strata"][0]) >= {"id", "b", "c", "sessions", "n_clients"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(kind="something else"), "kind"),
        (lambda d: d.update(strata=[]), "strata"),
        (lambda d: d["strata"][0]["sessions"].pop(1), "without gaps"),
        (lambda d: d["strata"].reverse(), "pooled"),
    ],
)
def test_from_json_refuses_a_malformed_model(
    phq9_model: ExpectedResponseModel, change: object, message: str
) -> None:
    document = json.loads(json.dumps(phq9_model.to_json()))
    change(document)  # type: ignore[operator]
    with pytest.raises(ValueError, match=message):
        ExpectedResponseModel.from_json(document)


def test_from_json_refuses_text_that_is_not_json() -> None:
    with pytest.raises(ValueError, match="not a valid expected-response model"):
        ExpectedResponseModel.from_json("{not json")


def test_fitting_needs_enough_clients() -> None:
    with pytest.raises(ValueError, match=f"at least {MIN_CLIENTS_PER_STRATUM} clients"):
        ExpectedResponseModel.fit(as_rows("phq9", 10, seed=1), "phq9")


def test_fitting_refuses_conflicting_scores_and_out_of_range_scores() -> None:
    rows = [*as_rows("phq9", 40, seed=1), ("synth-01", 1, 3.0)]
    with pytest.raises(ValueError, match="two different scores"):
        ExpectedResponseModel.fit(rows, "phq9")
    with pytest.raises(ValueError, match="outside"):
        ExpectedResponseModel.fit([("x", 1, 99.0)], "phq9")


SOURCE = Source(citation="test figures")


@dataclass(frozen=True)
class BandlessMeasure:
    id: str = "plain"
    min: float = 0
    max: float = 100
    higher_is_better: bool = False
    reliable_change: ReliableChange | None = None
    norms: Norms | None = None

    def is_case(self, total: float) -> bool | None:
        return None

    def band_for(self, total: float) -> Band | None:
        return None


def test_least_squares_recovers_a_known_curve() -> None:
    """Noise-free data from score = intake + log(t) * (-4 - 0.5 * (intake - 50))."""
    rows: list[Row] = []
    intakes = [30 + 40 * i / 59 for i in range(60)]  # mean 50
    for i, intake in enumerate(intakes):
        for t in range(1, 9):
            score = intake + math.log(t) * (-4 - 0.5 * (intake - 50))
            rows.append((f"c{i}", t, score))
    model = ExpectedResponseModel.fit(rows, BandlessMeasure())
    pooled = model.document.strata[0]
    assert [s.id for s in model.document.strata] == ["all"]
    assert pooled.b == pytest.approx(-4)
    assert pooled.c == pytest.approx(-0.5)
    low, median, high = model.expected(60, 5)
    assert low == median == high == pytest.approx(60 + math.log(5) * -9, abs=0.01)


def test_quantile_interpolates_linearly() -> None:
    assert quantile([1, 2, 3, 4], 0.5) == 2.5
    assert quantile([1, 2, 3, 4], 0.1) == pytest.approx(1.3)
    assert quantile([5], 0.9) == 5
    with pytest.raises(ValueError):
        quantile([], 0.5)


def test_a_model_of_real_data_says_nothing_about_synthetic_data() -> None:
    model = ExpectedResponseModel.fit(as_rows("phq9", 60, seed=3), "phq9")
    result = model.classify(series(18, 16))
    assert model.to_json()["synthetic"] is False
    assert "made-up" not in result.explanation


def test_a_synthetic_model_says_so_in_every_explanation(
    phq9_model: ExpectedResponseModel,
) -> None:
    assert "made-up practice data" in phq9_model.classify(series(18, 16)).explanation


# --- the model feeds the series status (issue 12: progress by session) ---------------------


def test_a_series_worse_than_similar_clients_is_not_improving_before_session_eight(
    phq9_model: ExpectedResponseModel,
) -> None:
    """18 to 22 by session 5 is inside the PHQ-9 noise (bar 6) but above the usual range of
    similar clients (Finch et al. 2001): no clear change, and time to review."""
    points = series(18, 19, 20, 21, 22)
    status, classification = series_progress("phq9", points, phq9_model)
    assert classification == phq9_model.classify(points)
    assert classification.status == "not_on_track"
    assert status.status == "not_improving" and status.review_due
    assert status.label == "No clear change after 5 sessions"
    assert series_status("phq9", points).status == "no_reliable_change"  # without the model


def test_a_series_on_track_keeps_the_status_it_has_without_the_model(
    phq9_model: ExpectedResponseModel,
) -> None:
    points = series(18, 18, 17)
    status, classification = series_progress("phq9", points, phq9_model)
    assert classification is not None and classification.status == "on_track"
    assert status == series_status("phq9", points)


def test_a_model_for_another_instrument_or_no_model_is_not_used(
    phq9_model: ExpectedResponseModel,
) -> None:
    points = series(12, 13, 14, 15, 16)
    for model in (phq9_model, None):
        status, classification = series_progress("gad7", points, model)
        assert classification is None
        assert status == series_status("gad7", points)
