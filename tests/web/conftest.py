"""Shared fixtures for the web tests: people (personas) and their records.

The test settings (tests/settings.py) point THERAPYCHECK_DATA_DIR at a throwaway
directory, so no test touches the real user data directory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.racing import Racer
from therapycheck.web.accounts.current import personal_person
from therapycheck.web.accounts.models import Person


@pytest.fixture
def person(db: Any) -> Person:
    """The one person of a personal-mode installation (the one every request acts for)."""
    return personal_person()


@pytest.fixture
def other_person(db: Any) -> Person:
    """A second person whose records must never show up for `person`."""
    return Person.objects.create(key="someone-else", country="GB", display_name="Someone else")


@pytest.fixture
def make_measurement(person: Person) -> Callable[..., Any]:
    """Create a scored measurement through core.scoring, like the forms do."""
    from therapycheck.web.tracking.services import save_measurement

    def make(
        instrument: str,
        answers: list[int],
        session: int,
        *,
        owner: Person | None = None,
        taken_on: dt.date | None = None,
    ) -> Any:
        return save_measurement(
            owner or person,
            instrument,
            answers,
            session_number=session,
            taken_on=taken_on or dt.date(2026, 1, 1) + dt.timedelta(weeks=session),
        )

    return make


@pytest.fixture
def phq9_series(make_measurement: Callable[..., Any]) -> list[Any]:
    """A PHQ-9 series that improves reliably: 18 at intake to 8 by session 6."""
    scores = {0: [2, 2, 2, 2, 2, 2, 2, 2, 2], 3: [2, 2, 1, 2, 1, 2, 1, 1, 0], 6: [1] * 8 + [0]}
    return [make_measurement("phq9", answers, session) for session, answers in scores.items()]


# Clinic-mode personas and the clinic settings (see the module).
from tests.web.clinic_personas import (  # noqa: E402, F401
    client_a,
    client_a_at_risk,
    client_b,
    clinic_admin,
    clinic_mode,
    clinician,
    clinics,
    other_clinic_admin,
    other_clinician,
    supervisor,
)


@pytest.fixture
def racer(tmp_path: Path) -> Iterator[Racer]:
    """Runs attempts in parallel threads (tests/web/booking/test_no_double_booking.py)."""
    racer = Racer(tmp_path)
    yield racer
    racer.close()
