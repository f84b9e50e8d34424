"""Clinical-support review and treatment agreement pages (clinician), and the client's own
agreement page. Access only through clinic/access.py; every view and change is audited."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from therapycheck.core.change import REVIEW_AFTER_SESSIONS
from therapycheck.core.checkup.model import FACTOR_IDS
from therapycheck.core.plan import factor_label
from therapycheck.web.accounts.current import current_person
from therapycheck.web.audit import log as audit
from therapycheck.web.clinic import access
from therapycheck.web.clinic.alert_states import NOTE_MAX_LENGTH
from therapycheck.web.clinic.views import clinical_staff, record_for, visible_client
from therapycheck.web.reviews import services
from therapycheck.web.reviews.forms import AgreementForm, ReviewForm
from therapycheck.web.reviews.models import Agreement, CheckupInvitation, Review


@require_http_methods(["GET", "POST"])
def client(request: HttpRequest, person_id: int) -> HttpResponse:
    member = clinical_staff(request)
    record = record_for(request, member, visible_client(request, person_id))
    person = record.person
    latest = next((c for c in record.checkups if c.readable), None)
    found = tuple(f.factor for f in latest.findings) if latest else ()
    form = ReviewForm(request.POST or None, found=found)
    if request.method == "POST" and form.is_valid():
        review = services.record_review(
            person,
            member,
            form.changes(),
            form.cleaned_data["review_on"],
            latest.checkup if latest else None,
        )
        audit.record(request, person, "change", f"Clinical-support review {review.pk} recorded")
        messages.success(request, "Review recorded.")
        return redirect("reviews:client", person_id=person.pk)
    what = "Clinical-support review: status and alerts"
    if latest is not None:
        what += f", check-up {latest.checkup.pk} findings"
    audit.record(request, person, "view", what)
    reviews = [
        (review, [(factor_label(f), text) for f, text in (review.changes or {}).items()])
        for review in Review.objects.filter(person=person)
    ]
    agreement = Agreement.objects.filter(person=person).first()
    return render(
        request,
        "reviews/client.html",
        {
            "record": record,
            "person": person,
            "page_shows_safety": record.crisis is not None,
            "note_max": NOTE_MAX_LENGTH,
            "latest": latest,
            "form": form,
            "reviews": reviews,
            "agreement": agreement,
            "measure_names": services.measure_names(list(agreement.measures)) if agreement else [],
            "factor_count": len(FACTOR_IDS),
            "invited": CheckupInvitation.objects.filter(person=person).first(),
            "review_after": REVIEW_AFTER_SESSIONS,
        },
        status=400 if form.is_bound else 200,
    )


@require_POST
def send_checkup(request: HttpRequest, person_id: int) -> HttpResponse:
    member = clinical_staff(request)
    person = visible_client(request, person_id)
    try:
        services.send_checkup(person, member, request.build_absolute_uri("/checkup/"))
    except services.NoEmailError as exc:
        messages.error(request, f"{exc} Nothing was sent.")
    else:
        audit.record(request, person, "create", "Check-up invitation emailed")
        messages.success(request, "The check-up link was emailed to the client.")
    return redirect("reviews:client", person_id=person.pk)


@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    member = clinical_staff(request)
    person = visible_client(request, person_id)
    existing = Agreement.objects.filter(person=person).first()
    form = AgreementForm(request.POST or None, instance=existing)
    if request.method == "POST" and form.is_valid():
        services.save_agreement(form.save(commit=False), person, member)
        audit.record(request, person, "change", "Treatment agreement saved")
        messages.success(request, "Treatment agreement saved. The client can read it.")
        return redirect("reviews:client", person_id=person.pk)
    audit.record(request, person, "view", "Treatment agreement")
    return render(
        request,
        "reviews/agreement_edit.html",
        {"person": person, "form": form, "agreement": existing},
        status=400 if form.is_bound else 200,
    )


def my_agreement(request: HttpRequest) -> HttpResponse:
    """The client's own treatment agreement (not logged: it is their own record)."""
    if access.membership_of(request.user) is not None:
        raise PermissionDenied("This page is for clients.")
    person = current_person(request)
    agreement = Agreement.objects.filter(person=person).first()
    return render(
        request,
        "reviews/my_agreement.html",
        {
            "agreement": agreement,
            "measures": services.measure_names(list(agreement.measures)) if agreement else [],
        },
    )
