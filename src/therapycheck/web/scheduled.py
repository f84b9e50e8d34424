"""Queueing work for later on django-tasks (measure requests, booking emails).

The one rule both apps follow: due work is queued now; future work is deferred with
`run_after` when the backend can defer; a backend that cannot (the immediate backend, in
tests and development) skips future work rather than doing it early. Every task re-checks
its request or booking when it runs, so skipped or stale work does no harm.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.utils import timezone
from django_tasks.base import Task

logger = logging.getLogger(__name__)


def enqueue_at(task: Task[Any, Any], when: dt.datetime, *args: Any) -> None:
    """Queue `task(*args)` to run at `when` (now when already due)."""
    if when <= timezone.now():
        task.enqueue(*args)
    elif task.get_backend().supports_defer:
        task.using(run_after=when).enqueue(*args)
    else:
        logger.info("Task backend cannot defer: %s for %s not queued", task.name, args)
