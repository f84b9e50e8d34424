"""The small form on the results page that adds a check-up's scores to the progress charts."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.utils import timezone

from therapycheck.web.tracking.forms import SessionDateForm


class AddScoresForm(SessionDateForm):
    _MESSAGES: ClassVar[dict[str, dict[str, str]]] = {
        "session_number": {
            "required": "Please type the session number.",
            "invalid": "Please type a whole number, like 4.",
            "min_value": "The session number cannot be below %(limit_value)s.",
            "max_value": "Please use a session number of %(limit_value)s or less.",
        },
        "taken_on": {
            "required": "Please give the date.",
            "invalid": "Please give the date as year, month and day, like 2026-03-14.",
        },
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "add-%s")
        super().__init__(*args, **kwargs)
        for name, messages in self._MESSAGES.items():
            self.fields[name].error_messages.update(messages)
        self.fields["taken_on"].help_text = "The day these answers are for."
        # Lets the browser's date picker stop at today; the server check still decides.
        self.fields["taken_on"].widget.attrs["max"] = self.latest_date().isoformat()

    def latest_date(self) -> dt.date:
        # The check-up is already finished, so its scores cannot belong to a later day.
        return timezone.localdate()

    @classmethod
    def prefilled(cls, session_number: int | None) -> AddScoresForm:
        initial: dict[str, Any] = {"taken_on": timezone.localdate()}
        if session_number is not None:
            initial["session_number"] = session_number
        return cls(initial=initial)
