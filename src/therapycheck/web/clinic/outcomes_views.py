"""Service outcome figures for clinic staff: a page over a date range, and its CSV.

Thin: whose figures and how they are computed live in clinic/outcomes.py. Seeing the
figures is not a view of any client's record (they are counts over many clients), so only
the CSV download, which takes figures out of the clinic, is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from therapycheck.web.audit import log
from therapycheck.web.clinic import outcomes
from therapycheck.web.clinic.outcomes import OutcomeTable

_DATE_ERRORS = {
    "required": "Enter a date.",
    "invalid": "Enter a real date, for example 2026-01-31.",
}
# The counts shown with a rate, and what each rate is out of (the table's headings say so).
_WITH_RATE = (
    ("recovered", "recovery_rate"),
    ("reliable_improvement", "reliable_improvement_rate"),
    ("reliable_deterioration", "reliable_deterioration_rate"),
    ("reliable_recovery", "reliable_recovery_rate"),
)


def _date_field(label: str, hint: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=hint,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages=_DATE_ERRORS,
    )


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


class RangeForm(forms.Form):
    start = _date_field("From", "The first day whose scores count.")
    end = _date_field("To", "The last day whose scores count (this day included).")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is not None and end is not None and start > end:
            self.add_error(
                "end",
                f"The 'To' date ({_day(end)}) is before the 'From' date "
                f"({_day(start)}). Choose a 'To' date on or after the 'From' date.",
            )
        return cleaned


def default_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """The past year, up to today."""
    return today - dt.timedelta(days=365), today


def _range_form(request: HttpRequest) -> RangeForm:
    if "start" in request.GET or "end" in request.GET:
        return RangeForm(request.GET)
    start, end = default_range(timezone.localdate())
    return RangeForm({"start": start.isoformat(), "end": end.isoformat()})


def _allowed(request: HttpRequest) -> None:
    if not outcomes.may_see_outcomes(request.user):
        raise PermissionDenied("Service outcomes are for clinic staff.")


def _percent(rate: int | float | None) -> str:
    # As the CLI's table shows it, so the two can be compared at a glance.
    return "n/a" if rate is None else f"{rate:.1%}"


def _display(table: OutcomeTable) -> list[dict[str, Any]]:
    rows = []
    for row in table.rows:
        figures = row.figures
        rows.append(
            {
                "label": row.label,
                "kind": row.kind,
                "clients": figures["clients"],
                "finished": figures["finished_treatment"],
                "case_at_start": figures["case_at_start"],
                "with_rate": [
                    {"count": figures[count], "rate": _percent(figures[rate])}
                    for count, rate in _WITH_RATE
                ],
                "risk": row.clients_with_risk_answer,
            }
        )
    return rows


def _page(request: HttpRequest, form: RangeForm, table: OutcomeTable | None) -> HttpResponse:
    context = {
        "form": form,
        "table": table,
        "rows": _display(table) if table is not None else [],
        "risk_total": max((row.clients_with_risk_answer for row in table.rows), default=0)
        if table is not None
        else 0,
        "query": urlencode({"start": form.data.get("start", ""), "end": form.data.get("end", "")}),
    }
    return render(request, "clinic/outcomes.html", context, status=200 if form.is_valid() else 400)


def _table(request: HttpRequest, form: RangeForm) -> OutcomeTable | None:
    if not form.is_valid():
        return None
    return outcomes.outcome_table(
        request.user, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
    )


@require_GET
def outcomes_page(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    form = _range_form(request)
    return _page(request, form, _table(request, form))


@require_GET
def outcomes_csv(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    form = _range_form(request)
    table = _table(request, form)
    if table is None:
        # The same page and the same error as the figures: nothing is downloaded.
        return _page(request, form, None)
    what = f"service outcomes {table.start.isoformat()} to {table.end.isoformat()} (CSV)"
    log.record(request, None, "export", what)
    response = HttpResponse(outcomes.table_csv(table), content_type="text/csv; charset=utf-8")
    name = f"service-outcomes-{table.start.isoformat()}-to-{table.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
