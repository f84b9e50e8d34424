"""A heavy but realistic report: four questionnaires over twelve sessions, a check-up with
many findings and next steps, and a note at the 2000-character limit.

Everything goes through the app's own services (scoring, the check-up pipeline), so the
report is built from data shaped exactly as a person's would be. Shared by the report's
PDF tests and the browser print test.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from therapycheck.web.accounts.models import Person
from therapycheck.web.checkups import services as checkup_services
from therapycheck.web.checkups.models import Checkup
from therapycheck.web.reports.models import NOTE_MAX_LENGTH, ReportNote
from therapycheck.web.tracking.services import save_measurement

SESSIONS = 12
# (instrument, number of items, highest item value, risk item index or None, higher is better)
INSTRUMENTS = (
    ("phq9", 9, 3, 8, False),
    ("gad7", 7, 3, None, False),
    ("core10", 10, 4, 5, False),
    ("who5", 5, 5, None, True),
)

# Check-up answers that make the real core pipeline report many findings (17 when
# written), with the safety and boundary questions answered calmly.
MANY_FINDINGS: dict[str, Any] = {
    "sessions": 1, "weeks": 30, "frequency": "monthly", "format": "online",
    "credential": "clinical_social_worker", "approach": "emdr",
    "concerns": ["grief", "anxiety", "phobia", "relationships", "panic", "trauma", "ocd"],
    "cbt_trauma_focus": "no",
    "wants": ["treat_problem", "understand_patterns", "growth", "crisis_help"],
    "chosen": "partner", "trust": 5, "heard": 3, "feel_safe": 1, "goals_agreed": 5,
    "rupture": "repaired", "raised_concerns": "defensive", "asks_feedback": 4,
    "style_match": 1, "style_wish": "more_structure", "culture_understood": 5,
    "feels_working": 1, "compared_to_start": "bit_worse", "worse_discussed": "not_yet",
    "overwhelmed": 5, "other_changes": ["less_reactive", "self_understanding"],
    "expecting": ["no_clear_goal", "advice", "feel_good", "just_looking"],
    "working_together": ["no_agreement", "never_reviewed"],
    "in_therapy": ["too_comfortable", "ambivalent", "crisis_mode"],
    "barriers": ["insurance", "time", "cost", "housing", "no_device"],
    "format_wish": "prefer_in_person",
    "fit_doubts": ["none"], "wants_different": "more_trauma",
    "therapist_trained": 4,
    "needs_beyond": ["eating_specialist", "medication", "trauma_specialist"],
    "health_signs": ["tried_several", "trauma", "never_asked"], "medication": "yes_helps",
    "hint_known": "yes", "safe_now": "safe", "harm_worry": "no",
}  # fmt: skip

# Questionnaires answered inside the check-up (they print as one line of scores).
CHECKUP_MEASURES = {"phq9": [1, 1, 1, 1, 0, 1, 1, 0, 0], "gad7": [1, 1, 1, 0, 1, 1, 0]}

NOTE_END = " Last thing: ask whether we should meet every week again."
NOTE_SENTENCE = (
    "I want to talk about why the last few weeks felt harder, and whether we can try a "
    "different way of working on the panic at night. "
)


def long_note() -> str:
    """A note of exactly the allowed maximum, in ordinary sentences, with its own ending."""
    text = NOTE_SENTENCE * (NOTE_MAX_LENGTH // len(NOTE_SENTENCE) + 1)
    return text[: NOTE_MAX_LENGTH - len(NOTE_END)] + NOTE_END


def item_answers(items: int, top: int, session: int, *, improving_up: bool) -> list[int]:
    """Answers that drift towards better over the sessions, with some ups and downs."""
    share = 1 - session / (SESSIONS + 4)
    if improving_up:
        share = 1 - share
    level = top * share
    # Every third item a step lower, and one item up or down from week to week.
    answers = [round(level) - (1 if n % 3 == 2 else 0) for n in range(items)]
    answers[0] += (session % 3) - 1
    return [max(0, min(top, a)) for a in answers]


def add_scores(person: Person, *, flag_last_phq9: bool = False) -> int:
    """Four questionnaires, twelve sessions each; the risk items stay at 0 unless flagged."""
    made = 0
    for instrument, items, top, risk, up in INSTRUMENTS:
        for session in range(1, SESSIONS + 1):
            answers = item_answers(items, top, session, improving_up=up)
            if risk is not None:
                answers[risk] = 0
            if flag_last_phq9 and instrument == "phq9" and session == SESSIONS:
                answers[risk or 0] = 1
            save_measurement(
                person,
                instrument,
                answers,
                session_number=session,
                taken_on=dt.date(2026, 1, 5) + dt.timedelta(weeks=session),
            )
            made += 1
    return made


def finish_checkup(person: Person, *, not_safe: bool = False) -> Checkup:
    """A check-up run through the real pipeline, finished today (after every score)."""
    answers = dict(MANY_FINDINGS)
    if not_safe:
        answers.update(safe_now="not_safe", harm_worry="yes")
    now = timezone.now()
    checkup = Checkup.objects.create(
        person=person,
        answers={"answers": answers, "measures": CHECKUP_MEASURES},
        started_at=now,
        updated_at=now,
    )
    checkup_services.finish(checkup)
    checkup.refresh_from_db()
    return checkup


def heavy_report(person: Person, *, crisis: bool = False) -> Checkup:
    """Everything at once; with `crisis`, the check-up and the latest PHQ-9 both flag risk."""
    add_scores(person, flag_last_phq9=crisis)
    checkup = finish_checkup(person, not_safe=crisis)
    ReportNote.objects.update_or_create(person=person, defaults={"text": long_note(), "version": 1})
    return checkup
