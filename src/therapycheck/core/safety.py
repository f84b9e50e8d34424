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
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from therapycheck.core.datafile import load_mapping

ResourceKind = Literal["crisis_line", "emergency", "text", "web"]

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


class _CrisisFile(_Strict):
    reviewed: str
    countries: dict[str, _CountryData]
    fallback: _CountryData

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


@dataclass(frozen=True)
class SafetyResponse:
    """What to show about safety, and whether it must come before everything else."""

    crisis: bool
    reasons: tuple[str, ...]
    country: str
    country_name: str
    resources: tuple[CrisisResource, ...]
    emergency_number: str
    heading: str
    message: str
    steps: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "crisis": self.crisis,
            "resources": [r.to_dict() for r in self.resources],
            "reasons": list(self.reasons),
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


def _crisis_steps(emergency: str, found: tuple[CrisisResource, ...]) -> tuple[str, ...]:
    steps = [
        f"If you might act on these thoughts, or you are in danger, call {emergency} now "
        "or go to the nearest emergency department.",
    ]
    lines = [r for r in found if r.kind in ("crisis_line", "text")]
    for line in lines:
        steps.append(f"Reach {line.name} now: {line.how} {line.contact} ({line.hours}).")
    if not lines:
        # No national line on file: point to the directory, so there is still a next step.
        web = [r for r in found if r.kind == "web"]
        where = f" at {web[0].contact}" if web else ""
        steps.append(f"Find a crisis line in your country{where} and reach out today.")
    steps += [
        "If you can, tell someone you trust how you feel and ask them to stay with you.",
        "Put distance between you and anything you could use to hurt yourself.",
        "Tell a professional you trust about these thoughts, like your therapist or your "
        "doctor. You do not have to wait for your next appointment.",
    ]
    return tuple(steps)


def safety_response(
    *, flags: Iterable[str] = (), reasons: Iterable[str] = (), country: str | None = None
) -> SafetyResponse:
    """Decide the safety response from scoring flags and plain-language reasons."""
    reason_list = tuple(dict.fromkeys(r for r in reasons if r))
    flagged = SAFETY_FLAG in set(flags)
    if flagged and not reason_list:
        reason_list = (_GENERIC_REASON,)
    crisis = bool(reason_list)
    code = normalize_country(country)
    data = _country(code)
    found = _resources_for(code)
    if crisis:
        return SafetyResponse(
            crisis=True,
            reasons=reason_list,
            country=code,
            country_name=data.display_name or data.name,
            resources=found,
            emergency_number=data.emergency_number,
            heading="Your safety comes first",
            message=(
                "Some of your answers say you may be thinking about ending your life or "
                "hurting yourself, or that you may not be safe. You deserve support right "
                "now, and you do not have to handle this alone. Please reach out today."
            ),
            steps=_crisis_steps(data.emergency_number, found),
        )
    return SafetyResponse(
        crisis=False,
        reasons=(),
        country=code,
        country_name=data.display_name or data.name,
        resources=found,
        emergency_number=data.emergency_number,
        heading="If you ever need help fast",
        message=(
            "Nothing in your answers points to an emergency. If that changes, these "
            "services are ready to listen, day or night."
        ),
        steps=(),
    )
