"""The one place that decides the safety response.

Every interface (web, CLI, API, report) asks `safety_response(...)` what to show and
shows it first. Crisis resources are data (`data/crisis_resources.yaml`), one entry per
country, each number with the page it was checked against.

Design decisions (see docs/safety.md):
- `crisis` is True when "safety" is among the scoring flags (PHQ-9 item 9 or CORE-10
  item 6 answered above 0) or when any plain-language reason was given (for example the
  person said they are not safe). There is no threshold above "any": the instruments'
  authors treat any non-zero answer on these items as needing follow-up (REFERENCES.md §1).
- Resources are ALWAYS returned, crisis or not, so that a person can find help from any
  page. Only the heading, message and steps change with `crisis`.
- An unknown or missing country gets the international fallback: the local emergency
  number and a directory of helplines. No request ever leaves the machine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from therapycheck.core.datafile import load_mapping

ResourceKind = Literal["crisis_line", "emergency", "text", "web"]
# The kinds of danger a safety answer can show, in the order a response names them.
Danger = Literal["self", "others", "from_others", "unspecified"]
DANGERS: tuple[Danger, ...] = ("self", "others", "from_others", "unspecified")

# The code used for "any other country": the fallback entry.
DEFAULT_COUNTRY = "INT"
SAFETY_FLAG = "safety"

# Common names people type for a country code; ISO 3166-1 says GB, people say UK.
_ALIASES = {"UK": "GB", "EN": "GB", "ENGLAND": "GB", "SCOTLAND": "GB", "WALES": "GB", "USA": "US"}

# Used when the caller reports the "safety" flag without saying why.
_GENERIC_REASON = "One of your answers about thoughts of death or self-harm was above zero."


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _ResourceData(_Strict):
    name: str = Field(min_length=1)
    contact: str = Field(min_length=1)
    how: str = Field(min_length=1)
    kind: ResourceKind
    # The kinds of danger this resource is for; every kind when not given.
    dangers: tuple[Danger, ...] = DANGERS
    hours: str = Field(min_length=1)
    note: str = ""
    url: str | None = None
    # Where the number was checked: every number needs a source (house rule).
    source: str = Field(pattern=r"^https://")
    checked: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    verified: bool


class _CountryData(_Strict):
    name: str = Field(min_length=1)
    # How the country reads in a sentence ("Where to get help in ..."), when not `name`.
    display_name: str | None = None
    emergency_number: str = Field(min_length=1)
    resources: tuple[_ResourceData, ...] = Field(min_length=1)

    @field_validator("resources")
    @classmethod
    def _has_emergency(cls, value: tuple[_ResourceData, ...]) -> tuple[_ResourceData, ...]:
        if not any(r.kind == "emergency" for r in value):
            raise ValueError("every country needs an emergency resource")
        return value


class _ProfessionalStep(_Strict):
    usual: str = Field(min_length=1)
    # For a person whose therapist harmed them: the same step without that therapist.
    after_misconduct: str = Field(min_length=1)

    @field_validator("after_misconduct")
    @classmethod
    def _not_the_therapist(cls, value: str) -> str:
        if "therapist" in value:
            raise ValueError("after misconduct, a step never names the therapist")
        return value


class _DangerData(_Strict):
    """What the response says and advises for one kind of danger."""

    message: str = Field(min_length=1)
    first: str = Field(min_length=1)
    then: tuple[str, ...] = Field(min_length=1)
    tell_a_professional: _ProfessionalStep


class _CrisisFile(_Strict):
    reviewed: str
    countries: dict[str, _CountryData]
    fallback: _CountryData
    dangers: dict[Danger, _DangerData]

    @field_validator("dangers")
    @classmethod
    def _every_danger(cls, value: dict[Danger, _DangerData]) -> dict[Danger, _DangerData]:
        if set(value) != set(DANGERS):
            raise ValueError(f"dangers must describe exactly {DANGERS}")
        return value

    @field_validator("countries")
    @classmethod
    def _codes_are_iso(cls, value: dict[str, _CountryData]) -> dict[str, _CountryData]:
        for code, country in value.items():
            if len(code) != 2 or not code.isupper():
                raise ValueError(f"country code {code!r} must be ISO 3166-1 alpha-2")
            if not any(r.kind == "crisis_line" for r in country.resources):
                raise ValueError(f"{code} needs at least one crisis line")
        return value


@dataclass(frozen=True)
class CrisisResource:
    """One place to get help: a phone line, a text line, emergency services or a website."""

    name: str
    contact: str
    how: str
    kind: ResourceKind
    hours: str
    note: str = ""
    url: str | None = None
    source: str | None = None
    dangers: tuple[Danger, ...] = DANGERS

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "contact": self.contact,
            "how": self.how,
            "kind": self.kind,
            "hours": self.hours,
            "note": self.note,
            "url": self.url,
        }

    def line(self) -> str:
        """One plain-text line, e.g. 'Samaritans: call 116 123 (24/7)'."""
        text = f"{self.name}: {self.how} {self.contact} ({self.hours})"
        return f"{text}. {self.note}" if self.note else text


# For a clinician reading a client's record: the clinic page's words (clinic/client_safety.html).
CLINICIAN_HEADING = "Risk answers: look at these first"
CLINICIAN_MESSAGE = (
    "The client gave an answer that can mean they are not safe. Contact them soon and follow "
    "your clinic's risk procedure. An answer like this is not a diagnosis; it is a reason to "
    "ask. The crisis lines are for the client's country, to share with them."
)


@dataclass(frozen=True)
class SafetyResponse:
    """What to show about safety, and whether it must come before everything else."""

    crisis: bool
    reasons: tuple[str, ...]
    # The kinds of danger the answers showed (empty when there is no crisis).
    dangers: tuple[Danger, ...]
    country: str
    country_name: str
    resources: tuple[CrisisResource, ...]
    emergency_number: str
    heading: str
    message: str
    steps: tuple[str, ...]

    def for_clinician(self) -> SafetyResponse:
        """The same response worded for a clinician reading a client's record (the API and
        FHIR): the heading, message and steps otherwise speak to the person in crisis."""
        if not self.crisis:
            return self
        return replace(self, heading=CLINICIAN_HEADING, message=CLINICIAN_MESSAGE, steps=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "crisis": self.crisis,
            "resources": [r.to_dict() for r in self.resources],
            "reasons": list(self.reasons),
            "dangers": list(self.dangers),
            "country": self.country,
            "country_name": self.country_name,
            "emergency_number": self.emergency_number,
            "heading": self.heading,
            "message": self.message,
            "steps": list(self.steps),
        }

    def to_markdown(self) -> str:
        lines = [f"## {self.heading}", "", self.message, ""]
        if self.reasons:
            lines += ["Why we are showing this:", ""]
            lines += [f"- {r}" for r in self.reasons]
            lines.append("")
        if self.steps:
            lines += [f"{n}. {s}" for n, s in enumerate(self.steps, start=1)]
            lines.append("")
        lines += [f"Where to get help ({self.country_name}):", ""]
        lines += [
            f"- **{r.name}**: {r.how} {r.contact} ({r.hours}). {r.note}" for r in self.resources
        ]
        return "\n".join(line.rstrip() for line in lines).rstrip() + "\n"


@cache
def _data() -> _CrisisFile:
    return _CrisisFile.model_validate(
        load_mapping("therapycheck.core.data", "crisis_resources.yaml")
    )


def parse_country(raw: str | None) -> str | None:
    """The one parser of a country as people type it ("gb", " UK", "int"): its ISO 3166-1
    alpha-2 code, or INT for the international fallback; None when empty.

    Raises ValueError for anything that is not a country code.
    """
    if raw is None or not raw.strip():
        return None
    code = raw.strip().upper()
    code = _ALIASES.get(code, code)
    if not re.fullmatch(r"[A-Z]{2}", code) and code != DEFAULT_COUNTRY:
        raise ValueError(f"{raw!r} is not a country code such as GB or US")
    return code


def normalize_country(country: str | None) -> str:
    """An ISO code we have data for, or DEFAULT_COUNTRY (the international fallback)."""
    try:
        code = parse_country(country)
    except ValueError:
        return DEFAULT_COUNTRY
    return code if code in _data().countries else DEFAULT_COUNTRY


def _country(code: str) -> _CountryData:
    return _data().countries.get(code, _data().fallback)


def _resource(data: _ResourceData) -> CrisisResource:
    return CrisisResource(
        dangers=data.dangers,
        name=data.name,
        contact=data.contact,
        how=data.how,
        kind=data.kind,
        hours=data.hours,
        note=data.note,
        url=data.url,
        source=data.source,
    )


@cache
def _resources_for(code: str) -> tuple[CrisisResource, ...]:
    return tuple(_resource(r) for r in _country(code).resources)


def crisis_resources(country: str | None) -> tuple[CrisisResource, ...]:
    """The resources for a country; unknown or None -> the international fallback."""
    return _resources_for(normalize_country(country))


def countries() -> list[tuple[str, str]]:
    """(code, name) pairs for a settings dropdown, the fallback last."""
    listed = sorted(((code, c.name) for code, c in _data().countries.items()), key=lambda p: p[1])
    return [*listed, (DEFAULT_COUNTRY, _data().fallback.name)]


def reviewed_on() -> str:
    """The date the crisis data was last reviewed (shown in docs and the about page)."""
    return _data().reviewed


def _crisis_steps(
    dangers: tuple[Danger, ...],
    emergency: str,
    found: tuple[CrisisResource, ...],
    misconduct: bool,
) -> tuple[str, ...]:
    """One emergency step, the helplines for these dangers, then each danger's own steps."""
    data = _data().dangers
    steps = [data[dangers[0]].first.format(emergency=emergency)]
    lines = [r for r in found if r.kind in ("crisis_line", "text")]
    for line in lines:
        steps.append(f"Reach {line.name} now: {line.how} {line.contact} ({line.hours}).")
    if not lines:
        # No national line on file: point to the directory, so there is still a next step.
        web = [r for r in found if r.kind == "web"]
        where = f" at {web[0].contact}" if web else ""
        steps.append(f"Find a crisis line in your country{where} and reach out today.")
    for danger in dangers:
        steps.extend(data[danger].then)
    for danger in dangers:
        professional = data[danger].tell_a_professional
        steps.append(professional.after_misconduct if misconduct else professional.usual)
    return tuple(dict.fromkeys(steps))


def _for_dangers(
    found: tuple[CrisisResource, ...], dangers: tuple[Danger, ...]
) -> tuple[CrisisResource, ...]:
    """The resources for these dangers; those made for exactly this kind of danger first."""
    relevant = [r for r in found if set(r.dangers) & set(dangers)]
    return tuple(sorted(relevant, key=lambda r: r.dangers == DANGERS))


def dangers_in_order(dangers: Iterable[Danger], flagged: bool = False) -> tuple[Danger, ...]:
    """The kinds of danger to answer, in order; "unspecified" only when none is named."""
    found = set(dangers)
    if flagged:  # the safety items of the questionnaires ask about hurting yourself
        found.add("self")
    if not found:
        found.add("unspecified")
    if len(found) > 1:
        found.discard("unspecified")  # a named danger says more than "not safe"
    return tuple(d for d in DANGERS if d in found)


def safety_response(
    *,
    flags: Iterable[str] = (),
    reasons: Iterable[str] = (),
    dangers: Iterable[Danger] = (),
    country: str | None = None,
    misconduct: bool = False,
) -> SafetyResponse:
    """Decide the safety response from scoring flags, reasons and the kinds of danger.

    A crisis needs a reason: a safety flag from a questionnaire (a reason is supplied),
    or a plain-language reason from the check-up or the person. The response then speaks
    to each kind of danger shown ("unspecified" when none was named). `misconduct`: the
    person's therapist harmed them, so no step sends them back to that therapist.
    """
    reason_list = tuple(dict.fromkeys(r for r in reasons if r))
    flagged = SAFETY_FLAG in set(flags)
    if flagged and not reason_list:
        reason_list = (_GENERIC_REASON,)
    code = normalize_country(country)
    data = _country(code)
    found = _resources_for(code)
    name = data.display_name or data.name
    if reason_list:
        kinds = dangers_in_order(dangers, flagged)
        messages = " ".join(_data().dangers[d].message for d in kinds)
        resources = _for_dangers(found, kinds)
        return SafetyResponse(
            crisis=True,
            reasons=reason_list,
            dangers=kinds,
            country=code,
            country_name=name,
            resources=resources,
            emergency_number=data.emergency_number,
            heading="Your safety comes first",
            message=(
                f"{messages} You deserve support right now, and you do not have to handle "
                "this alone. Please reach out today."
            ),
            steps=_crisis_steps(kinds, data.emergency_number, resources, misconduct),
        )
    return SafetyResponse(
        crisis=False,
        reasons=(),
        dangers=(),
        country=code,
        country_name=name,
        resources=found,
        emergency_number=data.emergency_number,
        heading="If you ever need help fast",
        message=(
            "These services are ready to listen, day or night, whatever is going on. "
            f"If you or someone else is in danger right now, call {data.emergency_number}."
        ),
        steps=(),
    )
