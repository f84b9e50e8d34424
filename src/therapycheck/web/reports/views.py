"""The one-page report: on screen, as a print view, and as a PDF download."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from therapycheck.web.accounts.current import current_person
from therapycheck.web.reports import pdf, services
from therapycheck.web.reports.forms import NoteForm


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    person = current_person(request)
    notice = "saved" if request.GET.get("saved") == "1" else ""
    status = 200
    if request.method == "POST":
        form = NoteForm(request.POST)
        if form.is_valid():
            with transaction.atomic():
                saved, _ = services.save_note(
                    person, form.cleaned_data["text"], form.cleaned_data.get("version") or 0
                )
            if saved:
                return HttpResponseRedirect(reverse("reports:report") + "?saved=1#note")
            notice = "stale"
            status = 409
        else:
            status = 400
    else:
        form = None
    data = services.build_report(person)
    if form is None:
        form = NoteForm(initial={"text": data.note, "version": data.note_version})
    elif notice == "stale":
        # Keep what they typed; point the form at the saved version so a resend works.
        form = NoteForm(
            initial={"text": request.POST.get("text", ""), "version": data.note_version}
        )
    return render(
        request, "reports/report.html", _context(data, form=form, notice=notice), status=status
    )


# Characters of the note that fit on the printed page next to everything else. Measured
# in Chromium on A4 and US Letter with four charts, three findings and three next steps
# (tests/browser/test_report_print.py); the crisis section takes room, so less then.
NOTE_PRINT_LIMIT = 1300
NOTE_PRINT_LIMIT_WITH_CRISIS = 160


@require_GET
def print_view(request: HttpRequest) -> HttpResponse:
    person = current_person(request)
    outline = services.build_report(person, charts=False)
    size = services.print_chart_size(len(outline.instruments), crisis=outline.safety is not None)
    data = services.build_report(person, chart_size=size)
    limit = NOTE_PRINT_LIMIT_WITH_CRISIS if data.safety else NOTE_PRINT_LIMIT
    note, trimmed = services.note_excerpt(data.note, limit)
    return render(
        request,
        "reports/print.html",
        _context(data, note=note, note_trimmed=trimmed, note_small=len(note) > limit // 2),
    )


@require_GET
def pdf_download(request: HttpRequest) -> HttpResponse:
    data = services.build_report(current_person(request), charts=False)
    body = pdf.render_pdf(data)
    response = HttpResponse(body, content_type="application/pdf")
    filename = f"therapycheck-report-{data.made_on:%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _context(data: services.ReportData, **extra: Any) -> dict[str, Any]:
    return {
        "data": data,
        "safety": data.safety,
        # progress_chart_svg escapes every piece of text it writes (see tracking.charts).
        "rows": [{"s": s, "svg": mark_safe(s.chart_svg)} for s in data.instruments],
        **extra,
    }
