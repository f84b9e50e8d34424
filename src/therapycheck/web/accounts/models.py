"""The Person every record belongs to, and the safety events that raise the crisis banner.

Personal mode has exactly one person, created on first use (key "personal"). Clinic mode
links a person to a login through the optional `user` field and can add roles beside it,
so no record has to change shape when a clinic deployment is added.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

PERSONAL_KEY = "personal"


class Person(models.Model):
    # Stable identity: "personal" in personal mode; e.g. "user-<id>" in clinic mode. Unique,
    # so two first requests arriving together cannot create two people.
    key = models.CharField(max_length=64, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="person",
    )
    display_name = models.CharField(max_length=100, blank=True)
    # ISO 3166-1 alpha-2 (or "INT", the international fallback): whose crisis lines to show.
    country = models.CharField(max_length=8)
    # True once the person chose a country themselves (the international "Other country"
    # included): the app stops asking where they live, on every device and browser.
    country_chosen = models.BooleanField(default=False)
    # When the person last dismissed the crisis banner, and the newest safety event they
    # had seen then: the banner returns as soon as a newer event exists.
    crisis_acknowledged_at = models.DateTimeField(null=True, blank=True)
    crisis_acknowledged_event_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("pk",)

    def __str__(self) -> str:
        return self.display_name or self.key


class SafetyEvent(models.Model):
    """One answer that signalled possible acute risk (e.g. PHQ-9 item 9 above 0)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="safety_events")
    # What raised it, e.g. "measurement:phq9" or "checkup".
    source = models.CharField(max_length=64)
    reasons = models.JSONField(default=list)
    # The kinds of danger behind it (core.safety.DANGERS), so the banner answers the right
    # one: a person afraid of a partner is not told about thoughts of self-harm.
    dangers = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-pk",)

    def __str__(self) -> str:
        return f"{self.source} at {self.created_at:%Y-%m-%d %H:%M}"
