"""Editing one's own profile, photos, and the clinic admin's verification badge."""

from __future__ import annotations

import datetime as dt
import io
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.web.clinic_personas import sign_in
from tests.web.directory.conftest import image_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]

FORM = {
    "profession": "Clinical psychologist",
    "licence_type": "Practitioner psychologist",
    "licence_number": "PYL-123",
    "licence_jurisdiction": "United Kingdom",
    "approaches": ["cbt", "emdr"],
    "concerns": ["trauma", "depression"],
    "populations": ["adults"],
    "languages": ["en", "pl"],
    "format": "both",
    "location": "Riverside",
    "fee_per_session": "75",
    "currency": "GBP",
    "sliding_scale": "on",
    "insurance": "Demo Health",
    "accepting_new_clients": "on",
    "offers_free_consultation": "on",
    "statement": "I work step by step on what happened.",
    "published": "on",
}


def post_form(client: Client, **changes: Any) -> Any:
    data = {**FORM, **changes}
    return client.post("/specialists/my-profile/", {k: v for k, v in data.items() if v is not None})


def test_a_clinician_writes_and_publishes_their_own_profile(client: Client, clinician: Any) -> None:
    signed_in = sign_in(client, clinician)
    assert signed_in.get("/specialists/my-profile/").status_code == 200
    response = post_form(signed_in)
    assert response.status_code == 302
    profile = clinician.membership.specialist_profile
    assert profile.approaches == ["cbt", "emdr"]
    assert profile.concerns == ["trauma", "depression"]
    assert str(profile.fee_per_session) == "75.00"
    assert profile.published
    assert not profile.is_verified
    assert profile.identities == []  # nothing said unless the clinician ticks it
    client.logout()
    assert b"Clinical psychologist" in client.get("/specialists/").content


def test_a_clinician_may_say_how_they_describe_themself_and_it_shows_on_the_profile(
    client: Client, clinician: Any
) -> None:
    post_form(sign_in(client, clinician), identities=["woman", "jewish"])
    profile = clinician.membership.specialist_profile
    assert profile.identities == ["woman", "jewish"]
    client.logout()
    page = client.get(f"/specialists/{profile.pk}/").content.decode()
    assert "Describes themself as a woman, Jewish" in page


def test_bad_answers_keep_everything_typed_and_save_nothing(client: Client, clinician: Any) -> None:
    from therapycheck.web.directory.models import SpecialistProfile

    signed_in = sign_in(client, clinician)
    response = post_form(
        signed_in,
        profession="",
        location="",
        fee_per_session="-5",
        approaches=["not-an-approach"],
        statement="x" * 1501,
    )
    assert response.status_code == 200
    assert b"Please check your answers" in response.content
    assert b"PYL-123" in response.content
    form = response.context["form"]
    assert {"profession", "location", "fee_per_session", "approaches", "statement"} <= set(
        form.errors
    )
    assert not SpecialistProfile.objects.exists()


@pytest.mark.parametrize("persona", ["supervisor", "clinic_admin", "client_a"])
def test_only_clinicians_have_a_profile_page(
    client: Client, persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    assert sign_in(client, user).get("/specialists/my-profile/").status_code == 403


def test_anonymous_visitors_are_asked_to_sign_in_to_edit(client: Client) -> None:
    response = client.get("/specialists/my-profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_clinician_edits_only_their_own_profile(
    client: Client, clinician: Any, other_clinician: Any, make_profile: Callable[..., Any]
) -> None:
    theirs = make_profile(other_clinician, statement="Ben's own words.")
    post_form(sign_in(client, clinician))
    theirs.refresh_from_db()
    assert theirs.statement == "Ben's own words."
    assert clinician.membership.specialist_profile.statement == FORM["statement"]


# ----------------------------------------------------------------------------- photos


def upload(content: bytes, name: str = "me.jpg", kind: str = "image/jpeg") -> Any:
    return SimpleUploadedFile(name, content, content_type=kind)


def test_a_photo_is_resized_and_stripped_of_its_metadata(client: Client, clinician: Any) -> None:
    exif = Image.Exif()
    exif[0x013B] = "Ada Rivers"  # Artist
    exif[0x010F] = "PhoneMaker"  # Make
    original = image_bytes("JPEG", (3000, 2000), exif=exif.tobytes())
    assert Image.open(io.BytesIO(original)).getexif()
    response = post_form(sign_in(client, clinician), photo_upload=upload(original))
    assert response.status_code == 302
    profile = clinician.membership.specialist_profile
    with profile.photo.open("rb") as stored_file:
        stored = stored_file.read()
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG"
    assert max(image.size) == 600
    assert not image.getexif()
    assert b"PhoneMaker" not in stored and b"Ada Rivers" not in stored


def test_a_transparent_png_stays_a_png(client: Client, clinician: Any) -> None:
    original = image_bytes("PNG", (400, 400), alpha=True)
    post_form(sign_in(client, clinician), photo_upload=upload(original, "me.png", "image/png"))
    name = clinician.membership.specialist_profile.photo.name
    assert name.endswith(".png")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not an image at all", b"not a photo we can read"),
        (b"%PDF-1.4 pretending to be a jpeg", b"not a photo we can read"),
        (image_bytes("JPEG")[:200], b"not a photo we can read"),
        (image_bytes("GIF"), b"not a photo we can read"),
        (image_bytes("PNG", (6000, 5000)), b"too many pixels"),
        (image_bytes("JPEG", (50, 50)), b"too small"),
        (b"\xff\xd8" + b"0" * (5 * 1024 * 1024 + 1), b"too large"),
    ],
)
def test_a_bad_photo_is_refused_with_a_reason_and_nothing_is_saved(
    client: Client, clinician: Any, content: bytes, message: bytes
) -> None:
    from therapycheck.web.directory.models import SpecialistProfile

    response = post_form(sign_in(client, clinician), photo_upload=upload(content))
    assert response.status_code == 200
    assert message in response.content
    assert not SpecialistProfile.objects.exists()


def test_a_new_photo_replaces_the_old_file(
    client: Client, clinician: Any, django_capture_on_commit_callbacks: Any
) -> None:
    signed_in = sign_in(client, clinician)
    post_form(signed_in, photo_upload=upload(image_bytes()))
    profile = clinician.membership.specialist_profile
    first = profile.photo.name
    # The old file goes once the new one is committed.
    with django_capture_on_commit_callbacks(execute=True):
        post_form(signed_in, photo_upload=upload(image_bytes("JPEG", (500, 500))))
    profile.refresh_from_db()
    second = profile.photo.name
    assert second != first
    assert not profile.photo.storage.exists(first)
    with django_capture_on_commit_callbacks(execute=True):
        post_form(signed_in, remove_photo="on")
    profile.refresh_from_db()
    assert not profile.photo
    assert not profile.photo.storage.exists(second)


# ------------------------------------------------------------------------ verification


def test_the_badge_says_what_was_checked_by_which_clinic_and_when(
    client: Client, clinician: Any, clinic_admin: Any, make_profile: Callable[..., Any]
) -> None:
    from django.utils import timezone

    profile = make_profile(clinician)
    signed_in = sign_in(client, clinic_admin)
    assert signed_in.get("/specialists/verify/").status_code == 200
    response = signed_in.post(f"/specialists/verify/{profile.pk}/", {"checked": "licence"})
    assert response.status_code == 302
    profile.refresh_from_db()
    today = timezone.localtime(profile.verified_at).date()
    expected = f"Licence checked by Riverside Demo Clinic on {today.day} {today:%B %Y}"
    assert profile.verification_badge == expected
    assert profile.verified_by == clinic_admin.membership
    client.logout()
    assert expected.encode() in client.get(f"/specialists/{profile.pk}/").content
    assert expected.encode() in client.get("/specialists/").content


def test_the_badge_wording_uses_the_long_date(
    clinician: Any, clinic_admin: Any, make_profile: Callable[..., Any]
) -> None:
    profile = make_profile(
        clinician,
        verified_by=clinic_admin.membership,
        verified_at=dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC),
        verified_what="licence_identity",
    )
    assert profile.verification_badge == (
        "Licence and identity checked by Riverside Demo Clinic on 5 December 2026"
    )


def test_changing_the_licence_removes_the_badge(
    client: Client, clinician: Any, clinic_admin: Any, make_profile: Callable[..., Any]
) -> None:
    from django.utils import timezone

    make_profile(
        clinician,
        **{k: FORM[k] for k in ("profession", "licence_type", "licence_number")},
        licence_jurisdiction=FORM["licence_jurisdiction"],
        verified_by=clinic_admin.membership,
        verified_at=timezone.now(),
        verified_what="licence",
    )
    signed_in = sign_in(client, clinician)
    post_form(signed_in, statement="New words only.")
    profile = clinician.membership.specialist_profile
    assert profile.is_verified
    post_form(signed_in, licence_number="PYL-999")
    profile.refresh_from_db()
    assert not profile.is_verified
    assert profile.verification_badge == ""


def test_the_admin_can_remove_a_badge(
    client: Client, clinician: Any, clinic_admin: Any, make_profile: Callable[..., Any]
) -> None:
    from django.utils import timezone

    profile = make_profile(
        clinician,
        verified_by=clinic_admin.membership,
        verified_at=timezone.now(),
        verified_what="licence",
    )
    sign_in(client, clinic_admin).post(f"/specialists/verify/{profile.pk}/", {"action": "remove"})
    profile.refresh_from_db()
    assert not profile.is_verified


@pytest.mark.parametrize("persona", ["clinician", "other_clinician", "supervisor", "client_a"])
def test_only_a_clinic_admin_may_verify(
    client: Client,
    clinician: Any,
    make_profile: Callable[..., Any],
    persona: str,
    request: pytest.FixtureRequest,
) -> None:
    profile = make_profile(clinician)
    signed_in = sign_in(client, request.getfixturevalue(persona))
    assert signed_in.get("/specialists/verify/").status_code == 403
    assert (
        signed_in.post(f"/specialists/verify/{profile.pk}/", {"checked": "licence"}).status_code
        == 403
    )
    profile.refresh_from_db()
    assert not profile.is_verified


def test_another_clinics_admin_cannot_find_the_profile_to_verify(
    client: Client, clinician: Any, other_clinic_admin: Any, make_profile: Callable[..., Any]
) -> None:
    profile = make_profile(clinician)
    signed_in = sign_in(client, other_clinic_admin)
    assert signed_in.get(f"/specialists/verify/{profile.pk}/").status_code == 404
    assert (
        signed_in.post(f"/specialists/verify/{profile.pk}/", {"checked": "licence"}).status_code
        == 404
    )
    assert b"Ada Rivers" not in signed_in.get("/specialists/verify/").content
    profile.refresh_from_db()
    assert not profile.is_verified


def test_anonymous_visitors_cannot_verify(
    client: Client, clinician: Any, make_profile: Callable[..., Any]
) -> None:
    profile = make_profile(clinician)
    response = client.post(f"/specialists/verify/{profile.pk}/", {"checked": "licence"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_unpublished_profile_is_previewed_only_by_its_clinician_and_their_admin(
    client: Client,
    clinician: Any,
    other_clinician: Any,
    clinic_admin: Any,
    other_clinic_admin: Any,
    make_profile: Callable[..., Any],
) -> None:
    profile = make_profile(clinician, published=False)
    url = f"/specialists/{profile.pk}/"
    for user, status in (
        (clinician, 200),
        (clinic_admin, 200),
        (other_clinician, 404),
        (other_clinic_admin, 404),
    ):
        assert sign_in(Client(), user).get(url).status_code == status
    assert b"Preview" in sign_in(Client(), clinician).get(url).content


def test_a_verification_is_written_to_the_audit_log(
    client: Client, clinician: Any, clinic_admin: Any, make_profile: Callable[..., Any]
) -> None:
    from therapycheck.web.audit.models import AuditEvent

    profile = make_profile(clinician)
    sign_in(client, clinic_admin).post(f"/specialists/verify/{profile.pk}/", {"checked": "licence"})
    event = AuditEvent.objects.get()
    assert event.person_id is None
    assert "Licence checked by Riverside Demo Clinic" in event.what


def test_a_stored_photo_and_its_folder_are_readable_by_the_owner_only(
    client: Client, clinician: Any
) -> None:
    previous = os.umask(0o022)
    try:
        post_form(sign_in(client, clinician), photo_upload=upload(image_bytes()))
    finally:
        os.umask(previous)
    stored = Path(clinician.membership.specialist_profile.photo.path)
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
