"""Import planning and saving, and delete-everything, for one person.

An import is planned first (read the file, check every record with the same rules as
the forms a person types into, find duplicates) without writing anything; the plan is
shown as a preview, and only a confirmed plan is saved, in one transaction. A bad file
therefore never leaves half its records behind.

Size: an upload may be as large as the largest export the app can write for one person
(`MAX_UPLOAD_BYTES`). That bound holds because every kind of record is capped: one
questionnaire per instrument and session (sessions 0 to MAX_SESSION), one journal entry
per session with its text fields capped, one report note of NOTE_MAX_LENGTH, and at most
MAX_CHECKUPS check-ups (tests/web/exchange/test_limits.py checks the sum).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import DatabaseError, connection, transaction
from django.db.models import ManyToManyRel
from django.utils import timezone

from therapycheck import config
from therapycheck.core import safety as core_safety
from therapycheck.core.result import read_result
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
from therapycheck.web.checkups.models import MAX_CHECKUPS, Checkup
from therapycheck.web.exchange import convert
from therapycheck.web.exchange.models import PendingImport
from therapycheck.web.reports.models import NOTE_MAX_LENGTH, ReportNote
from therapycheck.web.tracking.forms import JournalForm, SessionDateForm, check_day, latest_day
from therapycheck.web.tracking.models import JournalEntry, Measurement

logger = logging.getLogger(__name__)

# The largest file an import accepts: above the largest export the caps allow (see above).
MAX_UPLOAD_BYTES = 256 * 1024 * 1024
# An upload nobody confirmed or cancelled is dropped after this long.
PENDING_IMPORT_LIFETIME = dt.timedelta(days=1)
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
    try:
        if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
            return FHIR, import_bundle(data)
        return CSV, ExchangeRecords(measurements=import_measurements_csv(data))
    except RecursionError:
        raise ExchangeError("the file is nested too deeply to be an export of this app") from None


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


def _form_problem(form: forms.BaseForm) -> str:
    """The first thing a form refused, as "<field label>: <message>"."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        message = str(errors[0]).rstrip(".")
        return f"{str(label).lower()}: {message}" if label else message
    return "not valid"


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
        # The same checks as the form a person fills in (session range, date).
        form = SessionDateForm(
            data={"session_number": str(m.session_number), "taken_on": m.taken_on.isoformat()}
        )
        if not form.is_valid():
            raise ExchangeError(f"{_describe(m)}: {_form_problem(form)}")
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
    for j in records:
        _check_journal(j)
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


def _check_journal(j: JournalRecord) -> None:
    """The journal form's own checks: session, date, feelings, homework, text lengths."""
    where = f"the journal entry from {j.date}"
    if j.session_number is None:
        raise ExchangeError(f"{where} has no session number; every entry needs one")
    form = JournalForm(
        data={
            "session_number": str(j.session_number),
            "entry_date": j.date.isoformat(),
            "feeling_before": "" if j.feeling_before is None else str(j.feeling_before),
            "feeling_after": "" if j.feeling_after is None else str(j.feeling_after),
            "topics": j.topics,
            "avoided_topics": j.avoided_topics,
            "homework": j.homework,
            "notes": j.notes,
        }
    )
    if not form.is_valid():
        raise ExchangeError(f"{where}: {_form_problem(form)}")


def _check_instant(value: dt.datetime, what: str) -> None:
    try:
        check_day(value.astimezone(dt.UTC).date(), latest_day())
    except (forms.ValidationError, OverflowError) as exc:
        message = exc.messages[0] if isinstance(exc, forms.ValidationError) else "out of range"
        raise ExchangeError(f"{what} {value.isoformat()}: {message}") from None


def _check_checkup(c: CheckupRecord) -> str | None:
    """Raise for a check-up the app could not store; a reason to leave it out, or None."""
    if c.status not in Checkup.Status.values:
        raise ExchangeError(f"a check-up has an unknown status {c.status!r}")
    _check_instant(c.started_at, "a check-up started")
    if c.completed_at is not None:
        _check_instant(c.completed_at, "a check-up finished")
        if c.completed_at < c.started_at:
            raise ExchangeError(
                f"the check-up started {c.started_at:%Y-%m-%d %H:%M} finished before it started"
            )
    if c.status == Checkup.Status.COMPLETED:
        if c.completed_at is None:
            raise ExchangeError(
                f"the finished check-up started {c.started_at:%Y-%m-%d %H:%M} has no end time"
            )
        try:
            read_result(c.result)
        except ValueError as exc:
            return f"{exc}"
    return None


def _plan_checkups(person: Person, records: tuple[CheckupRecord, ...], plan: ImportPlan) -> None:
    existing = Checkup.objects.filter(person=person)
    stored = set(existing.values_list("started_at", flat=True))
    # A person has at most one unfinished check-up (a database constraint), so an
    # imported unfinished one is kept only when there is none yet.
    has_unfinished = existing.filter(status=Checkup.Status.IN_PROGRESS).exists()
    for c in records:
        unreadable = _check_checkup(c)
        if unreadable is not None:
            # Never stored: a result the pages cannot read would show nothing true.
            plan.notes.append(
                f"Left out the check-up started {c.started_at:%Y-%m-%d %H:%M}: {unreadable}."
            )
            continue
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
    if len(stored) > MAX_CHECKUPS:
        raise ExchangeError(
            f"with this file you would have {len(stored)} check-ups; the app keeps at most "
            f"{MAX_CHECKUPS}. Delete some old ones first"
        )


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
            # The exported record named the country the person had chosen.
            person.country_chosen = True
            person.save(update_fields=["country", "country_chosen"])
        _raise_safety(person, plan)


def _raise_safety(person: Person, plan: ImportPlan) -> None:
    # Safety first: a risk answer in imported data shows the crisis banner like a new one.
    reasons = [
        f"An imported {instrument_info(m.instrument).short_name} from {m.taken_on:%d %B %Y} has an "
        "answer about thoughts of death or self-harm."
        for m in plan.safety_flagged
    ]
    if reasons:
        mark_safety_event(person, "import", reasons, dangers=["self"])


# --------------------------------------------------------------------------- pending


def keep_pending(person: Person, data: bytes) -> int:
    """Keep an uploaded file until it is confirmed or cancelled; returns its id.

    A person has one upload waiting at a time: a new one replaces any other.
    """
    with transaction.atomic():
        PendingImport.objects.filter(person=person).delete()
        return PendingImport.objects.create(person=person, data=data).pk


def pending_data(person: Person, pending_id: object) -> bytes | None:
    """The waiting upload `pending_id` of this person, or None (gone, expired, or not theirs)."""
    if not isinstance(pending_id, int):
        return None
    oldest = timezone.now() - PENDING_IMPORT_LIFETIME
    PendingImport.objects.filter(created_at__lt=oldest).delete()
    found = PendingImport.objects.filter(pk=pending_id, person=person).first()
    return bytes(found.data) if found is not None else None


def drop_pending(person: Person, pending_id: object) -> None:
    if isinstance(pending_id, int):
        PendingImport.objects.filter(pk=pending_id, person=person).delete()


# --------------------------------------------------------------------------- deleting


def delete_everything(person: Person) -> dict[str, int]:
    """Delete every trace of `person` and reset the crisis banner.

    Walks every model that points at Person, so a record type added later is deleted too
    (uploads waiting for confirmation included). In personal mode the installation has
    one person, so it also ends every browser session, empties the caches and removes the
    check-up files the command line keeps in the data folder; on SQLite, deleted pages
    are overwritten (secure_delete) and the write-ahead log is emptied. The person row
    stays (it ties a clinic login to its data) but is reset to defaults.
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
        if settings.THERAPYCHECK_MODE == "personal":
            deleted["sessions.Session"], _ = Session.objects.all().delete()
        person.crisis_acknowledged_at = None
        person.crisis_acknowledged_event_id = None
        person.display_name = ""
        person.country = settings.THERAPYCHECK_COUNTRY
        person.country_chosen = False
        person.save()
    if settings.THERAPYCHECK_MODE == "personal":
        for cache in caches.all(initialized_only=True):
            cache.clear()
        deleted["files"] = _delete_cli_files(Path(settings.THERAPYCHECK_DATA_DIR))
    _empty_write_ahead_log()
    return deleted


def _delete_cli_files(data_dir: Path) -> int:
    """The check-up answers and reports `therapycheck checkup` saved in the data folder."""
    found = {path for pattern in config.CHECKUP_FILE_PATTERNS for path in data_dir.glob(pattern)}
    removed = 0
    for path in sorted(found):
        try:
            path.unlink()
        except OSError:
            logger.warning("could not delete %s", path)
            continue
        removed += 1
    return removed


def _empty_write_ahead_log() -> None:
    """SQLite keeps changed pages in the -wal file until a checkpoint: write them back now."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return  # inside a caller's transaction the deletion is not written yet
    try:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except DatabaseError:
        # Busy readers: the log is written back at the next checkpoint instead.
        logger.warning("could not empty the SQLite write-ahead log after deleting everything")
