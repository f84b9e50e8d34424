"""Model <-> record conversion: the only place that knows both the models and `interop`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from therapycheck.interop.records import (
    CheckupRecord,
    ExchangeRecords,
    JournalRecord,
    MeasurementRecord,
    PersonRecord,
)
from therapycheck.web.accounts.models import Person
from therapycheck.web.checkups.models import Checkup
from therapycheck.web.reports.models import ReportNote
from therapycheck.web.tracking.models import JournalEntry, Measurement


def records_for(person: Person) -> ExchangeRecords:
    """Everything stored for `person`, oldest first."""
    measurements = Measurement.objects.filter(person=person).order_by(
        "taken_on", "session_number", "instrument", "pk"
    )
    journal = JournalEntry.objects.filter(person=person).order_by("entry_date", "session_number")
    checkups = Checkup.objects.filter(person=person).order_by("started_at", "pk")
    note = ReportNote.objects.filter(person=person).first()
    return ExchangeRecords(
        person=PersonRecord(country=person.country or ""),
        measurements=tuple(measurement_record(m) for m in measurements),
        journal=tuple(journal_record(j) for j in journal),
        checkups=tuple(checkup_record(c) for c in checkups),
        report_note=note.text if note else "",
    )


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else float(value)


def measurement_record(m: Measurement) -> MeasurementRecord:
    answers = m.answers if isinstance(m.answers, list) else []
    return MeasurementRecord(
        instrument=m.instrument,
        answers=tuple(int(a) for a in answers),
        taken_on=m.taken_on,
        session_number=m.session_number,
        total=_number(m.total),
        band=m.band or "",
        flags=tuple(str(f) for f in (m.flags or [])),
        subscales=dict(m.subscales or {}),
    )


def journal_record(j: JournalEntry) -> JournalRecord:
    return JournalRecord(
        date=j.entry_date,
        session_number=j.session_number,
        feeling_before=j.feeling_before,
        feeling_after=j.feeling_after,
        topics=j.topics,
        avoided_topics=j.avoided_topics,
        homework=j.homework,
        notes=j.notes,
    )


def checkup_record(c: Checkup) -> CheckupRecord:
    answers: dict[str, Any] = c.answers if isinstance(c.answers, dict) else {}
    # Exported exactly as stored when it can be read back; an unreadable one (an old
    # import) would only be left out again by the import, so it goes out empty.
    result = c.result if c.stored_result() is not None else None
    return CheckupRecord(
        status=c.status,
        answers=answers,
        result=result,
        started_at=c.started_at,
        completed_at=c.completed_at,
    )


def new_measurement(person: Person, m: MeasurementRecord) -> Measurement:
    assert m.session_number is not None and m.total is not None  # checked by the plan
    return Measurement(
        person=person,
        instrument=m.instrument,
        session_number=m.session_number,
        taken_on=m.taken_on,
        answers=list(m.answers),
        total=float(m.total),
        band=m.band,
        flags=list(m.flags),
        subscales=dict(m.subscales),
    )


def new_journal_entry(person: Person, j: JournalRecord) -> JournalEntry:
    assert j.session_number is not None  # checked by the plan
    return JournalEntry(
        person=person,
        session_number=j.session_number,
        entry_date=j.date,
        feeling_before=j.feeling_before,
        feeling_after=j.feeling_after,
        topics=j.topics,
        avoided_topics=j.avoided_topics,
        homework=j.homework,
        notes=j.notes,
    )


def new_checkup(person: Person, c: CheckupRecord) -> Checkup:
    last_change: dt.datetime = c.completed_at or c.started_at
    return Checkup(
        person=person,
        status=c.status,
        answers=c.answers,
        result=c.result,
        started_at=c.started_at,
        updated_at=last_change,
        completed_at=c.completed_at,
    )
