""" "What I'm looking for": personal mode's summary page (mounted at /looking-for/).

The person builds a summary of what they want from a specialist, from their latest check-up
and their own choices, then prints it or downloads it as a small JSON file (the format is
core.looking_for, documented in docs/matching.md) to bring or upload to a clinic's match
page. No name goes in, and no scores unless they tick the box. Nothing is saved: the form
is sent to this computer's own server, used for this one response, and forgotten.

Personal mode only: in clinic mode a client ranks specialists on the match page itself, so
this page is not found there.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from therapycheck.core.looking_for import LookingFor
from therapycheck.web.accounts.current import current_person
from therapycheck.web.directory import choices as c
from therapycheck.web.directory.looking_for import dumps, score_names, summary_of
from therapycheck.web.directory.matching import checkup_crisis, from_checkup, latest_checkup
from therapycheck.web.directory.matching_views import (
    FORMAT_CHOICES,
    STYLE_CHOICES,
    TIME_CHOICES,
    MatchForm,
)

FILENAME = "what-im-looking-for.json"
# The findings as the summary words them, after "My check-up found".
FINDING_WORDS = (
    ("modality_fit", "my current approach may not fit me"),
    ("therapist_scope", "my concern may be outside my current therapist's training"),
)


class LookingForForm(MatchForm):
    include_scores = forms.BooleanField(
        label="Include my questionnaire scores from this check-up",
        required=False,
        initial=False,
        help_text="Off unless you tick it. Scores are private: include them only if you "
        "want the clinic to see them. They are not used to find a specialist.",
    )


def _names(choices: Any, ids: Any) -> list[str]:
    known = dict(choices)
    return [str(known[i]) for i in ids if i in known]


def describe(summary: LookingFor) -> list[tuple[str, str]]:
    """The summary as the page (and its printout) shows it: (what, the person's answer)."""
    approaches = dict(c.approach_choices())
    rows: list[tuple[str, str]] = []

    def add(label: str, value: str) -> None:
        if value:
            rows.append((label, value))

    if summary.checkup_completed_on is not None:
        add(
            "From my check-up of",
            f"{summary.checkup_completed_on.day} {summary.checkup_completed_on:%B %Y}",
        )
    add("I would like help with", "; ".join(_names(c.concern_choices(), summary.concerns)))
    add("My check-up found", "; ".join(_names(FINDING_WORDS, summary.findings)))
    # Unanswered choices are left out rather than shown as "No preference" or "Either".
    if summary.approach:
        add("Approach I would like", approaches.get(summary.approach, ""))
    if summary.style:
        add("How I like sessions", dict(STYLE_CHOICES).get(summary.style, ""))
    if summary.language:
        add("Language I need", dict(c.LANGUAGE_CHOICES).get(summary.language, ""))
    if summary.format:
        add("Online or in person", dict(FORMAT_CHOICES).get(summary.format, ""))
    if summary.budget is not None:
        add("Most I can pay per session", f"{summary.budget} {summary.currency}")
    times = ", ".join(_names(TIME_CHOICES, summary.times))
    if times and summary.time_zone:
        times += f", in {summary.time_zone.replace('_', ' ')} time"
    add("When I can meet", times)
    add(
        "I would prefer a specialist who describes themself as",
        ", ".join(_names(c.IDENTITY_PHRASES, summary.identity_wishes)),
    )
    add("What matters to me about the specialist", summary.identity)
    add("My questionnaire scores", "; ".join(score_names(summary)))
    return rows


@require_http_methods(["GET", "POST"])
def summary_page(request: HttpRequest) -> HttpResponse:
    if settings.THERAPYCHECK_MODE != "personal":
        raise Http404("This page is part of the personal app.")
    person = current_person(request)
    checkup = latest_checkup(person)
    # A check-up that raised the crisis response shows the crisis resources first.
    safety = checkup_crisis(checkup, person.country)
    made: LookingFor | None = None
    if request.method == "POST":
        form = LookingForForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            made = summary_of(data, checkup, include_scores=bool(data.get("include_scores")))
            if request.POST.get("action") == "download":
                response = HttpResponse(dumps(made), content_type="application/json; charset=utf-8")
                response["Content-Disposition"] = f'attachment; filename="{FILENAME}"'
                response["Cache-Control"] = "no-store"
                return response
    else:
        form = LookingForForm(initial=from_checkup(checkup))
    return render(
        request,
        "directory/looking_for.html",
        {
            "form": form,
            "checkup": checkup,
            "summary": describe(made) if made is not None else None,
            "safety": safety,
            "page_shows_safety": safety is not None,
        },
    )
