"""The public directory (no account needed), a profile page and its photo, the
clinician's own profile editor, and the clinic admin's verification pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from therapycheck.web.directory import services
from therapycheck.web.directory.forms import DirectoryFilterForm, ProfileForm, VerifyForm
from therapycheck.web.directory.models import SpecialistProfile
from therapycheck.web.directory.photos import content_type_of


@login_not_required
@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    # Fields that do not validate are left out (and said so); the others still apply.
    data: dict[str, object] = {}
    if form.is_bound:
        form.is_valid()  # fills cleaned_data with the fields that are valid
        data = form.cleaned_data
    profiles, terms = services.filtered(data)
    page = services.page_of(profiles, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "directory/directory.html",
        {
            "form": form,
            "page": page,
            "searched": bool(terms),
            "ignored_search": bool(str(data.get("q") or "").strip()) and not terms,
            "query": query.urlencode(),
        },
    )


def _visible_profile(request: HttpRequest, pk: int) -> SpecialistProfile:
    profile = services.listed().filter(pk=pk).first()
    if profile is not None:
        return profile
    hidden = SpecialistProfile.objects.select_related("membership__clinic").filter(pk=pk).first()
    if hidden is not None and services.may_preview(request.user, hidden):
        return hidden
    raise Http404


@login_not_required
@require_GET
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    from therapycheck.web.booking.services import offering_clinician

    shown = _visible_profile(request, pk)
    books = shown.offers_free_consultation and offering_clinician(shown.membership_id) is not None
    return render(
        request,
        "directory/profile.html",
        {
            "profile": shown,
            "preview": not (shown.published and shown.membership.user.is_active),
            "can_book": books,
        },
    )


@login_not_required
@require_GET
def photo(request: HttpRequest, pk: int) -> FileResponse:
    shown = _visible_profile(request, pk)
    if not shown.photo:
        raise Http404
    try:
        handle = shown.photo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, content_type=content_type_of(shown.photo.name or ""))


@require_http_methods(["GET", "POST"])
def edit_mine(request: HttpRequest) -> HttpResponse:
    member = services.clinician_of(request.user)
    if member is None:
        raise PermissionDenied("Only clinicians have a directory profile.")
    current = services.profile_for(member)
    before = tuple(getattr(current, f) for f in services.LICENCE_FIELDS)
    form = ProfileForm(request.POST or None, request.FILES or None, instance=current)
    if request.method == "POST" and form.is_valid():
        saved = services.save_profile(request, current, form, before)
        messages.success(
            request,
            "Your profile is saved and shown in the directory."
            if saved.published
            else "Your profile is saved. It is not shown in the directory.",
        )
        return redirect("directory:edit_mine")
    return render(request, "directory/edit.html", {"form": form, "profile": current})


@require_GET
def verify_list(request: HttpRequest) -> HttpResponse:
    admin = services.admin_of(request.user)
    if admin is None:
        raise PermissionDenied("Only a clinic admin verifies profiles.")
    return render(
        request,
        "directory/verify_list.html",
        {"clinic": admin.clinic, "profiles": services.clinic_profiles(admin)},
    )


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    admin = services.admin_of(request.user)
    if admin is None:
        raise PermissionDenied("Only a clinic admin verifies profiles.")
    # Another clinic's profile is not found, not forbidden.
    target = services.clinic_profiles(admin).filter(pk=pk).first()
    if target is None:
        raise Http404
    form = VerifyForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            services.unverify(request, target)
            messages.success(
                request, f"The badge is removed from {target.membership.display_name}'s profile."
            )
            return redirect("directory:verify_list")
        if form.is_valid():
            services.verify(request, admin, target, form.cleaned_data["checked"])
            messages.success(request, f"Saved. The badge says: {target.verification_badge}.")
            return redirect("directory:verify_list")
    return render(request, "directory/verify.html", {"profile": target, "form": form})
