"""Clinical-support reviews and treatment agreements of clinic-mode clients.

A review is what a clinician decides when a client is not on track: for the factors they
chose (the check-up's 19, core.checkup.model.FACTOR_IDS), what they will change, and when
they will look again. The treatment agreement (goals, how often sessions are, which
questionnaires, the next review) is one per client, read by the client on their own page.
"""

from __future__ import annotations

from django.db import models

from therapycheck.web.accounts.models import Person
from therapycheck.web.clinic.models import Membership


class Review(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="reviews")
    # Who recorded it; kept as a name too, so it reads the same after they leave.
    clinician = models.ForeignKey(
        Membership, null=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    clinician_name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    # {factor id: what the clinician will change}, in the order of FACTOR_IDS.
    changes = models.JSONField(default=dict)
    review_on = models.DateField()
    # The check-up whose findings were on screen (none when none was shared).
    checkup = models.ForeignKey(
        "checkups.Checkup", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"Review of {self.person_id} on {self.created_at:%Y-%m-%d}"


class CheckupInvitation(models.Model):
    """A clinician asked the client by email to do the check-up (and share the result)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    sent_by = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-sent_at", "-pk")

    def __str__(self) -> str:
        return f"Check-up invitation to {self.person_id} at {self.sent_at:%Y-%m-%d}"


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "Every week"
    FORTNIGHTLY = "fortnightly", "Every 2 weeks"
    FOUR_WEEKLY = "four_weekly", "Every 4 weeks"
    MONTHLY = "monthly", "Every month"


class Agreement(models.Model):
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="agreement")
    goals = models.TextField(max_length=4000)
    session_frequency = models.CharField(max_length=16, choices=Frequency.choices)
    # Questionnaire ids (core.instruments), in the order picked.
    measures = models.JSONField(default=list)
    next_review = models.DateField()
    updated_by = models.ForeignKey(
        Membership, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by_name = models.CharField(max_length=100)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Agreement of {self.person_id}"
