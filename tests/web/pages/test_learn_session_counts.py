"""The learn page states the session counts the progress status uses (issue 12)."""

from __future__ import annotations

import pytest
from django.test import Client

from therapycheck.core import change as core_change
from therapycheck.web.accounts.models import Person


@pytest.mark.django_db
def test_the_normal_page_reads_its_session_counts_from_core_change(
    client: Client, person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = client.get("/learn/normal/").content.decode()
    assert "fewer than 3 sessions as too early to judge" in html
    assert "8 sessions with no clear change in your scores as a good time for a review" in html
    # One figure in one place: change the constant and the page follows.
    monkeypatch.setattr(core_change, "REVIEW_AFTER_SESSIONS", 9)
    html = client.get("/learn/normal/").content.decode()
    assert "9 sessions with no clear change in your scores" in html
