"""Forms of the sharing pages: what to share, invite by email, answer an invitation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet

from therapycheck.web.accounts.models import Person
from therapycheck.web.sharing.services import Shares
from therapycheck.web.tracking.models import JournalEntry

if TYPE_CHECKING:
    _EntryChoiceBase = forms.ModelMultipleChoiceField[JournalEntry]
else:
    # The stubs make the field generic; at run time it is not subscriptable.
    _EntryChoiceBase = forms.ModelMultipleChoiceField


class JournalEntryChoice(_EntryChoiceBase):
    def label_from_instance(self, obj: Any) -> str:
        entry: JournalEntry = obj
        topics = entry.topics.strip().splitlines()[0][:60] if entry.topics.strip() else ""
        about = f": {topics}" if topics else ""
        return f"Session {entry.session_number}, {entry.entry_date:%d %B %Y}{about}"


class ShareForm(forms.Form):
    """The client's choices; nothing ticked unless the client ticks it (or chose it before)."""

    share = forms.MultipleChoiceField(
        required=False,
        choices=(
            ("measures", "My measures (questionnaire scores and answers)"),
            ("checkups", "My check-up results"),
        ),
        widget=forms.CheckboxSelectMultiple,
        label="What to share",
        error_messages={"invalid_choice": "Choose measures, check-up results, or neither."},
    )
    journal_entries = JournalEntryChoice(
        queryset=JournalEntry.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Journal entries to share",
        help_text="Only the entries you tick are shared. Leave all unticked to share none.",
    )

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only this client's own entries can be picked; anything else is "not a valid choice".
        entries: QuerySet[JournalEntry] = JournalEntry.objects.filter(person=person).order_by(
            "-entry_date", "-session_number", "-pk"
        )
        field = self.fields["journal_entries"]
        assert isinstance(field, JournalEntryChoice)
        field.queryset = entries
        field.error_messages["invalid_choice"] = (
            "One of the journal entries you picked is not yours or no longer exists. Pick again."
        )

    def shares(self) -> Shares:
        data = self.cleaned_data
        chosen = set(data.get("share") or ())
        return Shares(
            measures="measures" in chosen,
            checkups="checkups" in chosen,
            journal_entries=tuple(data.get("journal_entries") or ()),
        )


class InviteClinicianForm(ShareForm):
    email = forms.EmailField(
        label="Your clinician's email address",
        max_length=254,
        error_messages={
            "required": "Type your clinician's email address.",
            "invalid": "That does not look like an email address. Check it and try again.",
        },
    )
    field_order = ("email", "share", "journal_entries")


class InviteClientForm(forms.Form):
    email = forms.EmailField(
        label="Client's email address",
        max_length=254,
        error_messages={
            "required": "Type the client's email address.",
            "invalid": "That does not look like an email address. Check it and try again.",
        },
    )


class AnswerForm(ShareForm):
    """Accept (with these choices) or decline a clinician's invitation."""

    decision = forms.ChoiceField(
        choices=(("accept", "Accept"), ("decline", "Decline")),
        error_messages={"required": "Choose Accept or Decline."},
    )
