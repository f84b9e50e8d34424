"""Check-up life cycle: start or resume, save a screen, finish, compare with earlier ones.

The clinical work (evaluation, plan, safety response) is all `therapycheck.core.report`;
this module stores its inputs and freezes its output.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from therapycheck.core.checkup.screening import as_core_measures
from therapycheck.core.trajectory import ExpectedResponseModel
from therapycheck.web.accounts.models import Person
from therapycheck.web.accounts.safety import mark_safety_event
from therapycheck.web.checkups import wizard
from therapycheck.web.checkups.models import MAX_CHECKUPS, Checkup

SAFETY_SOURCE = "checkup"


class TooManyCheckups(Exception):
    """The person keeps MAX_CHECKUPS check-ups already; an old one must go first."""

    def __init__(self) -> None:
        super().__init__(
            f"You have {MAX_CHECKUPS} check-ups saved, the most this app keeps. To start a new "
            "one, delete an old one first (Settings & data, then Your data)."
        )


def in_progress(person: Person) -> Checkup | None:
    return Checkup.objects.filter(person=person, status=Checkup.Status.IN_PROGRESS).first()


def completed(person: Person) -> list[Checkup]:
    """The person's finished check-ups, newest first."""
    return list(
        Checkup.objects.filter(person=person, status=Checkup.Status.COMPLETED).order_by(
            "-completed_at", "-pk"
        )
    )


def start_or_resume(person: Person) -> Checkup:
    """The person's unfinished check-up, or a new one. Never two unfinished ones."""
    existing = in_progress(person)
    if existing is not None:
        return existing
    if Checkup.objects.filter(person=person).count() >= MAX_CHECKUPS:
        raise TooManyCheckups
    now = timezone.now()
    try:
        with transaction.atomic():
            return Checkup.objects.create(
                person=person,
                answers=wizard.empty_document(person.country),
                started_at=now,
                updated_at=now,
            )
    except IntegrityError:
        # A second click on "Start" raced the first: resume the one it created.
        found = in_progress(person)
        if found is None:
            raise
        return found


def restart(person: Person, checkup_id: int) -> Checkup:
    """Throw away the unfinished check-up `checkup_id` and begin a fresh one."""
    with transaction.atomic():
        Checkup.objects.filter(
            pk=checkup_id, person=person, status=Checkup.Status.IN_PROGRESS
        ).delete()
    return start_or_resume(person)


def save(checkup: Checkup, doc: dict[str, Any], current: str) -> None:
    checkup.answers = doc
    checkup.current_section = current
    checkup.updated_at = timezone.now()
    checkup.version += 1
    checkup.save(update_fields=["answers", "current_section", "updated_at", "version"])


def document_for(checkup: Checkup) -> dict[str, Any]:
    """The answers document as the core reads it: the person's country and score history."""
    stored = checkup.answers if isinstance(checkup.answers, dict) else {}
    doc: dict[str, Any] = {
        "answers": wizard.answers_of(stored),
        "measures": core_measures(wizard.measures_of(stored)),
    }
    reused = measured_at(stored, within=doc["measures"])
    if reused:
        doc["measured_at"] = reused
    doc["country"] = checkup.person.country
    history = score_history(checkup.person)
    if history:
        doc["history"] = history
    return sanitize(doc)


def core_measures(stored: dict[str, list[int | None]]) -> dict[str, Any]:
    """Stored questionnaires as the core reads them (a list that stopped at its short
    screen is scored as the screen; core.checkup.screening)."""
    return as_core_measures(stored)


def sanitize(doc: dict[str, Any]) -> dict[str, Any]:
    """Drop whatever the core no longer accepts, so stored answers never break a page.

    An answer saved weeks ago can stop being valid when the question bank is updated (an
    option renamed, a question removed). The person should still get their results from
    everything else they said, so the refused part is left out rather than failing.
    """
    from therapycheck.core.checkup import AnswersError, parse_answers

    for _ in range(64):
        try:
            parse_answers(doc)
            return doc
        except AnswersError as exc:
            where = str(exc.question_id)
            kind, _, key = where.partition(".")
            parts = {"measures", "measured_at", "history"}
            if kind in parts and key and isinstance(doc.get(kind), dict):
                doc[kind] = {k: v for k, v in doc[kind].items() if k != key}
            elif where in wizard.answers_of(doc):
                doc["answers"] = {k: v for k, v in wizard.answers_of(doc).items() if k != where}
            elif where in doc and where != "answers":
                del doc[where]
            else:
                break
    return {"answers": {}, "measures": {}}


def score_history(person: Person) -> dict[str, list[dict[str, float]]]:
    """The person's logged scores by instrument, as `{"phq9": [{"session", "score"}]}`."""
    from therapycheck.web.tracking.models import Measurement

    history: dict[str, dict[int, float]] = {}
    rows = Measurement.objects.filter(person=person).order_by("taken_on", "pk")
    for m in rows:
        if m.session_number is None or m.total is None:
            continue
        # One score per session: a later entry for the same session replaces an earlier one.
        history.setdefault(m.instrument, {})[int(m.session_number)] = round(m.total)
    return {
        inst: [{"session": s, "score": v} for s, v in sorted(points.items())]
        for inst, points in history.items()
    }


def expected_models(doc: dict[str, Any]) -> dict[str, ExpectedResponseModel]:
    """The expected-response models of the data dir for the series in this check-up, so
    the check-up judges progress as the progress page does."""
    from therapycheck.web.tracking.progress import expected_model

    found = {}
    for instrument_id in doc.get("history") or {}:
        model = expected_model(str(instrument_id))
        if model is not None:
            found[str(instrument_id)] = model
    return found


def live_report(checkup: Checkup, *, in_progress: bool = True) -> dict[str, Any]:
    """What the core makes of the answers so far (used for the safety check mid-way).

    In progress, an earlier check-up's misconduct finding still holds (these answers may
    not have reached the boundaries questions), so no crisis step names a therapist. The
    finished result goes by its own answers: a later check-up lifts the rule."""
    from therapycheck.core.report import checkup_report
    from therapycheck.web.accounts.safety import misconduct_found

    doc = document_for(checkup)
    report = checkup_report(
        doc,
        country=checkup.person.country,
        today=timezone.localdate(),
        models=expected_models(doc),
        avoid_therapist=in_progress and misconduct_found(checkup.person),
    )
    return dict(report.to_dict())


def raise_safety_if_needed(checkup: Checkup, safety: dict[str, Any]) -> bool:
    """Raise the site's crisis banner the first time this check-up's answers show risk."""
    if not safety.get("crisis") or checkup.safety_raised:
        return False
    mark_safety_event(
        checkup.person,
        SAFETY_SOURCE,
        safety.get("reasons") or (),
        dangers=safety.get("dangers") or (),
    )
    checkup.safety_raised = True
    checkup.save(update_fields=["safety_raised"])
    return True


def finish(checkup: Checkup) -> Checkup:
    """Freeze the report for these answers and mark the check-up completed."""
    stored = checkup.answers if isinstance(checkup.answers, dict) else {}
    pruned = wizard.prune(
        {"answers": wizard.answers_of(stored), "measures": wizard.measures_of(stored)}
    )
    # A check-in used again keeps its session, so the report does not count it twice.
    reused = measured_at(stored, within=pruned.get("measures", {}))
    checkup.answers = {**pruned, "measured_at": reused} if reused else pruned
    result = live_report(checkup, in_progress=False)
    raise_safety_if_needed(checkup, result.get("safety") or {})
    now = timezone.now()
    checkup.result = result
    checkup.status = Checkup.Status.COMPLETED
    checkup.completed_at = now
    checkup.updated_at = now
    checkup.version += 1
    checkup.save()
    return checkup


@dataclass(frozen=True)
class Comparison:
    previous: Checkup | None
    new: tuple[str, ...]
    gone: tuple[str, ...]
    still: tuple[str, ...]


def compare(checkup: Checkup, earlier: Iterable[Checkup]) -> Comparison:
    """Which factors are new, gone or still there since the check-up before this one."""
    before = [c for c in earlier if _finished_before(c, checkup)]
    previous = before[0] if before else None
    if previous is None:
        return Comparison(None, (), (), ())
    now, then = checkup.factors(), previous.factors()
    return Comparison(
        previous=previous,
        new=tuple(f for f in now if f not in then),
        gone=tuple(f for f in then if f not in now),
        still=tuple(f for f in now if f in then),
    )


def _finished_before(other: Checkup, checkup: Checkup) -> bool:
    if other.pk == checkup.pk or other.completed_at is None or checkup.completed_at is None:
        return False
    return (other.completed_at, other.pk) < (checkup.completed_at, checkup.pk)


def days_since(moment: datetime.datetime | None) -> int | None:
    if moment is None:
        return None
    return (timezone.now() - moment).days


# --- adding a check-up's questionnaire scores to the progress charts ---------------------


class SessionTaken(Exception):
    """Some questionnaires already have an entry for that session; nothing was saved."""

    def __init__(self, names: list[str], session_number: int) -> None:
        super().__init__(
            f"You already have {join_names(names)} saved for session {session_number}."
        )
        self.names = names
        self.session_number = session_number


@dataclass(frozen=True)
class AddedScores:
    names: tuple[str, ...]  # short names of the questionnaires, e.g. ("PHQ-9", "GAD-7")
    session_number: int
    already: bool  # True when this check-up's scores had been added before (a repeat)


def join_names(names: Iterable[str]) -> str:
    """ "PHQ-9", "PHQ-9 and GAD-7", "PHQ-9, GAD-7 and WAI-SR"."""
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def scores_to_add(checkup: Checkup) -> list[tuple[str, list[int]]]:
    """The check-up's completed questionnaires that can be scored, in the wizard's order.

    A questionnaire from an old import that no longer scores is left out, so it cannot
    block the others.
    """
    from therapycheck.core import scoring
    from therapycheck.core.instruments import get_instrument

    measures = checkup.measure_map()
    order = {inst: n for n, inst in enumerate(wizard.measure_ids(checkup.answer_map()))}
    reused = measured_at(checkup.answers)
    found = []
    for instrument_id in sorted(measures, key=lambda i: order.get(i, len(order))):
        if instrument_id in reused:
            continue  # a check-in used again: it is in the progress already
        answers = measures[instrument_id]
        if not isinstance(answers, list) or any(a is None for a in answers):
            # Progress keeps complete questionnaires only: a skipped item (or a PHQ-9
            # asked only as far as its PHQ-2 screen) stays in this check-up's result.
            continue
        try:
            instrument = get_instrument(instrument_id)
            scoring.score(instrument, list(answers))
        except (ValueError, TypeError):
            continue
        found.append((instrument.id, [int(a) for a in answers]))
    return found


def short_names(instrument_ids: Iterable[str]) -> list[str]:
    from therapycheck.core.instruments import get_instrument

    return [get_instrument(i).short_name for i in instrument_ids]


def suggested_session(checkup: Checkup, highest: int) -> int | None:
    """The session number to offer: how many sessions the person said they have had."""
    value = checkup.answer_map().get("sessions")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if value != int(value) or not 0 <= value <= highest:
        return None
    return int(value)


def add_scores_to_progress(
    checkup: Checkup, *, session_number: int, taken_on: datetime.date
) -> AddedScores:
    """Save one measurement per completed questionnaire of `checkup`, all or none.

    Raises SessionTaken (and saves nothing) when any of them already has an entry for
    that session. A second call for the same check-up saves nothing and says so.
    """
    from therapycheck.web.tracking.models import Measurement
    from therapycheck.web.tracking.services import DuplicateSession, save_measurement

    with transaction.atomic():
        locked = Checkup.objects.select_for_update().get(pk=checkup.pk).normalize()
        scores = scores_to_add(locked)
        names = tuple(short_names(i for i, _ in scores))
        if locked.scores_added_session is not None:
            return AddedScores(names, locked.scores_added_session, already=True)
        if not scores:
            return AddedScores((), session_number, already=False)
        ids = [i for i, _ in scores]
        taken = set(
            Measurement.objects.filter(
                person=locked.person, session_number=session_number, instrument__in=ids
            ).values_list("instrument", flat=True)
        )
        if taken:
            raise SessionTaken(short_names(i for i in ids if i in taken), session_number)
        try:
            for instrument_id, answers in scores:
                # save_measurement scores through core and raises the crisis banner itself
                # for a safety answer; that event rolls back with the rest on failure.
                save_measurement(
                    locked.person,
                    instrument_id,
                    answers,
                    session_number=session_number,
                    taken_on=taken_on,
                )
        except DuplicateSession as exc:
            # Another request saved one in the meantime; the atomic block undoes ours.
            name = short_names([exc.existing.instrument])
            raise SessionTaken(name, session_number) from None
        locked.scores_added_session = session_number
        locked.save(update_fields=["scores_added_session"])
    checkup.scores_added_session = session_number
    return AddedScores(names, session_number, already=False)


# --- a recent check-in used again ----------------------------------------------------------

# The PHQ-9 and GAD-7 ask about the last two weeks (Kroenke et al. 2001; Spitzer et al.
# 2006, cited in their data files), so a check-in from the last 14 days answers the same
# question the check-up would ask. For the WAI-SR, which has no time frame, the same 14 days
# is a product choice: recent enough to be about the therapy as it is now.
REUSE_WITHIN_DAYS = 14


def measured_at(doc: Any, within: Iterable[str] | None = None) -> dict[str, int]:
    """Questionnaires of this check-up taken from a check-in: instrument id -> its session
    (only those `within` the given questionnaires, when given: the ones still kept)."""
    raw = doc.get("measured_at") if isinstance(doc, dict) else None
    if not isinstance(raw, dict):
        return {}
    kept = None if within is None else set(within)
    return {
        str(k): v
        for k, v in raw.items()
        if isinstance(v, int) and not isinstance(v, bool) and v >= 0
        if kept is None or k in kept
    }


def recent_checkin(person: Person, instrument_id: str, today: datetime.date) -> Any:
    """The person's latest complete answers to this questionnaire from the last 14 days,
    as a progress Measurement, or None. Only whole answer lists count."""
    from therapycheck.core.instruments import UnknownInstrument, get_instrument
    from therapycheck.web.tracking.models import Measurement

    try:
        size = len(get_instrument(instrument_id).items)
    except UnknownInstrument:
        return None
    since = today - datetime.timedelta(days=REUSE_WITHIN_DAYS)
    rows = Measurement.objects.filter(
        person=person, instrument=instrument_id, taken_on__gte=since, taken_on__lte=today
    ).order_by("-taken_on", "-session_number", "-pk")
    for row in rows[:5]:
        answers = row.answers
        if (
            isinstance(answers, list)
            and len(answers) == size
            and all(isinstance(a, int) and not isinstance(a, bool) for a in answers)
        ):
            return row
    return None
