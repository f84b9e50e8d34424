"""A clinician's request that a client answer questionnaires through a signed link.

The client needs no sign-in: the link carries a signed token (see services.token_for),
works until `expires_at`, and only once. Answers land in the client's own record through
web.tracking.services.save_measurement, like any other measurement.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import models

from therapycheck.core.instruments import get_instrument
from therapycheck.web.accounts.models import Person
from therapycheck.web.clinic.models import Membership
from therapycheck.web.sharing.models import CareLink
from therapycheck.web.tracking.models import Measurement


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


class Schedule(models.TextChoices):
    ONCE = "once", "Once"
    WEEKLY = "weekly", "Every week"
    EVERY_2_WEEKS = "every_2_weeks", "Every 2 weeks"
    EVERY_4_WEEKS = "every_4_weeks", "Every 4 weeks"
    # The clinician sends a fresh request at each session (nothing is sent by itself).
    EVERY_SESSION = "every_session", "Every session (you send each one)"


# Days between requests of a repeating schedule; the other schedules do not repeat alone.
REPEAT_DAYS: dict[str, int] = {
    Schedule.WEEKLY: 7,
    Schedule.EVERY_2_WEEKS: 14,
    Schedule.EVERY_4_WEEKS: 28,
}


class MeasureRequest(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Waiting for answers"
        COMPLETED = "completed", "Answered"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="measure_requests")
    # The staff member who asked (a clinician, or a supervisor through a supervisee's link).
    clinician = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="measure_requests"
    )
    # The consent it goes through: when the client ends the link, the request stops.
    care_link = models.ForeignKey(
        CareLink, on_delete=models.CASCADE, related_name="measure_requests"
    )
    # Instrument ids from core.instruments, in the order they are asked.
    instruments = models.JSONField(default=list)
    schedule = models.CharField(max_length=16, choices=Schedule.choices, default=Schedule.ONCE)
    # The session the answers belong to; empty: one after the client's latest for each.
    session_number = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    # Sent to the client's account email (else the clinician shows the link or QR code).
    by_email = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    # When the email went out (empty: not sent by email, or not yet).
    sent_at = models.DateTimeField(null=True, blank=True)
    # When it is meant to reach the client: now, or a future date in a repeating schedule.
    send_on = models.DateTimeField()
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # One reminder email this many days after sending, if still unanswered (empty: none).
    remind_after_days = models.PositiveSmallIntegerField(null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(default=0)
    # Part of the signed token: the token names this request and this random value.
    nonce = models.CharField(max_length=64, unique=True, default=new_nonce)
    # Where the server is reached, from the page the clinician used: emails sent later by
    # the worker (which has no web request) need it to build the link.
    base_url = models.CharField(max_length=300)
    # The request before this one in a repeating schedule.
    follows = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="followed_by"
    )
    measurements = models.ManyToManyField(Measurement, blank=True, related_name="requests")

    class Meta:
        ordering = ("-created_at", "-pk")
        indexes = (models.Index(fields=("clinician", "status")),)

    def __str__(self) -> str:
        return f"Measure request {self.pk} for {self.person} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def repeats(self) -> bool:
        return self.schedule in REPEAT_DAYS

    @property
    def instrument_names(self) -> str:
        return ", ".join(get_instrument(i).short_name for i in self.instruments)

    @property
    def lifetime(self) -> dt.timedelta:
        """How long a link for this request is good for (the token's max_age)."""
        return self.expires_at - self.created_at

    @property
    def next_due(self) -> dt.datetime | None:
        """When the next request of a repeating schedule is due, else None."""
        days = REPEAT_DAYS.get(self.schedule)
        return self.send_on + dt.timedelta(days=days) if days else None
