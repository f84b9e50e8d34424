"""The results page and the report show the plan as the core made it (issue 12 items 4, 6)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.web.reports.test_views import finished_checkup
from therapycheck.web.accounts.models import Person
from therapycheck.web.checkups.models import Checkup

pytestmark = pytest.mark.django_db

CRISIS_WITH_MANY_CONCERNS: dict[str, Any] = {
    "safe_now": "not_safe",
    "sessions": 10,
    "trust": 1,
    "expecting": ["fast", "no_clear_goal"],
    "barriers": ["cost", "schedule"],
    "health_signs": ["never_asked"],
}


def test_a_crisis_plan_shows_a_few_steps_and_the_rest_when_the_person_is_ready(
    client: Client, person: Person
) -> None:
    checkup = finished_checkup(person, CRISIS_WITH_MANY_CONCERNS)
    result = checkup.stored_result()
    assert result is not None and result.later_actions
    html = client.get(f"/checkup/{checkup.pk}/").content.decode()
    plan = html.index('id="plan-heading"')
    later = html.index('id="later-heading"')
    assert plan < later
    assert "When you&#x27;re ready" in html or "When you're ready" in html
    # The plan's own order: the crisis step comes first on the page.
    assert html.index("Get support for your safety now") < later
    assert html.index(result.later_actions[0].title) > later


def test_the_results_page_offers_to_delete_this_check_up(client: Client, person: Person) -> None:
    checkup = finished_checkup(person, {"safe_now": "safe", "trust": 2})
    html = client.get(f"/checkup/{checkup.pk}/").content.decode()
    assert f'href="/checkup/{checkup.pk}/delete/"' in html


def test_the_printed_report_shows_the_first_step_of_each_top_action(
    client: Client, person: Person
) -> None:
    finished_checkup(person, {"safe_now": "safe", "trust": 1, "heard": 1, "sessions": 6})
    html = client.get("/report/print/").content.decode()
    checkup_result = Checkup.objects.get(person=person).stored_result()
    assert checkup_result is not None
    first = checkup_result.actions[0]
    assert first.steps[0].split(".")[0] in html


def test_the_crisis_step_on_the_results_page_uses_the_country_chosen_since(
    client: Client, person: Person
) -> None:
    # Finished before a country was chosen: the stored plan says "your local emergency
    # number". Once GB is chosen, the next step and the plan say 999.
    checkup = finished_checkup(person, {"safe_now": "not_safe"})
    result = checkup.stored_result()
    assert result is not None
    assert "your local emergency number" in result.actions[0].steps[0]
    person.country = "GB"
    person.save()
    html = client.get(f"/checkup/{checkup.pk}/").content.decode()
    plan = html[html.index('id="plan-heading"') :]
    assert "call 999" in plan
    assert "your local emergency number" not in plan
