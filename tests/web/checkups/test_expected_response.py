"""The check-up judges the score history the way the progress page does: with the
expected-response model of the data dir when there is one (issue 12 left this gap)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from therapycheck.core.synthetic import synthetic_training_set
from therapycheck.core.trajectory import ExpectedResponseModel
from therapycheck.web.accounts.models import Person
from therapycheck.web.checkups import services
from therapycheck.web.checkups.models import Checkup
from therapycheck.web.tracking.models import Measurement
from therapycheck.web.tracking.progress import progress_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    rows = [
        (r.client_id, r.session, float(r.score))
        for r in synthetic_training_set("phq9", n_clients=300, seed=11)
    ]
    folder = tmp_path / "models"
    folder.mkdir()
    model = ExpectedResponseModel.fit(rows, "phq9", synthetic=True)
    (folder / "phq9.json").write_text(json.dumps(model.to_json()), encoding="utf-8")
    return folder


def _drifting_up(person: Person) -> None:
    # PHQ-9 18 to 22 over five sessions: too early for the review-point rule, but above
    # the usual range of similar clients (the model) already.
    for session in range(1, 6):
        Measurement.objects.create(
            person=person,
            instrument="phq9",
            session_number=session,
            taken_on=dt.date(2026, 1, 5) + dt.timedelta(weeks=session),
            total=17 + session,
        )


def _factors(person: Person) -> list[Any]:
    now = timezone.now()
    checkup = Checkup.objects.create(
        person=person, answers={"answers": {}, "measures": {}}, started_at=now, updated_at=now
    )
    return [f["factor"] for f in services.live_report(checkup)["findings"]]


def test_the_check_up_uses_the_model_the_progress_page_uses(
    person: Person, model_dir: Path
) -> None:
    _drifting_up(person)
    with override_settings(THERAPYCHECK_MODELS_DIR=model_dir):
        assert progress_for(person)[0].status.status == "not_improving"
        assert "not_improving" in _factors(person)


def test_without_a_model_the_review_point_rule_applies(person: Person, tmp_path: Path) -> None:
    _drifting_up(person)
    with override_settings(THERAPYCHECK_MODELS_DIR=tmp_path / "none"):
        assert progress_for(person)[0].status.status != "not_improving"
        assert "not_improving" not in _factors(person)
