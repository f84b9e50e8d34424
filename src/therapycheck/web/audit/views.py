"""The clinic admin's audit log: their clinic's events, filtered, paginated, as CSV."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from therapycheck.web.audit import services
from therapycheck.web.clinic.access import membership_of
from therapycheck.web.clinic.models import Membership

EVENTS_PER_PAGE = 50


class FilterForm(forms.Form):
    start = forms.DateField(
        required=False,
        label="From (day)",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Type the first day as a date, for example 2026-09-01."},
    )
    end = forms.DateField(
        required=False,
        label="To (day, included)",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Type the last day as a date, for example 2026-09-30."},
    )
    staff = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="Staff member",
        error_messages={"invalid_choice": "Choose a staff member from the list."},
    )

    def __init__(self, *args: Any, clinic_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = self.fields["staff"]
        assert isinstance(staff, forms.TypedChoiceField)
        staff.choices = [("", "Everyone")] + [
            (str(m.user_id), f"{m.display_name} ({m.get_role_display()})")
            for m in services.staff_of(clinic_id)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "The last day is before the first day. Swap them or change one.")
        return data


def _admin(request: HttpRequest) -> Membership:
    member = membership_of(request.user)
    if member is None or not member.is_admin:
        raise PermissionDenied("Only a clinic admin reads the audit log.")
    return member


@require_GET
def log(request: HttpRequest) -> HttpResponse:
    member = _admin(request)
    form = FilterForm(request.GET or None, clinic_id=member.clinic_id)
    if request.GET and not form.is_valid():
        context: dict[str, Any] = {"form": form, "page": None, "rows": []}
        return render(request, "audit/log.html", context, status=400)
    data = form.cleaned_data if request.GET else {}
    events = services.clinic_events(
        member.clinic_id,
        start=data.get("start"),
        end=data.get("end"),
        actor_id=data.get("staff"),
    )
    if request.GET.get("format") == "csv":
        response = HttpResponse(services.as_csv(events.iterator()), content_type="text/csv")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
        return response
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(event, services.in_words(event)) for event in page]
    return render(request, "audit/log.html", {"form": form, "page": page, "rows": rows})
