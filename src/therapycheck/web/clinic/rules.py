"""Object permissions (django-rules) over clinic/access.py, for `user.has_perm(name, person)`.

Plain functions: add_perm wraps each in a rules predicate.

Loaded by rules' autodiscovery (INSTALLED_APPS has rules.apps.AutodiscoverRulesConfig).
"""

from __future__ import annotations

from typing import Any

from rules.permissions import add_perm

from therapycheck.web.clinic import access
from therapycheck.web.clinic.models import Role


def can_open_record(user: Any, person: Any) -> bool:
    return person is not None and access.can_open(user, person)


def sees_measures(user: Any, person: Any) -> bool:
    return person is not None and access.can_see(user, person, "measures")


def sees_checkups(user: Any, person: Any) -> bool:
    return person is not None and access.can_see(user, person, "checkups")


def sees_journal(user: Any, person: Any) -> bool:
    return person is not None and access.can_see(user, person, "journal")


def is_clinician_or_supervisor(user: Any) -> bool:
    return access.is_staff_member(user, Role.CLINICIAN, Role.SUPERVISOR)


def is_clinic_admin(user: Any) -> bool:
    return access.is_staff_member(user, Role.ADMIN)


def is_staff(user: Any) -> bool:
    return access.is_staff_member(user)


PERMISSIONS = {
    "clinic.open_record": can_open_record,
    "clinic.view_measures": sees_measures,
    "clinic.view_checkups": sees_checkups,
    "clinic.view_journal": sees_journal,
    "clinic.view_caseload": is_clinician_or_supervisor,
    "clinic.view_outcomes": is_staff,
    "clinic.view_audit_log": is_clinic_admin,
    "clinic.manage_staff": is_clinic_admin,
}

for _name, _rule in PERMISSIONS.items():
    add_perm(_name, _rule)  # type: ignore[no-untyped-call]
