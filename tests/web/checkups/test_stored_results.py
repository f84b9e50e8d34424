"""Stored results are read through the typed reader; an unreadable one is shown as such.

A person with an odd check-up from an old import still gets every page (the list, the
report, the PDF); that check-up says plainly its result cannot be shown, and it can be
deleted on its own, leaving every other record in place.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.web.checkups.walk import walk
from therapycheck.web.accounts.models import Person
from therapycheck.web.checkups import services
from therapycheck.web.checkups.models import MAX_CHECKUPS, Checkup
from therapycheck.web.tracking.models import Measurement

pytestmark = pytest.mark.django_db

MALFORMED = {"findings": [{"factor": {"not": "an id"}, "severity": "low"}], "safety": "yes"}


def finished(person: Person, result: Any, days_ago: int = 1) -> Checkup:
    when = timezone.now() - dt.timedelta(days=days_ago)
    return Checkup.objects.create(
        person=person,
        status=Checkup.Status.COMPLETED,
        answers={"answers": {}, "measures": {}},
        result=result,
        started_at=when,
        updated_at=when,
        completed_at=when,
    )


def test_a_malformed_result_never_breaks_the_check_up_list(client: Client, person: Person) -> None:
    finished(person, MALFORMED)
    readable, _ = walk(client)
    page = client.get("/checkup/")
    assert page.status_code == 200
    assert f'href="/checkup/{readable.pk}/"' in page.content.decode()


def test_a_malformed_result_is_named_unreadable_and_offers_its_deletion(
    client: Client, person: Person
) -> None:
    odd = finished(person, MALFORMED)
    for url in (f"/checkup/{odd.pk}/", f"/checkup/{odd.pk}/print/"):
        page = client.get(url).content.decode()
        assert "results cannot be shown" in page
        assert f'href="/checkup/{odd.pk}/delete/"' in page
        assert "did not point to anything" not in page  # never a reassuring untruth


def test_the_report_passes_over_an_unreadable_check_up_for_the_latest_readable_one(
    client: Client, person: Person
) -> None:
    readable, _ = walk(client)
    finished(person, MALFORMED, days_ago=0)
    Checkup.objects.filter(pk=readable.pk).update(completed_at=timezone.now() - dt.timedelta(3))
    page = client.get("/report/").content.decode()
    assert f'href="/checkup/{readable.pk}/"' in page
    assert client.get("/report/pdf/").content.startswith(b"%PDF-")


def test_one_check_up_can_be_deleted_on_its_own(
    client: Client, person: Person, make_measurement: Any
) -> None:
    keep, _ = walk(client)
    odd = finished(person, MALFORMED)
    make_measurement("phq9", [1] * 9, 1)
    confirm = client.get(f"/checkup/{odd.pk}/delete/")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.content.decode()
    assert Checkup.objects.filter(pk=odd.pk).exists()  # asking deletes nothing
    done = client.post(f"/checkup/{odd.pk}/delete/", follow=True)
    assert "was deleted" in done.content.decode()
    assert list(Checkup.objects.filter(person=person)) == [keep]
    assert Measurement.objects.filter(person=person).count() == 1


def test_a_second_delete_of_the_same_check_up_is_calm(client: Client, person: Person) -> None:
    odd = finished(person, MALFORMED)
    client.post(f"/checkup/{odd.pk}/delete/")
    again = client.post(f"/checkup/{odd.pk}/delete/", follow=True)
    assert "already deleted" in again.content.decode()
    assert client.get(f"/checkup/{odd.pk}/delete/").status_code == 404


def test_nobody_deletes_a_check_up_that_is_not_theirs(
    client: Client, person: Person, other_person: Person
) -> None:
    theirs = finished(other_person, {"findings": []})
    client.post(f"/checkup/{theirs.pk}/delete/")
    assert Checkup.objects.filter(pk=theirs.pk).exists()
    assert client.get(f"/checkup/{theirs.pk}/delete/").status_code == 404


def test_the_data_page_lists_each_check_up_with_its_own_delete_link(
    client: Client, person: Person
) -> None:
    odd = finished(person, MALFORMED)
    assert f'href="/checkup/{odd.pk}/delete/"' in client.get("/data/").content.decode()


def test_a_person_at_the_check_up_limit_is_asked_to_delete_one_first(
    client: Client, person: Person
) -> None:
    base = timezone.now() - dt.timedelta(days=MAX_CHECKUPS + 1)
    Checkup.objects.bulk_create(
        Checkup(
            person=person,
            status=Checkup.Status.COMPLETED,
            answers={},
            result={"findings": []},
            started_at=base + dt.timedelta(days=n),
            updated_at=base + dt.timedelta(days=n),
            completed_at=base + dt.timedelta(days=n),
        )
        for n in range(MAX_CHECKUPS)
    )
    with pytest.raises(services.TooManyCheckups):
        services.start_or_resume(person)
    page = client.post("/checkup/", {"action": "start"})
    assert page.status_code == 400
    assert "delete an old one first" in page.content.decode()
    assert Checkup.objects.filter(person=person).count() == MAX_CHECKUPS
