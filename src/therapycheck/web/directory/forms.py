"""The clinician's profile form, the admin's verification form, the directory's filters."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django import forms

from therapycheck.web.directory import choices as c
from therapycheck.web.directory.models import STATEMENT_MAX, SpecialistProfile
from therapycheck.web.directory.photos import process_photo


def _multi(label: str, options: tuple[tuple[str, str], ...], help_text: str = "") -> Any:
    return forms.MultipleChoiceField(
        label=label,
        choices=options,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class ProfileForm(forms.ModelForm):  # type: ignore[type-arg]
    approaches = _multi("Approaches you offer", c.approach_choices())
    concerns = _multi("Concerns you work with", c.concern_choices())
    populations = _multi("People you work with", c.POPULATION_CHOICES)
    languages = _multi("Languages you hold sessions in", c.LANGUAGE_CHOICES)
    identities = _multi(
        "How you describe yourself (optional)",
        c.identity_choices(),
        help_text="Only if you want to. What you tick is shown on your profile and used only "
        "when a person asks for a specialist who is one of these. Leave all unticked to say "
        "nothing.",
    )
    photo_upload = forms.FileField(
        label="Photo (optional)",
        required=False,
        help_text="A JPEG or PNG under 5 MB. We shrink it and remove hidden details such as "
        "where it was taken.",
    )
    remove_photo = forms.BooleanField(label="Remove my photo", required=False)

    class Meta:
        model = SpecialistProfile
        fields = (
            "profession",
            "licence_type",
            "licence_number",
            "licence_jurisdiction",
            "approaches",
            "concerns",
            "populations",
            "languages",
            "identities",
            "format",
            "location",
            "fee_per_session",
            "currency",
            "sliding_scale",
            "insurance",
            "accepting_new_clients",
            "offers_free_consultation",
            "statement",
            "published",
        )
        labels: ClassVar[dict[str, str]] = {
            "profession": "Profession",
            "licence_type": "Licence or registration type",
            "licence_number": "Licence or registration number",
            "licence_jurisdiction": "Where the licence applies",
            "format": "How you see people",
            "location": "Location (town or area, for in-person sessions)",
            "fee_per_session": "Fee per session (leave empty to say 'ask about fees')",
            "currency": "Currency",
            "sliding_scale": "I offer a sliding scale (lower fees for lower incomes)",
            "insurance": "Insurance accepted (leave empty if none)",
            "accepting_new_clients": "I am accepting new clients",
            "offers_free_consultation": "I offer a free 30-minute first consultation",
            "statement": "About you, in your own words",
            "published": "Show my profile in the public directory",
        }
        help_texts: ClassVar[dict[str, str]] = {
            "profession": "For example: Clinical psychologist, Counsellor.",
            "licence_type": "For example: HCPC registered practitioner psychologist.",
            "licence_jurisdiction": "For example: United Kingdom, or New York State.",
            "statement": f"Up to {STATEMENT_MAX} characters. Do not write about clients.",
            "insurance": "For example: Bupa, AXA Health.",
            "published": "A clinic admin can check your licence and add a badge that says so.",
        }
        widgets: ClassVar[dict[str, Any]] = {
            "statement": forms.Textarea(attrs={"rows": 8, "maxlength": STATEMENT_MAX})
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cleaned_photo: Any = None

    def clean_fee_per_session(self) -> Decimal | None:
        fee = self.cleaned_data.get("fee_per_session")
        if fee is not None and not (Decimal(0) <= fee <= Decimal(10000)):
            raise forms.ValidationError("Enter a fee between 0 and 10,000.")
        return fee

    def clean_photo_upload(self) -> Any:
        upload = self.cleaned_data.get("photo_upload")
        if upload:
            # Checked and re-made now, so a bad photo is an error on this form and
            # nothing is saved.
            self.cleaned_photo = process_photo(upload, upload.size)
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("format") in (c.Format.IN_PERSON, c.Format.BOTH)
            and not data.get("location", "").strip()
        ):
            self.add_error("location", "Say where you see people in person (a town or area).")
        return data


class VerifyForm(forms.Form):
    checked = forms.ChoiceField(
        label="What you checked",
        choices=c.Checked.choices,
        widget=forms.RadioSelect,
        help_text="The badge on the profile says exactly this, with your clinic's name and "
        "today's date. Only mark what you have checked against the licensing body's register.",
    )


ANY = [("", "Any")]


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    concern = forms.ChoiceField(label="Concern", required=False, choices=())
    approach = forms.ChoiceField(label="Approach", required=False, choices=())
    language = forms.ChoiceField(
        label="Language", required=False, choices=ANY + list(c.LANGUAGE_CHOICES)
    )
    population = forms.ChoiceField(
        label="Works with", required=False, choices=ANY + list(c.POPULATION_CHOICES)
    )
    format = forms.ChoiceField(
        label="Format",
        required=False,
        choices=[*ANY, (c.Format.ONLINE, "Online"), (c.Format.IN_PERSON, "In person")],
    )
    max_fee = forms.DecimalField(
        label="Most I can pay per session",
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(10000),
        decimal_places=2,
    )
    currency = forms.ChoiceField(label="Currency", required=False, choices=c.CURRENCY_CHOICES)
    insurance = forms.CharField(label="Insurance", required=False, max_length=100)
    sliding_scale = forms.BooleanField(label="Offers a sliding scale", required=False)
    accepting = forms.BooleanField(label="Accepting new clients", required=False)
    free_consultation = forms.BooleanField(
        label="Offers a free 30-minute consultation", required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["concern"].choices = ANY + list(c.concern_choices())  # type: ignore[attr-defined]
        self.fields["approach"].choices = ANY + list(c.approach_choices())  # type: ignore[attr-defined]
