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

from therapycheck.core import safety as core_safety
from therapycheck.core.checkup.modalities import modalities
from therapycheck.web.accounts.models import Person
from therapycheck.web.accounts.safety import response_for
from therapycheck.web.clinic.access import membership_of
from therapycheck.web.directory import choices as c
from therapycheck.web.directory.matching import latest_checkup, ranked_for

STYLE_CHOICES = (
    ("", "No preference (or use my check-up answer)"),
    ("structure", "More structure and a clear plan"),
    ("exploring", "More room to talk and explore"),
)
FORMAT_CHOICES = (("", "Either"), ("online", "Online"), ("in_person", "In person"))
TIME_CHOICES = (
    ("mornings", "Mornings"),
    ("afternoons", "Afternoons"),
    ("evenings", "Evenings"),
    ("weekends", "Weekends"),
)


def _approach_choices() -> list[tuple[str, str]]:
    selectable = [(k, a.name) for k, a in modalities().approaches.items() if a.selectable]
    return [("", "No preference"), *selectable]


class MatchForm(forms.Form):
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
        label="Times that suit you",
        required=False,
        choices=TIME_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Shown back to you to bring to a consultation; profiles do not list times yet.",
    )
    identity = forms.CharField(
        label="Anything about the specialist's identity or background that matters to you",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only shown back to you on this page. It is not saved or sent to anyone.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["approach"].choices = _approach_choices()  # type: ignore[attr-defined]


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
    result = checkup.stored_result() if checkup is not None else None
    # A check-up that raised the crisis response shows the crisis resources first.
    safety = (
        response_for(person, flags=[core_safety.SAFETY_FLAG])
        if result is not None and result.crisis
        else None
    )
    form = MatchForm(request.POST if request.method == "POST" else None)
    ranked, needs, prefs = None, None, None
    if form.is_bound and form.is_valid():
        prefs = form.cleaned_data
        ranked, needs = ranked_for(person, prefs)
    return render(
        request,
        "directory/match.html",
        {
            "form": form,
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
