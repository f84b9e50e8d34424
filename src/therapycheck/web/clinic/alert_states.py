"""Alerts a clinician acts on: their identity, check-up risk answers, acknowledge and resolve.

An alert is computed afresh from a client's answers (core.alerts); what a clinician did
about it is an AlertState row under the alert's identity (`alert_key`):

- a questionnaire alert: "<kind>:<instrument>:<session>" ("risk:phq9:3");
- a check-up risk answer: "risk:checkup:<safety event id>" (one per answer, like
  questionnaires: never merged);
- an alert without a questionnaire (overdue): "<kind>:-:-".

Only risk alerts are acknowledged and resolved: an acknowledged one stays on the caseload
(marked acknowledged, who and when) until resolved; a resolved one moves to the resolved
list, never out of sight. The other alerts clear themselves when the answers change.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from django.db import transaction
from django.utils import timezone

from therapycheck.core.alerts import Alert, rules
from therapycheck.core.instruments import get_instrument
from therapycheck.web.accounts.models import Person, SafetyEvent
from therapycheck.web.clinic.models import AlertState, Membership

# SafetyEvent.source of a check-up answer (web/checkups/services.py SAFETY_SOURCE).
CHECKUP_SOURCE = "checkup"
CHECKUP_RULE = "checkup:safety"
NOTE_MAX_LENGTH = 2000

Action = Literal["acknowledge", "resolve"]

# The kinds in a few plain words, for the caseload and the client page.
KIND_LABELS: dict[str, str] = {
    "risk": "Risk answer",
    "reliable_deterioration": "Clearly worse",
    "not_on_track": "Not on track",
    "alliance_drop": "Working relationship lower",
    "overdue": "Measures overdue",
}


def alert_key(alert: Alert) -> str:
    session = "-" if alert.session is None else alert.session
    return f"{alert.kind}:{alert.instrument or '-'}:{session}"


def checkup_key(event_id: int) -> str:
    return f"risk:checkup:{event_id}"


def checkup_alert(event: SafetyEvent) -> Alert:
    """A check-up answer that signalled possible risk, as a risk alert."""
    reasons = " ".join(str(r).rstrip(".") + "." for r in (event.reasons or ()) if r)
    on = timezone.localtime(event.created_at).date()
    return Alert(
        kind="risk",
        rule=CHECKUP_RULE,
        version=rules().version,
        instrument=None,
        session=None,
        date=on,
        reason=(
            f"An answer in the check-up on {on.isoformat()} signalled possible risk."
            + (f" {reasons}" if reasons else "")
        ),
    )


@dataclass(frozen=True)
class AlertItem:
    """One alert of a client with what clinicians did about it."""

    alert: Alert
    key: str
    state: AlertState | None = None

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.alert.kind, self.alert.kind)

    @property
    def instrument_name(self) -> str:
        """The questionnaire's short name ("PHQ-9"); empty for a check-up or overdue alert."""
        if not self.alert.instrument:
            return "Check-up" if self.alert.rule == CHECKUP_RULE else ""
        try:
            return get_instrument(self.alert.instrument).short_name
        except (KeyError, ValueError):
            return self.alert.instrument

    @property
    def dom_id(self) -> str:
        """The key as an HTML id part ("risk-phq9-3")."""
        return self.key.replace(":", "-")

    @property
    def actionable(self) -> bool:
        return self.alert.kind == "risk"

    @property
    def acknowledged(self) -> bool:
        return self.state is not None and self.state.is_acknowledged

    @property
    def resolved(self) -> bool:
        return self.state is not None and self.state.is_resolved

    @property
    def acknowledged_by(self) -> str:
        return _name(self.state.acknowledged_by if self.state else None)

    @property
    def resolved_by(self) -> str:
        return _name(self.state.resolved_by if self.state else None)


def _name(member: Membership | None) -> str:
    return member.display_name if member is not None else "a former staff member"


def checkup_events_of(person_ids: Iterable[int]) -> dict[int, list[SafetyEvent]]:
    """The check-up risk answers of these clients, oldest first (one query)."""
    found: dict[int, list[SafetyEvent]] = {}
    ids = list(person_ids)
    if not ids:
        return found
    events = SafetyEvent.objects.filter(person_id__in=ids, source=CHECKUP_SOURCE).only(
        "pk", "person_id", "reasons", "created_at"
    )
    for event in events.order_by("person_id", "pk"):
        found.setdefault(event.person_id, []).append(event)
    return found


def states_of(person_ids: Iterable[int]) -> dict[int, dict[str, AlertState]]:
    """Every alert state of these clients, by person and key (one query)."""
    found: dict[int, dict[str, AlertState]] = {}
    ids = list(person_ids)
    if not ids:
        return found
    rows = AlertState.objects.filter(person_id__in=ids).select_related(
        "acknowledged_by", "resolved_by"
    )
    for state in rows:
        found.setdefault(state.person_id, {})[state.key] = state
    return found


def items_for(
    alerts: Iterable[tuple[Alert, str]], states: dict[str, AlertState]
) -> tuple[AlertItem, ...]:
    return tuple(AlertItem(alert, key, states.get(key)) for alert, key in alerts)


class AlertActionError(ValueError):
    """The alert is not one this client has now, or cannot take this action."""


def act(
    person: Person,
    item: AlertItem,
    action: Action,
    member: Membership,
    note: str = "",
    *,
    now: datetime.datetime | None = None,
) -> AlertState:
    """Acknowledge or resolve a risk alert; records who and when, keeps the first note."""
    if not item.actionable:
        raise AlertActionError("Only risk alerts are acknowledged and resolved.")
    if len(note) > NOTE_MAX_LENGTH:
        raise AlertActionError(f"The note can be at most {NOTE_MAX_LENGTH} characters.")
    at = now or timezone.now()
    with transaction.atomic():
        state, _ = AlertState.objects.select_for_update().get_or_create(
            person=person, key=item.key, defaults={"kind": item.alert.kind}
        )
        if state.acknowledged_at is None:
            # Resolving an alert nobody acknowledged also acknowledges it: it was seen.
            state.acknowledged_at, state.acknowledged_by = at, member
        if action == "resolve":
            if state.resolved_at is not None:
                raise AlertActionError("This alert is already resolved.")
            state.resolved_at, state.resolved_by = at, member
        note = note.strip()
        if note:
            stamp = f"{member.display_name}, {at:%Y-%m-%d %H:%M}: {note}"
            state.note = f"{state.note}\n{stamp}".strip() if state.note else stamp
        state.save()
    return state
