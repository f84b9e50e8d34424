"""Saving and reading measurements: the one path from answers to a stored, scored row.

Scoring is done ONLY by `therapycheck.core.scoring.score`; a safety flag in the result
raises the crisis banner through `accounts.safety.mark_safety_event`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from django.db import IntegrityError, transaction

from therapycheck.core import scoring
from therapycheck.core.instruments import get_instrument
from therapycheck.core.instruments.schema import Instrument
from therapycheck.web.accounts.models import Person
from therapycheck.web.accounts.safety import mark_safety_event
from therapycheck.web.tracking.models import JournalEntry, Measurement


class DuplicateSession(ValueError):
    """There is already an entry for this instrument at this session."""

    def __init__(self, existing: Measurement) -> None:
        super().__init__(
            f"You already saved a {get_instrument(existing.instrument).short_name} "
            f"for session {existing.session_number}. Edit that entry, or choose another session."
        )
        self.existing = existing


def safety_reasons(instrument: Instrument, result: scoring.Score) -> list[str]:
    """Plain-language reasons naming the safety items that were answered above zero."""
    reasons = []
    for number in result.safety_items_endorsed:
        item = instrument.items[number - 1]
        answer = instrument.item_label(number, result.answers[number - 1])
        reasons.append(
            f"On the {instrument.short_name}, you answered “{answer}” to question {number}: "
            f"“{item.text}”."
        )
    return reasons


def save_measurement(
    person: Person,
    instrument_id: str,
    answers: Sequence[int],
    *,
    session_number: int,
    taken_on: dt.date,
    form_token: str | None = None,
    checkin: uuid.UUID | None = None,
) -> Measurement:
    """Score and store one questionnaire; raises ScoringError or DuplicateSession.

    A form token that was already used returns the row it created (a double submit).
    """
    if form_token:
        earlier = Measurement.objects.filter(person=person, form_token=form_token).first()
        if earlier is not None:
            return earlier
    instrument = get_instrument(instrument_id)
    result = scoring.score(instrument, list(answers))
    _refuse_duplicate(person, instrument.id, session_number, exclude_pk=None)
    try:
        with transaction.atomic():
            measurement = Measurement.objects.create(
                person=person,
                instrument=instrument.id,
                session_number=session_number,
                taken_on=taken_on,
                form_token=form_token or None,
                checkin=checkin,
                **_scored_fields(result),
            )
    except IntegrityError:
        return _after_integrity_error(person, instrument.id, session_number, form_token)
    if "safety" in result.flags:
        # The questionnaires' safety items ask about hurting yourself.
        mark_safety_event(
            person,
            f"measurement:{instrument.id}",
            safety_reasons(instrument, result),
            dangers=["self"],
        )
    return measurement


def update_measurement(
    measurement: Measurement,
    answers: Sequence[int],
    *,
    session_number: int,
    taken_on: dt.date,
) -> Measurement:
    """Re-score and save an edited entry; a safety answer that is new raises the banner."""
    instrument = get_instrument(measurement.instrument)
    result = scoring.score(instrument, list(answers))
    _refuse_duplicate(measurement.person, instrument.id, session_number, exclude_pk=measurement.pk)
    old_safety = _safety_answers(instrument, measurement.answers)
    for name, value in _scored_fields(result).items():
        setattr(measurement, name, value)
    measurement.session_number = session_number
    measurement.taken_on = taken_on
    measurement.revision += 1
    try:
        with transaction.atomic():
            measurement.save()
    except IntegrityError:
        existing = Measurement.objects.get(
            person=measurement.person, instrument=instrument.id, session_number=session_number
        )
        raise DuplicateSession(existing) from None
    new_safety = _safety_answers(instrument, measurement.answers)
    if "safety" in result.flags and new_safety != old_safety:
        mark_safety_event(
            measurement.person,
            f"measurement:{instrument.id}",
            safety_reasons(instrument, result),
            dangers=["self"],
        )
    return measurement


def _scored_fields(result: scoring.Score) -> dict[str, object]:
    return {
        "answers": list(result.answers),
        "total": float(result.total),
        "band": result.band.label if result.band is not None else "",
        "flags": list(result.flags),
        "subscales": dict(result.subscales),
    }


def _safety_answers(instrument: Instrument, answers: Sequence[int]) -> tuple[int, ...]:
    return tuple(int(answers[n - 1]) for n in instrument.safety_items if n - 1 < len(answers))


def _refuse_duplicate(
    person: Person, instrument_id: str, session_number: int, exclude_pk: int | None
) -> None:
    existing = Measurement.objects.filter(
        person=person, instrument=instrument_id, session_number=session_number
    )
    if exclude_pk is not None:
        existing = existing.exclude(pk=exclude_pk)
    found = existing.first()
    if found is not None:
        raise DuplicateSession(found)


def _after_integrity_error(
    person: Person, instrument_id: str, session_number: int, form_token: str | None
) -> Measurement:
    """A concurrent request won the race: return its row or report the duplicate."""
    if form_token:
        earlier = Measurement.objects.filter(person=person, form_token=form_token).first()
        if earlier is not None:
            return earlier
    existing = Measurement.objects.get(
        person=person, instrument=instrument_id, session_number=session_number
    )
    raise DuplicateSession(existing)


def person_measurements(person: Person, instrument_id: str | None = None) -> list[Measurement]:
    rows = Measurement.objects.filter(person=person)
    if instrument_id is not None:
        rows = rows.filter(instrument=instrument_id)
    return list(rows.order_by("instrument", "session_number", "pk"))


def next_session_number(person: Person) -> int:
    """A guess for the session being logged: one after the latest one seen."""
    latest = Measurement.objects.filter(person=person).order_by("-session_number").first()
    return latest.session_number + 1 if latest is not None else 1


# --- the after-session check-in -------------------------------------------------------

# The questionnaires a person can pick for a check-in, in the order they are shown.
CHECK_IN_CHOICES = ("phq9", "gad7", "wai_sr", "who5")
# Asked at every session unless the person unticks them: mood and worry.
EVERY_SESSION = ("phq9", "gad7")
# The alliance measure (how you and your therapist work together): suggested every third
# session (3, 6, 9, ...), so it tracks the relationship without asking about it every
# week. Session 3 is when an early alliance reading is most useful.
ALLIANCE = "wai_sr"
ALLIANCE_EVERY = 3


def alliance_allowed(session_number: int) -> bool:
    """Questions about working with a therapist make sense only once therapy has started."""
    return session_number >= 1


def default_check_in_measures(session_number: int) -> list[str]:
    """What the check-in suggests for this session: PHQ-9 and GAD-7 each time, the WAI-SR
    every third session, and never the WAI-SR at session 0 (before therapy starts)."""
    chosen = list(EVERY_SESSION)
    if alliance_allowed(session_number) and session_number % ALLIANCE_EVERY == 0:
        chosen.append(ALLIANCE)
    return chosen


def check_in_group(form_token: str) -> uuid.UUID:
    """One check-in id per form shown, so questionnaires saved on separate sends of the
    same page stay together."""
    if not form_token:
        return uuid.uuid4()
    return uuid.uuid5(uuid.NAMESPACE_URL, f"therapycheck:check-in:{form_token}")


def saved_for_token(
    person: Person, form_token: str, instrument_ids: Sequence[str]
) -> dict[str, Measurement]:
    """The questionnaires of this form that an earlier send already saved, by instrument."""
    if not form_token:
        return {}
    keys = [f"{form_token}:{i}" for i in instrument_ids]
    rows = Measurement.objects.filter(person=person, form_token__in=keys)
    return {row.instrument: row for row in rows}


def next_journal_session(person: Person) -> int:
    """The session a new journal entry is most likely about.

    The newest session with a check-in but no journal entry yet (you write about the session
    you just logged); otherwise the one after the newest journal entry; 1 with nothing yet.
    """
    latest_entry = JournalEntry.objects.filter(person=person).order_by("-session_number").first()
    latest_measure = Measurement.objects.filter(person=person).order_by("-session_number").first()
    after_journal = latest_entry.session_number + 1 if latest_entry is not None else 1
    measured = latest_measure.session_number if latest_measure is not None else 0
    return max(after_journal, measured, 1)
