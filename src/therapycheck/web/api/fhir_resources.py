"""FHIR R4B resources of clinic-mode records, built by interop/fhir.py and validated.

The personal-mode export (interop/fhir.py) already decides how a measurement becomes a
QuestionnaireResponse and a total-score Observation, and an instrument a Questionnaire;
this module reuses those builders and adds what a server needs: ids, references between
resources (Patient/4) and searchset Bundles. Every resource handed out has been
constructed by its fhir.resources R4B model first, so it is valid R4B.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from therapycheck.core import safety as core_safety
from therapycheck.core.instruments import get_instrument, instrument_ids
from therapycheck.interop import fhir as interop
from therapycheck.interop.records import MeasurementRecord, PersonRecord
from therapycheck.web.accounts.models import Person
from therapycheck.web.accounts.safety import response_for
from therapycheck.web.clinic.models import Membership
from therapycheck.web.tracking.models import Measurement


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """`resource` as its R4B model writes it; raises when it is not valid R4B."""
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    result: dict[str, Any] = json.loads(model.model_dump_json(exclude_none=True))
    return result


def questionnaire_id(instrument_id: str) -> str:
    """A FHIR id allows letters, digits, "-" and "." only: wai_sr is Questionnaire/wai-sr."""
    return instrument_id.replace("_", "-")


def instrument_of(fhir_id: str) -> str | None:
    """The instrument a Questionnaire id names, or None."""
    wanted = fhir_id.replace("-", "_")
    return wanted if wanted in instrument_ids() else None


def patient(person: Person) -> dict[str, Any]:
    resource = interop._patient(PersonRecord(country=person.country))
    resource["id"] = str(person.pk)
    if person.display_name:
        # Only people who may open the record see this, and they see the name anyway.
        resource["name"] = [{"text": person.display_name}]
    return resource


def practitioner(member: Membership) -> dict[str, Any]:
    return {
        "resourceType": "Practitioner",
        "id": str(member.pk),
        "active": True,
        "name": [{"text": member.display_name}],
    }


def questionnaire(instrument_id: str) -> dict[str, Any]:
    resource = interop._questionnaire(instrument_id)
    resource["id"] = questionnaire_id(instrument_id)
    resource["name"] = questionnaire_id(instrument_id).replace("-", "_").upper()
    return resource


def _record(m: Measurement) -> MeasurementRecord:
    return MeasurementRecord(
        instrument=m.instrument,
        answers=tuple(m.answers or ()),
        taken_on=m.taken_on,
        session_number=m.session_number,
        total=m.total,
        band=m.band,
        flags=tuple(str(f) for f in (m.flags or ())),
    )


def questionnaire_response(m: Measurement) -> dict[str, Any]:
    resource = interop._response(_record(m), f"Patient/{m.person_id}")
    resource["id"] = str(m.pk)
    # Unanswered items have no answer (FHIR forbids an empty answer list).
    for item in resource["item"]:
        if item["answer"][0]["valueInteger"] is None:
            del item["answer"]
    return resource


def observation(m: Measurement) -> dict[str, Any]:
    resource = interop._total(_record(m), f"Patient/{m.person_id}", f"QuestionnaireResponse/{m.pk}")
    resource["id"] = str(m.pk)
    return resource


def operation_outcome(severity: str, code: str, text: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": text}],
    }


def safety_outcome(
    person: Person, measurements: Sequence[Measurement], *, for_clinician: bool = False
) -> dict[str, Any] | None:
    """When a measure has a risk answer: an OperationOutcome carrying the crisis response
    for the person's country, so it comes first in a Bundle (worded for a clinician when
    one reads a client's record)."""
    flagged = [m for m in measurements if m.has_safety_flag]
    if not flagged:
        return None
    reasons = [
        f"{get_instrument(m.instrument).short_name} on {m.taken_on.isoformat()} "
        f"(session {m.session_number}): a risk question was answered above 0."
        for m in flagged
    ]
    response = response_for(
        person, flags=[core_safety.SAFETY_FLAG], reasons=reasons, dangers=["self"]
    )
    if for_clinician:
        response = response.for_clinician()
    return operation_outcome("warning", "informational", response.to_markdown())


def searchset(
    self_url: str,
    base_url: str,
    resources: Sequence[dict[str, Any]],
    outcome: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A validated searchset Bundle; `outcome` (e.g. the safety response) comes first."""
    entries: list[dict[str, Any]] = []
    if outcome is not None:
        entries.append({"resource": outcome, "search": {"mode": "outcome"}})
    entries += [
        {
            "fullUrl": f"{base_url}{r['resourceType']}/{r['id']}",
            "resource": r,
            "search": {"mode": "match"},
        }
        for r in resources
    ]
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "link": [{"relation": "self", "url": self_url}],
        "entry": entries,
    }
    if not entries:
        del bundle["entry"]
    return validated(bundle)


# What the server can do, for FHIR clients that ask first (GET /fhir/metadata).
_READS: dict[str, tuple[str, ...]] = {
    "Patient": ("read",),
    "Practitioner": ("read",),
    "Questionnaire": ("read", "search-type"),
    "QuestionnaireResponse": ("read", "search-type"),
    "Observation": ("read", "search-type"),
    "Schedule": ("read",),
    "Slot": ("search-type",),
    "Appointment": ("search-type",),
}
# The search parameters each searchable resource takes (all others are refused).
_SEARCH_PARAMS: dict[str, tuple[tuple[str, str], ...]] = {
    "QuestionnaireResponse": (("patient", "Required."),),
    "Observation": (("patient", "Required."),),
    "Slot": (("schedule", "Required: the clinician's schedule."),),
    "Appointment": (
        ("practitioner", "The clinician (one of practitioner or patient is required)."),
        ("patient", "The client (one of practitioner or patient is required)."),
    ),
}


def capability_statement(date: str) -> dict[str, Any]:
    resources = []
    for kind, interactions in _READS.items():
        resource: dict[str, Any] = {
            "type": kind,
            "interaction": [{"code": code} for code in interactions],
        }
        if kind in _SEARCH_PARAMS:
            resource["searchParam"] = [
                {"name": name, "type": "reference", "documentation": text}
                for name, text in _SEARCH_PARAMS[kind]
            ]
        resources.append(resource)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "kind": "instance",
        "fhirVersion": "4.3.0",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Read-only. Every request needs an API token with the fhir:read scope: "
                    "Authorization: Bearer tc_..."
                ),
                "security": {
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/"
                                    "restful-security-service",
                                    "code": "OAuth",
                                }
                            ],
                            "text": "Bearer tokens made on the API tokens page",
                        }
                    ]
                },
                "resource": resources,
            }
        ],
    }
