"""Every directory page for every persona: the public pages for anyone, the editor for
clinicians, verification for the clinic's own admin (another clinic's admin: not found)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.web.clinic_personas import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]

PERSONAS = (
    "anonymous",
    "client_a",
    "client_b",
    "clinician",
    "other_clinician",
    "supervisor",
    "clinic_admin",
    "other_clinic_admin",
)
LOGIN = "login"
# Columns as PERSONAS. The same rows belong in tests/web/clinic/test_authorization_matrix.py.
EXPECTED: dict[str, tuple[int | str, ...]] = {
    "/specialists/": (200, 200, 200, 200, 200, 200, 200, 200),
    "/specialists/{pk}/": (200, 200, 200, 200, 200, 200, 200, 200),
    "/specialists/{pk}/photo/": (200, 200, 200, 200, 200, 200, 200, 200),
    "/specialists/my-profile/": (LOGIN, 403, 403, 200, 200, 403, 403, 403),
    "/specialists/verify/": (LOGIN, 403, 403, 403, 403, 403, 200, 200),
    "/specialists/verify/{pk}/": (LOGIN, 403, 403, 403, 403, 403, 200, 404),
}


def test_every_persona_gets_the_expected_answer_on_every_directory_page(
    request: pytest.FixtureRequest,
    client_a: Any,
    client_b: Any,
    clinician: Any,
    make_profile: Callable[..., Any],
) -> None:
    from django.core.files.base import ContentFile

    from tests.web.directory.conftest import image_bytes

    profile = make_profile(clinician)
    profile.photo.save("p.jpg", ContentFile(image_bytes()), save=True)
    failures = []
    for route, row in EXPECTED.items():
        url = route.format(pk=profile.pk)
        for persona, wanted in zip(PERSONAS, row, strict=True):
            client = Client()
            if persona != "anonymous":
                sign_in(client, request.getfixturevalue(persona))
            response = client.get(url)
            got: int | str = response.status_code
            if got == 302 and response["Location"].startswith("/accounts/login/"):
                got = LOGIN
            if got != wanted:
                failures.append(f"{url} as {persona}: got {got}, expected {wanted}")
            body = b"".join(response.streaming_content) if response.streaming else response.content
            if b"Alex (fictional)" in body or b"Blake (fictional)" in body:
                failures.append(f"{url} as {persona} shows a client's name")
    assert not failures, "\n".join(failures)


def test_a_profile_links_to_the_free_times_when_the_clinician_takes_bookings(
    client: Client, clinician: Any
) -> None:
    from therapycheck.web.booking.models import Availability
    from therapycheck.web.directory.models import SpecialistProfile

    profile = SpecialistProfile.objects.create(
        membership=clinician.membership,
        profession="Counsellor",
        published=True,
        offers_free_consultation=True,
    )
    page = client.get(f"/specialists/{profile.pk}/").content.decode()
    assert "See free times and book" not in page
    Availability.objects.create(
        clinician=clinician.membership,
        weekly=[{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)],
    )
    page = client.get(f"/specialists/{profile.pk}/").content.decode()
    assert f'href="/consultations/with/{clinician.membership.pk}/"' in page
