"""Measures, after-session check-in, progress and journal pages.

Every view acts for `current_person(request)` and only ever reads that person's rows.
Bad input re-renders the form with every answer kept; a double-submitted form finds the
row its first submission created; an edit form from before the last save is caught.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.db import DatabaseError, IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from therapycheck.core.instruments import UnknownInstrument, all_instruments, get_instrument
from therapycheck.core.instruments.schema import Instrument
from therapycheck.core.scoring import ScoringError, score
from therapycheck.web.accounts.current import current_person
from therapycheck.web.accounts.models import Person
from therapycheck.web.accounts.safety import response_for
from therapycheck.web.tracking import services
from therapycheck.web.tracking.forms import (
    CheckInChoiceForm,
    InstrumentForm,
    JournalForm,
    ReminderForm,
    SessionFields,
    new_token,
)
from therapycheck.web.tracking.models import MAX_SESSION, JournalEntry, Measurement
from therapycheck.web.tracking.patterns import JournalFacts, journal_patterns, split_topics
from therapycheck.web.tracking.progress import progress_for
from therapycheck.web.tracking.reminders import reminder_ics

# A save that still failed after waiting its turn for the database (see settings: SQLite
# waits up to 30 seconds for a lock): the form comes back with every answer in it.
BUSY_MESSAGE = (
    "Your answers could not be saved just now because the app was busy. Nothing was saved, "
    "and everything you entered is still here: please save again."
)

STALE_MESSAGE = (
    "This entry was changed in another window after you opened this page. Your answers "
    "below are kept. Check them and save again to replace the other version."
)


# --- measures ---------------------------------------------------------------------------


def measures(request: HttpRequest) -> HttpResponse:
    person = current_person(request)
    entries = Measurement.objects.filter(person=person).order_by("-taken_on", "-pk")[:50]
    names = {inst.id: inst.short_name for inst in all_instruments()}
    return render(
        request,
        "tracking/measures.html",
        {
            "instruments": all_instruments(),
            "entries": [
                (entry, names.get(entry.instrument, entry.instrument)) for entry in entries
            ],
        },
    )


def _instrument_or_404(instrument_id: str) -> Instrument:
    try:
        return get_instrument(instrument_id)
    except (UnknownInstrument, ValueError):
        raise Http404("No such questionnaire") from None


def measurement_new(request: HttpRequest, instrument_id: str) -> HttpResponse:
    person = current_person(request)
    instrument = _instrument_or_404(instrument_id)
    if request.method == "POST":
        session = SessionFields(request.POST)
        form = InstrumentForm(instrument, request.POST)
        token = request.POST.get("form_token", "")
        earlier = _measurement_by_token(person, token, [instrument])
        if earlier is not None:
            return HttpResponseRedirect(reverse("tracking:measurement", args=[earlier.pk]))
        if _session_fits(instrument, session) and form.is_valid():
            saved = _save_alone(person, instrument, session, form, token=token)
            if saved is not None:
                return HttpResponseRedirect(reverse("tracking:measurement", args=[saved.pk]))
    else:
        session = _blank_session(person, instrument)
        form = InstrumentForm(instrument)
    return render(
        request,
        "tracking/measurement_form.html",
        {
            "instrument": instrument,
            "session": session,
            "form": form,
            "error_forms": [session, form],
            "editing": None,
        },
    )


def _session_fits(instrument: Instrument, session: SessionFields) -> bool:
    """Valid session fields, and a session this questionnaire can be about: the alliance
    questions need a therapist, so not session 0 (the same rule as the check-in)."""
    if not session.is_valid():
        return False
    if instrument.id == services.ALLIANCE and not services.alliance_allowed(
        session.cleaned_data["session_number"]
    ):
        session.add_error("session_number", ALLIANCE_AT_ZERO_ALONE)
        return False
    return True


def _blank_session(person: Person, instrument: Instrument | None = None) -> SessionFields:
    """Session fields for a new entry: the next session (at least 1 for the alliance
    questions), today, and a fresh form token."""
    suggested = services.next_session_number(person)
    if instrument is not None and instrument.id == services.ALLIANCE:
        suggested = max(suggested, 1)
    return SessionFields(
        initial={
            "session_number": suggested,
            "taken_on": dt.date.today(),
            "form_token": new_token(),
        }
    )


def _measurement_by_token(
    person: Person, token: str, instruments: list[Instrument]
) -> Measurement | None:
    """The row an earlier submission of the same form created (a double submit)."""
    if not token:
        return None
    keys = [f"{token}:{inst.id}" for inst in instruments]
    return Measurement.objects.filter(person=person, form_token__in=keys).first()


def _save_or_report(
    person: Person,
    instrument: Instrument,
    session: SessionFields,
    form: InstrumentForm,
    *,
    token: str,
    checkin: uuid.UUID | None = None,
) -> Measurement | None:
    """Save one questionnaire; on a problem, put the error on the form and return None."""
    try:
        return services.save_measurement(
            person,
            instrument.id,
            form.answers(),
            session_number=session.cleaned_data["session_number"],
            taken_on=session.cleaned_data["taken_on"],
            form_token=f"{token}:{instrument.id}" if token else None,
            checkin=checkin,
        )
    except ScoringError as exc:
        form.add_item_error(exc.item, str(exc))
    except services.DuplicateSession as exc:
        if checkin is None:
            session.add_error("session_number", str(exc))
        else:
            form.add_error(None, str(exc))
    return None


def _save_alone(
    person: Person,
    instrument: Instrument,
    session: SessionFields,
    form: InstrumentForm,
    *,
    token: str,
    checkin: uuid.UUID | None = None,
) -> Measurement | None:
    """Save one questionnaire in its own transaction; a database that stays busy keeps
    the answers (the error goes on the questionnaire, so others can still be saved)."""
    try:
        with transaction.atomic():
            return _save_or_report(person, instrument, session, form, token=token, checkin=checkin)
    except DatabaseError:
        if checkin is None:
            session.add_error(None, BUSY_MESSAGE)
        else:
            form.add_error(None, BUSY_MESSAGE)
        return None


def measurement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = current_person(request)
    entry = get_object_or_404(Measurement, pk=pk, person=person)
    instrument = _instrument_or_404(entry.instrument)
    result = score(instrument, entry.answers)
    safety = None
    if "safety" in result.flags:
        safety = response_for(
            person, flags=result.flags, reasons=services.safety_reasons(instrument, result)
        )
    siblings = []
    if entry.checkin is not None:
        siblings = list(
            Measurement.objects.filter(person=person, checkin=entry.checkin).exclude(pk=entry.pk)
        )
    return render(
        request,
        "tracking/measurement_detail.html",
        {
            "entry": entry,
            "instrument": instrument,
            "result": result,
            "safety": safety,
            "page_shows_safety": safety is not None,
            "siblings": [(s, get_instrument(s.instrument).short_name) for s in siblings],
            "answer_rows": _answer_rows(instrument, entry.answers),
        },
    )


def _answer_rows(instrument: Instrument, answers: list[int]) -> list[tuple[int, str, str]]:
    rows = []
    for item, value in zip(instrument.items, answers, strict=False):
        rows.append((item.number, item.text, instrument.item_label(item.number, value)))
    return rows


def measurement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = current_person(request)
    entry = get_object_or_404(Measurement, pk=pk, person=person)
    instrument = _instrument_or_404(entry.instrument)
    if request.method == "POST":
        session = SessionFields(request.POST)
        form = InstrumentForm(instrument, request.POST)
        if _session_fits(instrument, session) and form.is_valid():
            if session.cleaned_data.get("revision") != entry.revision:
                session.add_error(None, STALE_MESSAGE)
                session = _with_revision(request.POST, entry.revision)
            else:
                try:
                    services.update_measurement(
                        entry,
                        form.answers(),
                        session_number=session.cleaned_data["session_number"],
                        taken_on=session.cleaned_data["taken_on"],
                    )
                except ScoringError as exc:
                    form.add_item_error(exc.item, str(exc))
                except services.DuplicateSession as exc:
                    session.add_error("session_number", str(exc))
                except DatabaseError:
                    session.add_error(None, BUSY_MESSAGE)
                else:
                    messages.success(request, "Your changes are saved.")
                    return HttpResponseRedirect(reverse("tracking:measurement", args=[entry.pk]))
    else:
        session = SessionFields(
            initial={
                "session_number": entry.session_number,
                "taken_on": entry.taken_on,
                "revision": entry.revision,
            }
        )
        form = InstrumentForm(instrument, initial=InstrumentForm.initial_from(entry.answers))
    return render(
        request,
        "tracking/measurement_form.html",
        {
            "instrument": instrument,
            "session": session,
            "form": form,
            "error_forms": [session, form],
            "editing": entry,
        },
    )


def _with_revision(data: Any, revision: int) -> SessionFields:
    """The same answers, now carrying the current revision, with the stale warning on top."""
    updated = data.copy()
    updated["revision"] = str(revision)
    form = SessionFields(updated)
    form.is_valid()
    form.add_error(None, STALE_MESSAGE)
    return form


def measurement_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = Measurement.objects.filter(pk=pk, person=current_person(request)).first()
    done_url = reverse("tracking:measures")
    if entry is None:
        return _already_deleted(request, "That entry was already deleted.", done_url)
    instrument = _instrument_or_404(entry.instrument)
    return _delete_or_confirm(
        request,
        entry,
        done=(f"The {instrument.short_name} entry was deleted.", done_url),
        what=f"your {instrument.short_name} for session {entry.session_number} "
        f"({entry.taken_on:%d %B %Y}, score {entry.total:g})",
        cancel_url=reverse("tracking:measurement", args=[entry.pk]),
    )


def _already_deleted(request: HttpRequest, message: str, done_url: str) -> HttpResponse:
    if request.method == "POST":
        # A second click, or a page left open after deleting elsewhere.
        messages.info(request, message)
        return HttpResponseRedirect(done_url)
    raise Http404("No such entry")


def _delete_or_confirm(
    request: HttpRequest,
    entry: Measurement | JournalEntry,
    *,
    done: tuple[str, str],
    what: str,
    cancel_url: str,
) -> HttpResponse:
    """Delete on POST (then say so and go to `done`'s page); otherwise ask first."""
    if request.method == "POST":
        entry.delete()
        message, done_url = done
        messages.success(request, message)
        return HttpResponseRedirect(done_url)
    return render(request, "tracking/confirm_delete.html", {"what": what, "cancel_url": cancel_url})


# --- after-session check-in -----------------------------------------------------------

ALLIANCE_AT_ZERO = (
    "The WAI-SR asks how you and your therapist work together, so it is not asked at "
    "session 0, before therapy starts. Untick it, or change the session number."
)


ALLIANCE_AT_ZERO_ALONE = (
    "The WAI-SR asks how you and your therapist work together, so it needs a session of "
    "therapy: use 1 for your first session, or a later one."
)


def _check_in_instruments() -> list[Instrument]:
    known = {inst.id: inst for inst in all_instruments()}
    return [known[i] for i in services.CHECK_IN_CHOICES if i in known]


def _chosen(data: Any, offered: list[Instrument]) -> list[Instrument]:
    """The questionnaires a sent form asked for; a form without the ticks (an older page)
    asked for those it has answers for."""
    picked = set(data.getlist("measures"))
    if not picked:
        picked = {
            inst.id for inst in offered if any(k.startswith(f"{inst.id}-item_") for k in data)
        }
    return [inst for inst in offered if inst.id in picked]


def _kept_answers(data: Any, inst: Instrument) -> dict[str, str]:
    """The answers already chosen for a questionnaire, to show again without judging them."""
    prefix = f"{inst.id}-"
    return {
        key.removeprefix(prefix): value
        for key, value in data.items()
        if key.startswith(prefix) and value
    }


def check_in(request: HttpRequest) -> HttpResponse:
    """The after-session check-in: the person picks the questionnaires (PHQ-9 and GAD-7 by
    default, the WAI-SR every third session, never at session 0), and each answered
    questionnaire is saved on its own, so a problem in one never loses the others."""
    person = current_person(request)
    offered = _check_in_instruments()
    if request.method != "POST":
        session = _blank_session(person)
        defaults = services.default_check_in_measures(int(session.initial["session_number"]))
        choice = CheckInChoiceForm(offered, initial={"measures": defaults})
        chosen = [inst for inst in offered if inst.id in defaults]
        forms = [InstrumentForm(inst, prefix=inst.id) for inst in chosen]
        return _check_in_page(request, session, choice, forms, saved=[])
    data = request.POST
    token = data.get("form_token", "")
    chosen = _chosen(data, offered)
    saved = services.saved_for_token(person, token, [inst.id for inst in chosen])
    if chosen and len(saved) == len(chosen):
        # Everything on this page is saved (a double submit, or the last part just now).
        return HttpResponseRedirect(
            reverse("tracking:check_in_done", args=[services.check_in_group(token)])
        )
    to_fill = [inst for inst in chosen if inst.id not in saved]
    if data.get("action") == "choose":
        # "Show my choice": the new list of questionnaires, every answer kept, no errors yet.
        session = SessionFields(initial={k: data.get(k) for k in SessionFields.base_fields})
        choice = CheckInChoiceForm(offered, initial={"measures": [i.id for i in chosen]})
        forms = [
            InstrumentForm(inst, prefix=inst.id, initial=_kept_answers(data, inst))
            for inst in to_fill
        ]
        return _check_in_page(request, session, choice, forms, saved=list(saved.values()))
    session = SessionFields(data)
    choice = CheckInChoiceForm(offered, {"measures": [inst.id for inst in chosen]})
    forms = [InstrumentForm(inst, data, prefix=inst.id) for inst in to_fill]
    ready = session.is_valid() & choice.is_valid()
    asks_alliance = any(inst.id == services.ALLIANCE for inst in to_fill)
    too_early = ready and not services.alliance_allowed(session.cleaned_data["session_number"])
    if asks_alliance and too_early:
        # Only the WAI-SR waits; the other questionnaires are saved.
        choice.add_error("measures", ALLIANCE_AT_ZERO)
    group = services.check_in_group(token)
    for form in forms:
        held = too_early and form.instrument.id == services.ALLIANCE
        if form.is_valid() and ready and not held:
            entry = _save_alone(person, form.instrument, session, form, token=token, checkin=group)
            if entry is not None:
                saved[form.instrument.id] = entry
    if chosen and len(saved) == len(chosen):
        return HttpResponseRedirect(reverse("tracking:check_in_done", args=[group]))
    left = [form for form in forms if form.instrument.id not in saved]
    return _check_in_page(request, session, choice, left, saved=list(saved.values()))


def _picked(choice: CheckInChoiceForm) -> list[str]:
    """The ids ticked on the check-in (the form is always bound to a plain dict here)."""
    source = choice.data if choice.is_bound else choice.initial
    value = source.get("measures", [])
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _check_in_page(
    request: HttpRequest,
    session: SessionFields,
    choice: CheckInChoiceForm,
    forms: list[InstrumentForm],
    *,
    saved: list[Measurement],
) -> HttpResponse:
    names = {inst.id: inst.short_name for inst in all_instruments()}
    return render(
        request,
        "tracking/check_in.html",
        {
            "session": session,
            "choice": choice,
            "forms": forms,
            "error_forms": [session, choice, *forms],
            "picked": [names[i] for i in _picked(choice) if i in names],
            "saved": [(entry, names.get(entry.instrument, entry.instrument)) for entry in saved],
        },
    )


def reminders(request: HttpRequest) -> HttpResponse:
    """Make a calendar file with a repeating check-in reminder. Nothing is saved or sent:
    the person opens the file with their own calendar app, which does the reminding."""
    form = (
        ReminderForm(request.GET)
        if "weekday" in request.GET
        else ReminderForm(initial={"every_weeks": 1, "at": dt.time(18, 0)})
    )
    if form.is_bound and form.is_valid():
        body = reminder_ics(
            weekday=form.cleaned_data["weekday"],
            at=form.cleaned_data["at"],
            every_weeks=form.cleaned_data["every_weeks"],
            start=dt.date.today(),
            check_in_url=request.build_absolute_uri(reverse("tracking:check_in")),
        )
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="therapy-check-in.ics"'
        return response
    return render(request, "tracking/reminders.html", {"form": form})


def check_in_done(request: HttpRequest, group: uuid.UUID) -> HttpResponse:
    person = current_person(request)
    entries = list(Measurement.objects.filter(person=person, checkin=group))
    if not entries:
        raise Http404("No such check-in")
    results = []
    flags: list[str] = []
    reasons: list[str] = []
    for entry in entries:
        instrument = get_instrument(entry.instrument)
        result = score(instrument, entry.answers)
        flags += result.flags
        reasons += services.safety_reasons(instrument, result)
        results.append((entry, instrument, result))
    safety = response_for(person, flags=flags, reasons=reasons) if "safety" in flags else None
    return render(
        request,
        "tracking/check_in_done.html",
        {
            "results": results,
            "safety": safety,
            "page_shows_safety": safety is not None,
            "session_number": entries[0].session_number,
        },
    )


# --- progress -------------------------------------------------------------------------


def progress(request: HttpRequest) -> HttpResponse:
    person = current_person(request)
    return render(request, "tracking/progress.html", {"charts": progress_for(person)})


# --- journal --------------------------------------------------------------------------


def journal(request: HttpRequest) -> HttpResponse:
    person = current_person(request)
    entries = list(JournalEntry.objects.filter(person=person).order_by("-session_number"))
    facts = [
        JournalFacts(
            session=e.session_number,
            feeling_before=e.feeling_before,
            feeling_after=e.feeling_after,
            topics=split_topics(e.topics),
            avoided=split_topics(e.avoided_topics),
            homework=e.homework,
        )
        for e in entries
    ]
    return render(
        request,
        "tracking/journal.html",
        {"entries": entries, "patterns": journal_patterns(facts)},
    )


def journal_new(request: HttpRequest) -> HttpResponse:
    person = current_person(request)
    if request.method == "POST":
        form = JournalForm(request.POST)
        token = request.POST.get("form_token", "")
        if token and JournalEntry.objects.filter(person=person, form_token=token).exists():
            return HttpResponseRedirect(reverse("tracking:journal"))
        if form.is_valid() and _journal_session_free(person, form, exclude=None):
            entry = form.save(commit=False)
            entry.person = person
            entry.form_token = token or None
            try:
                with transaction.atomic():
                    entry.save()
            except IntegrityError:
                if token and JournalEntry.objects.filter(form_token=token).exists():
                    return HttpResponseRedirect(reverse("tracking:journal"))
                form.add_error("session_number", _journal_taken_message(form))
            except DatabaseError:
                form.add_error(None, BUSY_MESSAGE)
            else:
                messages.success(request, "Your journal entry is saved.")
                return HttpResponseRedirect(reverse("tracking:journal"))
    else:
        form = JournalForm(
            initial={
                "session_number": _asked_session(request) or services.next_journal_session(person),
                "entry_date": dt.date.today(),
                "form_token": new_token(),
            }
        )
    return render(request, "tracking/journal_form.html", {"form": form, "editing": None})


def _asked_session(request: HttpRequest) -> int | None:
    """A session number from the link that opened the page (the check-in's "add a note")."""
    raw = request.GET.get("session", "")
    return int(raw) if raw.isdigit() and int(raw) <= MAX_SESSION else None


def _journal_taken_message(form: JournalForm) -> str:
    return (
        f"You already have a journal entry for session {form.cleaned_data['session_number']}. "
        "Edit that one, or choose another session number."
    )


def _journal_session_free(person: Person, form: JournalForm, exclude: int | None) -> bool:
    taken = JournalEntry.objects.filter(
        person=person, session_number=form.cleaned_data["session_number"]
    )
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        form.add_error("session_number", _journal_taken_message(form))
        return False
    return True


def journal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = current_person(request)
    entry = get_object_or_404(JournalEntry, pk=pk, person=person)
    if request.method == "POST":
        form = JournalForm(request.POST, instance=entry)
        if form.is_valid() and _journal_session_free(person, form, exclude=entry.pk):
            current = JournalEntry.objects.filter(pk=entry.pk).values_list("revision", flat=True)
            if form.cleaned_data.get("revision") != current.first():
                data = request.POST.copy()
                data["revision"] = str(current.first())
                form = JournalForm(data, instance=JournalEntry.objects.get(pk=entry.pk))
                form.is_valid()
                form.add_error(None, STALE_MESSAGE)
            else:
                saved = form.save(commit=False)
                saved.revision = entry.revision + 1
                try:
                    with transaction.atomic():
                        saved.save()
                except DatabaseError:
                    form.add_error(None, BUSY_MESSAGE)
                else:
                    messages.success(request, "Your changes are saved.")
                    return HttpResponseRedirect(reverse("tracking:journal"))
    else:
        form = JournalForm(instance=entry, initial={"revision": entry.revision})
    return render(request, "tracking/journal_form.html", {"form": form, "editing": entry})


def journal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = JournalEntry.objects.filter(pk=pk, person=current_person(request)).first()
    done_url = reverse("tracking:journal")
    if entry is None:
        return _already_deleted(request, "That journal entry was already deleted.", done_url)
    return _delete_or_confirm(
        request,
        entry,
        done=("The journal entry was deleted.", done_url),
        what=f"your journal entry for session {entry.session_number} ({entry.entry_date:%d %B %Y})",
        cancel_url=done_url,
    )
