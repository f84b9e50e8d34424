"""Keep a profile's search words in step when its clinician's name or clinic's name
changes (both are searched, and live on other models)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from therapycheck.web.clinic.models import Clinic, Membership
from therapycheck.web.directory.models import SpecialistProfile


def _refresh(profiles: Any) -> None:
    for profile in profiles.select_related("membership__clinic"):
        text = profile.build_search_text()
        if text != profile.search_text:
            profile.search_text = text
            profile.save(update_fields=["search_text"])


@receiver(post_save, sender=Membership, dispatch_uid="directory_membership_renamed")
def membership_saved(sender: Any, instance: Membership, **kwargs: Any) -> None:
    _refresh(SpecialistProfile.objects.filter(membership=instance))


@receiver(post_save, sender=Clinic, dispatch_uid="directory_clinic_renamed")
def clinic_saved(sender: Any, instance: Clinic, **kwargs: Any) -> None:
    _refresh(SpecialistProfile.objects.filter(membership__clinic=instance))
