"""After a check-up finds a therapist's conduct unsafe, no crisis step anywhere sends the
person to a therapist: the banner on every page, a questionnaire's risk answer, /help/, the
report. (The check-up's own results page is tested in tests/core/test_misconduct.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.web.reports.test_views import ITEM9_PHQ9, finished_checkup
from tests.web.tracking.test_measure_views import answers_post
from therapycheck.web.accounts.models import Person
from therapycheck.web.accounts.safety import banner_response, misconduct_found, response_for

pytestmark = pytest.mark.django_db

MISCONDUCT = {"conduct": ["touched"]}
CALM = {"safe_now": "safe", "harm_worry": "no", "harm_others": "no", "danger_from_others": "no"}


def names_a_therapist(steps: Any) -> bool:
    return any("therapist" in step.lower() for step in steps)


def answer_phq9_with_a_risk_answer(client: Client) -> Any:
    return client.post("/measures/phq9/new/", answers_post(ITEM9_PHQ9, session=3), follow=True)


def test_without_a_misconduct_finding_a_crisis_step_may_suggest_the_therapist(
    client: Client, person: Person
) -> None:
    # The contrast that keeps the tests below honest: the usual step names the therapist.
    finished_checkup(person, CALM)
    assert not misconduct_found(person)
    answer_phq9_with_a_risk_answer(client)
    response = banner_response(person)
    assert response is not None and names_a_therapist(response.steps)


def test_after_a_misconduct_finding_a_questionnaire_risk_answer_never_names_the_therapist(
    client: Client, person: Person
) -> None:
    finished_checkup(person, {**CALM, **MISCONDUCT})
    assert misconduct_found(person)
    page = answer_phq9_with_a_risk_answer(client)
    assert page.status_code == 200
    banner = banner_response(person)
    assert banner is not None and banner.crisis and banner.steps
    assert not names_a_therapist(banner.steps)
    help_page = client.get("/help/").content.decode().lower()
    assert "like your therapist" not in help_page
    report = client.get("/report/").context["safety"]
    assert report is not None and not names_a_therapist(report.steps)


def test_after_a_misconduct_finding_the_reports_safety_answers_are_not_for_that_therapist(
    client: Client, person: Person
) -> None:
    import io

    import pypdf

    from therapycheck.web.reports import pdf
    from therapycheck.web.reports.services import build_report

    finished_checkup(person, {**CALM, **MISCONDUCT})
    answer_phq9_with_a_risk_answer(client)
    for url in ("/report/", "/report/print/"):
        html = client.get(url).content.decode()
        risk = html[html.index('id="risk-heading"') :]
        risk = risk[: risk.index("</section>")]
        assert "Your therapist will want" not in risk, url
        if url == "/report/":
            assert "A doctor or a new therapist will want to know" in risk
    # A calm PHQ-9 since: the risk answer is still listed, now under its own heading.
    calm = answers_post([1, 1, 1, 1, 0, 1, 1, 0, 0], session=4, token="calm")
    client.post("/measures/phq9/new/", calm, follow=True)
    data = build_report(person, charts=False)
    assert data.misconduct and data.risk_answers and data.safety is None
    reader = pypdf.PdfReader(io.BytesIO(pdf.render_pdf(data, compress=False)))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "A doctor or a new therapist will want to know about these answers." in text
    assert "Your therapist will want" not in text


def test_without_a_finding_the_reports_safety_answers_are_for_the_therapist(
    client: Client, person: Person
) -> None:
    finished_checkup(person, CALM)
    answer_phq9_with_a_risk_answer(client)
    html = client.get("/report/").content.decode()
    assert "Your therapist will want to know about them." in html


def test_a_later_check_up_without_the_finding_lifts_the_rule(
    client: Client, person: Person
) -> None:
    finished_checkup(person, {**CALM, **MISCONDUCT})
    finished_checkup(person, CALM)
    assert not misconduct_found(person)
    assert names_a_therapist(response_for(person, reasons=["A reason."]).steps)


def _quick_check_with_a_risk_answer(client: Client) -> str:
    from tests.web.checkups.test_quick_check import CALM as QUICK_CALM
    from therapycheck.web.checkups.models import Checkup

    client.post("/checkup/quick/", {**QUICK_CALM, "q-harm_worry": "yes"})
    checkup = Checkup.objects.filter(status=Checkup.Status.IN_PROGRESS).get()
    return client.get(f"/checkup/{checkup.pk}/quick/answer/").content.decode()


def test_without_a_finding_the_quick_answer_offers_a_plan_to_talk_through_with_the_therapist(
    client: Client, person: Person
) -> None:
    finished_checkup(person, CALM)
    assert "a plan to talk through with your therapist" in _quick_check_with_a_risk_answer(client)


def test_after_a_finding_the_quick_answer_never_suggests_talking_it_through_with_the_therapist(
    client: Client, person: Person
) -> None:
    # The quick check has no questions about the therapist's conduct, so an earlier
    # finding still holds while it is in progress.
    finished_checkup(person, {**CALM, **MISCONDUCT})
    html = _quick_check_with_a_risk_answer(client)
    assert "Your safety comes first" in html
    assert "Go on to the full check-up" in html
    assert "talk through with your therapist" not in html
    assert "like your therapist" not in html


def test_after_a_finding_a_check_up_in_progress_never_names_the_therapist_in_a_crisis(
    client: Client, person: Person
) -> None:
    from therapycheck.web.checkups import services
    from therapycheck.web.checkups.models import Checkup

    finished_checkup(person, {**CALM, **MISCONDUCT})
    from django.utils import timezone

    now = timezone.now()
    current = Checkup.objects.create(
        person=person,
        answers={"answers": {"harm_worry": "yes"}, "measures": {}},
        started_at=now,
        updated_at=now,
    )
    live = services.live_report(current)
    assert live["safety"]["crisis"]
    assert not names_a_therapist(live["safety"]["steps"])
    # Finished without the finding, its own answers decide (the rule lifts).
    frozen = services.live_report(current, in_progress=False)
    assert names_a_therapist(frozen["safety"]["steps"])
