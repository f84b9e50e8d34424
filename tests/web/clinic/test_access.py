"""The access rules of clinic/access.py, persona by persona."""

from __future__ import annotations

from typing import Any

import pytest

from therapycheck.web.clinic import access

pytestmark = pytest.mark.django_db


def test_a_client_sees_their_own_record(client_a: Any) -> None:
    assert access.can_see(client_a, client_a.person, "measures")
    assert access.shared_journal_entries(client_a, client_a.person).count() == 2


def test_their_clinician_sees_only_what_is_shared(client_a: Any, clinician: Any) -> None:
    person = client_a.person
    assert list(access.visible_clients(clinician)) == [person]
    assert access.can_see(clinician, person, "measures")
    entries = access.shared_journal_entries(clinician, person)
    assert [e.topics for e in entries] == ["Work stress"]


def test_it_hides_other_clinicians_clients(client_a: Any, client_b: Any, clinician: Any) -> None:
    assert not access.can_open(clinician, client_b.person)
    assert client_b.person not in access.visible_clients(clinician)


def test_a_supervisor_sees_their_teams_clients_only(
    client_a: Any, client_b: Any, supervisor: Any
) -> None:
    assert list(access.visible_clients(supervisor)) == [client_a.person]


def test_a_clinic_admin_sees_no_client_record(client_a: Any, clinic_admin: Any) -> None:
    assert not access.can_open(clinic_admin, client_a.person)
    assert not access.visible_clients(clinic_admin).exists()


def test_revoking_the_link_hides_everything(client_a: Any, clinician: Any) -> None:
    client_a.person.care_links.update(status="ended")
    assert not access.can_open(clinician, client_a.person)
    assert not access.shared_journal_entries(clinician, client_a.person).exists()


def test_object_permissions_follow_the_same_rules(client_a: Any, clinician: Any) -> None:
    assert clinician.has_perm("clinic.view_measures", client_a.person)
    client_a.person.care_links.update(share_measures=False)
    assert not clinician.has_perm("clinic.view_measures", client_a.person)
    assert clinician.has_perm("clinic.view_caseload")
