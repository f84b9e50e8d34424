"""The small form on the results page that adds a check-up's scores to the progress charts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from therapycheck.web.tracking.models import MAX_SESSION


class AddScoresForm(forms.Form):
    session_number = forms.IntegerField(
        label="Session number",
        min_value=0,
        max_value=MAX_SESSION,
        help_text="Use 0 for before therapy started, 1 for your first session, and so on.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": "Please type the session number.",
            "invalid": "Please type a whole number, like 4.",
            "min_value": "The session number cannot be below %(limit_value)s.",
            "max_value": "Please use a session number of %(limit_value)s or less.",
        },
    )
    taken_on = forms.DateField(
        label="Date",
        help_text="The day these answers are for.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={
            "required": "Please give the date.",
            "invalid": "Please give the date as year, month and day, like 2026-03-14.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "add-%s")
        super().__init__(*args, **kwargs)
        # Lets the browser's date picker stop at today; the server check below still decides.
        self.fields["taken_on"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_taken_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["taken_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future.")
        if value.year < 1900:
            raise forms.ValidationError("Please check the year.")
        return value

    @classmethod
    def prefilled(cls, session_number: int | None) -> AddScoresForm:
        initial: dict[str, Any] = {"taken_on": timezone.localdate()}
        if session_number is not None:
            initial["session_number"] = session_number
        return cls(initial=initial)
