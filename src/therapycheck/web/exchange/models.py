"""An uploaded file waiting for the person to confirm its import.

The file is kept in the database, tied to its person, rather than in the browser session:
deleting everything (which walks every model that points at Person) deletes it too, so a
preview left open cannot bring deleted data back, and the session holds only its id.
"""

from __future__ import annotations

from django.db import models


class PendingImport(models.Model):
    person = models.ForeignKey(
        "accounts.Person", on_delete=models.CASCADE, related_name="pending_imports"
    )
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Pending import {self.pk} ({len(self.data)} bytes)"
