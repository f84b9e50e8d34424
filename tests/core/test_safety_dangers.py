"""Safety for every kind of danger: risk to self, risk to others, danger from someone else.

Stories first, answered through the question bank, then the response each one gets.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from therapycheck.core.checkup import evaluate
from therapycheck.core.plan import build_plan
from therapycheck.core.safety import DANGERS, countries, crisis_resources, safety_response

TODAY = datetime.date(2026, 12, 5)
CALM = {"safe_now": "safe", "harm_worry": "no", "harm_others": "no", "danger_from_others": "no"}
SELF_HARM_WORDS = ("ending your life", "hurt yourself", "hurting yourself")


def plan_for(answers: dict[str, Any], **doc: Any) -> Any:
    evaluation = evaluate({"answers": {**CALM, **answers}, **doc})
    return evaluation, build_plan(evaluation, today=TODAY)


def test_a_person_afraid_of_their_partner_gets_help_for_danger_from_someone_else() -> None:
    # Maya lives with a partner who has hit her. She feels safe this minute, but says she
    # is afraid he might hurt her. She has no thoughts of hurting herself.
    evaluation, plan = plan_for({"danger_from_others": "yes"}, country="GB")
    assert evaluation.dangers == ("from_others",)
    safety = plan.safety
    assert safety.crisis and safety.dangers == ("from_others",)
    assert "afraid that someone might hurt you" in safety.message
    text = " ".join([safety.message, *safety.steps])
    assert not any(words in text for words in SELF_HARM_WORDS)
    # The domestic-abuse line comes first, then the other help.
    assert safety.resources[0].name == "National Domestic Abuse Helpline (Refuge)"
    assert safety.steps[0] == "If you are in danger right now, call 999."
    assert plan.actions[0].action == "crisis_support_now"
    assert plan.actions[0].steps == safety.steps


def test_a_person_afraid_of_hurting_someone_gets_a_response_about_others() -> None:
    # Sam has had strong urges to hit his brother during arguments this week.
    evaluation, plan = plan_for({"harm_others": "yes"}, country="US")
    assert evaluation.dangers == ("others",)
    assert "might hurt someone else" in plan.safety.message
    assert not any(w in plan.safety.message for w in SELF_HARM_WORDS)
    assert any("anything you could use to hurt someone" in s for s in plan.safety.steps)
    assert all(r.name != "National Domestic Violence Hotline" for r in plan.safety.resources)


def test_thoughts_of_self_harm_on_the_phq9_get_the_self_harm_response_and_text_line() -> None:
    # Item 9 of the PHQ-9 answered "Several days" (1): thoughts of being better off dead.
    evaluation, plan = plan_for({}, measures={"phq9": [1, 1, 1, 1, 1, 1, 1, 1, 1]}, country="GB")
    assert evaluation.dangers == ("self",)
    assert "ending your life or hurting yourself" in plan.safety.message
    assert any(r.name == "Shout" and r.contact == "85258" for r in plan.safety.resources)
    assert any("Shout" in step and "85258" in step for step in plan.safety.steps)


def test_two_kinds_of_danger_are_both_answered_with_one_emergency_step() -> None:
    evaluation, plan = plan_for({"harm_worry": "yes", "danger_from_others": "yes"}, country="AU")
    assert evaluation.dangers == ("self", "from_others")
    message = plan.safety.message
    assert "ending your life" in message and "afraid that someone might hurt you" in message
    emergency_steps = [s for s in plan.safety.steps if "000" in s and "call" in s]
    assert len(emergency_steps) == 1
    assert {"1800RESPECT", "Lifeline"} <= {r.name for r in plan.safety.resources}


def test_not_safe_with_nothing_more_said_gets_the_general_response() -> None:
    evaluation, plan = plan_for({"safe_now": "not_safe"})
    assert evaluation.dangers == ("unspecified",)
    assert "may not be safe right now" in plan.safety.message


def test_a_named_danger_replaces_the_general_one() -> None:
    evaluation, _ = plan_for({"safe_now": "not_safe", "harm_others": "yes"})
    assert evaluation.dangers == ("others",)


@pytest.mark.parametrize("code", [code for code, _ in countries()][:-1])
def test_every_country_has_help_for_danger_from_someone_else(code: str) -> None:
    specific = [r for r in crisis_resources(code) if r.dangers == ("from_others",)]
    assert specific, code
    response = safety_response(reasons=["afraid"], dangers=["from_others"], country=code)
    assert response.resources[0] == specific[0]


def test_the_international_fallback_still_points_somewhere_for_every_danger() -> None:
    for danger in DANGERS:
        response = safety_response(reasons=["x"], dangers=[danger], country=None)
        assert response.resources and response.steps
        assert "your local emergency number" in response.steps[0]


def test_without_a_crisis_the_response_never_says_nothing_points_to_an_emergency() -> None:
    response = safety_response(country="GB")
    assert not response.crisis
    assert "Nothing in your answers" not in response.message
    assert "999" in response.message
