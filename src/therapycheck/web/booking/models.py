"""Free initial consultations: a clinician's availability, bookings, and slot claims.

No double booking is enforced by the database, not by a check before the insert: every
booking claims each 5-minute grid cell (in UTC) that it covers, its buffers included, as
one SlotClaim row, and (clinician, cell) is unique. Two bookings that overlap anywhere
share a cell, so the second insert fails with an IntegrityError and its whole transaction
(the booking with it) rolls back. See services.py and docs/booking.md.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import models

from therapycheck.web.accounts.models import Person
from therapycheck.web.clinic.models import Membership

# Claims are made on a fixed grid in UTC, the same for every clinician and every time
# zone: every zone's offset today is a multiple of 15 minutes, so slot starts fall on it.
GRID_MINUTES = 5


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


class Availability(models.Model):
    """When a clinician offers free consultations (one set of rules per clinician).

    `weekly`: [{"weekday": 0-6 (Monday 0), "start": "09:00", "end": "12:30"}, ...];
    `overrides`: [{"day": "2026-12-24", "hours": [["10:00", "12:00"]]}, ...] (no hours: the
    day is off). Times are wall-clock times in `timezone`.
    """

    clinician = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="availability"
    )
    timezone = models.CharField(max_length=64, default="Europe/London")
    weekly = models.JSONField(default=list, blank=True)
    overrides = models.JSONField(default=list, blank=True)
    buffer_before_minutes = models.PositiveSmallIntegerField(default=0)
    buffer_after_minutes = models.PositiveSmallIntegerField(default=0)
    # How far ahead a booking must be made (1440: a day ahead).
    min_notice_minutes = models.PositiveIntegerField(default=1440)
    # At most this many consultations on one day (in the clinician's zone); empty: no cap.
    daily_cap = models.PositiveSmallIntegerField(null=True, blank=True)
    horizon_days = models.PositiveSmallIntegerField(default=60)
    # Cancel or move a booking by its link until this many hours before it starts.
    cancellation_window_hours = models.PositiveSmallIntegerField(default=24)
    # Shown on the consultation agenda, in the clinician's own words.
    approach = models.TextField(blank=True)
    frequency = models.CharField(max_length=200, blank=True)
    fees = models.CharField(max_length=300, blank=True)
    is_open = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("clinician",)
        verbose_name_plural = "availabilities"

    def __str__(self) -> str:
        return f"Availability of {self.clinician.display_name}"


class Booking(models.Model):
    class Status(models.TextChoices):
        # A guest's booking waits for the email link; its time is already claimed.
        HELD = "held", "Waiting for email confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "Did not come"
        COMPLETED = "completed", "Took place"

    clinician = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="bookings")
    # Stored in UTC (USE_TZ); shown in each side's zone.
    start = models.DateTimeField()
    end = models.DateTimeField()
    # A signed-in client, or a guest (name and email, verified by a link).
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="consultations"
    )
    guest_name = models.CharField(max_length=100, blank=True)
    guest_email = models.EmailField(blank=True)
    # The address the per-address limits count by (services.address_key: lower case,
    # without a "+tag"): the guest's email, or the client's account email.
    email_key = models.CharField(max_length=254, blank=True, db_index=True)
    # The zone the person chose when booking: their emails show times in it.
    person_timezone = models.CharField(max_length=64, default="UTC")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.HELD)
    # The agenda's first item, in the person's words (optional).
    hopes = models.TextField(blank=True)
    # The clinician's notes of the consultation (can become the treatment agreement).
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField()
    # A held guest booking is released when not confirmed by then.
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.CharField(max_length=16, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # Part of every signed link (verify, cancel, reschedule); a new value kills old links.
    nonce = models.CharField(max_length=64, unique=True, default=new_nonce)
    # Where the server is reached, for links in emails the worker sends later.
    base_url = models.CharField(max_length=300)

    class Meta:
        ordering = ("start", "pk")
        indexes = (models.Index(fields=("clinician", "start")),)
        constraints = (
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="booking_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | ~models.Q(guest_email=""),
                name="booking_has_a_person_or_guest_email",
            ),
        )

    def __str__(self) -> str:
        when = f"{self.start:%Y-%m-%d %H:%M} UTC"
        return f"Consultation {self.pk} with {self.clinician.display_name} at {when}"

    @property
    def who(self) -> str:
        if self.person is not None:
            return str(self.person)
        return self.guest_name or self.guest_email

    @property
    def email(self) -> str:
        if self.person is not None and self.person.user is not None:
            return str(self.person.user.email or "")
        return self.guest_email

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.HELD, self.Status.CONFIRMED)

    @property
    def duration(self) -> dt.timedelta:
        return self.end - self.start


class AddressLock(models.Model):
    """One row per email address that has booked (services.address_key): the booking's
    transaction locks it (SELECT ... FOR UPDATE) before counting that address's holds and
    bookings, so two simultaneous bookings from one address cannot both pass the limits."""

    key = models.CharField(max_length=254, unique=True)

    class Meta:
        ordering = ("key",)

    def __str__(self) -> str:
        return self.key


class ConsultationNotes(models.Model):
    """The clinician's notes of a consultation, under the shared agenda's headings.

    Private to the clinician unless `shared` (then the person reads them on their
    consultation page). When the person goes on as a client of this clinician, the notes
    can become their treatment agreement (services.notes_to_agreement)."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="agenda_notes")
    hopes = models.TextField(blank=True)
    approach = models.TextField(blank=True)
    frequency = models.TextField(blank=True)
    # The agreed frequency as one of the treatment agreement's choices (reviews.Frequency).
    session_frequency = models.CharField(max_length=16, blank=True)
    fees = models.TextField(blank=True)
    cancellation = models.TextField(blank=True)
    confidentiality = models.TextField(blank=True)
    next_steps = models.TextField(blank=True)
    shared = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
    # When these notes last became the treatment agreement.
    agreement_written_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "consultation notes"

    def __str__(self) -> str:
        return f"Notes of consultation {self.booking_id}"

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.hopes,
                self.approach,
                self.frequency,
                self.session_frequency,
                self.fees,
                self.cancellation,
                self.confidentiality,
                self.next_steps,
            )
        )


class SlotClaim(models.Model):
    """One grid cell of a clinician's time, taken by one live booking (see the module)."""

    clinician = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    cell = models.DateTimeField()
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="claims")

    class Meta:
        ordering = ("clinician", "cell")
        constraints = (
            models.UniqueConstraint(fields=("clinician", "cell"), name="one_claim_per_cell"),
        )

    def __str__(self) -> str:
        return f"{self.cell:%Y-%m-%d %H:%M} UTC for booking {self.booking_id}"
