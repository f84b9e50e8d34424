"""FHIR R4B export and import of everything one person has stored.

Export builds a Bundle of type `collection` and validates it by constructing
`fhir.resources.R4B.bundle.Bundle` before handing it out. The resource choices (see
docs/privacy.md for the long form):

- Patient: no name, no identifier, no birth date; only the country (for crisis resources).
- Questionnaire: one per instrument used, with the LOINC panel code where one exists and
  item link ids only (no item text, so no licence question).
- QuestionnaireResponse: one per measurement, every item answer as `valueInteger`.
- Observation (category `survey`): the total score of each measurement, coded with the
  LOINC total-score code where the instrument has one and always with our instrument code,
  derived from its QuestionnaireResponse; band and safety flag as `interpretation`.
- Observation coded `journal-entry` in our code system: one per journal entry, each field a
  component.
- DocumentReference typed `checkup`: one per check-up, the answers and result as a JSON
  attachment (they are our own structures, not a FHIR concept).
The session number sits in an extension on the QuestionnaireResponse, the total-score
Observation and the journal Observation.

Import reads our own export back losslessly and re-scores every QuestionnaireResponse
through `core.scoring`; totals in the file are never trusted.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import uuid
from collections import Counter
from typing import Any, TypeGuard

from pydantic import ValidationError

from therapycheck.interop._instruments import instrument_info, scored_measurement
from therapycheck.interop.records import (
    CheckupRecord,
    ExchangeError,
    ExchangeRecords,
    JournalRecord,
    MeasurementRecord,
    PersonRecord,
)

BASE = "https://therapycheck.org/fhir"
CS_INSTRUMENT = f"{BASE}/CodeSystem/instrument"
CS_RECORD = f"{BASE}/CodeSystem/record"
CS_BAND = f"{BASE}/CodeSystem/band"
CS_FLAG = f"{BASE}/CodeSystem/flag"
EXT_SESSION = f"{BASE}/StructureDefinition/session-number"
QUESTIONNAIRE_URL = f"{BASE}/Questionnaire/"
LOINC = "http://loinc.org"
LOINC_QUESTIONNAIRE_URL = "http://loinc.org/q/"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
UCUM = "http://unitsofmeasure.org"

# Journal fields and how each is carried in an Observation component.
_JOURNAL_INT_FIELDS = ("feeling_before", "feeling_after")
_JOURNAL_TEXT_FIELDS = ("topics", "avoided_topics", "homework", "notes")
# A FHIR string needs at least one character other than unusual whitespace (e.g. only
# no-break spaces is invalid). The forms strip such text to "" anyway, so it exports as "".
_FHIR_STRING = re.compile(r"[ \r\n\t\S]")


# --------------------------------------------------------------------------- export


def export_bundle(records: ExchangeRecords) -> dict[str, Any]:
    """All of a person's records as a validated FHIR R4B Bundle (a JSON-ready dict)."""
    patient_url = _urn()
    entries: list[dict[str, Any]] = [_entry(patient_url, _patient(records.person))]
    for instrument_id in sorted({m.instrument for m in records.measurements}):
        entries.append(_entry(_urn(), _questionnaire(instrument_id)))
    for measurement in records.measurements:
        response_url = _urn()
        entries.append(_entry(response_url, _response(measurement, patient_url)))
        entries.append(_entry(_urn(), _total(measurement, patient_url, response_url)))
    entries.extend(_entry(_urn(), _journal(j, patient_url)) for j in records.journal)
    entries.extend(_entry(_urn(), _checkup(c, patient_url)) for c in records.checkups)
    if records.report_note:
        entries.append(_entry(_urn(), _report_note(records.report_note, patient_url)))
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _instant(dt.datetime.now(dt.UTC)),
        "meta": {"tag": [{"system": f"{BASE}/CodeSystem/export", "code": "therapycheck-1"}]},
        "entry": entries,
    }
    return _validated(bundle)


def _validated(bundle: dict[str, Any]) -> dict[str, Any]:
    from fhir.resources.R4B.bundle import Bundle

    # Round-trip through the model so what we hand out is exactly what validates.
    model = Bundle.model_validate(bundle)
    result: dict[str, Any] = json.loads(model.model_dump_json(exclude_none=True))
    return result


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _entry(full_url: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": full_url, "resource": resource}


def _instant(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()


def _session_ext(session_number: int | None) -> list[dict[str, Any]]:
    if session_number is None:
        return []
    return [{"url": EXT_SESSION, "valueInteger": session_number}]


def _with_extensions(resource: dict[str, Any], session_number: int | None) -> dict[str, Any]:
    extensions = _session_ext(session_number)
    if extensions:
        resource["extension"] = extensions
    return resource


def _patient(person: PersonRecord) -> dict[str, Any]:
    patient: dict[str, Any] = {"resourceType": "Patient", "active": True}
    if person.country:
        patient["address"] = [{"country": person.country}]
    return patient


def _questionnaire(instrument_id: str) -> dict[str, Any]:
    info = instrument_info(instrument_id)
    questionnaire: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "url": QUESTIONNAIRE_URL + instrument_id,
        "title": info.name,
        "status": "active",
        "item": [{"linkId": str(n), "type": "integer"} for n in range(1, info.item_count + 1)],
    }
    if info.loinc_panel:
        questionnaire["code"] = [{"system": LOINC, "code": info.loinc_panel}]
    return questionnaire


def _response(m: MeasurementRecord, patient_url: str) -> dict[str, Any]:
    response = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": QUESTIONNAIRE_URL + m.instrument,
        "subject": {"reference": patient_url},
        "authored": m.taken_on.isoformat(),
        "item": [
            {"linkId": str(n), "answer": [{"valueInteger": value}]}
            for n, value in enumerate(m.answers, start=1)
        ],
    }
    return _with_extensions(response, m.session_number)


def _total(m: MeasurementRecord, patient_url: str, response_url: str) -> dict[str, Any]:
    info = instrument_info(m.instrument)
    codings = [{"system": CS_INSTRUMENT, "code": m.instrument, "display": f"{info.name} total"}]
    if info.loinc_total:
        codings.insert(0, {"system": LOINC, "code": info.loinc_total})
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey"}]}],
        "code": {"coding": codings, "text": f"{info.name} total score"},
        "subject": {"reference": patient_url},
        "effectiveDateTime": m.taken_on.isoformat(),
        "derivedFrom": [{"reference": response_url}],
    }
    if m.total is not None:
        observation["valueQuantity"] = {
            "value": m.total,
            "unit": "{score}",
            "system": UCUM,
            "code": "{score}",
        }
    interpretation = [{"coding": [{"system": CS_BAND, "code": m.band}]}] if m.band else []
    interpretation += [{"coding": [{"system": CS_FLAG, "code": flag}]} for flag in m.flags]
    if interpretation:
        observation["interpretation"] = interpretation
    return _with_extensions(observation, m.session_number)


def _journal(j: JournalRecord, patient_url: str) -> dict[str, Any]:
    components: list[dict[str, Any]] = []
    for name in _JOURNAL_INT_FIELDS:
        value = getattr(j, name)
        if value is not None:
            components.append({"code": _record_code(name), "valueInteger": value})
    for name in _JOURNAL_TEXT_FIELDS:
        text = getattr(j, name)
        # FHIR strings may not be empty; an absent component means "".
        if text and _FHIR_STRING.search(text):
            components.append({"code": _record_code(name), "valueString": text})
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "code": _record_code("journal-entry"),
        "subject": {"reference": patient_url},
        "effectiveDateTime": j.date.isoformat(),
    }
    if components:
        observation["component"] = components
    return _with_extensions(observation, j.session_number)


def _record_code(code: str) -> dict[str, Any]:
    return {"coding": [{"system": CS_RECORD, "code": code}]}


def _checkup(c: CheckupRecord, patient_url: str) -> dict[str, Any]:
    payload = {
        "status": c.status,
        "answers": c.answers,
        "result": c.result,
        "started_at": _instant(c.started_at),
        "completed_at": _instant(c.completed_at) if c.completed_at else None,
    }
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return {
        "resourceType": "DocumentReference",
        "status": "current",
        "type": _record_code("checkup"),
        "subject": {"reference": patient_url},
        "date": _instant(c.started_at),
        "description": "Check-up answers and result",
        "content": [
            {
                "attachment": {
                    "contentType": "application/json",
                    "data": base64.b64encode(data).decode("ascii"),
                    "title": "checkup.json",
                }
            }
        ],
    }


def _report_note(text: str, patient_url: str) -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference",
        "status": "current",
        "type": _record_code("report-note"),
        "subject": {"reference": patient_url},
        "description": "What I want to bring up next time",
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "data": base64.b64encode(text.encode("utf-8")).decode("ascii"),
                    "title": "report-note.txt",
                }
            }
        ],
    }


# --------------------------------------------------------------------------- import


def import_bundle(document: dict[str, Any] | str | bytes) -> ExchangeRecords:
    """Read a Bundle (ours, or a compatible one) back into records.

    Raises ExchangeError naming the problem: not JSON, not a Bundle, a resource that does
    not validate, an unknown questionnaire or answers that do not fit it.
    """
    bundle = _as_bundle_dict(document)
    _validate_bundle(bundle)
    reader = _Reader()
    for position, entry in enumerate(bundle.get("entry") or [], start=1):
        resource = entry.get("resource")
        if isinstance(resource, dict):
            reader.read(position, resource)
    return reader.records()


def _as_bundle_dict(document: dict[str, Any] | str | bytes) -> dict[str, Any]:
    if isinstance(document, bytes):
        try:
            document = document.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ExchangeError("the file is not text; a FHIR export is a JSON text file") from exc
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as exc:
            raise ExchangeError(
                f"the file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from exc
        except ValueError as exc:  # e.g. a number with thousands of digits
            raise ExchangeError(f"the file is not JSON this app can read ({exc})") from exc
        except RecursionError:
            raise ExchangeError("the file is nested too deeply to be a FHIR export") from None
    if not isinstance(document, dict):
        raise ExchangeError("the file is JSON but not a FHIR resource (expected an object)")
    kind = document.get("resourceType")
    if kind != "Bundle":
        found = f"a {kind}" if isinstance(kind, str) and kind else "no resourceType"
        raise ExchangeError(f"the file is not a FHIR Bundle (it has {found})")
    return document


def _validate_bundle(bundle: dict[str, Any]) -> None:
    from fhir.resources.R4B.bundle import Bundle

    try:
        Bundle.model_validate(bundle)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _describe_location(bundle, first.get("loc", ()))
        raise ExchangeError(f"the Bundle is not valid FHIR R4B: {where}{first['msg']}") from exc
    except (ValueError, TypeError, KeyError, LookupError) as exc:
        # fhir.resources raises plain errors for e.g. an unknown resourceType.
        raise ExchangeError(f"the Bundle is not valid FHIR R4B: {exc}") from exc
    except RecursionError:
        raise ExchangeError(
            "the Bundle is nested too deeply (extensions inside extensions)"
        ) from None


def _describe_location(bundle: dict[str, Any], loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if len(parts) >= 2 and parts[0] == "entry" and parts[1].isdigit():
        entry_no = int(parts[1])
        entries = bundle.get("entry") or []
        kind = ""
        if entry_no < len(entries) and isinstance(entries[entry_no], dict):
            resource = entries[entry_no].get("resource") or {}
            if isinstance(resource, dict):
                kind = f" ({resource.get('resourceType', 'unknown')})"
        rest = ".".join(parts[2:])
        return f"entry {entry_no + 1}{kind}, field {rest or '(entry)'}: "
    return f"field {'.'.join(parts)}: " if parts else ""


class _Reader:
    """Collects records from a Bundle's resources, one resource at a time."""

    def __init__(self) -> None:
        self.person = PersonRecord()
        self.measurements: list[MeasurementRecord] = []
        self.journal: list[JournalRecord] = []
        self.checkups: list[CheckupRecord] = []
        self.report_note = ""
        self.skipped: Counter[str] = Counter()

    def read(self, position: int, resource: dict[str, Any]) -> None:
        kind = str(resource.get("resourceType"))
        try:
            self._read(kind, resource)
        except ExchangeError as exc:
            raise ExchangeError(f"entry {position} ({kind}): {exc}") from exc

    def _read(self, kind: str, resource: dict[str, Any]) -> None:
        if kind == "Patient":
            self.person = _read_patient(resource)
        elif kind == "Questionnaire":
            pass  # instruments are known from their URL; nothing to store
        elif kind == "QuestionnaireResponse":
            self.measurements.append(_read_response(resource))
        elif kind == "Observation" and _has_code(resource.get("code"), CS_RECORD, "journal-entry"):
            self.journal.append(_read_journal(resource))
        elif kind == "Observation" and _is_total(resource):
            pass  # totals are re-computed from the answers, never read from the file
        elif kind == "DocumentReference" and _has_code(resource.get("type"), CS_RECORD, "checkup"):
            self.checkups.append(_read_checkup(resource))
        elif kind == "DocumentReference" and _has_code(
            resource.get("type"), CS_RECORD, "report-note"
        ):
            self.report_note = _read_report_note(resource)
        else:
            self.skipped[kind] += 1

    def records(self) -> ExchangeRecords:
        notes = []
        if self.skipped:
            kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.skipped.items()))
            notes.append(f"Left out resources this app does not use: {kinds}.")
        return ExchangeRecords(
            person=self.person,
            measurements=tuple(self.measurements),
            journal=tuple(self.journal),
            checkups=tuple(self.checkups),
            report_note=self.report_note,
            notes=tuple(notes),
        )


def _has_code(concept: Any, system: str, code: str | None = None) -> bool:
    if not isinstance(concept, dict):
        return False
    for coding in concept.get("coding") or []:
        if coding.get("system") == system and (code is None or coding.get("code") == code):
            return True
    return False


def _is_total(resource: dict[str, Any]) -> bool:
    return _has_code(resource.get("code"), CS_INSTRUMENT)


def _read_patient(resource: dict[str, Any]) -> PersonRecord:
    for address in resource.get("address") or []:
        country = address.get("country")
        if country:
            return PersonRecord(country=str(country))
    return PersonRecord()


def _read_date(value: Any, what: str) -> dt.date:
    if not isinstance(value, str) or len(value) < 10:
        raise ExchangeError(f"{what} needs a full date (year-month-day), got {value!r}")
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError as exc:
        raise ExchangeError(f"{what} is not a valid date: {value!r}") from exc


def _read_instant(value: Any, what: str) -> dt.datetime:
    if not isinstance(value, str):
        raise ExchangeError(f"{what} is missing")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        aware = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        return aware.astimezone(dt.UTC)
    except (ValueError, OverflowError) as exc:
        raise ExchangeError(f"{what} is not a valid date and time: {value!r}") from exc


def _read_session(resource: dict[str, Any]) -> int | None:
    for extension in resource.get("extension") or []:
        if extension.get("url") == EXT_SESSION:
            value = extension.get("valueInteger")
            if not _is_whole(value) or value < 0:
                raise ExchangeError(f"the session number must be a whole number, got {value!r}")
            return value
    return None


def _instrument_from_canonical(canonical: Any) -> str:
    if not isinstance(canonical, str) or not canonical:
        raise ExchangeError("the response does not say which questionnaire it answers")
    url = canonical.split("|", 1)[0]
    if url.startswith(QUESTIONNAIRE_URL):
        return url[len(QUESTIONNAIRE_URL) :]
    raise ExchangeError(f"questionnaire {canonical!r} is not one this app knows")


def _read_response(resource: dict[str, Any]) -> MeasurementRecord:
    instrument_id = _instrument_from_canonical(resource.get("questionnaire"))
    info = instrument_info(instrument_id)
    taken_on = _read_date(resource.get("authored"), f"the {info.short_name} date")
    by_link: dict[str, int] = {}
    for item in resource.get("item") or []:
        link = str(item.get("linkId"))
        answers = item.get("answer") or []
        value = answers[0].get("valueInteger") if answers else None
        if not _is_whole(value):
            raise ExchangeError(f"{info.short_name} question {link} needs a whole-number answer")
        by_link[link] = value
    expected = [str(n) for n in range(1, info.item_count + 1)]
    missing = [link for link in expected if link not in by_link]
    extra = sorted(set(by_link) - set(expected))
    if missing or extra:
        problem = f"no answer to question {', '.join(missing)}" if missing else ""
        if extra:
            problem += ("; " if problem else "") + f"unknown question {', '.join(extra)}"
        raise ExchangeError(f"{info.short_name} on {taken_on}: {problem}")
    answers_tuple = tuple(by_link[link] for link in expected)
    return scored_measurement(instrument_id, answers_tuple, taken_on, _read_session(resource))


def _is_whole(value: object) -> TypeGuard[int]:
    """A JSON whole number (true and false are not numbers, whatever Python says)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _read_journal(resource: dict[str, Any]) -> JournalRecord:
    values: dict[str, Any] = {}
    for component in resource.get("component") or []:
        code = _record_code_of(component.get("code"))
        # Both spellings: the export writes feeling_before; early docs said feeling-before.
        field = code.replace("-", "_") if code else None
        if field in _JOURNAL_INT_FIELDS:
            value = component.get("valueInteger")
            if not _is_whole(value):
                given = {k: v for k, v in component.items() if k.startswith("value")}
                raise ExchangeError(
                    f"the journal's {field} must be a whole number from 0 to 10 "
                    f"(valueInteger), not {given or 'empty'}"
                )
            values[field] = value
        elif field in _JOURNAL_TEXT_FIELDS:
            text = component.get("valueString")
            if not isinstance(text, str):
                raise ExchangeError(f"the journal's {field} must be text (valueString)")
            values[field] = text
    return JournalRecord(
        date=_read_date(resource.get("effectiveDateTime"), "the journal entry date"),
        session_number=_read_session(resource),
        **values,
    )


def _record_code_of(concept: Any) -> str | None:
    if isinstance(concept, dict):
        for coding in concept.get("coding") or []:
            if coding.get("system") == CS_RECORD:
                return str(coding.get("code"))
    return None


def _read_checkup(resource: dict[str, Any]) -> CheckupRecord:
    payload = _checkup_payload(resource)
    answers, result = payload.get("answers"), payload.get("result")
    if not isinstance(answers, dict):
        raise ExchangeError("the check-up has no answers")
    if result is not None and not isinstance(result, dict):
        raise ExchangeError("the check-up result is not readable")
    completed = payload.get("completed_at")
    return CheckupRecord(
        status=str(payload.get("status") or ""),
        answers=answers,
        result=result,
        started_at=_read_instant(payload.get("started_at"), "the check-up start time"),
        completed_at=_read_instant(completed, "the check-up end time") if completed else None,
    )


def _checkup_payload(resource: dict[str, Any]) -> dict[str, Any]:
    for content in resource.get("content") or []:
        attachment = content.get("attachment") or {}
        if attachment.get("contentType") == "application/json" and attachment.get("data"):
            try:
                payload = json.loads(base64.b64decode(attachment["data"], validate=True))
            except (binascii.Error, ValueError) as exc:
                raise ExchangeError("the check-up attachment is not readable JSON") from exc
            if isinstance(payload, dict):
                return payload
    raise ExchangeError("the check-up has no JSON attachment with its answers")


def _read_report_note(resource: dict[str, Any]) -> str:
    for content in resource.get("content") or []:
        data = (content.get("attachment") or {}).get("data")
        if data:
            try:
                return base64.b64decode(data, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise ExchangeError("the report note is not readable text") from exc
    return ""
