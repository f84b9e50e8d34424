"""The clinic admin's staff page: who works here, in which role, supervised by whom.

Only the clinic's own admin may open it (403 for every other role and for clients), and
only their clinic's staff are listed or changed: a staff member of another clinic is 404.
A new staff member gets an account without a password and an email with a link to set one
(allauth's password-reset link); at their first sign-in they set up two-factor sign-in
(clinic.middleware). Every change is written to the audit log.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from therapycheck.web.audit.log import record
from therapycheck.web.clinic.access import membership_of
from therapycheck.web.clinic.models import Clinic, Membership, Role

ROLE_HINT = (
    "Clinicians see the clients who share with them. Supervisors see what the clinicians "
    "they supervise see. Clinic admins manage staff and read the audit log; they see no "
    "client records."
)


# ------------------------------------------------------------------------------ forms


def supervisors_of(clinic: Clinic) -> QuerySet[Membership]:
    return clinic.members.filter(role=Role.SUPERVISOR).order_by("display_name", "pk")


class _StaffFields(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices, help_text=ROLE_HINT)
    supervisor = forms.ModelChoiceField(
        label="Supervisor",
        queryset=Membership.objects.none(),
        required=False,
        empty_label="No supervisor",
        help_text="Only for clinicians: the supervisor who oversees their work.",
    )

    def __init__(self, *args: Any, clinic: Clinic, member: Membership | None = None, **kw: Any):
        super().__init__(*args, **kw)
        choices = supervisors_of(clinic)
        if member is not None:
            choices = choices.exclude(pk=member.pk)
        self.fields["supervisor"].queryset = choices  # type: ignore[attr-defined]
        self.fields["supervisor"].label_from_instance = lambda m: m.display_name  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("supervisor") is not None and data.get("role") != Role.CLINICIAN:
            self.add_error("supervisor", "Only a clinician has a supervisor. Choose none.")
        return data


class AddStaffForm(_StaffFields):
    email = forms.EmailField(label="Email address", max_length=254)
    display_name = forms.CharField(
        label="Name", max_length=100, help_text="As colleagues and clients will see it."
    )
    field_order = ("email", "display_name", "role", "supervisor")

    def clean_email(self) -> str:
        from allauth.account.models import EmailAddress

        email = str(self.cleaned_data["email"]).strip().lower()
        taken = (
            get_user_model().objects.filter(email__iexact=email).exists()
            or EmailAddress.objects.filter(email__iexact=email).exists()
        )
        if taken:
            # The address may belong to a client or to another clinic's staff: say no more.
            raise forms.ValidationError(
                "This email address already has an account here. Use another address."
            )
        return email


class ChangeStaffForm(_StaffFields):
    pass


# --------------------------------------------------------------------------- services


def add_staff_member(request: HttpRequest, clinic: Clinic, data: dict[str, Any]) -> Membership:
    """Create the account (no password yet), the membership, and send the set-password
    link. The address counts as confirmed: the only way in is the link sent to it."""
    from allauth.account.models import EmailAddress

    user_model = get_user_model()
    email = str(data["email"])
    with transaction.atomic():
        user = user_model(username=_unique_username(email), email=email)
        user.set_unusable_password()
        user.save()
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        member = Membership.objects.create(
            user=user,
            clinic=clinic,
            role=data["role"],
            display_name=data["display_name"],
            supervisor=data.get("supervisor"),
        )
        record(request, None, "change", f"staff: added {_describe(member)}")
    send_set_password_email(request, member)
    return member


def change_staff_member(
    request: HttpRequest, member: Membership, role: str, supervisor: Membership | None
) -> bool:
    """Change a role or supervisor; True if anything changed."""
    if member.role == role and member.supervisor_id == getattr(supervisor, "pk", None):
        return False
    before = _describe(member)
    with transaction.atomic():
        if member.role == Role.SUPERVISOR and role != Role.SUPERVISOR:
            # Their clinicians would keep a supervisor who no longer supervises anyone.
            for supervisee in member.supervisees.all():
                supervisee.supervisor = None
                supervisee.save(update_fields=["supervisor"])
                record(
                    request,
                    None,
                    "change",
                    f"staff: {supervisee.display_name} no longer supervised by "
                    f"{member.display_name}",
                )
        member.role = role
        member.supervisor = supervisor
        member.save(update_fields=["role", "supervisor"])
        record(request, None, "change", f"staff: {before} is now {_describe(member)}")
    return True


def send_set_password_email(request: HttpRequest, member: Membership) -> None:
    from allauth.account.adapter import get_adapter
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    user = member.user
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    get_adapter(request).send_mail(
        "clinic/admin_staff_email",
        user.email,
        {
            "member": member,
            "clinic": member.clinic,
            "set_password_url": request.build_absolute_uri(path),
            "sign_in_url": request.build_absolute_uri(reverse("account_login")),
        },
    )


def _describe(member: Membership) -> str:
    text = f"{member.display_name} as {member.get_role_display().lower()}"
    if member.supervisor is not None:
        text += f", supervised by {member.supervisor.display_name}"
    return text


def _unique_username(email: str) -> str:
    from allauth.account.adapter import get_adapter

    return str(get_adapter().generate_unique_username([email.split("@")[0], "staff"]))


def _clinic_admin(request: HttpRequest) -> Membership:
    member = membership_of(request.user)
    if member is None or member.role != Role.ADMIN:
        raise PermissionDenied("Only the clinic admin manages staff.")
    return member


# ------------------------------------------------------------------------------ views


@require_http_methods(["GET", "POST"])
def admin_home(request: HttpRequest) -> HttpResponse:
    """The staff list, with a change form per person and the add form (posted here)."""
    admin = _clinic_admin(request)
    clinic = admin.clinic
    add_form = AddStaffForm(request.POST or None, clinic=clinic)
    if request.method == "POST" and add_form.is_valid():
        member = add_staff_member(request, clinic, add_form.cleaned_data)
        from django.contrib import messages

        messages.success(
            request,
            f"{member.display_name} was added. We emailed {member.user.email} a link to set "
            "a password. They set up two-factor sign-in when they first sign in.",
        )
        return redirect("clinic:admin_home")
    return _render(request, admin, add_form=add_form)


def staff_change(request: HttpRequest, pk: int) -> HttpResponse:
    # The role first: anyone but the clinic admin is refused (403) whatever the method.
    admin = _clinic_admin(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        # Only this clinic's staff: another clinic's member is not found, not forbidden.
        member = admin.clinic.members.select_related("supervisor", "user").get(pk=pk)
    except Membership.DoesNotExist:
        raise Http404 from None
    form = ChangeStaffForm(
        request.POST, clinic=admin.clinic, member=member, prefix=f"staff-{member.pk}"
    )
    if form.is_valid():
        role = form.cleaned_data["role"]
        if member.pk == admin.pk and role != Role.ADMIN and _last_admin(admin):
            form.add_error("role", "The clinic needs an admin: add another admin first.")
        else:
            from django.contrib import messages

            if change_staff_member(request, member, role, form.cleaned_data["supervisor"]):
                messages.success(request, f"Saved: {_describe(member)}.")
            else:
                messages.info(request, f"Nothing changed for {member.display_name}.")
            return redirect("clinic:admin_home")
    return _render(request, admin, failed=(member.pk, form))


def _last_admin(admin: Membership) -> bool:
    return not admin.clinic.members.filter(role=Role.ADMIN).exclude(pk=admin.pk).exists()


def _render(
    request: HttpRequest,
    admin: Membership,
    *,
    add_form: AddStaffForm | None = None,
    failed: tuple[int, ChangeStaffForm] | None = None,
) -> HttpResponse:
    clinic = admin.clinic
    staff = list(clinic.members.select_related("user", "supervisor").order_by("display_name"))
    rows = []
    for member in staff:
        if failed is not None and failed[0] == member.pk:
            form = failed[1]
        else:
            form = ChangeStaffForm(
                clinic=clinic,
                member=member,
                prefix=f"staff-{member.pk}",
                initial={"role": member.role, "supervisor": member.supervisor_id},
            )
        rows.append({"member": member, "form": form})
    add_form = add_form or AddStaffForm(clinic=clinic)
    return render(
        request,
        "clinic/admin_home.html",
        {
            "clinic": clinic,
            "rows": rows,
            "add_form": add_form,
            "error_forms": [f for f in (add_form, failed[1] if failed else None) if f],
        },
    )
