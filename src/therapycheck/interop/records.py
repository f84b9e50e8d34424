"""Plain records that the exchange formats read and write.

The web app converts its models to and from these, so FHIR and CSV code never touches
Django or the database. Equality is by value, which makes "export then import gives the
same records back" a one-line test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PersonRecord:
    """The person the data belongs to. No name, no contact details: nothing identifying."""

    country: str = ""


@dataclass(frozen=True)
class MeasurementRecord:
    """One completed questionnaire. `total`, `band` and `flags` come from `core.scoring`."""

    instrument: str
    answers: tuple[int, ...]
    taken_on: dt.date
    session_number: int | None = None
    total: float | None = None
    band: str = ""
    flags: tuple[str, ...] = ()
    subscales: dict[str, float] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, int | None, dt.date]:
        """Two measurements with the same key are treated as the same one on import."""
        return (self.instrument, self.session_number, self.taken_on)


@dataclass(frozen=True)
class JournalRecord:
    """One session journal entry. Feelings are on the journal's own 0-10 scale."""

    date: dt.date
    session_number: int | None = None
    feeling_before: int | None = None
    feeling_after: int | None = None
    topics: str = ""
    avoided_topics: str = ""
    homework: str = ""
    notes: str = ""


@dataclass(frozen=True)
class CheckupRecord:
    """One check-up: the answers given and the result shown at the time."""

    status: str
    answers: dict[str, Any]
    started_at: dt.datetime
    result: dict[str, Any] | None = None
    completed_at: dt.datetime | None = None


@dataclass(frozen=True)
class ExchangeRecords:
    """Everything one person has stored, in a form every exchange format understands."""

    person: PersonRecord = field(default_factory=PersonRecord)
    measurements: tuple[MeasurementRecord, ...] = ()
    journal: tuple[JournalRecord, ...] = ()
    checkups: tuple[CheckupRecord, ...] = ()
    # What the person wants to bring up next time (kept with their report).
    report_note: str = ""
    # Messages about things an import left out on purpose (e.g. resources we do not use).
    notes: tuple[str, ...] = field(default=(), compare=False)

    def counts(self) -> dict[str, int]:
        return {
            "measurements": len(self.measurements),
            "journal": len(self.journal),
            "checkups": len(self.checkups),
        }


class ExchangeError(ValueError):
    """An import could not be read. The message names what is wrong, in plain words."""
