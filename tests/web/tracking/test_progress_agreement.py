"""`therapycheck progress` and the progress page agree on every status (issue 12).

For random series (several questionnaires, sparse session numbers, dates, with and without
a fitted expected-response model) the same scores go to both: as rows of the person's
record for /progress/, and as a score file for the CLI. Both must give the same status,
label, review and explanation, and the page must show them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils.html import escape
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from therapycheck.cli import app
from therapycheck.core.instruments import get_instrument
from therapycheck.core.synthetic import synthetic_training_set
from therapycheck.core.trajectory import ExpectedResponseModel
from therapycheck.web.accounts.models import Person
from therapycheck.web.tracking.models import Measurement
from therapycheck.web.tracking.progress import progress_for

INSTRUMENTS = ("phq9", "gad7", "who5", "core10", "pcl5", "wai_sr")
START = dt.date(2026, 1, 5)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a PHQ-9 model fitted on made-up data, as the data dir would hold it."""
    rows = [
        (r.client_id, r.session, float(r.score))
        for r in synthetic_training_set("phq9", n_clients=300, seed=11)
    ]
    folder = tmp_path_factory.mktemp("models")
    model = ExpectedResponseModel.fit(rows, "phq9", synthetic=True)
    (folder / "phq9.json").write_text(json.dumps(model.to_json()), encoding="utf-8")
    return folder


@st.composite
def records(draw: st.DrawFn) -> dict[str, list[tuple[int, int, dt.date]]]:
    """instrument -> [(session, score, date)], sessions unique and dates in session order."""
    chosen = draw(st.lists(st.sampled_from(INSTRUMENTS), min_size=1, max_size=2, unique=True))
    found = {}
    for instrument_id in chosen:
        inst = get_instrument(instrument_id)
        sessions = sorted(draw(st.sets(st.integers(0, 30), min_size=1, max_size=9)))
        low, high = int(inst.min), int(inst.max)
        if draw(st.booleans()):
            scores = [draw(st.integers(low, high)) for _ in sessions]
        else:
            # A slow drift: small steps, so changes inside the noise and series that are
            # off the expected range (not improving before session 8) come up often.
            score, scores = draw(st.integers(low, high)), []
            for _ in sessions:
                score = min(high, max(low, score + draw(st.integers(-2, 2))))
                scores.append(score)
        found[instrument_id] = [
            (s, score, START + dt.timedelta(days=7 * s + draw(st.integers(0, 3))))
            for s, score in zip(sessions, scores, strict=True)
        ]
    return found


# Issue 12's first story, and a drift off the expected range before session 8.
SAM = {"phq9": [(1, 17, START), (5, 16, START + dt.timedelta(days=28))]}
SAM["phq9"] += [(10, 18, START + dt.timedelta(days=63)), (14, 17, START + dt.timedelta(days=91))]
DRIFT = {"phq9": [(s, 17 + s, START + dt.timedelta(days=7 * s)) for s in range(1, 6)]}


def _cli_report(path: Path, model: Path | None) -> dict[str, dict[str, Any]]:
    args = ["progress", str(path), "--client", "me", "--format", "json"]
    if model is not None:
        args += ["--model", str(model)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    return {r["instrument"]: r for r in json.loads(result.stdout)["instruments"]}


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(series=records(), with_model=st.booleans())
@example(series=SAM, with_model=False)
@example(series=DRIFT, with_model=True)
def test_the_cli_and_the_progress_page_give_the_same_status(
    client: Client,
    person: Person,
    tmp_path: Path,
    model_dir: Path,
    series: dict[str, list[tuple[int, int, dt.date]]],
    with_model: bool,
) -> None:
    lines = ["client_id,session,instrument,score,date"]
    try:
        for instrument_id, rows in series.items():
            inst = get_instrument(instrument_id)
            for session, score, date in rows:
                band = inst.band_for(score)
                Measurement.objects.create(
                    person=person,
                    instrument=instrument_id,
                    session_number=session,
                    taken_on=date,
                    total=score,
                    band=band.label if band else "",
                )
                lines.append(f"me,{session},{instrument_id},{score},{date.isoformat()}")
        score_file = tmp_path / "scores.csv"
        score_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        models = model_dir if with_model else tmp_path / "no-models"
        cli = _cli_report(score_file, model_dir / "phq9.json" if with_model else None)
        with override_settings(THERAPYCHECK_MODELS_DIR=models):
            page = {p.instrument.id: p for p in progress_for(person)}
            html = client.get("/progress/").content.decode()
    finally:
        Measurement.objects.filter(person=person).delete()

    assert sorted(page) == sorted(cli) == sorted(series)
    if series in (SAM, DRIFT):
        assert cli["phq9"]["status"] == "not_improving"
    for instrument_id, shown in page.items():
        printed = cli[instrument_id]
        status = shown.status
        assert printed["status"] == status.status
        assert printed["label"] == status.label
        assert printed["review_due"] is status.review_due
        assert printed["explanation"] == status.explanation
        assert printed["numbers"] == status.numbers
        assert (printed["expected"] is None) is (shown.classification is None)
        assert f'class="status status-{status.status}"' in html
        assert escape(f"Where things stand: {status.label}.") in html
        assert escape(status.explanation) in html
