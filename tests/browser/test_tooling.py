"""The browser tooling itself: it must catch what it is there to catch."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Session, run_axe, skip_or_fail


def test_an_outside_request_is_recorded_and_never_sent(session: Session) -> None:
    session.goto("/help/")
    session.page.evaluate(
        "() => { const i = document.createElement('img');"
        " i.src = 'https://cdn.example.invalid/pixel.png'; document.body.append(i); }"
    )
    session.page.wait_for_timeout(300)
    assert session.outside_requests() == ["https://cdn.example.invalid/pixel.png"]
    session.requests.clear()  # so the fixture's own final check passes


def test_axe_reports_a_serious_violation(session: Session, axe_source: str) -> None:
    session.goto("/help/")
    page: Any = session.page
    page.evaluate("() => { const b = document.createElement('button'); document.body.append(b); }")
    violations = run_axe(page, axe_source)
    assert any(line.strip().startswith("button-name (critical)") for line in violations)


def test_a_missing_tool_skips_locally_but_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        skip_or_fail("no chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="must run, not skip"):
        skip_or_fail("no chromium")
