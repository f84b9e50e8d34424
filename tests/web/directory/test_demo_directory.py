"""`demo_directory`: fictional, labelled profiles in the demo clinic, added once."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.utils import timezone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]


@pytest.fixture
def demo() -> Iterator[None]:
    with override_settings(THERAPYCHECK_DEMO=True):
        call_command("demo_clinic", stdout=io.StringIO())
        yield


def run() -> str:
    out = io.StringIO()
    call_command("demo_directory", stdout=out)
    return out.getvalue()


@pytest.mark.usefixtures("demo")
def test_it_adds_labelled_fictional_profiles_once(client: Client) -> None:
    from therapycheck.web.directory.models import SpecialistProfile

    assert "3 demo profile(s) added" in run()
    assert "0 demo profile(s) added" in run()
    profiles = list(SpecialistProfile.objects.all())
    assert len(profiles) == 3
    for profile in profiles:
        assert "(fictional)" in profile.membership.display_name
        assert "made-up profile" in profile.statement
        assert "(fictional)" in profile.profession
    listing = client.get("/specialists/")
    assert listing.context["page"].paginator.count == 3
    assert b"Licence checked by Riverside Demo Clinic on" in listing.content
    assert client.get("/specialists/", {"q": "emdr"}).context["page"].paginator.count == 1


def test_it_refuses_to_run_outside_a_demo() -> None:
    with override_settings(THERAPYCHECK_DEMO=False), pytest.raises(CommandError, match="demo"):
        run()


def test_it_needs_the_demo_clinic_first() -> None:
    with (
        override_settings(THERAPYCHECK_DEMO=True),
        pytest.raises(CommandError, match="demo_clinic"),
    ):
        run()


def test_the_app_warns_at_start_without_a_media_root() -> None:
    from therapycheck.web.directory.checks import media_root_is_set

    with override_settings(MEDIA_ROOT=""):
        assert [m.id for m in media_root_is_set(None)] == ["directory.W001"]
    with override_settings(MEDIA_ROOT="", THERAPYCHECK_MODE="personal"):
        assert media_root_is_set(None) == []
    with override_settings(MEDIA_ROOT="/srv/therapycheck/media"):
        assert media_root_is_set(None) == []


@pytest.mark.usefixtures("demo")
def test_the_demo_specialists_who_take_new_clients_have_free_times_in_the_next_two_weeks(
    client: Client,
) -> None:
    from therapycheck.web.booking import services
    from therapycheck.web.booking.models import Availability
    from therapycheck.web.clinic.models import Membership

    assert "hours added for 2 demo specialist(s)" in run()
    assert "hours added for 0 demo specialist(s)" in run()
    ada = Membership.objects.get(user__email="ada.clinician@riverside.example.org")
    free = services.free_slots(ada, days=14)
    assert free
    assert all(slot.start < timezone.now() + dt.timedelta(days=15) for slot in free)
    # The public pages offer them: the profile links to the free times, which list them.
    profile = client.get(f"/specialists/{ada.specialist_profile.pk}/").content.decode()
    assert f"/consultations/with/{ada.pk}/" in profile
    slots = client.get(f"/consultations/with/{ada.pk}/")
    assert slots.status_code == 200
    assert services.clock_text(services.local(free[0].start, "Europe/London")) in (
        slots.content.decode()
    )
    # Cleo takes no new clients: no hours are made up for her.
    assert Availability.objects.count() == 2
