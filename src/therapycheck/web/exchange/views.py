"""The "Your data" pages at /data/: export, import (with a preview) and delete everything."""

from __future__ import annotations

import io
import json
import logging
import zipfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from therapycheck.interop import ExchangeError, export_bundle, export_csv
from therapycheck.web.accounts.current import current_person
from therapycheck.web.checkups.models import Checkup
from therapycheck.web.exchange import services
from therapycheck.web.exchange.convert import records_for
from therapycheck.web.exchange.forms import DeleteForm, ImportForm

logger = logging.getLogger(__name__)
PENDING_KEY = "exchange_pending_import"
CSV_README = """therapycheck export (CSV)

measurements.csv  one row per questionnaire: client_id, session, instrument, score, date,
                  band, flags (e.g. "safety"), then the answer to each item (item_1 ...).
                  This is the file you can import again, or give to `therapycheck outcomes`.
journal.csv       one row per journal entry. Text that starts with = + - or @ gets a
                  leading ' so a spreadsheet does not run it as a formula.
checkups.csv      one row per check-up, answers and result as JSON.
report_note.txt   your note for the next session, if you wrote one.
"""


def _stamp() -> str:
    return timezone.localdate().isoformat()


@require_GET
def data_home(request: HttpRequest) -> HttpResponse:
    return _home(request, ImportForm())


def _home(
    request: HttpRequest, form: ImportForm, error: str | None = None, status: int = 200
) -> HttpResponse:
    person = current_person(request)
    records = records_for(person)
    context = {
        "form": form,
        "counts": records.counts(),
        "checkups": Checkup.objects.filter(person=person).order_by("-started_at", "-pk"),
        "import_error": error,
        "clinic": settings.THERAPYCHECK_MODE == "clinic",
    }
    return render(request, "exchange/home.html", context, status=status)


@require_GET
def export_fhir(request: HttpRequest) -> HttpResponse:
    bundle = export_bundle(records_for(current_person(request)))
    response = HttpResponse(
        json.dumps(bundle, ensure_ascii=False, indent=2), content_type="application/fhir+json"
    )
    response["Content-Disposition"] = f'attachment; filename="therapycheck-{_stamp()}.fhir.json"'
    return response


@require_GET
def export_csv_zip(request: HttpRequest) -> HttpResponse:
    files = export_csv(records_for(current_person(request)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", CSV_README)
        for name, text in files.items():
            archive.writestr(name, text)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="therapycheck-{_stamp()}-csv.zip"'
    return response


@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return redirect("exchange:home")
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _home(request, form, status=400)
    data = form.cleaned_data["file"].read()
    person = current_person(request)
    try:
        kind, records = services.read_upload(data)
        plan = services.plan_import(person, kind, records)
    except ExchangeError as exc:
        return _home(request, ImportForm(), error=_sentence(str(exc)), status=400)
    request.session[PENDING_KEY] = services.keep_pending(person, data)
    return render(request, "exchange/preview.html", {"plan": plan})


@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    person = current_person(request)
    pending_id = request.session.pop(PENDING_KEY, None)
    data = services.pending_data(person, pending_id)
    if data is None:
        messages.info(request, "There was nothing waiting to be imported. Choose a file first.")
        return redirect("exchange:home")
    try:
        kind, records = services.read_upload(data)
        plan = services.plan_import(person, kind, records)
        services.apply_import(person, plan)
    except ExchangeError as exc:
        return _home(request, ImportForm(), error=_sentence(str(exc)), status=400)
    except DatabaseError:
        # The transaction rolled back: nothing of this import was kept.
        logger.exception("import could not be saved")
        reason = "The data could not be saved, so none of it was kept. Please try again."
        return _home(request, ImportForm(), error=reason, status=400)
    finally:
        services.drop_pending(person, pending_id)
    messages.success(request, _imported_message(plan))
    for line in plan.skipped:
        messages.info(request, line)
    return redirect("exchange:home")


@require_POST
def import_cancel(request: HttpRequest) -> HttpResponse:
    services.drop_pending(current_person(request), request.session.pop(PENDING_KEY, None))
    messages.info(request, "Import cancelled. Nothing was changed.")
    return redirect("exchange:home")


@require_http_methods(["GET", "POST"])
def delete_all(request: HttpRequest) -> HttpResponse:
    person = current_person(request)
    form = DeleteForm(request.POST) if request.method == "POST" else DeleteForm()
    if request.method == "POST" and form.is_valid():
        services.delete_everything(person)
        # Personal mode ended every session already; this one gets a fresh, empty one.
        request.session.flush()
        return redirect("exchange:deleted")
    counts = records_for(person).counts()
    status = 400 if request.method == "POST" else 200
    return render(request, "exchange/delete.html", {"form": form, "counts": counts}, status=status)


# Open without sign-in: in clinic mode deleting signs the person out, and this page
# shows no data, only that everything is gone.
@login_not_required
@require_GET
def deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "exchange/deleted.html")


def _sentence(reason: str) -> str:
    reason = reason.strip()
    return (reason[:1].upper() + reason[1:]).rstrip(".") + "."


def _imported_message(plan: services.ImportPlan) -> str:
    counts = plan.counts
    parts = [
        _plural(counts["measurements"], "questionnaire", "questionnaires"),
        _plural(counts["journal"], "journal entry", "journal entries"),
        _plural(counts["checkups"], "check-up", "check-ups"),
    ]
    note = " and your report note" if plan.report_note is not None else ""
    return f"Imported {', '.join(parts)}{note}."


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
