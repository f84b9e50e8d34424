"""Consent: a client's link to one clinician, and what the client chose to share through it.

A clinician sees nothing of a client until the client has accepted a link (either side may
invite) and nothing after the client revokes it. What is shared is the client's choice:
measures, check-up results, and journal entries one by one (none unless picked).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from therapycheck.web.accounts.models import Person
from therapycheck.web.clinic.models import Membership
from therapycheck.web.tracking.models import JournalEntry


class CareLink(models.Model):
    class Status(models.TextChoices):
        # Invited, not yet accepted by the other side: nothing is visible.
        PENDING = "pending", "Waiting for an answer"
        ACTIVE = "active", "Sharing"
        # Revoked by the client, declined, or ended by the clinician: nothing is visible.
        ENDED = "ended", "Ended"

    class InvitedBy(models.TextChoices):
        CLIENT = "client", "The client"
        CLINICIAN = "clinician", "The clinician"

    class EndReason(models.TextChoices):
        # Why an ended link ended, so each side sees a true word for it.
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Stopped by the client"
        WITHDRAWN = "withdrawn", "Withdrawn by the clinician"

    # Null while a clinician's invitation waits for someone without an account yet.
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="care_links"
    )
    clinician = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="care_links")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    invited_by = models.CharField(max_length=16, choices=InvitedBy.choices)
    # Where a clinician's invitation was sent (empty for a client's own invitation).
    invite_email = models.EmailField(blank=True)
    share_measures = models.BooleanField(default=True)
    share_checkups = models.BooleanField(default=True)
    # Only these journal entries, each picked by the client.
    journal_entries = models.ManyToManyField(JournalEntry, blank=True, related_name="shared_in")
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=16, choices=EndReason.choices, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        constraints = (
            # One open link per client and clinician: a second invitation reuses it.
            models.UniqueConstraint(
                fields=("person", "clinician"),
                condition=models.Q(status__in=("pending", "active")),
                name="one_open_care_link_per_client_and_clinician",
            ),
        )

    def __str__(self) -> str:
        return f"{self.person or self.invite_email} - {self.clinician} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class ClientInvitation(models.Model):
    """A client's invitation to a clinician, as the client typed it.

    Kept whether or not a clinician has that address, and shown to the client the same way
    in both cases ("no answer yet"), so the page cannot be used to find out who has an
    account. When a clinician does have the address, `link` is the pending CareLink they
    see on their invitations page.
    """

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="clinician_invitations"
    )
    email = models.EmailField()
    link = models.OneToOneField(
        CareLink,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="client_invitation",
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Cancelled (or cleared from the list) by the client.
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.person} invited {self.email}"
