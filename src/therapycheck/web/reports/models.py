"""What a person wants to bring up next time, kept with their report."""

from __future__ import annotations

from django.db import models

NOTE_MAX_LENGTH = 2000


class ReportNote(models.Model):
    person = models.OneToOneField(
        "accounts.Person", on_delete=models.CASCADE, related_name="report_note"
    )
    text = models.TextField(max_length=NOTE_MAX_LENGTH, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped on every save; a form carrying an older number was edited elsewhere.
    version = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Report note for person {self.person_id}"
