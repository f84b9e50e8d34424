"""Sample records for the exchange tests, scored by the real scoring engine."""

from __future__ import annotations

import datetime as dt

import pytest

from therapycheck.interop._instruments import scored_measurement
from therapycheck.interop.records import (
    CheckupRecord,
    ExchangeRecords,
    JournalRecord,
    PersonRecord,
)


@pytest.fixture
def records() -> ExchangeRecords:
    measurements = (
        scored_measurement("phq9", (2, 2, 2, 2, 2, 2, 1, 1, 0), dt.date(2025, 1, 6), 1),
        scored_measurement("gad7", (2, 2, 2, 1, 1, 1, 1), dt.date(2025, 1, 6), 1),
        # Item 9 above zero: a safety-flagged measurement must survive the trip intact.
        scored_measurement("phq9", (1, 1, 1, 1, 1, 1, 1, 0, 2), dt.date(2025, 1, 13), 2),
        scored_measurement("gad7", (1, 1, 1, 1, 0, 0, 0), dt.date(2025, 1, 13), 2),
        scored_measurement("who5", (3, 3, 2, 2, 3), dt.date(2025, 1, 20), None),
    )
    journal = (
        JournalRecord(
            date=dt.date(2025, 1, 6),
            session_number=1,
            feeling_before=3,
            feeling_after=6,
            topics="Work stress, sleep",
            avoided_topics="My sister",
            homework="Write down three worries",
            notes="=not a formula\nsecond line, with a comma",
        ),
        JournalRecord(date=dt.date(2025, 1, 13)),
    )
    checkups = (
        CheckupRecord(
            status="completed",
            answers={"answers": {"sessions_so_far": 6, "goals_clear": "no"}, "measures": {}},
            result={"findings": [{"factor": "unclear_goals", "severity": "medium"}]},
            started_at=dt.datetime(2025, 1, 7, 9, 30, tzinfo=dt.UTC),
            completed_at=dt.datetime(2025, 1, 7, 9, 41, 5, tzinfo=dt.UTC),
        ),
        CheckupRecord(
            status="in_progress",
            answers={"answers": {"café": "ünïcode ok"}},
            started_at=dt.datetime(2025, 2, 1, 18, 0, tzinfo=dt.UTC),
        ),
    )
    return ExchangeRecords(
        person=PersonRecord(country="GB"),
        measurements=measurements,
        journal=journal,
        checkups=checkups,
        report_note="Ask about homework.\nAnd about ending.",
    )
