"""The review form (what will change, per chosen factor, and a review date) and the
treatment agreement form."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django import forms
from django.utils import timezone

from therapycheck.core.checkup.model import FACTOR_IDS
from therapycheck.core.instruments import all_instruments
from therapycheck.core.plan import factor_label
from therapycheck.web.reviews.models import Agreement

CHANGE_MAX_LENGTH = 2000
# A review date further away than this is almost surely a typo (a year instead of a month).
LATEST_REVIEW = datetime.timedelta(days=366)


def change_field(factor: str) -> str:
    return f"change_{factor}"


class DateInput(forms.DateInput):
    input_type = "date"


def _check_review_date(value: datetime.date) -> datetime.date:
    today = timezone.localdate()
    if value < today:
        raise forms.ValidationError("Choose today or a later date.")
    if value > today + LATEST_REVIEW:
        raise forms.ValidationError("Choose a date within the next year.")
    return value


class ReviewForm(forms.Form):
    """One optional text box per factor; at least one must say what will change."""

    review_on = forms.DateField(
        label="Review date",
        help_text="When you will look at this client's progress again.",
        widget=DateInput,
        error_messages={
            "required": "Enter the review date.",
            "invalid": "Enter the review date as a date, e.g. 2027-01-15.",
        },
    )

    def __init__(self, *args: Any, found: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The check-up's findings first (in its order), then the other factors.
        self.found = tuple(f for f in found if f in FACTOR_IDS)
        self.order = (*self.found, *(f for f in FACTOR_IDS if f not in self.found))
        for factor in self.order:
            self.fields[change_field(factor)] = forms.CharField(
                label=f"{factor_label(factor)}: what you will change",
                required=False,
                max_length=CHANGE_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def clean_review_on(self) -> datetime.date:
        return _check_review_date(self.cleaned_data["review_on"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.changes():
            first = change_field(self.order[0])
            self.add_error(first, "Write what you will change for at least one factor.")
        return cleaned

    def changes(self) -> dict[str, str]:
        """{factor: text} for every factor with something written, in FACTOR_IDS order."""
        data = getattr(self, "cleaned_data", {})
        return {
            factor: str(data.get(change_field(factor), "")).strip()
            for factor in FACTOR_IDS
            if str(data.get(change_field(factor), "") or "").strip()
        }

    def found_fields(self) -> list[forms.BoundField]:
        return [self[change_field(f)] for f in self.found]

    def other_fields(self) -> list[forms.BoundField]:
        return [self[change_field(f)] for f in self.order if f not in self.found]


def measure_choices() -> list[tuple[str, str]]:
    return [(inst.id, inst.short_name) for inst in all_instruments()]


class AgreementForm(forms.ModelForm):  # type: ignore[type-arg]
    measures = forms.MultipleChoiceField(
        label="Questionnaires the client will fill in",
        choices=measure_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one questionnaire."},
    )

    class Meta:
        model = Agreement
        fields = ("goals", "session_frequency", "measures", "next_review")
        labels: ClassVar[dict[str, str]] = {
            "goals": "Goals, in the client's words where you can",
            "session_frequency": "How often sessions are",
            "next_review": "Next review of this agreement",
        }
        widgets: ClassVar[dict[str, Any]] = {
            "goals": forms.Textarea(attrs={"rows": 4}),
            "next_review": DateInput,
        }
        error_messages: ClassVar[dict[str, dict[str, str]]] = {
            "goals": {"required": "Write at least one goal."},
            "session_frequency": {"required": "Choose how often sessions are."},
            "next_review": {
                "required": "Enter the date of the next review.",
                "invalid": "Enter the next review as a date, e.g. 2027-01-15.",
            },
        }

    def clean_next_review(self) -> datetime.date:
        return _check_review_date(self.cleaned_data["next_review"])
