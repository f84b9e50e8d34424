"""Clinician alerts by published rules (issue 15 item 5): stories of clients first."""

from __future__ import annotations

import datetime as dt
import json

from therapycheck.core.alerts import ALERT_KINDS, Measured, client_alerts, rules

TODAY = dt.date(2026, 12, 5)


def weekly(instrument: str, *scores: float, start: dt.date = dt.date(2026, 9, 1)) -> list[Measured]:
    return [
        Measured(instrument, n, start + dt.timedelta(weeks=n - 1), score)
        for n, score in enumerate(scores, start=1)
    ]


def kinds(measures: list[Measured], **options: object) -> list[str]:
    return [a.kind for a in client_alerts(measures, today=TODAY, **options)]  # type: ignore[arg-type]


def test_a_client_who_is_recovering_raises_no_alert() -> None:
    assert kinds(weekly("phq9", 18, 15, 12, 9, 7, 6)) == []


def test_flat_scores_after_fourteen_sessions_are_not_on_track() -> None:
    measures = [
        Measured("phq9", s, None, score) for s, score in ((1, 17), (5, 16), (10, 18), (14, 17))
    ]
    alerts = client_alerts(measures, today=TODAY)
    assert [a.kind for a in alerts] == ["not_on_track"]
    assert alerts[0].rule == "core.change:not_improving"
    assert "14 sessions" in alerts[0].reason


def test_a_reliable_worsening_along_the_way_is_an_alert_even_when_first_and_last_agree() -> None:
    assert "reliable_deterioration" in kinds(weekly("phq9", 20, 8, 22, 19))


def test_a_reliable_rise_is_deterioration() -> None:
    alerts = client_alerts(weekly("gad7", 9, 12, 16), today=TODAY)
    assert alerts[0].kind == "reliable_deterioration"
    assert alerts[0].rule == "core.change:deteriorated"


def test_a_safety_answer_comes_first_and_is_never_merged() -> None:
    measures = weekly("gad7", 9, 12, 16)
    measures += [
        Measured("phq9", 2, dt.date(2026, 9, 8), 14, ("safety", "case")),
        Measured("phq9", 3, dt.date(2026, 9, 15), 15, ("safety", "case")),
    ]
    got = kinds(measures)
    assert got[:2] == ["risk", "risk"]
    assert "reliable_deterioration" in got


def test_a_low_alliance_and_a_clear_alliance_drop_are_both_named() -> None:
    low = client_alerts(weekly("wai_sr", 44, 28), today=TODAY)
    rules_hit = {a.rule for a in low}
    assert rules_hit == {"alerts.yaml#alliance.low_total", "alerts.yaml#alliance.drop_points"}
    small_drop = client_alerts(weekly("wai_sr", 48, 44), today=TODAY)
    assert small_drop == ()


def test_measures_are_overdue_only_past_the_interval_and_the_grace_days() -> None:
    last = TODAY - dt.timedelta(days=30)
    measures = [Measured("phq9", 1, last, 12)]
    assert kinds(measures, due_every_days=7) == ["overdue"]
    grace = rules().overdue.grace_days
    assert kinds(measures, due_every_days=30 - grace) == []
    assert kinds(measures) == []  # no agreed interval, no overdue alert


def test_every_alert_names_its_rule_and_version_and_is_plain_json() -> None:
    measures = weekly("wai_sr", 44, 28) + weekly("gad7", 9, 12, 16)
    measures.append(Measured("phq9", 1, None, 20, ("safety",)))
    alerts = client_alerts(measures, today=TODAY, due_every_days=7)
    assert {a.kind for a in alerts} >= {"risk", "reliable_deterioration", "alliance_drop"}
    assert [ALERT_KINDS.index(a.kind) for a in alerts] == sorted(
        ALERT_KINDS.index(a.kind) for a in alerts
    )
    for alert in alerts:
        assert alert.rule and alert.version == rules().version and alert.reason
        json.dumps(alert.to_dict())


def test_the_overdue_reason_gives_the_date_in_the_apps_one_format() -> None:
    measures = [Measured("phq9", 1, dt.date(2026, 10, 27), 12)]
    (alert,) = client_alerts(measures, today=TODAY, due_every_days=7)
    assert alert.reason.startswith("No measure since 27 October 2026: 32 days past")


def test_reasons_speak_to_the_clinician_about_the_client_with_the_numbers() -> None:
    flat = [Measured("phq9", s, None, v) for s, v in ((1, 17), (5, 16), (10, 18), (14, 17))]
    (not_on_track,) = client_alerts(flat, today=TODAY)
    assert not_on_track.reason == (
        "PHQ-9 17 at session 1 to 17 at session 14: no reliable change after 14 sessions "
        "(review point: session 8), with room to improve (a reliable change is 6 points)."
    )
    setback = client_alerts(weekly("phq9", 20, 8, 22, 19), today=TODAY)[0]
    assert setback.reason.startswith("PHQ-9 8 at session 2 to 22 at session 3: reliably worse")
    for alert in (not_on_track, setback):
        assert " you" not in alert.reason.lower() and "your" not in alert.reason.lower()
