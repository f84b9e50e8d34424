"""The clinician's form for a new measure request. (The client's answers use the
project's own InstrumentForm, web.tracking.forms.)"""

from __future__ import annotations

from typing import Any

from django import forms

from therapycheck.web.measurerequests.models import Schedule
from therapycheck.web.measurerequests.services import (
    DEFAULT_EXPIRY_DAYS,
    MAX_EXPIRY_DAYS,
    offered_instruments,
)
from therapycheck.web.tracking.models import MAX_SESSION

EMAIL = "email"
SCREEN = "screen"

EXPIRY_CHOICES = [(str(n), f"{n} day{'s' if n > 1 else ''}") for n in (1, 2, 3, 5, 7, 14, 28)]
REMINDER_CHOICES = [
    ("", "No reminder"),
    *((str(n), f"After {n} day{'s' if n > 1 else ''}") for n in (1, 2, 3, 5, 7)),
]


class NewRequestForm(forms.Form):
    instruments = forms.MultipleChoiceField(
        label="Questionnaires",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one questionnaire.",
            "invalid_choice": "Choose from the questionnaires listed.",
        },
    )
    schedule = forms.ChoiceField(
        label="How often",
        choices=Schedule.choices,
        initial=Schedule.ONCE,
        widget=forms.RadioSelect,
        help_text="A repeating request sends the next link by itself on its date. "
        "“Every session”: you send a fresh one at each session.",
        error_messages={
            "required": "Choose how often.",
            "invalid_choice": "Choose how often from the list.",
        },
    )
    session_number = forms.IntegerField(
        label="Session number (optional)",
        required=False,
        min_value=0,
        max_value=MAX_SESSION,
        help_text="Leave empty to use the session after the client's latest answers.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": "Enter the session number as a whole number, for example 4.",
            "min_value": "The session number cannot be below 0.",
            "max_value": f"The session number must be at most {MAX_SESSION}.",
        },
    )
    delivery = forms.MultipleChoiceField(
        label="How the client gets the link",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose email, on screen, or both.",
            "invalid_choice": "Choose email, on screen, or both.",
        },
    )
    expires_in_days = forms.TypedChoiceField(
        label="The link works for",
        choices=EXPIRY_CHOICES,
        coerce=int,
        initial=str(DEFAULT_EXPIRY_DAYS),
        error_messages={"invalid_choice": "Choose how long the link works from the list."},
    )
    remind_after_days = forms.TypedChoiceField(
        label="Reminder email",
        choices=REMINDER_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Sent once, only if the questions are still unanswered.",
        error_messages={"invalid_choice": "Choose a reminder from the list."},
    )

    def __init__(self, *args: Any, client_email: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client_email = client_email
        instruments = self.fields["instruments"]
        assert isinstance(instruments, forms.MultipleChoiceField)
        instruments.choices = [
            (inst.id, f"{inst.short_name}: {inst.name}") for inst in offered_instruments()
        ]
        delivery = self.fields["delivery"]
        assert isinstance(delivery, forms.MultipleChoiceField)
        screen = (SCREEN, "Show the link and a QR code on screen now (for use in session)")
        if client_email:
            delivery.choices = [(EMAIL, f"Send by email to {client_email}"), screen]
        else:
            delivery.choices = [screen]
            delivery.help_text = "This client has no email address on their account."
        if not self.is_bound:
            self.initial.setdefault("delivery", [EMAIL] if client_email else [SCREEN])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        schedule = cleaned.get("schedule")
        expires = cleaned.get("expires_in_days")
        repeat = {"weekly": 7, "every_2_weeks": 14, "every_4_weeks": 28}.get(str(schedule))
        if repeat is not None and expires is not None and expires > repeat:
            self.add_error(
                "expires_in_days",
                f"With this schedule the link can work for at most {repeat} days, "
                "so it closes before the next one is sent.",
            )
        remind = cleaned.get("remind_after_days")
        if remind is not None and expires is not None and remind >= expires:
            self.add_error(
                "remind_after_days", "The reminder must come before the link stops working."
            )
        delivery = cleaned.get("delivery") or []
        if remind is not None and delivery and EMAIL not in delivery:
            self.add_error(
                "remind_after_days", "A reminder goes by email: choose email too, or no reminder."
            )
        if expires is not None and expires > MAX_EXPIRY_DAYS:
            self.add_error("expires_in_days", "Choose how long the link works from the list.")
        return cleaned
