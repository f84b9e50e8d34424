"""Clinics, their staff (with a role each) and their clients.

A user is staff in at most one clinic (a Membership with a role) and a person is a client
of at most one clinic (an Enrolment). What a clinician may see of a client is not decided
here: it needs the client's consent (sharing.CareLink), checked by clinic/access.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from therapycheck.web.accounts.models import Person


class Clinic(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    # A demo clinic holds only fictional people and says so on every page.
    is_demo = models.BooleanField(default=False)
    # How often the clinic expects a measure; a client past it (plus the grace in
    # core/data/alerts.yaml) shows as overdue.
    measure_every_days = models.PositiveSmallIntegerField(default=7)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name", "pk")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CLINICIAN = "clinician", "Clinician"
    SUPERVISOR = "supervisor", "Supervisor"
    ADMIN = "admin", "Clinic admin"


class Membership(models.Model):
    """A staff member of a clinic. A supervisor sees the clients of the clinicians they
    supervise; a clinic admin manages staff and reads the audit log, not client records."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="members")
    role = models.CharField(max_length=16, choices=Role.choices)
    display_name = models.CharField(max_length=100)
    # For a clinician: the supervisor who oversees their work (same clinic).
    supervisor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervisees",
        limit_choices_to={"role": Role.SUPERVISOR},
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("clinic", "display_name", "pk")

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_role_display()}, {self.clinic})"

    @property
    def is_clinician(self) -> bool:
        return self.role == Role.CLINICIAN

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class Enrolment(models.Model):
    """A person is a client of one clinic (at most)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="enrolment")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="enrolments")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("clinic", "pk")

    def __str__(self) -> str:
        return f"{self.person} at {self.clinic}"
