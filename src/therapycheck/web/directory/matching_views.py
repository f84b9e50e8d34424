""" "Find a specialist who fits": a signed-in client's match page (clinic mode).

The preferences come by POST (so identity preferences never land in a URL or a log) and
are used for this one response only: nothing about the person is stored.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from therapycheck.core.checkup.modalities import modalities
from therapycheck.core.looking_for import MAX_BYTES, LookingFor, SummaryError
from therapycheck.core.matching import TIME_BAND_WORDS, TIME_BANDS
from therapycheck.web.accounts.models import Person
from therapycheck.web.clinic.access import membership_of
from therapycheck.web.directory import choices as c
from therapycheck.web.directory.looking_for import (
    form_values,
    read_upload,
    score_names,
    time_zones,
)
from therapycheck.web.directory.matching import (
    checkup_crisis,
    from_checkup,
    latest_checkup,
    ranked_for,
)


def _hours(first: int, end: int) -> str:
    def clock(hour: int) -> str:
        return "noon" if hour == 12 else f"{hour % 12 or 12}{'am' if hour < 12 else 'pm'}"

    return f"{clock(first)} to {clock(end)}"


STYLE_CHOICES = (
    ("", "No preference"),
    ("structure", "More structure and a clear plan"),
    ("exploring", "More room to talk and explore"),
)
FORMAT_CHOICES = (("", "Either"), ("online", "Online"), ("in_person", "In person"))
TIME_CHOICES = tuple(
    (band, f"{TIME_BAND_WORDS[band].capitalize()} ({_hours(first, end)})")
    for band, (_, first, end) in TIME_BANDS.items()
)
FINDING_CHOICES = (
    ("modality_fit", "My check-up found my current approach may not fit me"),
    (
        "therapist_scope",
        "My check-up found my concern may be outside my current therapist's training",
    ),
)


def _approach_choices() -> list[tuple[str, str]]:
    selectable = [(k, a.name) for k, a in modalities().approaches.items() if a.selectable]
    return [("", "No preference"), *selectable]


def _zone_choices() -> list[tuple[str, str]]:
    return [("", "Choose your time zone"), *((z, z.replace("_", " ")) for z in time_zones())]


class MatchForm(forms.Form):
    """What the person is looking for. The match page and the personal summary page use
    the same fields, so a summary file fills exactly this form."""

    concerns = forms.MultipleChoiceField(
        label="What you would like help with",
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Filled in from your latest check-up. Untick anything you do not want used.",
    )
    findings = forms.MultipleChoiceField(
        label="What your check-up found",
        required=False,
        choices=FINDING_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    approach = forms.ChoiceField(label="Approach you would like", required=False, choices=())
    style = forms.ChoiceField(label="How you like sessions", required=False, choices=STYLE_CHOICES)
    language = forms.ChoiceField(
        label="Language you need",
        required=False,
        choices=(("", "Any language"), *c.LANGUAGE_CHOICES),
    )
    format = forms.ChoiceField(label="Online or in person", required=False, choices=FORMAT_CHOICES)
    budget = forms.DecimalField(
        label="Most you can pay per session",
        required=False,
        min_value=0,
        max_digits=7,
        decimal_places=2,
        help_text="Leave empty for no limit. Specialists with a sliding scale stay listed.",
    )
    currency = forms.ChoiceField(label="Currency", choices=c.CURRENCY_CHOICES, initial="GBP")
    times = forms.MultipleChoiceField(
        label="When you can meet",
        required=False,
        choices=TIME_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="On your own clock. We look for free consultation times in the next 2 weeks.",
    )
    time_zone = forms.ChoiceField(
        label="Your time zone",
        required=False,
        choices=(),
        help_text="Needed when you choose times, so they are read on your clock.",
        error_messages={"invalid_choice": "Choose your time zone from the list."},
    )
    identity_wishes = forms.MultipleChoiceField(
        label="I would prefer a specialist who describes themself as",
        required=False,
        choices=c.identity_choices(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Optional. Ranks higher the specialists who chose to say this on their "
        "profile; nobody is left out, and nothing is guessed about anyone.",
    )
    identity = forms.CharField(
        label="Anything else about the specialist's identity or background that matters to you",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only shown back to you. It is not used to rank and not saved.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["concerns"].choices = c.concern_choices()  # type: ignore[attr-defined]
        self.fields["approach"].choices = _approach_choices()  # type: ignore[attr-defined]
        self.fields["time_zone"].choices = _zone_choices()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("times") and not data.get("time_zone"):
            self.add_error(
                "time_zone", "Choose your time zone, so we can read the times on your clock."
            )
        return data


class SummaryUploadForm(forms.Form):
    summary = forms.FileField(
        label='Your "what I\'m looking for" file',
        help_text=f"The .json file you saved from therapycheck (at most {MAX_BYTES // 1024} KB). "
        "We read it to fill in the form below; it is not saved.",
        error_messages={"required": "Choose your summary file to upload."},
    )

    def clean_summary(self) -> LookingFor:
        upload = self.cleaned_data["summary"]
        try:
            return read_upload(upload)
        except SummaryError as exc:
            # One error per problem: the error summary lists each, under the field's label.
            raise forms.ValidationError(list(exc.problems)) from None


def _client_person(request: HttpRequest) -> Person:
    """The signed-in client's own record; staff and people without one may not use this."""
    person = getattr(request.user, "person", None)
    if membership_of(request.user) is not None or not isinstance(person, Person):
        raise PermissionDenied
    return person


@require_http_methods(["GET", "POST"])
def match(request: HttpRequest) -> HttpResponse:
    person = _client_person(request)
    checkup = latest_checkup(person)
    # A check-up that raised the crisis response shows the crisis resources first.
    safety = checkup_crisis(checkup, person.country)
    upload_form = SummaryUploadForm()
    uploaded: LookingFor | None = None
    ranked, needs, prefs = None, None, None
    if request.method == "POST" and request.POST.get("action") == "upload":
        upload_form = SummaryUploadForm(request.POST, request.FILES)
        if upload_form.is_valid():
            uploaded = upload_form.cleaned_data["summary"]
        form = MatchForm(
            initial=form_values(uploaded) if uploaded is not None else from_checkup(checkup)
        )
    elif request.method == "POST":
        form = MatchForm(request.POST)
        if form.is_valid():
            prefs = form.cleaned_data
            ranked, needs = ranked_for(person, prefs)
    else:
        form = MatchForm(initial=from_checkup(checkup))
    return render(
        request,
        "directory/match.html",
        {
            "form": form,
            "upload_form": upload_form,
            "error_forms": [upload_form, form],
            "uploaded": uploaded,
            "uploaded_scores": score_names(uploaded),
            "checkup": checkup,
            "ranked": ranked,
            "needs": needs,
            "prefs": prefs,
            "times": [label for key, label in TIME_CHOICES if prefs and key in prefs["times"]],
            "concern_labels": c.labels(c.concern_choices(), list(needs.concerns)) if needs else [],
            "safety": safety,
            "page_shows_safety": safety is not None,
        },
    )
