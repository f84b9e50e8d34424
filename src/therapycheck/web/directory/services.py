"""The directory's rules: who is listed, how filters and search apply, who may edit and
verify a profile. Views call these and stay thin."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from therapycheck.web.audit.log import record
from therapycheck.web.clinic.access import membership_of
from therapycheck.web.clinic.models import Membership, Role
from therapycheck.web.directory import choices as c
from therapycheck.web.directory.models import SpecialistProfile
from therapycheck.web.directory.search import apply_search, search_terms

PAGE_SIZE = 10
LICENCE_FIELDS = ("profession", "licence_type", "licence_number", "licence_jurisdiction")


def listed() -> QuerySet[SpecialistProfile]:
    """Profiles anyone may see: published, of a clinician whose account is active.

    Only the profile's own fields are ever shown: nothing about any client."""
    return SpecialistProfile.objects.filter(
        published=True,
        membership__role=Role.CLINICIAN,
        membership__user__is_active=True,
    ).select_related("membership__clinic")


def filtered(data: dict[str, Any]) -> tuple[QuerySet[SpecialistProfile], list[str]]:
    """Listed profiles after the filters and the search in `data` (a filter form's
    cleaned data); also the search words actually used."""
    qs = listed()
    for key, prefix in (
        ("concern", "concern"),
        ("approach", "approach"),
        ("language", "language"),
        ("population", "population"),
    ):
        if data.get(key):
            qs = qs.filter(facets__contains=f" {prefix}:{data[key]} ")
    if data.get("format") == c.Format.ONLINE:
        qs = qs.filter(format__in=(c.Format.ONLINE, c.Format.BOTH))
    elif data.get("format") == c.Format.IN_PERSON:
        qs = qs.filter(format__in=(c.Format.IN_PERSON, c.Format.BOTH))
    if data.get("max_fee") is not None:
        # A fee is only comparable in its own currency; a profile with no fee listed
        # cannot be said to be within the budget, so it is left out.
        qs = qs.filter(fee_per_session__lte=data["max_fee"], currency=data.get("currency") or "GBP")
    if data.get("insurance"):
        qs = qs.filter(insurance__icontains=data["insurance"].strip())
    if data.get("sliding_scale"):
        qs = qs.filter(sliding_scale=True)
    if data.get("accepting"):
        qs = qs.filter(accepting_new_clients=True)
    if data.get("free_consultation"):
        qs = qs.filter(offers_free_consultation=True)
    terms = search_terms(data.get("q") or "")
    if terms:
        qs = apply_search(qs, terms)
    return qs, terms


def page_of(qs: QuerySet[SpecialistProfile], number: str | None) -> Page[SpecialistProfile]:
    # get_page: a missing, wrong or too-high page number gives a real page, never an error.
    return Paginator(qs, PAGE_SIZE).get_page(number)


def clinician_of(user: Any) -> Membership | None:
    member = membership_of(user)
    return member if member is not None and member.role == Role.CLINICIAN else None


def admin_of(user: Any) -> Membership | None:
    member = membership_of(user)
    return member if member is not None and member.role == Role.ADMIN else None


def may_preview(user: Any, profile: SpecialistProfile) -> bool:
    """The clinician themself and their clinic's admin see an unlisted profile."""
    member = membership_of(user)
    if member is None:
        return False
    if member.pk == profile.membership_id:
        return True
    return member.role == Role.ADMIN and member.clinic_id == profile.membership.clinic_id


def profile_for(member: Membership) -> SpecialistProfile:
    """The clinician's profile, or a new unsaved one (not published until they say so)."""
    try:
        return member.specialist_profile
    except SpecialistProfile.DoesNotExist:
        return SpecialistProfile(membership=member)


def save_profile(
    request: HttpRequest, profile: SpecialistProfile, form: Any, licence_before: tuple[str, ...]
) -> SpecialistProfile:
    """Save the clinician's form. A changed licence clears the verification: the badge
    would otherwise vouch for details nobody checked."""
    old_photo = profile.photo.name if profile.photo else ""
    with transaction.atomic():
        profile = form.save(commit=False)
        licence_after = tuple(getattr(profile, f) for f in LICENCE_FIELDS)
        if profile.is_verified and licence_after != licence_before:
            clear_verification(profile)
        if form.cleaned_photo is not None:
            profile.photo.save(form.cleaned_photo.name, form.cleaned_photo, save=False)
        elif form.cleaned_data.get("remove_photo"):
            profile.photo = ""
        profile.save()
        record(
            request,
            None,
            "change",
            f"directory: {profile.membership.display_name} updated their profile",
        )
    new_photo = profile.photo.name if profile.photo else ""
    if old_photo and old_photo != new_photo:
        transaction.on_commit(lambda: profile.photo.storage.delete(old_photo))
    return profile


def clear_verification(profile: SpecialistProfile) -> None:
    profile.verified_by = None
    profile.verified_at = None
    profile.verified_what = ""


def verify(request: HttpRequest, admin: Membership, profile: SpecialistProfile, what: str) -> None:
    profile.verified_by = admin
    profile.verified_at = timezone.now()
    profile.verified_what = what
    profile.save(update_fields=["verified_by", "verified_at", "verified_what"])
    record(
        request,
        None,
        "change",
        f"directory: {profile.verification_badge} for {profile.membership.display_name}",
    )


def unverify(request: HttpRequest, profile: SpecialistProfile) -> None:
    clear_verification(profile)
    profile.save(update_fields=["verified_by", "verified_at", "verified_what"])
    record(
        request,
        None,
        "change",
        f"directory: verification removed for {profile.membership.display_name}",
    )


def clinic_profiles(admin: Membership) -> QuerySet[SpecialistProfile]:
    """The admin's clinic's profiles (for verification); others' are not found."""
    return SpecialistProfile.objects.filter(
        membership__clinic_id=admin.clinic_id, membership__role=Role.CLINICIAN
    ).select_related("membership__clinic", "verified_by")
