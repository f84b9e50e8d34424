"""`therapycheck manage demo_directory`: fictional directory profiles in the demo clinic.

Adds a profile, clearly labelled as made up, to each demo clinician of the demo clinic
(made by `demo_clinic`), published, with the licence of two of them checked by the demo
clinic's admin, and weekly consultation hours to each one who takes new clients, so the
directory shows free times to book. Run again, it changes nothing that exists: idempotent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from therapycheck.web.booking.models import Availability
from therapycheck.web.clinic.models import Clinic, Membership, Role
from therapycheck.web.directory.choices import Checked, Format
from therapycheck.web.directory.models import SpecialistProfile

CLINIC_SLUG = "riverside-demo"
LABEL = "This is a made-up profile in a demo clinic. This person does not exist."

PROFILES: dict[str, dict[str, Any]] = {
    "ada.clinician@riverside.example.org": {
        "profession": "Clinical psychologist (fictional)",
        "licence_type": "Practitioner psychologist (demo, not a real registration)",
        "licence_number": "DEMO-0001",
        "licence_jurisdiction": "United Kingdom",
        "approaches": ["cbt", "trauma_focused_cbt", "emdr"],
        "concerns": ["trauma", "anxiety", "panic", "depression"],
        "populations": ["adults", "veterans"],
        "languages": ["en", "pl"],
        "format": Format.BOTH,
        "location": "Riverside (fictional town)",
        "fee_per_session": Decimal("80"),
        "sliding_scale": True,
        "insurance": "Demo Health Insurance (fictional)",
        "statement": "I work in a structured way: we agree goals, practise skills between "
        "sessions and check progress with short questionnaires.",
        "verify": True,
    },
    "ben.clinician@riverside.example.org": {
        "profession": "Counsellor (fictional)",
        "licence_type": "Registered counsellor (demo, not a real registration)",
        "licence_number": "DEMO-0002",
        "licence_jurisdiction": "United Kingdom",
        "approaches": ["person_centred", "psychodynamic"],
        "concerns": ["relationships", "grief", "self_esteem", "identity"],
        "populations": ["adults", "lgbtq", "students"],
        "languages": ["en", "es"],
        # Made up, like the rest: shows how a specialist may describe themself.
        "identities": ["lgbtq"],
        "format": Format.ONLINE,
        "location": "",
        "fee_per_session": Decimal("50"),
        "sliding_scale": True,
        "insurance": "",
        "statement": "Sessions are a calm space where you lead. We explore patterns in your "
        "relationships, at your pace.",
        "verify": True,
    },
    "cleo.clinician@riverside.example.org": {
        "profession": "Psychotherapist (fictional)",
        "licence_type": "Registered psychotherapist (demo, not a real registration)",
        "licence_number": "DEMO-0003",
        "licence_jurisdiction": "United Kingdom",
        "approaches": ["dbt", "act", "couples_family"],
        "concerns": ["emotion_regulation", "stress", "anger", "relationships"],
        "populations": ["teens", "adults", "couples", "families"],
        "languages": ["en", "ar"],
        "format": Format.IN_PERSON,
        "location": "Riverside (fictional town)",
        "fee_per_session": Decimal("95"),
        "sliding_scale": False,
        "insurance": "Demo Health Insurance (fictional)",
        "statement": "I teach practical skills for strong emotions and help couples and "
        "families find new ways to talk.",
        "accepting_new_clients": False,
        "verify": False,
    },
}


def _weekdays(*windows: tuple[str, str]) -> list[dict[str, Any]]:
    return [
        {"weekday": day, "start": start, "end": end} for day in range(5) for start, end in windows
    ]


# Free-consultation hours (London time) of the demo clinicians who take new clients: every
# weekday, so a demo started on any day shows times within the next days.
HOURS: dict[str, dict[str, Any]] = {
    "ada.clinician@riverside.example.org": {
        "weekly": _weekdays(("09:00", "12:00"), ("14:00", "17:00")),
        "buffer_after_minutes": 10,
        "approach": "Structured sessions: we agree goals, practise skills between sessions "
        "and check progress with short questionnaires (made-up demo text).",
        "frequency": "Weekly at first, for about 12 sessions",
        "fees": "£80 a session, sliding scale from £40 (fictional)",
    },
    "ben.clinician@riverside.example.org": {
        "weekly": _weekdays(("10:00", "16:00")),
        "approach": "Person-centred: you lead, and we explore patterns at your pace "
        "(made-up demo text).",
        "frequency": "Weekly or every two weeks",
        "fees": "£50 a session, sliding scale from £25 (fictional)",
    },
}


def add_hours(member: Membership) -> bool:
    """Give a demo clinician consultation hours, once (never over hours they set)."""
    spec = HOURS.get(member.user.email)
    if spec is None or Availability.objects.filter(clinician=member).exists():
        return False
    Availability.objects.create(
        clinician=member, timezone="Europe/London", is_open=True, min_notice_minutes=24 * 60, **spec
    )
    return True


class Command(BaseCommand):
    help = "Add fictional, labelled directory profiles to the demo clinic (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "THERAPYCHECK_DEMO", False):
            raise CommandError(
                "demo_directory only runs in a demo (THERAPYCHECK_DEMO=1, as "
                "`therapycheck serve --mode clinic --demo` sets)."
            )
        clinic = Clinic.objects.filter(slug=CLINIC_SLUG, is_demo=True).first()
        if clinic is None:
            raise CommandError("No demo clinic yet: run `demo_clinic` first.")
        admin = clinic.members.filter(role=Role.ADMIN).order_by("pk").first()
        made = hours = 0
        with transaction.atomic():
            for member in clinic.members.filter(role=Role.CLINICIAN).select_related("user"):
                hours += add_hours(member)
                spec = PROFILES.get(member.user.email)
                if spec is None or SpecialistProfile.objects.filter(membership=member).exists():
                    continue
                fields = {k: v for k, v in spec.items() if k != "verify"}
                fields["statement"] = f"{LABEL}\n\n{fields['statement']}"
                profile = SpecialistProfile(membership=member, published=True, **fields)
                if spec["verify"] and admin is not None:
                    profile.verified_by = admin
                    profile.verified_at = timezone.now()
                    profile.verified_what = Checked.LICENCE
                profile.save()
                made += 1
        self.stdout.write(f"Directory: {made} demo profile(s) added.")
        self.stdout.write(f"Consultations: hours added for {hours} demo specialist(s).")
