"""The plan: findings -> ranked actions, conversation guide, switching checklist.

Rules under test come from shared/domain/FACTORS.md (principles 1-5) and the thresholds of
REFERENCES.md §4 (fewer than 3 sessions is too early; about 8 sessions without reliable
change is the time to review).
"""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from therapycheck.core.checkup import evaluate
from therapycheck.core.checkup.model import (
    ACTION_IDS,
    FACTOR_IDS,
    Context,
    Evaluation,
    Finding,
)
from therapycheck.core.plan import (
    Action,
    Checklist,
    ConversationGuide,
    Plan,
    action_title,
    build_plan,
    factor_label,
)

TODAY = datetime.date(2026, 11, 21)
# Steps with the same person must never be the answer to misconduct.
WITH_SAME_THERAPIST = {
    "talk_to_therapist",
    "review_progress_together",
    "set_goals_together",
    "give_it_time",
    "reset_expectations",
    "adjust_schedule",
}


def finding(factor: str, severity: str = "medium", why: str | None = None) -> Finding:
    return Finding(factor=factor, severity=severity, why=(why or f"because of {factor}",))  # type: ignore[arg-type]


def evaluation(
    *factors: str,
    sessions: int | None = None,
    frequency: str | None = None,
    reasons: tuple[str, ...] = (),
    measures: dict[str, object] | None = None,
    statuses: dict[str, object] | None = None,
) -> Evaluation:
    return Evaluation(
        findings=tuple(finding(f) for f in factors),
        context=Context(sessions=sessions, frequency=frequency),
        safety_reasons=reasons,
        measures=dict(measures or {}),
        statuses=dict(statuses or {}),
    )


def plan_for(*factors: str, **kwargs: object) -> Plan:
    country = kwargs.pop("country", "US")
    return build_plan(evaluation(*factors, **kwargs), country=country, today=TODAY)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- safety first


def test_a_crisis_puts_crisis_support_first_even_when_ranked_last() -> None:
    plan = plan_for(
        "alliance", "logistics", "safety_crisis", reasons=("You said you are not safe.",)
    )
    assert plan.actions[0].action == "crisis_support_now"
    assert plan.safety.crisis


def test_crisis_support_carries_the_countrys_numbers() -> None:
    plan = plan_for("safety_crisis", reasons=("PHQ-9 item 9",), country="GB")
    steps = " ".join(plan.actions[0].steps)
    assert "116 123" in steps and "999" in steps
    assert plan.actions[0].when == "now"


def test_safety_reasons_alone_trigger_crisis_support() -> None:
    plan = plan_for("alliance", reasons=("You said you are not safe.",))
    assert plan.action_ids()[0] == "crisis_support_now"


def test_without_a_crisis_there_is_no_crisis_support() -> None:
    plan = plan_for("alliance", "logistics")
    assert "crisis_support_now" not in plan.action_ids()
    assert not plan.safety.crisis
    assert plan.safety.resources  # still there, for anyone who needs it


# --------------------------------------------------------------------------- misconduct


def test_misconduct_leads_to_reporting_it() -> None:
    plan = plan_for("boundary_violation")
    assert plan.action_ids()[0] == "report_misconduct"
    assert plan.actions[0].when == "now"
    assert any("licens" in step for step in plan.actions[0].steps)


@pytest.mark.parametrize("other", [f for f in FACTOR_IDS if f != "boundary_violation"])
def test_misconduct_is_never_answered_with_staying_with_that_therapist(other: str) -> None:
    for order in (("boundary_violation", other), (other, "boundary_violation")):
        ids = set(plan_for(*order).action_ids())
        assert "report_misconduct" in ids
        assert not ids & WITH_SAME_THERAPIST
        assert "switch_with_closure" not in ids


def test_after_misconduct_the_checklist_says_no_closing_session_is_needed() -> None:
    plan = plan_for("boundary_violation", "alliance")
    assert plan.switching is not None
    assert plan.switching.closure_advised is False
    assert "do not need a closing session" in plan.switching.note
    headings = [heading for heading, _ in plan.switching.sections]
    assert "A closing session" not in headings


def test_misconduct_with_a_crisis_keeps_crisis_support_first() -> None:
    plan = plan_for("boundary_violation", "safety_crisis", reasons=("not safe",))
    assert plan.action_ids()[:2] == ("crisis_support_now", "report_misconduct")


# --------------------------------------------------------------------------- too early


def test_too_early_gives_a_number_of_sessions_and_a_recheck_date() -> None:
    plan = plan_for("too_early", sessions=1, frequency="weekly")
    time = next(a for a in plan.actions if a.action == "give_it_time")
    assert time.sessions == 3
    assert time.recheck_on == TODAY + datetime.timedelta(days=21)
    assert any("3 sessions" in step for step in time.steps)
    assert any(
        TODAY.isoformat() != time.recheck_on.isoformat() and time.recheck_on.isoformat() in s
        for s in time.steps
    )


@pytest.mark.parametrize(
    ("frequency", "days"),
    [("weekly", 7), ("every_two_weeks", 14), ("monthly", 28), ("more_than_weekly", 4), (None, 7)],
)
def test_the_recheck_date_follows_how_often_the_person_meets(
    frequency: str | None, days: int
) -> None:
    plan = plan_for("too_early", frequency=frequency)
    time = next(a for a in plan.actions if a.action == "give_it_time")
    assert time.recheck_on == TODAY + datetime.timedelta(days=3 * days)


def test_too_early_holds_back_switching_advice() -> None:
    plan = plan_for("feedback_response", "too_early", "style_culture_fit")
    ids = plan.action_ids()
    assert "switch_with_closure" not in ids
    assert "try_consultations" not in ids
    assert "give_it_time" in ids
    assert plan.switching is None


def test_switching_advice_stays_when_not_too_early() -> None:
    plan = plan_for("feedback_response", "style_culture_fit")
    assert {"switch_with_closure", "try_consultations"} <= set(plan.action_ids())
    assert plan.switching is not None and plan.switching.closure_advised
    assert plan.consultation_questions


# --------------------------------------------------------------------------- default and order


@pytest.mark.parametrize(
    "factor", [f for f in FACTOR_IDS if f not in ("safety_crisis", "boundary_violation")]
)
def test_every_ordinary_concern_is_brought_into_the_room(factor: str) -> None:
    plan = plan_for(factor)
    assert "talk_to_therapist" in plan.action_ids()
    # Was: `guide.noticed` non-empty. Issue 12 item 2: the guide only says what the
    # person's answers back, and these hand-built findings carry no such line.
    assert plan.guide is not None and plan.guide.wants


# What each factor must lead to, from FACTORS.md's factor and action tables.
EXPECTED_FIRST = {
    "safety_crisis": "crisis_support_now",
    "boundary_violation": "report_misconduct",
    "alliance": "talk_to_therapist",
    "feeling_worse_unaddressed": "review_progress_together",
    "too_early": "give_it_time",
    "expectations": "reset_expectations",
    "unclear_goals": "set_goals_together",
    "unrecognized_progress": "review_progress_together",
    "therapist_scope": "seek_specialist",
    "life_barriers": "address_practical_barriers",
    "needs_more_than_therapy": "medication_evaluation",
    "hidden_issues": "screen_hidden_issues",
    "logistics": "adjust_schedule",
    "agreement": "set_goals_together",
}


@pytest.mark.parametrize(("factor", "first"), sorted(EXPECTED_FIRST.items()))
def test_each_factor_leads_with_its_own_action(factor: str, first: str) -> None:
    reasons = ("not safe",) if factor == "safety_crisis" else ()
    assert plan_for(factor, reasons=reasons).action_ids()[0] == first


def test_actions_follow_the_order_of_the_findings_and_appear_once() -> None:
    plan = plan_for("logistics", "alliance", "unclear_goals", "agreement")
    ids = plan.action_ids()
    assert ids[0] == "adjust_schedule"
    assert len(ids) == len(set(ids))
    assert ids.index("set_goals_together") > ids.index("talk_to_therapist")


def test_an_action_lists_every_finding_that_calls_for_it() -> None:
    plan = plan_for("unclear_goals", "agreement")
    goals = next(a for a in plan.actions if a.action == "set_goals_together")
    assert goals.because == ("unclear_goals", "agreement")


def test_eight_sessions_without_reliable_change_always_asks_for_a_review() -> None:
    status = {"status": "no_reliable_change", "review_due": True}
    plan = plan_for("logistics", sessions=9, statuses={"phq9": status})
    review = next(a for a in plan.actions if a.action == "review_progress_together")
    assert "without a clear change" in review.steps[0]


def test_a_status_without_review_due_is_not_a_review() -> None:
    status = {"status": "reliably_improved", "review_due": False}
    plan = plan_for("logistics", sessions=12, statuses={"phq9": status})
    assert "review_progress_together" not in plan.action_ids()


def test_no_findings_still_gives_a_gentle_plan() -> None:
    plan = plan_for()
    assert plan.action_ids() == ("review_progress_together",)
    assert plan.switching is None


# --------------------------------------------------------------------------- guide


def test_the_guide_speaks_in_the_first_person_about_the_persons_own_findings() -> None:
    answers = {"safe_now": "safe", "heard": 1, "expecting": ["no_clear_goal"]}
    guide = build_plan(evaluate({"answers": answers}), today=TODAY).guide
    assert isinstance(guide, ConversationGuide)
    text = " ".join(guide.noticed)
    assert "I do not always feel heard" in text  # alliance: heard = strongly disagree
    assert "hard to say what I want from therapy" in text  # unclear goals
    assert "expected to feel much better" not in text  # expectations was not found
    assert all(
        line.startswith(("I ", "My ", "We ", "Since ", "Compared ")) for line in guide.noticed
    )
    assert guide.questions and guide.wants and guide.if_defensive


def test_the_guide_includes_the_persons_scores() -> None:
    guide = plan_for(
        "feeling_worse_unaddressed",
        measures={"phq9": {"total": 17, "band": "moderately severe"}},
        statuses={
            "phq9": {
                "numbers": {"first": 12, "latest": 17},
                "first": {"session": 3},
                "latest": {"session": 9},
                "review_due": False,
            }
        },
    ).guide
    assert "My PHQ-9 score in this check-up was 17 (moderately severe)." in guide.noticed
    # Was "from 12 when I started": the first score need not be from the first session
    # (issue 12: only true statements), so the sessions are named.
    assert "My PHQ-9 score went from 12 at session 3 to 17 at session 9." in guide.noticed


def test_after_misconduct_there_is_no_guide_for_a_talk_with_that_therapist() -> None:
    # Was: the guide left out the misconduct lines but kept the rest of the in-session
    # script in the JSON. Issue 12 item 3: after misconduct nothing asks the person to do
    # anything with that therapist, so there is no guide at all.
    assert plan_for("boundary_violation", "alliance").guide is None


def test_the_guide_prints_as_markdown_and_plain_text() -> None:
    answers = {"safe_now": "safe", "in_therapy": ["holding_back"]}
    guide = build_plan(evaluate({"answers": answers}), today=TODAY).guide
    assert guide is not None
    markdown = guide.to_markdown()
    assert markdown.startswith("## Talking with your therapist")
    assert "There are important things I have not told you yet." in markdown
    text = guide.to_text()
    assert "What I have noticed:" in text and "#" not in text


# --------------------------------------------------------------------------- outputs


def test_action_to_dict_has_the_contract_keys() -> None:
    doc = plan_for("too_early").actions[0].to_dict()
    assert {"action", "when", "steps"} <= set(doc)
    assert doc["recheck_on"] == (TODAY + datetime.timedelta(days=21)).isoformat()


def test_consultation_questions_are_tailored_to_findings() -> None:
    plan = plan_for("style_culture_fit", "life_barriers")
    assert any("background" in q for q in plan.consultation_questions)
    assert any("fees" in q for q in plan.consultation_questions)


def test_the_plan_markdown_puts_safety_first_only_in_a_crisis() -> None:
    crisis = plan_for("alliance", "safety_crisis", reasons=("not safe",)).to_markdown()
    assert crisis.startswith("## Your safety comes first")
    calm = plan_for("alliance").to_markdown()
    assert calm.startswith("## What you can do next")
    assert calm.index("If you ever need help fast") > calm.index("What you can do next")


def test_every_action_has_a_title_and_every_factor_a_label() -> None:
    assert all(action_title(a) for a in ACTION_IDS)
    assert all(factor_label(f) != f for f in FACTOR_IDS)


# --------------------------------------------------------------------------- properties

findings_lists = st.lists(
    st.builds(
        finding,
        st.sampled_from(FACTOR_IDS),
        st.sampled_from(["urgent", "high", "medium", "low"]),
    ),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(
    findings=findings_lists,
    sessions=st.one_of(st.none(), st.integers(0, 60)),
    frequency=st.one_of(st.none(), st.sampled_from(["weekly", "monthly", "irregular", "x"])),
    country=st.one_of(st.none(), st.sampled_from(["US", "GB", "DE", "ZZ", ""])),
    crisis=st.booleans(),
)
def test_any_findings_give_a_sound_plan(
    findings: list[Finding],
    sessions: int | None,
    frequency: str | None,
    country: str | None,
    crisis: bool,
) -> None:
    reasons = ("not safe",) if crisis else ()
    ev = Evaluation(
        findings=tuple(findings),
        context=Context(sessions=sessions, frequency=frequency),
        safety_reasons=reasons,
    )
    plan = build_plan(ev, country=country, today=TODAY)
    ids = plan.action_ids()
    factors = {f.factor for f in findings}
    assert ids and set(ids) <= set(ACTION_IDS)
    assert len(ids) == len(set(ids))
    assert all(isinstance(a, Action) and a.steps and a.title for a in plan.actions)
    assert all(set(a.because) <= set(FACTOR_IDS) for a in plan.actions)
    if crisis or "safety_crisis" in factors:
        assert ids[0] == "crisis_support_now"
        assert plan.safety.crisis
    if "boundary_violation" in factors:
        assert "report_misconduct" in ids
        assert not set(ids) & WITH_SAME_THERAPIST
        assert isinstance(plan.switching, Checklist) and not plan.switching.closure_advised
    elif "too_early" in factors and not (crisis or "safety_crisis" in factors):
        assert "switch_with_closure" not in ids
    plan.to_markdown()
    plan.to_dict()


def test_survival_mode_puts_stability_before_deeper_work() -> None:
    """Seed 002: in survival mode, getting steady and safe comes before deep work."""
    ev = Evaluation(
        findings=(finding("readiness"),),
        context=Context(),
        answers={"in_therapy": ["crisis_mode"]},
    )
    assert build_plan(ev, today=TODAY).action_ids()[0] == "stabilize_first"


def test_mixed_feelings_without_survival_mode_are_talked_through() -> None:
    ev = Evaluation(
        findings=(finding("readiness"),), context=Context(), answers={"in_therapy": ["ambivalent"]}
    )
    ids = build_plan(ev, today=TODAY).action_ids()
    assert ids[0] == "talk_to_therapist"
    assert "stabilize_first" not in ids


def test_the_guide_says_only_the_lines_of_the_rules_that_fired() -> None:
    # Was: the guide quoted whole questions with their answers and added a fixed line per
    # factor. Issue 12 item 2 (and issue 14: no whole questions): each line comes from a
    # rule that fired, in the person's voice.
    alliance = Finding(
        factor="alliance",
        severity="medium",
        why=("low trust",),
        evidence={"answers": {"trust": 2, "sessions": 9}},
        says=("I find it hard to trust you at the moment.",),
    )
    goals = Finding(factor="unclear_goals", severity="low", why=("no goal",))
    evaluation = Evaluation(findings=(alliance, goals), context=Context())
    guide = build_plan(evaluation, today=TODAY).guide
    assert guide is not None
    assert guide.noticed == ("I find it hard to trust you at the moment.",)


def test_a_crisis_plan_is_short_and_the_rest_waits_until_the_person_is_ready() -> None:
    # Issue 12 item 4: a person in crisis got a 13-action plan. Now: the crisis step, then
    # at most three actions for this week; everything else under "When you're ready".
    many = ("alliance", "expectations", "life_barriers", "hidden_issues", "logistics")
    plan = plan_for("safety_crisis", *many, reasons=("You said you are not safe.",))
    assert plan.actions[0].action == "crisis_support_now"
    assert len(plan.actions) <= 4
    assert plan.later_actions
    assert not set(plan.action_ids()[: len(plan.actions)]) & {a.action for a in plan.later_actions}
    markdown = plan.to_markdown()
    assert markdown.index("What you can do next") < markdown.index("When you're ready")
    assert [a["action"] for a in plan.to_dict()["later_actions"]] == [
        a.action for a in plan.later_actions
    ]


def test_without_a_crisis_nothing_waits() -> None:
    plan = plan_for("alliance", "expectations", "life_barriers", "hidden_issues", "logistics")
    assert plan.later_actions == ()
    assert "When you're ready" not in plan.to_markdown()
