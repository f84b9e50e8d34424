"""Import planning and saving, and delete-everything, for one person.

An import is planned first (read the file, check every record against what the database
accepts, find duplicates) without writing anything; the plan is shown as a preview, and
only a confirmed plan is saved, in one transaction. A bad file therefore never leaves
half its records behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import ManyToManyRel

from therapycheck.core import safety as core_safety
from therapycheck.interop import (
    ExchangeError,
    ExchangeRecords,
    import_bundle,
    import_measurements_csv,
)
from therapycheck.interop._instruments import instrument_info
from therapycheck.interop.records import CheckupRecord, JournalRecord, MeasurementRecord
from therapycheck.web.accounts.models import Person
from therapycheck.web.accounts.safety import mark_safety_event
from therapycheck.web.checkups.models import Checkup
from therapycheck.web.exchange import convert
from therapycheck.web.reports.models import NOTE_MAX_LENGTH, ReportNote
from therapycheck.web.tracking.models import MAX_SESSION, Homework, JournalEntry, Measurement

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
FHIR = "FHIR"
CSV = "CSV"


@dataclass
class ImportPlan:
    """What a confirmed import would add, and what it would leave out and why."""

    kind: str
    measurements: list[MeasurementRecord] = field(default_factory=list)
    journal: list[JournalRecord] = field(default_factory=list)
    checkups: list[CheckupRecord] = field(default_factory=list)
    report_note: str | None = None
    country: str | None = None
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "measurements": len(self.measurements),
            "journal": len(self.journal),
            "checkups": len(self.checkups),
        }

    @property
    def is_empty(self) -> bool:
        nothing = not (self.measurements or self.journal or self.checkups)
        return nothing and self.report_note is None

    @property
    def safety_flagged(self) -> list[MeasurementRecord]:
        return [m for m in self.measurements if core_safety.SAFETY_FLAG in m.flags]


# --------------------------------------------------------------------------- reading


def read_upload(data: bytes) -> tuple[str, ExchangeRecords]:
    """Which format the file is in, and its records; ExchangeError when it is unreadable."""
    if not data.strip():
        raise ExchangeError("the file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ExchangeError(f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return FHIR, import_bundle(data)
    return CSV, ExchangeRecords(measurements=import_measurements_csv(data))


# --------------------------------------------------------------------------- planning


def plan_import(person: Person, kind: str, records: ExchangeRecords) -> ImportPlan:
    """Check every record and find duplicates, writing nothing."""
    plan = ImportPlan(kind=kind, notes=list(records.notes))
    _plan_measurements(person, records.measurements, plan)
    _plan_journal(person, records.journal, plan)
    _plan_checkups(person, records.checkups, plan)
    _plan_note(person, records.report_note, plan)
    country = records.person.country
    if country and core_safety.normalize_country(country) == country.upper():
        plan.country = country.upper()
    return plan


def _describe(m: MeasurementRecord) -> str:
    return (
        f"{instrument_info(m.instrument).short_name} for session {m.session_number} ({m.taken_on})"
    )


def _plan_measurements(
    person: Person, records: tuple[MeasurementRecord, ...], plan: ImportPlan
) -> None:
    stored = {
        (m.instrument, m.session_number): (m.taken_on, list(m.answers))
        for m in Measurement.objects.filter(person=person)
    }
    for m in records:
        if m.session_number is None:
            raise ExchangeError(
                f"the {instrument_info(m.instrument).short_name} from {m.taken_on} has no session "
                "number; every measurement needs one"
            )
        if m.session_number > MAX_SESSION:
            raise ExchangeError(f"session {m.session_number} is above {MAX_SESSION}")
        key = (m.instrument, m.session_number)
        if key in stored:
            same = stored[key] == (m.taken_on, list(m.answers))
            plan.skipped.append(
                f"{_describe(m)}: already saved, skipped."
                if same
                else f"{_describe(m)}: you already have a different one for that session; "
                "kept yours."
            )
            continue
        stored[key] = (m.taken_on, list(m.answers))
        plan.measurements.append(m)


def _plan_journal(person: Person, records: tuple[JournalRecord, ...], plan: ImportPlan) -> None:
    stored = {j.session_number: j.entry_date for j in JournalEntry.objects.filter(person=person)}
    homework_choices = {"", *Homework.values}
    for j in records:
        _check_journal(j, homework_choices)
        assert j.session_number is not None
        if j.session_number in stored:
            same = stored[j.session_number] == j.date
            plan.skipped.append(
                f"Journal entry for session {j.session_number} ({j.date}): "
                + ("already saved, skipped." if same else "you already have one; kept yours.")
            )
            continue
        stored[j.session_number] = j.date
        plan.journal.append(j)


def _check_journal(j: JournalRecord, homework_choices: set[str]) -> None:
    where = f"the journal entry from {j.date}"
    if j.session_number is None or j.session_number > MAX_SESSION:
        raise ExchangeError(f"{where} needs a session number from 0 to {MAX_SESSION}")
    for name in ("feeling_before", "feeling_after"):
        value = getattr(j, name)
        if value is not None and not 0 <= value <= 10:
            raise ExchangeError(f"{where}: feelings go from 0 to 10, got {value}")
    if j.homework not in homework_choices:
        raise ExchangeError(
            f"{where}: homework {j.homework!r} is not one of {sorted(Homework.values)}"
        )


def _plan_checkups(person: Person, records: tuple[CheckupRecord, ...], plan: ImportPlan) -> None:
    existing = Checkup.objects.filter(person=person)
    stored = set(existing.values_list("started_at", flat=True))
    # A person has at most one unfinished check-up (a database constraint), so an
    # imported unfinished one is kept only when there is none yet.
    has_unfinished = existing.filter(status=Checkup.Status.IN_PROGRESS).exists()
    for c in records:
        if c.status not in Checkup.Status.values:
            raise ExchangeError(f"a check-up has an unknown status {c.status!r}")
        if c.started_at in stored:
            plan.skipped.append(f"Check-up started {c.started_at:%Y-%m-%d %H:%M}: already saved.")
            continue
        if c.status == Checkup.Status.IN_PROGRESS:
            if has_unfinished:
                plan.skipped.append(
                    f"Unfinished check-up started {c.started_at:%Y-%m-%d %H:%M}: you already "
                    "have an unfinished check-up; kept yours."
                )
                continue
            has_unfinished = True
        stored.add(c.started_at)
        plan.checkups.append(c)


def _plan_note(person: Person, text: str, plan: ImportPlan) -> None:
    if not text:
        return
    if len(text) > NOTE_MAX_LENGTH:
        raise ExchangeError(f"the report note is longer than {NOTE_MAX_LENGTH} characters")
    existing = ReportNote.objects.filter(person=person).values_list("text", flat=True).first()
    if existing and existing != text:
        plan.skipped.append("Report note: you already have one; kept yours.")
    elif not existing:
        plan.report_note = text


# --------------------------------------------------------------------------- saving


def apply_import(person: Person, plan: ImportPlan) -> None:
    """Save a plan in one transaction: all of it or, on any failure, none of it."""
    with transaction.atomic():
        Measurement.objects.bulk_create(
            [convert.new_measurement(person, m) for m in plan.measurements]
        )
        JournalEntry.objects.bulk_create(
            [convert.new_journal_entry(person, j) for j in plan.journal]
        )
        Checkup.objects.bulk_create([convert.new_checkup(person, c) for c in plan.checkups])
        if plan.report_note is not None:
            ReportNote.objects.update_or_create(person=person, defaults={"text": plan.report_note})
        if plan.country and plan.country != person.country:
            person.country = plan.country
            person.save(update_fields=["country"])
        _raise_safety(person, plan)


def _raise_safety(person: Person, plan: ImportPlan) -> None:
    # Safety first: a risk answer in imported data shows the crisis banner like a new one.
    reasons = [
        f"An imported {instrument_info(m.instrument).short_name} from {m.taken_on:%d %B %Y} has an "
        "answer about thoughts of death or self-harm."
        for m in plan.safety_flagged
    ]
    if reasons:
        mark_safety_event(person, "import", reasons)


# --------------------------------------------------------------------------- deleting


def delete_everything(person: Person) -> dict[str, int]:
    """Delete every record that belongs to `person` and reset the crisis banner.

    Walks every model that points at Person, so a record type added later is deleted too.
    The person row stays (it ties a clinic login to its data) but is reset to defaults.
    """
    deleted: dict[str, int] = {}
    with transaction.atomic():
        for relation in Person._meta.related_objects:
            model = relation.related_model
            if isinstance(relation, ManyToManyRel):
                getattr(person, relation.get_accessor_name() or "").clear()
                continue
            count, _ = model._default_manager.filter(**{relation.field.name: person}).delete()
            deleted[model._meta.label] = count
        person.crisis_acknowledged_at = None
        person.crisis_acknowledged_event_id = None
        person.display_name = ""
        person.country = settings.THERAPYCHECK_COUNTRY
        person.save()
    return deleted
