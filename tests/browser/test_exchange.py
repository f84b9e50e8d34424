"""Your data page in a real browser: export, delete, import the export back."""

from __future__ import annotations

import datetime as dt

from therapycheck.interop._instruments import scored_measurement
from therapycheck.web.accounts.current import personal_person
from therapycheck.web.exchange import convert
from therapycheck.web.tracking.models import Measurement

from .conftest import Session


def test_an_export_can_be_deleted_and_imported_back(session: Session) -> None:
    page = session.page
    person = personal_person()
    for n, answers in enumerate([(2,) * 9, (1,) * 8 + (0,), (1, 0, 0, 1, 0, 0, 1, 0, 0)], 1):
        record = scored_measurement("phq9", answers, dt.date(2025, 3, 1) + dt.timedelta(weeks=n), n)
        convert.new_measurement(person, record).save()
    before = sorted(Measurement.objects.values_list("session_number", "total", "answers"))

    session.goto("/data/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download everything as a FHIR file (.json)").click()
    exported = download_info.value.path().read_bytes()
    with page.expect_download() as zip_info:
        page.get_by_role(
            "link", name="Download everything as spreadsheets (.zip of CSV files)"
        ).click()
    assert zip_info.value.suggested_filename.endswith("-csv.zip")

    session.goto("/data/delete/")
    page.get_by_label("I understand").check()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Delete everything").click()
    assert Measurement.objects.count() == 0

    session.goto("/data/")
    page.set_input_files(
        "#id_file",
        files=[{"name": "export.json", "mimeType": "application/json", "buffer": exported}],
    )
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Check this file").click()
    assert "Check before you import" in page.content()
    session.audit("data-import-preview")
    assert Measurement.objects.count() == 0
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Import now").click()
    assert "Imported 3 questionnaires" in page.locator(".messages").inner_text()
    session.audit("data-imported")
    assert sorted(Measurement.objects.values_list("session_number", "total", "answers")) == before


def test_a_bad_file_shows_a_clear_error_in_the_browser(session: Session) -> None:
    page = session.page
    session.goto("/data/")
    page.set_input_files(
        "#id_file",
        files=[{"name": "photo.png", "mimeType": "image/png", "buffer": b"\x89PNG\x00\x01"}],
    )
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Check this file").click()
    alert = page.get_by_role("alert")
    assert "We could not import that file" in alert.inner_text()
    assert "Nothing was saved" in alert.inner_text()
    session.audit("data-import-error")
