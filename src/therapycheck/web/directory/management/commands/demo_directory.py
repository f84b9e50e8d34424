"""`therapycheck manage demo_directory`: fictional directory profiles in the demo clinic.

Adds a profile, clearly labelled as made up, to each demo clinician of the demo clinic
(made by `demo_clinic`), published, with the licence of two of them checked by the demo
clinic's admin. Run again, it changes nothing that exists: idempotent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from therapycheck.web.clinic.models import Clinic, Role
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
        made = 0
        with transaction.atomic():
            for member in clinic.members.filter(role=Role.CLINICIAN).select_related("user"):
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
