"""Booking tests run at a fixed moment (django.utils.timezone.now is pinned), so the free
times on the pages are the same on every run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from tests.web.booking.helpers import NOW


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.datetime], None]:
    """Set the server's clock: clock(moment). Starts at helpers.NOW."""

    def set_to(moment: dt.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    set_to(NOW)
    return set_to


@pytest.fixture
def immediate_tasks(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tasks (emails) run at once. A test runs inside one transaction that never commits,
    so work queued for after the commit runs at once too."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    monkeypatch.setattr(transaction, "on_commit", lambda fn, using=None, robust=False: fn())
