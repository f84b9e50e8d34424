"""Records stored for the person, built through the real scoring engine."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from therapycheck.interop._instruments import scored_measurement
from therapycheck.interop.records import CheckupRecord, JournalRecord
from therapycheck.web.accounts.models import Person, SafetyEvent
from therapycheck.web.accounts.safety import mark_safety_event
from therapycheck.web.checkups.models import Checkup
from therapycheck.web.exchange import convert
from therapycheck.web.reports.models import ReportNote
from therapycheck.web.tracking.models import JournalEntry, Measurement


def store_measurement(
    person: Person, instrument: str, answers: tuple[int, ...], session: int
) -> Measurement:
    record = scored_measurement(
        instrument, answers, dt.date(2025, 1, 6) + dt.timedelta(weeks=session), session
    )
    measurement = convert.new_measurement(person, record)
    measurement.save()
    if "safety" in record.flags:
        mark_safety_event(person, f"measurement:{instrument}", ["test"])
    return measurement


@pytest.fixture
def stored(person: Person) -> Person:
    """The person with measurements (one safety-flagged), journal, check-up and note."""
    store_measurement(person, "phq9", (2, 2, 2, 2, 2, 2, 1, 1, 0), 1)
    store_measurement(person, "gad7", (2, 2, 2, 1, 1, 1, 1), 1)
    store_measurement(person, "phq9", (1, 1, 1, 1, 1, 1, 1, 0, 1), 2)
    store_measurement(person, "gad7", (1, 1, 1, 1, 0, 0, 0), 2)
    journal = JournalRecord(
        date=dt.date(2025, 1, 13),
        session_number=1,
        feeling_before=3,
        feeling_after=6,
        topics="Sleep",
        avoided_topics="Family",
        homework="partly",
        notes="Went OK.",
    )
    convert.new_journal_entry(person, journal).save()
    started = timezone.now().replace(microsecond=0) - dt.timedelta(days=2)
    checkup = CheckupRecord(
        status="completed",
        answers={"answers": {"sessions_so_far": 4}},
        result={"findings": [{"factor": "too_early", "severity": "low"}]},
        started_at=started,
        completed_at=started + dt.timedelta(minutes=9),
    )
    convert.new_checkup(person, checkup).save()
    ReportNote.objects.create(person=person, text="Ask about the homework.")
    return person


def snapshot(person: Person) -> dict[str, Any]:
    """Everything stored for a person, to compare before and after."""
    return {
        "measurements": sorted(
            Measurement.objects.filter(person=person).values_list(
                "instrument", "session_number", "taken_on", "answers", "total", "band", "flags"
            ),
            key=str,
        ),
        "journal": list(
            JournalEntry.objects.filter(person=person).values_list(
                "session_number",
                "entry_date",
                "feeling_before",
                "feeling_after",
                "topics",
                "avoided_topics",
                "homework",
                "notes",
            )
        ),
        "checkups": list(
            Checkup.objects.filter(person=person).values_list(
                "status", "answers", "result", "started_at", "completed_at"
            )
        ),
        "note": list(ReportNote.objects.filter(person=person).values_list("text", flat=True)),
        "safety_events": SafetyEvent.objects.filter(person=person).count(),
    }
