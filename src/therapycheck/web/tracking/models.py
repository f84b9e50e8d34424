"""Measurements (scored questionnaires) and journal entries, each owned by a Person.

A measurement stores the raw item answers next to what `core.scoring` computed from them
(total, band, flags, subscales), so a report or export never has to re-score, and a change
to the scoring data can be checked against what was shown at the time.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from therapycheck.web.accounts.models import Person

MAX_SESSION = 1000
# The most a journal field holds, in characters. Long enough for pages of notes; the
# limits keep the largest possible export within what an import accepts (see
# web/exchange/services.py) and every form post far below the request size limit.
TOPICS_MAX_LENGTH = 2000
NOTES_MAX_LENGTH = 10000


class Measurement(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="measurements")
    instrument = models.CharField(max_length=32)
    # 0 = before therapy started (a baseline); 1 = after or around the first session.
    session_number = models.PositiveIntegerField(validators=[MaxValueValidator(MAX_SESSION)])
    taken_on = models.DateField()
    answers = models.JSONField(default=list)
    total = models.FloatField()
    band = models.CharField(max_length=100, blank=True)
    flags = models.JSONField(default=list, blank=True)
    subscales = models.JSONField(default=dict, blank=True)
    # Groups the measures filled in together on the after-session check-in page.
    checkin = models.UUIDField(null=True, blank=True, db_index=True)
    # One token per form shown: a double-submitted form finds its first row instead of
    # making a second one.
    form_token = models.CharField(max_length=80, unique=True, null=True, blank=True)
    # Bumped on every edit; an edit form from before the last save is stale.
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("instrument", "session_number", "pk")
        constraints = (
            models.UniqueConstraint(
                fields=("person", "instrument", "session_number"),
                name="one_measurement_per_instrument_and_session",
            ),
        )

    def __str__(self) -> str:
        return f"{self.instrument} session {self.session_number}: {self.total:g}"

    @property
    def has_safety_flag(self) -> bool:
        return "safety" in (self.flags or [])


class Homework(models.TextChoices):
    DONE = "done", "Yes, I did it"
    PARTLY = "partly", "Partly"
    NOT_DONE = "not_done", "No, I did not"
    NONE_SET = "none_set", "None was set"


FEELING_VALIDATORS = [MinValueValidator(0), MaxValueValidator(10)]


class JournalEntry(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="journal_entries")
    session_number = models.PositiveIntegerField(validators=[MaxValueValidator(MAX_SESSION)])
    entry_date = models.DateField()
    # 0 = very bad, 10 = very good; optional because people do not always know.
    feeling_before = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=FEELING_VALIDATORS
    )
    feeling_after = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=FEELING_VALIDATORS
    )
    topics = models.TextField(blank=True, max_length=TOPICS_MAX_LENGTH)
    avoided_topics = models.TextField(blank=True, max_length=TOPICS_MAX_LENGTH)
    homework = models.CharField(max_length=16, choices=Homework.choices, blank=True)
    notes = models.TextField(blank=True, max_length=NOTES_MAX_LENGTH)
    form_token = models.CharField(max_length=80, unique=True, null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-session_number", "-pk")
        constraints = (
            models.UniqueConstraint(
                fields=("person", "session_number"), name="one_journal_entry_per_session"
            ),
        )

    def __str__(self) -> str:
        return f"Journal, session {self.session_number}"
