"""The after-session check-in in a real browser: one screen, keyboard only, named controls,
axe-clean at phone and desktop sizes, and nothing wider than a 360 px phone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from therapycheck.web.tracking.models import Measurement

from .conftest import DESKTOP, PHONE, Session, run_axe, save_screenshots
from .keyboard import button_named, calm_answers, fill_and_submit, tab_to_and_press

NARROW = {"width": 360, "height": 740}

# Every form control and link, with the accessible name a screen reader would read (a
# simple version of the accessible-name rules: aria-labelledby, aria-label, <label>, the
# fieldset's legend for an option, the element's own text).
UNNAMED = """() => {
  const named = el => {
    if (el.getAttribute('aria-labelledby')) return true;
    if ((el.getAttribute('aria-label') || '').trim()) return true;
    if (el.labels && [...el.labels].some(l => l.textContent.trim())) return true;
    if (['BUTTON', 'A', 'SUMMARY'].includes(el.tagName) && el.textContent.trim()) return true;
    return false;
  };
  return [...document.querySelectorAll(
      'input:not([type=hidden]), select, textarea, button, a[href], summary')]
    .filter(el => !named(el)).map(el => el.outerHTML.slice(0, 120));
}"""

SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def audit_both_sizes(session: Session, name: str) -> None:
    """axe serious/critical = 0 at 390 and 1280 px, no sideways scroll at 360 px, screenshots."""
    page = session.page
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        violations = run_axe(page, session.axe)
        assert not violations, f"axe at {size['width']} px:\n" + "\n".join(violations)
    page.set_viewport_size(NARROW)
    assert page.evaluate(SIDEWAYS) <= 0, f"{name} scrolls sideways at 360 px"
    assert page.evaluate(UNNAMED) == [], f"{name} has controls without a name"
    save_screenshots(page, name)
    page.set_viewport_size(DESKTOP)


def test_phq9_and_gad7_take_one_screen_by_keyboard_only_on_a_phone(session: Session) -> None:
    page = session.page
    shown: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: shown.append(frame.url) if frame == page.main_frame else None,
    )
    page.set_viewport_size(PHONE)
    session.goto("/measures/check-in/")
    audit_both_sizes(session, "check-in")
    page.set_viewport_size(PHONE)
    answered = fill_and_submit(page, calm_answers, submit=button_named("Save my check-in"))
    assert len(answered) == 9 + 7, answered
    # Screens of questions: every page shown at the check-in's address (a page sent back
    # with errors would be a second one). One, then the saved page.
    questions = [url for url in shown if url == session.url("/measures/check-in/")]
    assert len(questions) == 1, shown
    assert "/measures/check-in/" in page.url and page.url != shown[0]
    assert sorted(Measurement.objects.values_list("instrument", flat=True)) == ["gad7", "phq9"]
    audit_both_sizes(session, "check-in-done")


def test_the_check_in_error_summary_links_move_to_the_field(session: Session) -> None:
    page = session.page
    session.goto("/measures/check-in/")
    for n in range(1, 10):
        if n != 4:
            page.check(f"#id_phq9-item_{n}_0")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Save my check-in").click()
    summary = page.locator(".error-summary")
    assert summary.count() == 1
    links = summary.locator("a")
    texts = links.all_inner_texts()
    assert "PHQ-9, question 4: Please choose an answer." in texts
    assert [text for text in texts if "GAD-7" in text] == [
        "You have not answered the GAD-7 yet. Answer its questions, or leave it out for "
        "this session."
    ]
    # Nothing saved yet except nothing: PHQ-9 is incomplete and GAD-7 is empty.
    assert Measurement.objects.count() == 0
    audit_both_sizes(session, "check-in-errors")
    links.first.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "id_phq9-item_4_0"
    # The browser's own validation bubbles never show: the forms say novalidate.
    assert page.locator("form.check-in-form[novalidate]").count() == 1


def test_the_session_0_check_in_never_shows_the_wai_sr(session: Session) -> None:
    page = session.page
    session.goto("/measures/check-in/")
    page.locator("summary", has_text="Questionnaires this time").click()
    page.fill("#id_session_number", "0")
    page.check("input[name=measures][value=wai_sr]")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Show my choice").click()
    assert page.locator("#q-wai_sr").count() == 1
    for n in range(1, 10):
        page.check(f"#id_phq9-item_{n}_0")
    for n in range(1, 8):
        page.check(f"#id_gad7-item_{n}_0")
    for fieldset in page.locator("section[aria-labelledby='q-wai_sr'] fieldset.item").all():
        fieldset.locator("input[type=radio]").first.check()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Save my check-in").click()
    assert "not asked at session 0" in page.locator(".error-summary").inner_text()
    assert set(Measurement.objects.values_list("instrument", flat=True)) == {"phq9", "gad7"}
    assert page.locator(".check-in-saved").count() == 1


def test_the_reminder_page_makes_a_calendar_file_by_keyboard(session: Session) -> None:
    page = session.page
    session.goto("/measures/reminders/")
    audit_both_sizes(session, "check-in-reminders")
    page.select_option("#id_weekday", "3")
    page.fill("#id_at", "19:15")
    page.check("#id_every_weeks_1")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the calendar file (.ics)").press("Enter")
    download: Any = download_info.value
    body = Path(download.path()).read_text(encoding="utf-8")
    assert "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH" in body
    assert "DTSTART:" in body and "T191500" in body


def test_the_journal_suggests_the_session_and_its_errors_are_the_apps_own(
    session: Session,
) -> None:
    from therapycheck.web.accounts.current import personal_person
    from therapycheck.web.tracking.services import save_measurement

    save_measurement(
        personal_person(), "phq9", [1] * 8 + [0], session_number=5, taken_on=dt.date.today()
    )
    page = session.page
    session.goto("/journal/new/")
    assert page.input_value("#id_session_number") == "5"
    page.fill("#id_session_number", "-3")
    page.fill("#id_entry_date", "")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Save", exact=True).click()
    texts = page.locator(".error-summary a").all_inner_texts()
    assert texts == [
        "Session number: The session number cannot be below 0. Use 0 for before therapy started.",
        "Date of the session: Enter the date.",
    ]
    # The browser never shows its own bubble (the form says novalidate), and the words are
    # the app's, not Django's defaults.
    assert page.locator("main form[novalidate]").count() == 1
    main = page.locator("main").inner_text()
    assert "greater than or equal" not in main and "This field is required" not in main
    audit_both_sizes(session, "journal-errors")


def test_a_single_questionnaire_with_errors_and_the_report_with_a_risk_answer_pass_axe(
    session: Session,
) -> None:
    from therapycheck.web.accounts.current import personal_person
    from therapycheck.web.tracking.services import save_measurement

    page = session.page
    session.goto("/measures/gad7/new/")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Save and see my score").click()
    assert page.locator(".error-summary a").all_inner_texts() == [
        "You have not answered the GAD-7 yet. Please choose an answer for each question."
    ]
    audit_both_sizes(session, "measure-errors")
    save_measurement(
        personal_person(), "phq9", [1] * 8 + [1], session_number=1, taken_on=dt.date.today()
    )
    session.goto("/report/")
    assert "Answers about safety" in page.locator("main").inner_text()
    audit_both_sizes(session, "report-risk-answer")


def test_a_check_in_from_today_is_used_in_the_check_up_with_one_key_press(
    session: Session,
) -> None:
    from therapycheck.web.checkups.models import Checkup

    from .test_journey import _is_next, log_check_in

    page = session.page
    log_check_in(session, 3, dt.date.today(), [1, 1, 1, 0, 0, 1, 0, 0, 0], [1, 0, 1, 0, 0, 0, 0])
    session.goto("/checkup/")
    tab_to_and_press(page, button_named("Start a check-up"))
    for _ in range(30):
        if "/measure/phq9/" in page.url:
            break
        fill_and_submit(page, calm_answers, submit=_is_next)
    assert "/measure/phq9/" in page.url, page.url
    assert page.get_by_role("heading", name="You answered this today").count() == 1
    audit_both_sizes(session, "checkup-reuse-check-in")
    page.goto(page.url)  # back to the top of the page for the keyboard
    tab_to_and_press(page, button_named("Use my answers from"))
    assert "/measure/phq9/" not in page.url
    checkup = Checkup.objects.get()
    assert checkup.answers["measures"]["phq9"] == [1, 1, 1, 0, 0, 1, 0, 0, 0]
    assert checkup.answers["measured_at"] == {"phq9": 3}


TICK = """(wanted) => {
  const el = document.activeElement;
  if (!el || el.type !== 'checkbox') return null;
  const label = el.labels && el.labels[0] ? el.labels[0].innerText.trim() : '';
  return {label, name: el.name, checked: el.checked, wanted: label.startsWith(wanted)};
}"""


def test_a_tick_list_in_the_sections_about_why_is_ticked_by_keyboard_only(
    session: Session,
) -> None:
    """The sections about why ask in tick lists (issue 14): one screen of statements, each
    a named checkbox reached by Tab and ticked with Space."""
    from tests.web.checkups.test_tick_lists import STUCK
    from therapycheck.web.accounts.current import personal_person
    from therapycheck.web.checkups import services
    from therapycheck.web.checkups.models import Checkup

    from .test_journey import _is_next

    person = personal_person()
    checkup = services.start_or_resume(person)
    checkup.answers = {"answers": dict(STUCK), "measures": {}}
    checkup.save()
    page = session.page
    session.goto(f"/checkup/{checkup.pk}/section/barriers/")
    assert page.get_by_role("checkbox", name="Part of me is not sure").count() == 1
    audit_both_sizes(session, "checkup-tick-list")
    page.goto(page.url)
    wanted = ["There is a hard topic", "Outside therapy, I don't have many people"]
    ticked: list[str] = []
    for _ in range(200):
        page.keyboard.press("Tab")
        info = page.evaluate(TICK, wanted[len(ticked)] if len(ticked) < len(wanted) else "\x00")
        if info and info["wanted"] and not info["checked"]:
            page.keyboard.press("Space")
            ticked.append(info["label"])
        if len(ticked) == len(wanted):
            break
    assert len(ticked) == 2, ticked
    # Then "None of these" in the next list, about practical barriers.
    for _ in range(200):
        page.keyboard.press("Tab")
        info = page.evaluate(TICK, "None of these")
        if info and info["wanted"] and info["name"] == "q-barriers":
            page.keyboard.press("Space")
            break
    fill_and_submit(page, calm_answers, submit=_is_next)
    saved = Checkup.objects.get(pk=checkup.pk).answer_map()
    assert saved["in_therapy"] == ["avoided_topic", "little_support"]
    assert saved["barriers"] == ["none"]
