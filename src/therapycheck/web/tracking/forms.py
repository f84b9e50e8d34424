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


# The app's own words for every way a session number or a date can be wrong, in place of
# Django's defaults ("Ensure this value is greater than or equal to 0.").
SESSION_NUMBER_ERRORS = {
    "required": "Enter the session number, for example 4.",
    "invalid": "Enter the session number as a whole number, for example 4.",
    "min_value": "The session number cannot be below 0. Use 0 for before therapy started.",
    "max_value": f"The session number must be less than or equal to {MAX_SESSION}.",
}
DATE_ERRORS = {
    "required": "Enter the date.",
    "invalid": "Enter a real date, with the day, month and year.",
}


# Django fills in the limit and the length of what was typed.
TOO_LONG = (
    "Please shorten this to at most %(limit_value)d characters (it has %(show_value)d). "
    "Everything you typed is still here."
)


class SessionDateForm(forms.Form):
    """Which session and day some answers belong to; shared by every form that saves scores."""

    session_number = forms.IntegerField(
        label="Session number",
        min_value=0,
        max_value=MAX_SESSION,
        help_text="Use 0 for before therapy started, 1 for your first session, and so on.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages=SESSION_NUMBER_ERRORS,
    )
    taken_on = forms.DateField(
        label="Date",
        help_text="The day you are answering for.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages=DATE_ERRORS,
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

    @property
    def error_anchor(self) -> str:
        """Where the error summary's link for the whole questionnaire goes: its first answer."""
        return f"{self['item_1'].auto_id}_0"

    def error_label(self, name: str) -> str:
        """A short name for a question in the error summary: "PHQ-9, question 3"."""
        number = name.removeprefix("item_")
        return f"{self.instrument.short_name}, question {number}"

    def item_fields(self) -> list[tuple[int, forms.BoundField]]:
        return [(item.number, self[f"item_{item.number}"]) for item in self.instrument.items]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        names = [f"item_{item.number}" for item in self.instrument.items]
        missing = [
            name
            for name in names
            if name in self.errors and not self.data.get(self.add_prefix(name))
        ]
        if not self.optional and len(missing) == len(names):
            # Nothing answered at all: one message for the questionnaire, not one per question.
            for name in names:
                del self.errors[name]
            # On the check-in (a prefixed form) the person can also leave it out.
            leave_out = " Answer its questions, or leave it out for this session."
            raise forms.ValidationError(
                f"You have not answered the {self.instrument.short_name} yet."
                + (leave_out if self.prefix else " Please choose an answer for each question.")
            )
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


FEELING_ERRORS = {
    "invalid": "Choose a number from 0 to 10, or Not noted.",
    "invalid_choice": "Choose a number from 0 to 10, or Not noted.",
    "min_value": "Choose a number from 0 to 10, or Not noted.",
    "max_value": "Choose a number less than or equal to 10, or Not noted.",
}
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
            "session_number": "We suggest the session you last checked in for, or the one "
            "after your last entry. Change it if it is not right.",
            "topics": "Separate topics with commas or new lines, for example: work, sleep.",
            "avoided_topics": "Separate topics with commas or new lines. Only you see this.",
            "notes": f"Up to {NOTES_MAX_LENGTH:,} characters.",
        }
        error_messages: ClassVar[dict[str, dict[str, str]]] = {
            "session_number": SESSION_NUMBER_ERRORS,
            "entry_date": DATE_ERRORS,
            "feeling_before": FEELING_ERRORS,
            "feeling_after": FEELING_ERRORS,
            "homework": {"invalid_choice": "Choose one of the answers about homework."},
            "topics": {"max_length": TOO_LONG},
            "avoided_topics": {"max_length": TOO_LONG},
            "notes": {"max_length": TOO_LONG},
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


class CheckInChoiceForm(forms.Form):
    """Which questionnaires this check-in asks; the person picks, the app suggests."""

    measures = forms.MultipleChoiceField(
        label="Questionnaires for this session",
        help_text="Change the ticks, then choose “Show my choice”. Your answers are kept.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one questionnaire.",
            "invalid_choice": "Choose from the questionnaires listed.",
        },
    )

    def __init__(self, instruments: list[Instrument], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["measures"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [
            (inst.id, f"{inst.short_name}: {CHECK_IN_WORDS.get(inst.id, inst.name)}")
            for inst in instruments
        ]


# What each check-in questionnaire is about, in a few plain words.
CHECK_IN_WORDS = {
    "phq9": "mood (9 questions)",
    "gad7": "worry and anxiety (7 questions)",
    "wai_sr": "how you and your therapist work together (12 questions)",
    "who5": "well-being (5 questions)",
}

WEEKDAY_CHOICES = [
    (str(n), name)
    for n, name in enumerate(
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    )
]


class ReminderForm(forms.Form):
    """When the person wants a calendar reminder to do the check-in."""

    weekday = forms.TypedChoiceField(
        label="Day",
        choices=WEEKDAY_CHOICES,
        coerce=int,
        help_text="Pick the day of your session, or the day after it.",
        error_messages={
            "required": "Choose a day.",
            "invalid_choice": "Choose a day from the list.",
        },
    )
    at = forms.TimeField(
        label="Time",
        help_text="For example 18:30.",
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": "Enter a time, for example 18:30.",
            "invalid": "Enter a time as hours and minutes, for example 18:30.",
        },
    )
    every_weeks = forms.TypedChoiceField(
        label="How often",
        choices=[("1", "Every week"), ("2", "Every 2 weeks"), ("4", "Every 4 weeks")],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how often.",
            "invalid_choice": "Choose how often from the list.",
        },
    )
