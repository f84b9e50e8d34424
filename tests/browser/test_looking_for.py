"""The "what I'm looking for" summary in a real browser: made and downloaded in personal
mode, uploaded on a clinic's match page (a good file fills the form; a bad one says why).
axe serious/critical = 0 at both widths on every page, no sideways scroll."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.web.clinic_personas import (  # noqa: F401 (fixtures used by name)
    client_a,
    clinic_mode,
    clinician,
    clinics,
    sign_in,
)
from tests.web.directory.test_matching import make_checkup

from .conftest import Session, check_both_widths

pytestmark = pytest.mark.django_db(transaction=True)


def click_and_wait(tab: Session, locator: Any) -> None:
    with tab.page.expect_navigation(wait_until="load"):
        locator.click()


def test_a_person_makes_and_downloads_their_summary_with_scores_left_out(
    session: Session, tmp_path: Path
) -> None:
    from therapycheck.web.accounts.current import personal_person

    make_checkup(
        personal_person(),
        {"concerns": ["anxiety"], "wants_different": "more_practical"},
        {
            "findings": [{"factor": "modality_fit", "severity": "medium"}],
            "measures": {"phq9": {"total": 12}},
        },
    )
    tab, page = session, session.page
    tab.goto("/looking-for/")
    check_both_widths(tab, "looking-for")
    assert page.get_by_label("Anxiety or worry").is_checked()
    assert not page.get_by_label("Include my questionnaire scores from this check-up").is_checked()
    page.get_by_label("Weekday evenings (5pm to 10pm)").check()
    page.get_by_label("Your time zone").select_option("Europe/London")
    click_and_wait(tab, page.get_by_role("button", name="Show my summary"))
    summary = page.locator(".looking-for-summary")
    assert "Weekday evenings (5pm to 10pm), in Europe/London time" in summary.inner_text()
    check_both_widths(tab, "looking-for-summary")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the file (.json)").click()
    download = info.value
    assert download.suggested_filename == "what-im-looking-for.json"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    doc = json.loads(saved.read_text(encoding="utf-8"))
    assert doc["scores"] is None
    assert doc["preferences"]["times"] == ["weekday_evenings"]


def sign_in_tab(tab: Session, user: Any) -> None:
    tab.page.context.clear_cookies()
    name = django_settings.SESSION_COOKIE_NAME
    cookie = sign_in(Client(), user).cookies[name]
    tab.page.context.add_cookies([{"name": name, "value": cookie.value, "url": tab.origin}])


def test_a_client_uploads_a_summary_and_a_bad_file_is_explained(
    clinic_session: Session,
    client_a: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    from therapycheck.core.looking_for import LookingFor
    from therapycheck.web.directory.looking_for import dumps

    good = tmp_path / "mine.json"
    good.write_text(
        dumps(LookingFor(concerns=("anxiety",), language="es", identity="Calm and direct")),
        encoding="utf-8",
    )
    bad = tmp_path / "notes.json"
    bad.write_text("Dear clinic, I would like someone kind.", encoding="utf-8")
    tab, page = clinic_session, clinic_session.page
    sign_in_tab(tab, client_a)
    tab.goto("/specialists/match/")
    page.get_by_label('Your "what I\'m looking for" file').set_input_files(str(bad))
    click_and_wait(tab, page.get_by_role("button", name="Fill in the form from my file"))
    errors = page.locator(".error-summary")
    assert "The file is not valid JSON" in errors.inner_text()
    check_both_widths(tab, "match-upload-error")
    page.get_by_label('Your "what I\'m looking for" file').set_input_files(str(good))
    click_and_wait(tab, page.get_by_role("button", name="Fill in the form from my file"))
    assert "We filled in the form from your file" in page.content()
    assert page.get_by_label("Anxiety or worry").is_checked()
    assert page.get_by_label("Language you need").input_value() == "es"
    assert page.get_by_label(
        "Anything else about the specialist's identity or background that matters to you"
    ).input_value() == ("Calm and direct")
    check_both_widths(tab, "match-upload-filled")
