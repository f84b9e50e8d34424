"""The progress page: one chart per instrument, status in words, the same data as a table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client, override_settings

from therapycheck.core.change import Point, series_status
from therapycheck.core.synthetic import synthetic_training_set
from therapycheck.core.trajectory import ExpectedResponseModel
from therapycheck.web.accounts.models import Person
from therapycheck.web.tracking.progress import expected_model


@pytest.mark.django_db
def test_with_no_scores_it_explains_what_will_appear(client: Client, person: Person) -> None:
    html = client.get("/progress/").content.decode()
    assert "No scores yet" in html
    assert "<svg" not in html


@pytest.mark.django_db
def test_it_shows_one_chart_per_instrument_with_status_and_table(
    client: Client, person: Person, phq9_series, make_measurement
) -> None:
    make_measurement("gad7", [2] * 7, 1)
    html = client.get("/progress/").content.decode()
    # Two drawings per chart (phone and wide, tracking.charts.screen_charts_html).
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2 * 2
    assert html.index('id="p-phq9"') < html.index('id="p-gad7"')
    # With the dates (issue 12: progress by session numbers and dates where given), since
    # the page reads the series with the dates the scores were taken on.
    points = [Point(m.session_number, m.total, m.taken_on) for m in phq9_series]
    status = series_status("phq9", points)
    assert "6 weeks later" in status.explanation
    assert status.explanation in html
    assert "<caption>PHQ-9 scores by session</caption>" in html
    assert f"Where things stand: {status.label}." in html
    # The reading was "reliably better": issue 12 asks for one set of words, so the table
    # uses the status labels' "clearly better" (core.change.STATUS_LABELS).
    for row in (
        "<td>0</td><td>1 January 2026</td><td>18</td>",
        "<td>-10</td><td>clearly better</td>",
    ):
        assert row in html.replace("\n        ", "")


@pytest.mark.django_db
def test_another_persons_scores_never_show(
    client: Client, person: Person, other_person: Person, make_measurement
) -> None:
    make_measurement("gad7", [3] * 7, 1, owner=other_person)
    assert "No scores yet" in client.get("/progress/").content.decode()


def write_model(folder: Path) -> ExpectedResponseModel:
    rows = [
        (r.client_id, r.session, float(r.score))
        for r in synthetic_training_set("phq9", n_clients=120, seed=7)
    ]
    model = ExpectedResponseModel.fit(rows, "phq9", synthetic=True)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "phq9.json").write_text(json.dumps(model.to_json()))
    return model


@pytest.mark.django_db
def test_it_adds_the_expected_range_when_a_model_file_is_in_the_data_dir(
    client: Client, person: Person, phq9_series, tmp_path: Path
) -> None:
    write_model(tmp_path / "models")
    with override_settings(THERAPYCHECK_MODELS_DIR=tmp_path / "models"):
        html = client.get("/progress/").content.decode()
    assert '<g class="expected">' in html
    assert "Compared with people who started at a similar level" in html
    assert '<th scope="col">Usual range</th>' in html


def test_a_missing_or_broken_model_file_means_no_model(tmp_path: Path) -> None:
    assert expected_model("phq9", tmp_path) is None
    (tmp_path / "phq9.json").write_text("{not json")
    assert expected_model("phq9", tmp_path) is None


def test_a_model_for_another_instrument_is_not_used(tmp_path: Path) -> None:
    write_model(tmp_path)
    (tmp_path / "phq9.json").rename(tmp_path / "gad7.json")
    assert expected_model("gad7", tmp_path) is None
    write_model(tmp_path)
    assert expected_model("phq9", tmp_path) is not None
