"""Delete everything means every trace: records, waiting uploads, sessions, caches, files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from therapycheck import config
from therapycheck.web.accounts.models import Person
from therapycheck.web.exchange.models import PendingImport

from .conftest import snapshot

pytestmark = pytest.mark.django_db

EMPTY = {"measurements": [], "journal": [], "checkups": [], "note": [], "safety_events": 0}


def export(client: Client) -> bytes:
    return client.get("/data/export/fhir/").content


def preview(client: Client, data: bytes) -> None:
    response = client.post("/data/import/", {"file": SimpleUploadedFile("export.json", data)})
    assert response.status_code == 200


def test_an_upload_waiting_in_another_tab_cannot_bring_deleted_data_back(
    stored: Person,
) -> None:
    first_tab, second_tab = Client(), Client()
    exported = export(first_tab)
    first_tab.post("/data/delete/", {"confirm": "on"})
    preview(first_tab, exported)  # the preview is open, not confirmed
    assert second_tab.post("/data/delete/", {"confirm": "on"}).status_code == 302
    confirmed = first_tab.post("/data/import/confirm/", follow=True)
    assert "nothing waiting to be imported" in confirmed.content.decode()
    assert snapshot(stored) == EMPTY
    assert not PendingImport.objects.exists()


def test_the_waiting_upload_is_kept_in_the_database_not_in_the_session(
    client: Client, stored: Person
) -> None:
    preview(client, export(client))
    pending = PendingImport.objects.get(person=stored)
    session = Session.objects.get()
    assert b"QuestionnaireResponse" in bytes(pending.data)
    assert "QuestionnaireResponse" not in str(session.get_decoded())


def test_it_ends_every_browser_session_of_the_installation(stored: Person) -> None:
    tabs = [Client() for _ in range(3)]
    for tab in tabs:
        tab.get("/data/")
        tab.post("/data/import/cancel/")  # leaves a message in that tab's session
    assert Session.objects.count() == 3
    tabs[0].post("/data/delete/", {"confirm": "on"})
    assert Session.objects.count() <= 1  # at most the fresh, empty one of the deleting tab
    for session in Session.objects.all():
        assert not session.get_decoded()


def test_it_empties_the_cache(client: Client, stored: Person) -> None:
    cache.set("something-about-the-person", "x")
    client.post("/data/delete/", {"confirm": "on"})
    assert cache.get("something-about-the-person") is None


def test_it_removes_the_check_up_files_the_command_line_saved(
    client: Client, stored: Person
) -> None:
    data_dir = Path(settings.THERAPYCHECK_DATA_DIR)
    saved = [
        data_dir / config.CHECKUP_RESUME_FILENAME,
        data_dir / "checkup-20261201-101500.json",
        data_dir / f"{config.CHECKUP_RESUME_FILENAME}.tmp",
    ]
    kept = [data_dir / config.SECRET_KEY_FILENAME, data_dir / "models"]
    for path in saved:
        path.write_text('{"answers": {"safe_now": "not_safe"}}')
    (data_dir / "models").mkdir(exist_ok=True)
    client.post("/data/delete/", {"confirm": "on"})
    assert [p for p in saved if p.exists()] == []
    assert all(p.exists() for p in kept)


def test_it_reports_what_it_deleted(stored: Person) -> None:
    from therapycheck.web.exchange.services import delete_everything

    deleted: dict[str, Any] = delete_everything(stored)
    assert deleted["tracking.Measurement"] == 4
    assert deleted["checkups.Checkup"] == 1
    assert snapshot(stored) == EMPTY
