from __future__ import annotations

from typing import Any

from django import forms

from therapycheck.core import safety as core_safety


class SettingsForm(forms.Form):
    country = forms.ChoiceField(
        label="Your country",
        help_text="We use this to show crisis lines and the emergency number where you live.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = core_safety.countries()
