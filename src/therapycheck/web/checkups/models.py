"""A person's check-ups: the answers so far, where they are, and the result once finished."""

from __future__ import annotations

from typing import Any

from django.db import models

from therapycheck.core.checkup.retired import upgrade
from therapycheck.core.result import StoredResult, read_result

# The most check-ups one person keeps: one a month for more than eight years. The cap
# keeps the largest export the app can write within what its import accepts (each
# check-up carries the person's score history; tests/web/exchange/test_limits.py).
MAX_CHECKUPS = 100


class Checkup(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    person = models.ForeignKey("accounts.Person", on_delete=models.CASCADE, related_name="checkups")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    # The answers document of docs/checkup.md: {"answers": {...}, "measures": {...}, ...}.
    answers = models.JSONField(default=dict, blank=True)
    # The key of the screen the person is on ("section:<id>" or "measure:<instrument id>").
    current_section = models.CharField(max_length=64, blank=True, default="")
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    # The report dict (core.report.checkup_report(...).to_dict()) frozen at completion, so
    # an old result reads the same after the rules change.
    result = models.JSONField(null=True, blank=True)
    # Bumped on every saved screen; a form carrying an older number is stale.
    version = models.PositiveIntegerField(default=0)
    # Whether the crisis response was already raised for this check-up's answers.
    safety_raised = models.BooleanField(default=False)
    # The session number this check-up's questionnaire scores were added to the progress
    # charts as; empty until then, so the offer is made only once per check-up.
    scores_added_session = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("-started_at", "-pk")
        indexes = (models.Index(fields=["person", "status"]),)
        constraints = (
            # At most one unfinished check-up per person: a double-clicked "Start" resumes
            # the same one instead of creating a second.
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="in_progress"),
                name="one_checkup_in_progress_per_person",
            ),
        )

    def __str__(self) -> str:
        return f"Check-up {self.pk} ({self.status})"

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED

    def normalize(self) -> Checkup:
        """Make sure the stored answers have the document's shape (imports may not)."""
        stored = self.answers if isinstance(self.answers, dict) else {}
        answers = stored.get("answers")
        measures = stored.get("measures")
        # Answers saved before a question was folded into a tick list are read in today's
        # words, so a check-up in progress does not ask them again (core/checkup/retired.py).
        self.answers = {
            **stored,
            "answers": upgrade(answers) if isinstance(answers, dict) else {},
            "measures": dict(measures) if isinstance(measures, dict) else {},
        }
        return self

    def answer_map(self) -> dict[str, Any]:
        raw = self.answers.get("answers") if isinstance(self.answers, dict) else None
        return dict(raw) if isinstance(raw, dict) else {}

    def measure_map(self) -> dict[str, list[int]]:
        raw = self.answers.get("measures") if isinstance(self.answers, dict) else None
        return dict(raw) if isinstance(raw, dict) else {}

    def stored_result(self) -> StoredResult | None:
        """The frozen result, typed; None when there is none or it cannot be read.

        An import may have brought anything; pages show an unreadable result as such
        (and offer to delete it) instead of failing.
        """
        if self.result is None:
            return None
        try:
            return read_result(self.result)
        except ValueError:
            return None

    def factors(self) -> tuple[str, ...]:
        """Factor ids of the result, most important first (none when it cannot be read)."""
        result = self.stored_result()
        return result.factors() if result is not None else ()
