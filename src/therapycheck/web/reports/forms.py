from __future__ import annotations

from django import forms

from therapycheck.web.reports.models import NOTE_MAX_LENGTH


class NoteForm(forms.Form):
    text = forms.CharField(
        label="What I want to talk about next time",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"A few words are enough. Up to {NOTE_MAX_LENGTH} characters.",
        error_messages={
            "max_length": "Please keep this to %(limit_value)d characters or fewer "
            "(it has %(show_value)d)."
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def clean_text(self) -> str:
        # Keep line breaks but drop characters that cannot be printed or stored safely.
        text = str(self.cleaned_data.get("text") or "").replace("\x00", "")
        return text.strip()
