"""The form that makes an API token: a name, what it may do, how long it lasts."""

from __future__ import annotations

from typing import Any

from django import forms

from therapycheck.web.api.models import Scope
from therapycheck.web.api.tokens import DEFAULT_LIFETIME, LIFETIMES, allowed_scopes


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="So you can recognise it later, for example “Clinic records system”.",
    )
    scopes = forms.MultipleChoiceField(
        label="What this token may do",
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose only what the program needs.",
        error_messages={"required": "Choose at least one thing this token may do."},
    )
    lifetime = forms.TypedChoiceField(
        label="Lasts for",
        coerce=int,
        choices=[(days, f"{days} days") for days in LIFETIMES],
        initial=DEFAULT_LIFETIME,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Scope.choices)
        field = self.fields["scopes"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(scope, labels[scope]) for scope in allowed_scopes(user)]

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if not name:
            raise forms.ValidationError("Give the token a name.")
        return name
