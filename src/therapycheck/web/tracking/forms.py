"""Forms for questionnaires (built from instrument data) and journal entries.

Every form keeps what the person typed when it is sent back with errors: Django's bound
forms re-render the submitted values, and nothing is saved until every part is valid.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms

from therapycheck.core.instruments.schema import Instrument
from therapycheck.web.tracking.models import (
    MAX_SESSION,
    NOTES_MAX_LENGTH,
    Homework,
    JournalEntry,
)

# Dates before this year are typing mistakes (a person's own therapy record).
EARLIEST_YEAR = 1900


def new_token() -> str:
    return uuid.uuid4().hex


def latest_day() -> dt.date:
    # One day of slack: the browser's "today" can be ahead of the server's.
    return dt.date.today() + dt.timedelta(days=1)


def check_day(value: dt.date, latest: dt.date | None = None) -> dt.date:
    """The one rule for the day of an entry, shared by every form and by imports."""
    if value > (latest or latest_day()):
        raise forms.ValidationError("The date cannot be in the future.")
    if value.year < EARLIEST_YEAR:
        raise forms.ValidationError("Please check the year.")
    return value


class SessionDateForm(forms.Form):
    """Which session and day some answers belong to; shared by every form that saves scores."""

    session_number = forms.IntegerField(
        label="Session number",
        min_value=0,
        max_value=MAX_SESSION,
        help_text="Use 0 for before therapy started, 1 for your first session, and so on.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    taken_on = forms.DateField(
        label="Date",
        help_text="The day you are answering for.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )

    def latest_date(self) -> dt.date:
        return latest_day()

    def clean_taken_on(self) -> dt.date:
        return check_day(self.cleaned_data["taken_on"], self.latest_date())


class SessionFields(SessionDateForm):
    """Session and day, plus the anti-double-submit token and the edit revision."""

    form_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class InstrumentForm(forms.Form):
    """One radio group per item of an instrument; `required=False` makes the whole form
    optional (all items empty is fine, some empty is not)."""

    def __init__(
        self, instrument: Instrument, *args: Any, optional: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.optional = optional
        for item in instrument.items:
            self.fields[f"item_{item.number}"] = forms.TypedChoiceField(
                label=item.text,
                choices=[(o.value, o.label) for o in instrument.item_options(item.number)],
                coerce=int,
                empty_value=None,
                required=not optional,
                widget=forms.RadioSelect,
                error_messages={"required": "Please choose an answer."},
            )

    def item_fields(self) -> list[tuple[int, forms.BoundField]]:
        return [(item.number, self[f"item_{item.number}"]) for item in self.instrument.items]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.optional:
            given = [n for n, _ in self.item_fields() if cleaned.get(f"item_{n}") is not None]
            if given and len(given) < len(self.instrument.items):
                for number, field in self.item_fields():
                    if cleaned.get(f"item_{number}") is None and not field.errors:
                        self.add_error(
                            f"item_{number}",
                            "Please answer this too, or leave every question of this "
                            "questionnaire empty to skip it.",
                        )
        return cleaned

    def is_empty(self) -> bool:
        """True when an optional questionnaire was skipped (no item answered)."""
        return all(self.cleaned_data.get(f"item_{n}") is None for n, _ in self.item_fields())

    def answers(self) -> list[int]:
        return [int(self.cleaned_data[f"item_{n}"]) for n, _ in self.item_fields()]

    def add_item_error(self, item: int | None, message: str) -> None:
        field = f"item_{item}" if item is not None and f"item_{item}" in self.fields else None
        self.add_error(field, message)

    @classmethod
    def initial_from(cls, answers: list[int]) -> dict[str, int]:
        return {f"item_{n}": value for n, value in enumerate(answers, start=1)}


FEELING_CHOICES = [("", "Not noted"), *((str(n), str(n)) for n in range(11))]

# django-stubs makes ModelForm generic in its model; Django's own class is not subscriptable.
if TYPE_CHECKING:
    _JournalModelForm = forms.ModelForm[JournalEntry]
else:
    _JournalModelForm = forms.ModelForm


class JournalForm(_JournalModelForm):
    form_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    class Meta:
        model = JournalEntry
        fields = (
            "session_number",
            "entry_date",
            "feeling_before",
            "feeling_after",
            "topics",
            "avoided_topics",
            "homework",
            "notes",
        )
        labels: ClassVar[dict[str, str]] = {
            "session_number": "Session number",
            "entry_date": "Date of the session",
            "feeling_before": "How did you feel before the session? (0 = very bad, 10 = very good)",
            "feeling_after": "How did you feel after it? (0 = very bad, 10 = very good)",
            "topics": "What did you talk about?",
            "avoided_topics": "Anything you wanted to raise but did not?",
            "homework": "Did you do the homework from last time?",
            "notes": "Other notes",
        }
        help_texts: ClassVar[dict[str, str]] = {
            "topics": "Separate topics with commas or new lines, for example: work, sleep.",
            "avoided_topics": "Separate topics with commas or new lines. Only you see this.",
            "notes": f"Up to {NOTES_MAX_LENGTH:,} characters.",
        }
        widgets: ClassVar[dict[str, Any]] = {
            "session_number": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "entry_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "feeling_before": forms.Select(choices=FEELING_CHOICES),
            "feeling_after": forms.Select(choices=FEELING_CHOICES),
            "topics": forms.Textarea(attrs={"rows": 3}),
            "avoided_topics": forms.Textarea(attrs={"rows": 2}),
            "homework": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        homework, entry_date = self.fields["homework"], self.fields["entry_date"]
        assert isinstance(homework, forms.ChoiceField)
        assert isinstance(entry_date, forms.DateField)
        homework.choices = [("", "Not noted"), *Homework.choices]
        homework.required = False
        entry_date.input_formats = ["%Y-%m-%d"]
        for name in ("topics", "avoided_topics", "notes"):
            # No maxlength attribute: a browser would cut a long paste short without a
            # word. Over the limit, the form says so and keeps every character typed.
            self.fields[name].widget.attrs.pop("maxlength", None)

    def clean_entry_date(self) -> dt.date:
        return check_day(self.cleaned_data["entry_date"])
