"""A new person's whole journey in a real browser, every page checked with axe-core.

Check-up by keyboard only -> three sessions of measures -> progress chart and status ->
journal -> report and its print view -> FHIR export -> delete everything. On every page:
no serious or critical axe violation (WCAG 2.0/2.1/2.2 A and AA tags) and no request
leaving the server (see conftest.py).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from therapycheck.web.checkups.models import Checkup
from therapycheck.web.tracking.models import JournalEntry, Measurement

from .conftest import SCREENSHOTS, Session
from .keyboard import Chooser, button_named, calm_answers, fill_and_submit, tab_to_and_press

RESULTS = re.compile(r"/checkup/(\d+)/$")
MAX_STEPS = 40


def _is_next(info: dict[str, Any]) -> bool:
    return info["tag"] == "button" and info["name"] == "nav" and info["value"] == "next"


def keyboard_checkup(session: Session, choose: Chooser = calm_answers) -> int:
    """Start and finish a check-up with the keyboard only; returns the check-up's id."""
    session.goto("/checkup/")
    session.audit("checkup-start")
    tab_to_and_press(session.page, button_named("Start a check-up"))
    for step in range(MAX_STEPS):
        found = RESULTS.search(session.page.url)
        if found:
            return int(found.group(1))
        session.audit(f"checkup-step-{step + 1}", screenshots=step == 0)
        fill_and_submit(session.page, choose, submit=_is_next)
    raise AssertionError(f"the check-up did not finish in {MAX_STEPS} steps: {session.page.url}")


def _answer_items(scope: Any, values: list[int]) -> None:
    items = scope.locator("fieldset.item")
    assert items.count() == len(values)
    for n, value in enumerate(values):
        items.nth(n).locator(f"input[type=radio][value='{value}']").check()


def _answer_other_required(page: Any) -> None:
    """Any other questionnaire the check-in requires (e.g. the WAI-SR): a fairly good answer."""
    for section in page.locator("section.questionnaire").all():
        heading = section.locator("h2").inner_text()
        if heading.startswith(("PHQ-9", "GAD-7")) or "(optional" in heading:
            continue
        for item in section.locator("fieldset.item").all():
            options = item.locator("input[type=radio]")
            options.nth(options.count() - 2).check()


def log_check_in(
    session: Session, number: int, day: dt.date, phq9: list[int], gad7: list[int]
) -> None:
    page = session.page
    session.goto("/measures/check-in/")
    if number == 1:
        session.audit("check-in")
    page.fill("input[name$='session_number']", str(number))
    page.fill("input[name$='taken_on']", day.isoformat())
    _answer_items(page.locator("section[aria-labelledby='q-phq9']"), phq9)
    _answer_items(page.locator("section[aria-labelledby='q-gad7']"), gad7)
    _answer_other_required(page)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Save my check-in").click()
    bad = page.locator("fieldset.has-error").evaluate_all("els => els.map(e => e.id)")
    assert page.locator("#errors").count() == 0, (bad, page.locator(".error").all_inner_texts())
    assert page.url != session.url("/measures/check-in/")
    if number == 1:
        session.audit("check-in-done")


def write_journal(session: Session) -> None:
    page = session.page
    session.goto("/journal/new/")
    session.audit("journal-new")
    page.fill("#id_session_number", "3")
    page.fill("#id_entry_date", dt.date.today().isoformat())
    page.select_option("#id_feeling_before", "4")
    page.select_option("#id_feeling_after", "7")
    page.fill("#id_topics", "Sleep and work")
    page.fill("#id_avoided_topics", "My brother")
    page.check("input[name='homework'][value='partly']")
    page.fill("#id_notes", "Felt lighter after the session.")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Save", exact=True).click()
    assert page.locator(".error-summary").count() == 0, page.locator(".error").all_inner_texts()
    session.goto("/journal/")
    assert "Sleep and work" in page.content()
    session.audit("journal")


def test_a_new_person_goes_through_the_whole_journey(session: Session) -> None:
    page = session.page
    session.goto("/")
    session.audit("home")

    checkup_id = keyboard_checkup(session)
    session.audit("checkup-results")
    assert Checkup.objects.get(pk=checkup_id).status == "completed"
    assert page.locator(".crisis-banner").count() == 0

    session.goto("/measures/")
    session.audit("measures")
    today = dt.date.today()
    log_check_in(session, 1, today - dt.timedelta(days=14), [2] * 8 + [0], [2] * 7)
    log_check_in(session, 2, today - dt.timedelta(days=7), [1] * 8 + [0], [1] * 7)
    log_check_in(session, 3, today, [1, 1, 0, 0, 1, 0, 0, 1, 0], [1, 0, 0, 1, 0, 0, 0])
    assert Measurement.objects.filter(instrument__in=["phq9", "gad7"]).count() == 6

    session.goto("/progress/")
    assert page.locator("figure.chart svg").count() >= 2
    assert page.locator(".status").first.inner_text().strip()
    session.audit("progress")

    write_journal(session)
    assert JournalEntry.objects.count() == 1

    session.goto("/report/")
    session.audit("report")
    session.goto("/report/print/")
    session.audit("report-print")
    page.emulate_media(media="print")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "report-print-media.png"), full_page=True)
    pdf = page.pdf(path=str(SCREENSHOTS.parent / "report-print.pdf"))
    assert pdf.startswith(b"%PDF")
    page.emulate_media(media="screen")

    session.goto("/data/")
    session.audit("data")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download everything as a FHIR file (.json)").click()
    bundle = json.loads(download_info.value.path().read_text(encoding="utf-8"))
    kinds = [
        e["resource"]["resourceType"] for e in Bundle.model_validate(bundle).model_dump()["entry"]
    ]
    assert kinds.count("QuestionnaireResponse") == Measurement.objects.count()
    assert kinds.count("DocumentReference") >= 1  # the check-up

    session.goto("/data/delete/")
    session.audit("data-delete")
    page.get_by_label("I understand").check()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Delete everything").click()
    assert page.url.endswith("/data/delete/done/")
    session.audit("data-deleted")
    assert Measurement.objects.count() == 0
    assert Checkup.objects.count() == 0 and JournalEntry.objects.count() == 0
