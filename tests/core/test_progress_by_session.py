"""Progress judged by session numbers (issue 12, item 1): the stories first, then the rules.

Each story is what a person would see, told in plain words; the test says what the
progress status must make of it. Figures: PHQ-9 reliable change 6 points and caseness 10,
GAD-7 4 and 8 (NHS Talking Therapies manual, REFERENCES.md §1 and §3); review after 8
sessions without reliable change and "fewer than 3 sessions is too early" (REFERENCES.md
§4, core.change.REVIEW_AFTER_SESSIONS and MIN_SESSIONS_TO_JUDGE).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therapycheck.core.change import (
    MIN_SESSIONS_TO_JUDGE,
    REVIEW_AFTER_SESSIONS,
    REVIEW_STATUSES,
    STATUS_LABELS,
    Point,
    SeriesStatus,
    Status,
    compare,
    series_status,
)
from therapycheck.core.checkup import evaluate
from therapycheck.core.instruments import get_instrument
from therapycheck.core.plan import build_plan
from therapycheck.core.report import report_from_evaluation

TODAY = dt.date(2026, 12, 5)
# Words that would call a change inside the noise progress (the issue's "improving, the
# right direction... keep going").
HOPEFUL_WORDS = ("improving", "right direction", "keep going", "good start")


def at(*pairs: tuple[int, float]) -> list[Point]:
    return [Point(session, score) for session, score in pairs]


def status_of(instrument: str, *pairs: tuple[int, float]) -> SeriesStatus:
    return series_status(instrument, at(*pairs))


# --- the stories of issue 12 -------------------------------------------------------------


def test_flat_phq9_over_fourteen_sessions_of_cbt_is_no_clear_change_and_a_review() -> None:
    """Sam's PHQ-9 was 17, 16, 18 and 17 at sessions 1, 5, 10 and 14 of CBT. Four scores,
    but fourteen sessions: that is not "keep going", it is no clear change after 14 sessions,
    and time to review the plan."""
    result = status_of("phq9", (1, 17), (5, 16), (10, 18), (14, 17))
    assert result.status == "not_improving"
    assert result.label == "No clear change after 14 sessions"
    assert result.review_due
    assert result.label.lower() in result.explanation.lower()
    assert "review the plan" in result.explanation
    assert not any(word in result.explanation.lower() for word in HOPEFUL_WORDS)


def test_two_scores_twelve_sessions_apart_are_judged_not_too_early() -> None:
    """Ana's PHQ-9 was 18 at session 1 and 6 at session 13: a fall of 12 points from a case
    to below the cut-off, twelve sessions apart. Two fill-ins are enough to judge that."""
    result = status_of("phq9", (1, 18), (13, 6))
    assert result.status == "recovered"
    assert result.label == "Clearly better, past the usual cut-off"
    assert not result.review_due
    assert "too short a time" not in result.explanation


def test_fourteen_then_seven_over_twenty_sessions_is_a_clear_improvement_not_a_good_start() -> None:
    """Ben's PHQ-9 went from 14 at session 1 to 7 at session 20: 7 points is a reliable fall
    and 7 is below the cut-off of 10 (reliable recovery), not "a good start"."""
    result = status_of("phq9", (1, 14), (20, 7))
    assert result.status == "recovered"
    assert result.change is not None and result.change.reliable
    assert not any(word in result.explanation.lower() for word in HOPEFUL_WORDS)


@pytest.mark.parametrize("sessions", [3, 5, 12])
def test_a_one_point_drop_inside_the_noise_is_never_called_improving(sessions: int) -> None:
    """Cleo's PHQ-9 went from 15 to 14. One point is well inside the usual ups and downs
    (the bar is 6), so nothing may call it improving or the right direction."""
    result = status_of("phq9", (1, 15), (sessions, 14))
    assert result.status in ("no_reliable_change", "not_improving")
    assert "within the usual ups and downs" in result.explanation
    assert not any(word in result.explanation.lower() for word in HOPEFUL_WORDS)


@pytest.mark.parametrize(
    ("last_session", "status"), [(4, "no_reliable_change"), (14, "not_improving")]
)
def test_a_clear_worsening_along_the_way_is_named_even_when_first_to_last_is_flat(
    last_session: int, status: Status
) -> None:
    """Kim's PHQ-9 went 20, 8, 22, 19. From first to latest it is flat, but the rise from
    8 to 22 is 14 points, more than twice the bar of 6: it must be named."""
    sessions = (1, 2, 3, last_session) if last_session == 4 else (1, 5, 9, 14)
    result = series_status(
        "phq9", [Point(s, v) for s, v in zip(sessions, (20, 8, 22, 19), strict=True)]
    )
    assert result.status == status
    assert result.setback is not None and result.numbers["setback"] == 14
    rise = f"rose from 8 at session {sessions[1]} to 22 at session {sessions[2]}"
    assert rise in result.explanation


def test_the_alliance_at_the_top_of_the_scale_for_eight_sessions_gets_no_review() -> None:
    """Mia rated the working relationship 60 out of 60 at all of her first eight sessions.
    It cannot go higher, so no review is due from it."""
    result = series_status("wai_sr", [Point(s, 60) for s in range(1, 9)])
    assert not result.review_due
    assert result.status == "trend_only"
    assert "best this questionnaire allows" in result.explanation


def test_a_phq9_steady_at_two_or_three_and_never_a_case_gets_no_review() -> None:
    """Lee's PHQ-9 stayed at 2 or 3 for ten sessions, never near the cut-off of 10: there is
    no room for a clear fall, so there is no review, and the words say why."""
    result = series_status("phq9", [Point(s, 2 + s % 2) for s in range(1, 11)])
    assert result.status == "no_reliable_change"
    assert not result.review_due
    assert "healthy side of the usual cut-off the whole time" in result.explanation


def test_a_score_near_the_best_end_of_the_scale_gets_no_review() -> None:
    """Raj's GAD-7 was 5 at session 1, 9 at session 5 (a case: 8 or more) and 3 at session
    9. The latest 3 is less than the bar of 4 points from the best score of 0, so a clear
    fall is no longer possible: no review is due from these scores."""
    result = status_of("gad7", (1, 5), (5, 9), (9, 3))
    assert result.status == "no_reliable_change"
    assert not result.review_due
    assert "close to the best end of the scale" in result.explanation


def test_a_clear_rise_by_session_three_is_deterioration_and_a_review() -> None:
    """Jon's GAD-7 went 9, 12, 16 over three sessions: up 7 (bar 4). That is named as
    clearly worse and asks to raise it soon. (Was "tell your therapist soon": the words
    are also shown after misconduct, where nothing may send the person back; issue 12.)"""
    result = status_of("gad7", (1, 9), (2, 12), (3, 16))
    assert result.status == "deteriorated" and result.review_due
    assert result.label == "Clearly worse"
    assert "raise it soon with whoever is treating you" in result.explanation


# --- sessions, not fill-ins ---------------------------------------------------------------


def test_too_early_means_fewer_sessions_not_fewer_scores() -> None:
    """Two scores at sessions 1 and 2 cover two sessions: too early. Two scores at sessions
    1 and 3 cover three: judged."""
    assert MIN_SESSIONS_TO_JUDGE == 3
    assert status_of("phq9", (1, 15), (2, 14)).status == "too_early"
    assert status_of("phq9", (1, 15), (3, 14)).status == "no_reliable_change"


def test_the_review_comes_after_eight_sessions_whatever_the_number_of_fill_ins() -> None:
    """REFERENCES.md §4: about 8 sessions without reliable change is the point to review."""
    assert REVIEW_AFTER_SESSIONS == 8
    assert not status_of("phq9", (1, 15), (7, 15)).review_due
    assert status_of("phq9", (1, 15), (8, 15)).review_due
    sessions_3_to_10 = status_of("phq9", (3, 15), (6, 16), (10, 14))
    assert sessions_3_to_10.review_due and sessions_3_to_10.numbers["sessions"] == 8


def test_the_explanation_names_the_sessions_and_the_time_between_the_dates() -> None:
    first = Point(1, 17, dt.date(2026, 9, 1))
    latest = Point(14, 17, dt.date(2026, 12, 1))
    text = series_status("phq9", [first, Point(7, 16), latest]).explanation
    assert "17 at session 1 and 17 again at session 14, about 3 months later" in text
    assert "later" not in series_status("phq9", [Point(1, 17), Point(14, 17)]).explanation


# --- the expected-response model, where one is fitted --------------------------------------


@dataclass(frozen=True)
class Expected:
    """A stand-in for core.trajectory.Classification (its fields series_status reads)."""

    status: str
    expected_low: float | None = 6
    expected_high: float | None = 14
    synthetic: bool = False


def test_worse_than_similar_clients_before_session_eight_is_no_clear_change_and_a_review() -> None:
    """Finch et al. 2001 / Lambert: a client outside the expected range is flagged early."""
    points = at((1, 18), (3, 17), (5, 17))
    result = series_status("phq9", points, Expected("not_on_track"))
    assert result.status == "not_improving" and result.review_due
    assert result.label == "No clear change after 5 sessions"
    assert "usual range for people who started at a similar level (6 to 14" in result.explanation
    assert "session 8" not in result.explanation  # the dose figure is for 8+ sessions only
    assert series_status("phq9", points, Expected("on_track")).status == "no_reliable_change"


def test_the_model_never_overrides_too_early_clear_change_or_room_to_improve() -> None:
    off = Expected("not_on_track")
    assert series_status("phq9", at((1, 18), (2, 18)), off).status == "too_early"
    assert series_status("phq9", at((1, 20), (3, 16), (5, 13)), off).status == "reliably_improved"
    assert series_status("phq9", at((1, 3), (3, 4), (5, 4)), off).status == "no_reliable_change"


def test_a_made_up_model_is_named_as_made_up() -> None:
    result = series_status("phq9", at((1, 18), (5, 17)), Expected("not_on_track", synthetic=True))
    assert "made-up practice data" in result.explanation


# --- one set of words everywhere ----------------------------------------------------------


def test_every_status_has_a_label_and_only_stuck_or_worse_series_ask_for_a_review() -> None:
    from typing import get_args

    assert set(STATUS_LABELS) == set(get_args(Status))
    assert sorted(REVIEW_STATUSES) == ["deteriorated", "not_improving"]


def test_the_check_up_says_it_in_the_same_words_and_plans_a_progress_review() -> None:
    """Sam's story through the check-up: the `not_improving` finding quotes the series in
    the words of the progress page, and the plan asks for a progress review."""
    history = [{"session": s, "score": v} for s, v in ((1, 17), (5, 16), (10, 18), (14, 17))]
    doc = {"answers": {"sessions": 14, "feels_working": 3}, "history": {"phq9": history}}
    evaluation = evaluate(doc)
    status = status_of("phq9", (1, 17), (5, 16), (10, 18), (14, 17))
    finding = next(f for f in evaluation.findings if f.factor == "not_improving")
    assert finding.why == (status.explanation,)
    assert evaluation.review_due
    plan = build_plan(evaluation, today=TODAY)
    review = next(a for a in plan.actions if a.action == "review_progress_together")
    assert "not_improving" in review.because
    markdown = report_from_evaluation(evaluation, today=TODAY).to_markdown()
    assert f"PHQ-9: {status.label}." in markdown and status.explanation in markdown


def test_no_finding_of_not_improving_without_the_status() -> None:
    for scores in ((17, 16, 18), (2, 3, 2, 3, 2, 3, 2, 3, 2), (18, 12, 6)):
        history = [{"session": n, "score": s} for n, s in enumerate(scores, start=1)]
        assert "not_improving" not in evaluate({"history": {"phq9": history}}).factors()


# --- properties: every sentence is true for the scores -------------------------------------

INSTRUMENTS = ("phq9", "gad7", "who5", "core10", "pcl5", "wai_sr")


@st.composite
def series(draw: st.DrawFn) -> tuple[str, list[Point]]:
    instrument_id = draw(st.sampled_from(INSTRUMENTS))
    inst = get_instrument(instrument_id)
    sessions = draw(st.lists(st.integers(0, 40), min_size=1, max_size=12, unique=True))
    scores = st.integers(int(inst.min), int(inst.max))
    return instrument_id, [Point(s, draw(scores)) for s in sorted(sessions)]


@given(series())
def test_each_sentence_of_an_explanation_holds_for_the_scores(
    case: tuple[str, list[Point]],
) -> None:
    instrument_id, points = case
    result = series_status(instrument_id, points)
    text = result.explanation
    change = result.change
    assert not any(word in text.lower() for word in HOPEFUL_WORDS)
    assert result.label == STATUS_LABELS[result.status].format(sessions=result.numbers["sessions"])
    if len(points) > 1:
        assert f"session {points[0].session}" in text and f"session {points[-1].session}" in text
    if "no clear change" in text:
        assert change is not None and not change.reliable
    if "big enough to be fairly sure it is real" in text:
        assert change is not None and change.reliable and change.direction == "better"
    if "the wrong way is more than the usual ups and downs" in text:
        assert change is not None and change.reliable and change.direction == "worse"
    if "Along the way" in text:
        setback = result.setback
        assert setback is not None and setback.change.reliable
        assert setback.before.session < setback.after.session
        assert compare(instrument_id, setback.before.score, setback.after.score).direction == (
            "worse"
        )
    if "healthy side of the usual cut-off the whole time" in text:
        inst = get_instrument(instrument_id)
        assert all(inst.is_case(p.score) is False for p in points)
    if result.status in ("recovered", "reliably_improved", "deteriorated", "not_improving"):
        assert result.numbers["sessions"] >= MIN_SESSIONS_TO_JUDGE


@given(series())
def test_a_change_inside_the_noise_is_never_a_better_status(case: tuple[str, list[Point]]) -> None:
    instrument_id, points = case
    result = series_status(instrument_id, points)
    if result.change is None or not result.change.reliable:
        assert result.status not in ("recovered", "reliably_improved", "deteriorated")


def test_the_check_up_report_shows_a_series_no_finding_quotes_in_full() -> None:
    """Cleo's PHQ-9 15, 14 at sessions 1 and 3 raises no finding; the report still says
    where it stands, in the progress page's words, once."""
    history = [{"session": 1, "score": 15}, {"session": 3, "score": 14}]
    evaluation = evaluate({"history": {"phq9": history}})
    status = status_of("phq9", (1, 15), (3, 14))
    markdown = report_from_evaluation(evaluation, today=TODAY).to_markdown()
    assert "## How your scores have changed" in markdown
    assert f"- **PHQ-9: {status.label}.** {status.explanation}" in markdown
    assert markdown.count(status.explanation) == 1
