"""Which person a request acts for."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory, override_settings

from therapycheck.web.accounts.current import current_person, personal_person
from therapycheck.web.accounts.models import PERSONAL_KEY, Person


@pytest.mark.django_db
def test_personal_mode_creates_one_person_on_first_use_and_reuses_it() -> None:
    first = current_person(RequestFactory().get("/"))
    second = current_person(RequestFactory().get("/"))
    assert first.pk == second.pk
    assert Person.objects.filter(key=PERSONAL_KEY).count() == 1


@pytest.mark.django_db
@override_settings(THERAPYCHECK_COUNTRY="GB")
def test_the_personal_person_starts_with_the_configured_country() -> None:
    assert personal_person().country == "GB"


@pytest.mark.django_db
@override_settings(THERAPYCHECK_MODE="clinic")
def test_clinic_mode_refuses_a_request_without_a_signed_in_user() -> None:
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        current_person(request)


@pytest.mark.django_db
@override_settings(THERAPYCHECK_MODE="clinic")
def test_clinic_mode_links_each_user_to_their_own_person() -> None:
    from django.contrib.auth.models import User

    alice = User.objects.create_user("alice")
    bob = User.objects.create_user("bob")
    requests = []
    for user in (alice, bob, alice):
        request = RequestFactory().get("/")
        request.user = user
        requests.append(current_person(request))
    assert requests[0].pk == requests[2].pk != requests[1].pk
    assert requests[0].user == alice
