"""Background work for measure requests, run by django-tasks (the database backend's
`db_worker` in clinic mode). Each task takes the request's id, re-reads the request and
does nothing when it no longer applies (answered, cancelled, expired, consent ended), so a
task that runs late or twice is harmless. The work itself is in services.py."""

from __future__ import annotations

from django_tasks import task

from therapycheck.web.measurerequests import services


@task()
def send_request_email(request_id: int) -> str:
    """Email the client the link (clinic, who asks, the link, the expiry; nothing else)."""
    return services.send_request_email(request_id)


@task()
def send_reminder(request_id: int) -> str:
    """Remind the client once, if the request is still unanswered."""
    return services.send_reminder(request_id)


@task()
def start_next_request(request_id: int) -> str:
    """At the due date of a repeating schedule: make and send the next request."""
    return services.start_next_by_pk(request_id)
