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
from therapycheck.web.tracking.models import Measurement


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
