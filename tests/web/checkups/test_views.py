"""The check-up pages: start/resume, screens, back and forward, errors, safety, results."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tests.web.checkups.walk import measure_form, section_form, walk
from therapycheck.web.accounts.models import Person, SafetyEvent
from therapycheck.web.checkups import labels, wizard
from therapycheck.web.checkups.models import Checkup

pytestmark = pytest.mark.django_db

NOT_SAFE = {"safe_now": "not_safe"}
DUAL_FRIEND = {"dual_relationship": "yes", "dual_kind": ["friend"]}


def _html(response: Any) -> str:
    return response.content.decode()


def _start(client: Client) -> Checkup:
    response = client.post("/checkup/", {"action": "start"})
    assert response.status_code == 302
    return Checkup.objects.get()


def _step_url(checkup: Checkup, key: str) -> str:
    kind, _, ref = key.partition(":")
    return f"/checkup/{checkup.pk}/{kind}/{ref}/"


# --- start and resume ------------------------------------------------------------------


def test_the_start_page_offers_to_start_a_check_up(client: Client, person: Person) -> None:
    response = client.get("/checkup/")
    assert response.status_code == 200
    assert "Start a check-up" in _html(response)
    assert "Continue where you left off" not in _html(response)


def test_starting_opens_the_first_screen_with_a_labelled_progress_bar(
    client: Client, person: Person
) -> None:
    response = client.post("/checkup/", {"action": "start"}, follow=True)
    html = _html(response)
    steps = wizard.steps_for(Checkup.objects.get().answers)
    assert f"Step 1 of {len(steps)}" in html
    assert re.search(r'<progress max="\d+" value="1" aria-labelledby="progress-label">', html)
    assert "<fieldset" in html and "<legend>" in html


def test_a_double_clicked_start_makes_only_one_check_up(client: Client, person: Person) -> None:
    client.post("/checkup/", {"action": "start"})
    client.post("/checkup/", {"action": "start"})
    assert Checkup.objects.filter(person=person).count() == 1


def test_coming_back_days_later_offers_the_unfinished_check_up(
    client: Client, person: Person
) -> None:
    checkup, _ = walk(client, stop_at="section:relationship")
    four_days_ago = timezone.now() - dt.timedelta(days=4)
    Checkup.objects.filter(pk=checkup.pk).update(started_at=four_days_ago, updated_at=four_days_ago)
    html = _html(client.get("/checkup/"))
    assert "Continue where you left off" in html
    assert "4 days ago" in html
    response = client.post("/checkup/", {"action": "resume"})
    assert response["Location"] == _step_url(checkup, "section:relationship")
    kept = Checkup.objects.get(pk=checkup.pk).answers["answers"]
    assert kept["safe_now"] == "safe"


def test_starting_again_needs_a_confirmation_and_then_clears_the_old_answers(
    client: Client, person: Person
) -> None:
    checkup, _ = walk(client, stop_at="section:relationship")
    refused = client.post("/checkup/", {"action": "restart", "checkup": checkup.pk})
    assert refused.status_code == 400
    assert Checkup.objects.filter(pk=checkup.pk).exists()
    client.post("/checkup/", {"action": "restart", "checkup": checkup.pk, "confirm": "yes"})
    fresh = Checkup.objects.get(person=person)
    assert fresh.pk != checkup.pk
    assert fresh.answers["answers"] == {}


def test_an_unknown_start_action_is_a_clear_error_not_a_crash(
    client: Client, person: Person
) -> None:
    response = client.post("/checkup/", {"action": "explode"})
    assert response.status_code == 400
    assert "choose one of the buttons" in _html(response)


# --- moving through the screens --------------------------------------------------------


def test_next_saves_the_screen_and_moves_forward(client: Client, person: Person) -> None:
    checkup = _start(client)
    response = client.post(_step_url(checkup, "section:about"), section_form(checkup, "about"))
    assert response["Location"] == _step_url(checkup, "section:safety")
    checkup.refresh_from_db()
    assert checkup.answers["answers"]["sessions"] == 6
    assert checkup.current_section == "section:safety"


def test_back_keeps_the_answers_and_goes_to_the_previous_screen(
    client: Client, person: Person
) -> None:
    checkup, url = walk(client, stop_at="section:relationship")
    data = section_form(checkup, "relationship", {"trust": 5})
    data["nav"] = "back"
    response = client.post(url, data)
    assert response["Location"] == _step_url(checkup, "section:safety")
    checkup.refresh_from_db()
    assert checkup.answers["answers"]["trust"] == 5
    again = _html(client.get(_step_url(checkup, "section:relationship")))
    assert re.search(r'name="q-trust" value="5" checked', again)


def test_prefer_not_to_say_is_offered_on_every_question_and_stored_as_skipped(
    client: Client, person: Person
) -> None:
    checkup = _start(client)
    html = _html(client.get(_step_url(checkup, "section:about")))
    questions = wizard.section_questions(checkup.answers, "about")
    assert html.count("Prefer not to say") == len(questions)
    data = section_form(checkup, "about", {"sessions": "skip", "frequency": "skip"})
    client.post(_step_url(checkup, "section:about"), data)
    checkup.refresh_from_db()
    assert checkup.answers["answers"]["sessions"] == "skip"
    assert checkup.answers["answers"]["frequency"] == "skip"


def test_a_follow_up_on_the_same_screen_appears_after_the_answer_that_opens_it(
    client: Client, person: Person
) -> None:
    checkup, url = walk(client, stop_at="section:boundaries")
    assert "dual_kind" not in _html(client.get(url))
    data = section_form(checkup, "boundaries", {"dual_relationship": "yes"})
    response = client.post(url, data)
    assert response["Location"] == url + "?more=1"
    html = _html(client.get(response["Location"]))
    assert 'name="q-dual_kind"' in html
    assert "we added a question" in html
    new_marker = html.index("New question</span>")
    assert html.index("<legend>", new_marker - 80) < new_marker < html.index('name="q-dual_kind"')


def test_changing_an_answer_back_removes_the_follow_up_answer(
    client: Client, person: Person
) -> None:
    checkup, _url = walk(client, DUAL_FRIEND, stop_at="section:progress")
    checkup.refresh_from_db()
    assert checkup.answers["answers"]["dual_kind"] == ["friend"]
    boundaries = _step_url(checkup, "section:boundaries")
    client.post(boundaries, section_form(checkup, "boundaries", {"dual_relationship": "no"}))
    checkup.refresh_from_db()
    assert "dual_kind" not in checkup.answers["answers"]


def test_validation_errors_keep_every_answer_and_link_to_the_fields(
    client: Client, person: Person
) -> None:
    checkup = _start(client)
    data = section_form(checkup, "about")
    data["q-sessions"] = "a dozen"
    del data["q-frequency"]
    response = client.post(_step_url(checkup, "section:about"), data)
    assert response.status_code == 400
    html = _html(response)
    assert 'class="error-summary' in html
    assert 'href="#f-sessions-input"' in html
    assert 'href="#f-frequency-0"' in html
    assert 'value="a dozen"' in html
    assert re.search(r'name="q-approach" value="\w+" checked', html)
    assert 'aria-describedby="f-sessions-help f-sessions-error"' in html


def test_a_questionnaire_with_a_missing_item_shows_an_error_and_keeps_the_rest(
    client: Client, person: Person
) -> None:
    checkup, url = walk(client, stop_at="measure:phq9")
    data = measure_form(checkup, "phq9", [1, 2, 1, 0, 0, 1, 0, 2, 0])
    del data["m-phq9-5"]
    response = client.post(url, data)
    assert response.status_code == 400
    html = _html(response)
    assert 'href="#f-phq9-5-0"' in html
    assert 'name="m-phq9-2" value="2" checked' in html


def test_a_questionnaire_can_be_skipped(client: Client, person: Person) -> None:
    checkup, url = walk(client, stop_at="measure:gad7")
    response = client.post(url, {"version": checkup.version, "nav": "skip_measure"})
    assert response["Location"] == _step_url(checkup, "measure:wai_sr")
    checkup.refresh_from_db()
    assert "gad7" not in checkup.answers["measures"]


def test_save_and_finish_later_goes_back_to_the_start_page(client: Client, person: Person) -> None:
    checkup = _start(client)
    data = section_form(checkup, "about") | {"nav": "later"}
    response = client.post(_step_url(checkup, "section:about"), data, follow=True)
    assert "Your answers are saved" in _html(response)
    checkup.refresh_from_db()
    assert checkup.answers["answers"]["sessions"] == 6


# --- stale and repeated forms ------------------------------------------------------------


def test_a_double_submitted_screen_saves_once_and_moves_on(client: Client, person: Person) -> None:
    checkup = _start(client)
    url = _step_url(checkup, "section:about")
    data = section_form(checkup, "about")
    first = client.post(url, data)
    second = client.post(url, data)
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Checkup.objects.filter(person=person).count() == 1


def test_a_stale_form_with_different_answers_is_shown_again_unsaved(
    client: Client, person: Person
) -> None:
    checkup = _start(client)
    url = _step_url(checkup, "section:about")
    old = section_form(checkup, "about")
    client.post(url, old)
    changed = old | {"q-sessions": "40"}
    response = client.post(url, changed)
    assert response.status_code == 200
    html = _html(response)
    assert "This page was out of date" in html
    assert 'value="40"' in html
    checkup.refresh_from_db()
    assert checkup.answers["answers"]["sessions"] == 6


def test_posting_to_a_finished_check_up_goes_to_its_results(client: Client, person: Person) -> None:
    checkup, _ = walk(client)
    response = client.post(_step_url(checkup, "measure:wai_sr"), {"version": "0"})
    assert response["Location"] == f"/checkup/{checkup.pk}/"
    assert Checkup.objects.filter(person=person).count() == 1


def test_someone_elses_check_up_is_not_found(
    client: Client, person: Person, other_person: Person
) -> None:
    now = timezone.now()
    theirs = Checkup.objects.create(person=other_person, started_at=now, updated_at=now)
    assert client.get(f"/checkup/{theirs.pk}/").status_code == 404
    assert client.get(_step_url(theirs, "section:about")).status_code == 404
    assert client.post(_step_url(theirs, "section:about"), {}).status_code == 404


def test_nonsense_urls_are_not_found_rather_than_errors(client: Client, person: Person) -> None:
    checkup = _start(client)
    assert client.get(f"/checkup/{checkup.pk}/section/no_such_section/").status_code == 302
    assert client.get("/checkup/99999999999999/").status_code == 404
    assert client.get(f"/checkup/{checkup.pk}/other/about/").status_code == 404


# --- safety -----------------------------------------------------------------------------


def test_saying_you_are_not_safe_shows_crisis_resources_on_the_next_screen(
    client: Client, person: Person
) -> None:
    _checkup, url = walk(client, NOT_SAFE, stop_at="section:relationship")
    html = _html(client.get(url))
    # In the check-up a compact crisis panel comes first, before the screen's heading,
    # in place of the full site banner (which would push the question off the screen).
    assert 'class="crisis-compact"' in html
    assert 'class="crisis-banner"' not in html
    assert html.index("crisis-compact") < html.index("<h1>")
    assert "Carry on when you feel ready" in html
    assert SafetyEvent.objects.filter(person=person, source="checkup").count() == 1


def test_after_hiding_the_banner_the_screen_still_shows_the_crisis_panel_first(
    client: Client, person: Person
) -> None:
    _checkup, url = walk(client, NOT_SAFE, stop_at="section:relationship")
    client.post(reverse("accounts:acknowledge_crisis"), {"next": url})
    html = _html(client.get(url))
    assert 'class="crisis-banner"' not in html
    assert html.index('class="crisis-compact"') < html.index("<h1>")


def test_the_site_banner_is_raised_once_per_check_up(client: Client, person: Person) -> None:
    walk(client, NOT_SAFE)
    assert SafetyEvent.objects.filter(person=person).count() == 1
    html = _html(client.get("/"))
    assert 'class="crisis-banner"' in html


def test_phq9_item_nine_above_zero_raises_the_crisis_response(
    client: Client, person: Person
) -> None:
    _checkup, url = walk(
        client, measures={"phq9": [1, 1, 1, 1, 1, 1, 1, 1, 1]}, stop_at="measure:gad7"
    )
    html = _html(client.get(url))
    assert html.index('class="crisis-compact"') < html.index("<h1>")
    assert SafetyEvent.objects.filter(person=person, source="checkup").exists()


# --- results ---------------------------------------------------------------------------


def test_finishing_shows_results_with_findings_why_and_a_plan(
    client: Client, person: Person
) -> None:
    checkup, url = walk(client, {"sessions": 2, "weeks": 2})
    assert checkup.status == Checkup.Status.COMPLETED
    assert checkup.result is not None
    html = _html(client.get(url))
    assert "What may be getting in the way" in html
    assert "Why we think this" in html
    assert "too_early" in checkup.factors()
    assert escape(labels.factor_title("too_early")) in html
    assert "Your plan" in html
    wait = next(a for a in checkup.result["actions"] if a["action"] == "give_it_time")
    recheck = dt.date.fromisoformat(wait["recheck_on"])
    assert f"Check again on or after {recheck:%A} {recheck.day} {recheck:%B %Y}" in html
    assert f'href="/checkup/{checkup.pk}/print/"' in html


def test_results_put_the_safety_response_first(client: Client, person: Person) -> None:
    _checkup, url = walk(client, NOT_SAFE)
    html = _html(client.get(url))
    main = html[html.index('<main id="main"') :]
    assert main.index("safety-response is-crisis") < main.index("What may be getting in the way")


def test_the_print_view_puts_safety_first_and_needs_no_script(
    client: Client, person: Person
) -> None:
    checkup, _ = walk(client, NOT_SAFE)
    response = client.get(f"/checkup/{checkup.pk}/print/")
    html = _html(response)
    assert response.status_code == 200
    assert "<script" not in html
    assert html.index("safety-response is-crisis") < html.index("What may be getting in the way")


def test_misconduct_is_never_answered_with_only_talk_to_your_therapist(
    client: Client, person: Person
) -> None:
    checkup, url = walk(client, DUAL_FRIEND)
    actions = [a["action"] for a in checkup.result["actions"]]
    assert checkup.factors()[0] == "boundary_violation"
    assert "report_misconduct" in actions
    assert actions != ["talk_to_therapist"]
    html = _html(client.get(url))
    assert "not something to “talk through”" in html
    assert html.index("What you described is not OK") < html.index("What may be getting in the way")
    assert "a talk with your therapist" not in html
    assert "a talk with someone you trust, or with a new therapist" in html


def test_an_earlier_check_up_is_listed_with_new_and_gone_factors(
    client: Client, person: Person
) -> None:
    first, _ = walk(client, DUAL_FRIEND)
    yesterday = timezone.now() - dt.timedelta(days=1)
    Checkup.objects.filter(pk=first.pk).update(completed_at=yesterday)
    _second, url = walk(client, {"sessions": 2, "weeks": 2})
    html = _html(client.get(url))
    assert "Since your check-up of" in html
    assert "No longer showing up" in html
    assert escape(labels.factor_title("boundary_violation")) in html
    assert "New this time" in html
    assert f'href="/checkup/{first.pk}/"' in html


def test_an_unfinished_check_up_has_no_results_yet(client: Client, person: Person) -> None:
    checkup = _start(client)
    assert client.get(f"/checkup/{checkup.pk}/")["Location"] == _step_url(checkup, "section:about")
    assert client.get(f"/checkup/{checkup.pk}/print/").status_code == 404


def test_pages_use_no_inline_scripts_or_styles(client: Client, person: Person) -> None:
    checkup, url = walk(client, NOT_SAFE)
    for page in ("/checkup/", url, f"/checkup/{checkup.pk}/print/"):
        html = _html(client.get(page))
        assert "<script" not in html
        assert "style=" not in html
        assert "<style" not in html


@pytest.mark.parametrize(
    "stored",
    [
        ["not", "a", "document"],
        {"answers": {"retired_question": "yes", "sessions": "lots"}, "measures": {"phq9": [9]}},
        {"answers": "nope", "measures": None, "country": 42},
    ],
)
def test_odd_stored_answers_from_an_import_still_open_and_finish(
    client: Client, person: Person, stored: Any
) -> None:
    now = timezone.now()
    Checkup.objects.create(person=person, answers=stored, started_at=now, updated_at=now)
    assert client.get("/checkup/").status_code == 200
    checkup, url = walk(client)
    assert checkup.status == Checkup.Status.COMPLETED
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "result",
    [
        None,
        ["a", "list"],
        {"findings": "text", "actions": {"x": 1}, "safety": "yes", "guide": 3, "switching": []},
        {
            "findings": [{"factor": "alliance", "why": "one reason"}, "junk"],
            "safety": {"crisis": 1},
        },
    ],
)
def test_odd_stored_results_from_an_import_still_show_every_page(
    client: Client, person: Person, result: Any
) -> None:
    now = timezone.now()
    checkup = Checkup.objects.create(
        person=person,
        status=Checkup.Status.COMPLETED,
        answers={},
        result=result,
        started_at=now,
        updated_at=now,
        completed_at=now,
    )
    for url in (f"/checkup/{checkup.pk}/", f"/checkup/{checkup.pk}/print/", "/checkup/"):
        assert client.get(url).status_code == 200, url
    assert client.get("/report/").status_code == 200
    assert client.get("/report/pdf/").content.startswith(b"%PDF-")


@pytest.mark.parametrize("bad_id", ["", "abc", "-1", "9" * 40])
def test_starting_again_with_a_bad_id_is_handled_calmly(
    client: Client, person: Person, bad_id: str
) -> None:
    checkup = _start(client)
    response = client.post("/checkup/", {"action": "restart", "checkup": bad_id, "confirm": "yes"})
    assert response.status_code == 302
    assert Checkup.objects.filter(person=person).count() == 1
    assert Checkup.objects.get(person=person).pk == checkup.pk
