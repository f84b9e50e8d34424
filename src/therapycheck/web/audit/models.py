"""The audit log: every view and change of a client's record by someone other than the client.

Append-only: a saved event is never changed or deleted by the application (save() and
delete() refuse), and on PostgreSQL a trigger refuses UPDATE and DELETE as well (migration
0002). An event keeps the names it needs as text, so it stays readable after the people it
names are gone; the client's person id is kept as a number for the same reason.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(RuntimeError):
    """An audit event cannot be changed or deleted."""


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CHANGE = "change", "Changed"
        CREATE = "create", "Added"
        EXPORT = "export", "Exported"
        ACKNOWLEDGE = "acknowledge", "Acknowledged"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # "Dr Ada Rivers (Clinician)": readable even after the account is removed.
    actor_label = models.CharField(max_length=200)
    clinic_id = models.BigIntegerField(null=True, db_index=True)
    # Whose record (accounts.Person id); no foreign key, so deleting a person keeps the log.
    person_id = models.BigIntegerField(null=True, db_index=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    # What was seen or changed, in words: "measures", "check-up 12", "risk alert 40".
    what = models.CharField(max_length=200)
    # Through which page or API operation ("/clinic/clients/4/", "GET /api/v1/measures").
    via = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ("-at", "-pk")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.what}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit events are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are never deleted")
