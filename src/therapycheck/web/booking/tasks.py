"""Background work for consultations, run by django-tasks (the database backend's worker in
clinic mode). Each task re-reads the booking and does nothing when it no longer applies
(cancelled, moved, already reminded), so a task that runs late or twice is harmless."""

from __future__ import annotations

from django_tasks import task

from therapycheck.web.booking import services


@task()
def send_booking_email(booking_id: int, kind: str) -> str:
    """Email the person: the verify link, the confirmation, a move or a cancellation."""
    return services.send_email(booking_id, kind)


@task()
def send_reminder(booking_id: int, start_iso: str) -> str:
    """Remind the person before the consultation, if it is still at that time."""
    return services.send_reminder(booking_id, start_iso)
