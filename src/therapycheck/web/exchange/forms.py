"""Forms of the data page: upload a file to import, confirm deleting everything."""

from __future__ import annotations

from django import forms

from therapycheck.web.exchange.services import MAX_UPLOAD_BYTES


class ImportForm(forms.Form):
    file = forms.FileField(
        label="File to import",
        help_text=(
            "A FHIR file (.json) or a measurements file (.csv) exported from therapycheck. "
            f"Up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
        ),
        error_messages={
            "required": "Choose a file to import.",
            "empty": "The file is empty.",
            "invalid": "That does not look like a file. Choose one and try again.",
        },
        widget=forms.FileInput(
            attrs={
                "accept": ".json,.csv,application/json,text/csv",
                "aria-describedby": "id_file-hint",
            }
        ),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is too large. The limit is {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
            )
        return upload


class DeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that this deletes all my data and cannot be undone.",
        error_messages={"required": "Tick the box to confirm, or go back to keep your data."},
    )
