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


class AlertState(models.Model):
    """What a clinician did about one alert of a client: acknowledged it, resolved it.

    An alert is computed afresh from the client's answers on every page; this row remembers
    the clinician's actions under the alert's identity (`key`, from clinic/alert_states.py:
    "risk:phq9:3" is the PHQ-9 safety answer at session 3, "risk:checkup:17" the check-up
    safety event 17). An acknowledged risk alert stays on the caseload until resolved.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="alert_states")
    key = models.CharField(max_length=120)
    kind = models.CharField(max_length=32)
    acknowledged_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Each note with who wrote it and when, oldest first.
    note = models.TextField(blank=True)

    class Meta:
        ordering = ("person", "key")
        constraints = (
            models.UniqueConstraint(fields=("person", "key"), name="one_alert_state_per_alert"),
        )

    def __str__(self) -> str:
        return f"{self.key} of {self.person_id}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class ClinicModel(models.Model):
    """The expected-response model fitted on one clinic's own data for one questionnaire.

    `document` is core.trajectory.ExpectedResponseModel.to_json(); it is empty when the
    clinic had too few clients to fit one at `fitted_at` (the fallback rule applies), so
    the clinic is not refitted on every page until a day has passed.
    """

    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="expected_response_models"
    )
    instrument = models.CharField(max_length=32)
    document = models.JSONField(null=True, blank=True)
    n_clients = models.PositiveIntegerField(default=0)
    fitted_at = models.DateTimeField()

    class Meta:
        ordering = ("clinic", "instrument")
        constraints = (
            models.UniqueConstraint(
                fields=("clinic", "instrument"), name="one_model_per_clinic_and_instrument"
            ),
        )

    def __str__(self) -> str:
        return f"{self.instrument} model of {self.clinic} ({self.n_clients} clients)"
