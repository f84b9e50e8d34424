"""The "what I'm looking for" summary: one small, versioned JSON file.

A person makes it in personal mode (nothing is sent anywhere: they download it) and may
upload it to a clinic's match page, which fills its form from it. Both sides write and read
it only through this module, so the two can never disagree about the format. The schema is
documented in docs/matching.md ("The summary file").

Reading is strict: exactly the documented fields, each of the documented type, every id one
this installation knows (the caller passes the known ids in a `Vocabulary`), and a size
cap. A bad file raises `SummaryError` with one plain sentence per problem, naming the field.

Pure: no Django, no I/O.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from therapycheck.core.matching import TIME_BANDS

FORMAT = "therapycheck-looking-for"
# Version 2 added `preferences.identity_wishes`; a version-1 file is still read (without it).
VERSION = 2
READS = (1, 2)
# A full summary is well under 4 KB; anything far bigger is not one of ours.
MAX_BYTES = 16 * 1024
MAX_TEXT = 300
MAX_SCORE = 1000
# The check-up findings (factor ids) that matching uses; nothing else is written or read.
FINDINGS = ("modality_fit", "therapist_scope")
STYLES = ("structure", "exploring")
FORMATS = ("online", "in_person")
_BUDGET = re.compile(r"\d{1,5}(\.\d{1,2})?")
_TOP = (
    "format",
    "version",
    "checkup_completed_on",
    "concerns",
    "findings",
    "preferences",
    "scores",
)
_PREFS = (
    "approach",
    "style",
    "language",
    "format",
    "budget",
    "currency",
    "times",
    "time_zone",
    "identity",
)
_PREFS_BY_VERSION = {1: _PREFS, 2: (*_PREFS, "identity_wishes")}


@dataclass(frozen=True)
class Vocabulary:
    """The ids this installation knows; anything else in a file is refused."""

    concerns: frozenset[str]
    approaches: frozenset[str]
    languages: frozenset[str]
    currencies: frozenset[str]
    instruments: frozenset[str]
    time_zones: frozenset[str]
    identities: frozenset[str] = frozenset()


@dataclass(frozen=True)
class LookingFor:
    concerns: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()
    approach: str | None = None
    style: str | None = None
    language: str | None = None
    format: str | None = None
    budget: Decimal | None = None
    currency: str = "GBP"
    times: tuple[str, ...] = ()
    time_zone: str | None = None
    identity: str = ""
    identity_wishes: tuple[str, ...] = ()
    # (instrument id, total) pairs; None when the person chose not to include scores.
    scores: tuple[tuple[str, float], ...] | None = None
    checkup_completed_on: dt.date | None = None


class SummaryError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


# --- writing -----------------------------------------------------------------------------


def _money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'))}"


def to_document(summary: LookingFor) -> dict[str, Any]:
    when = summary.checkup_completed_on
    return {
        "format": FORMAT,
        "version": VERSION,
        "checkup_completed_on": when.isoformat() if when else None,
        "concerns": list(summary.concerns),
        "findings": list(summary.findings),
        "preferences": {
            "approach": summary.approach,
            "style": summary.style,
            "language": summary.language,
            "format": summary.format,
            "budget": _money(summary.budget) if summary.budget is not None else None,
            "currency": summary.currency,
            "times": list(summary.times),
            "time_zone": summary.time_zone,
            "identity": summary.identity,
            "identity_wishes": list(summary.identity_wishes),
        },
        "scores": None if summary.scores is None else dict(summary.scores),
    }


def dumps(summary: LookingFor, vocabulary: Vocabulary) -> str:
    """The file's text. The summary is checked first, so we never write a file we would
    refuse to read."""
    text = json.dumps(to_document(summary), indent=2, ensure_ascii=False) + "\n"
    loads(text.encode("utf-8"), vocabulary)
    return text


# --- reading -----------------------------------------------------------------------------


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f'the field "{key}" appears twice')
        seen[key] = value
    return seen


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a summary can hold")


def _kind(value: object) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


class _Reader:
    def __init__(self, vocabulary: Vocabulary) -> None:
        self.v = vocabulary
        self.problems: list[str] = []

    def bad(self, where: str, problem: str) -> None:
        self.problems.append(f"{where}: {problem}")

    def fields(self, where: str, value: object, names: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.bad(where, f"should be an object, but it is {_kind(value)}")
            return {}
        for key in value:
            if key not in names:
                self.bad(where, f'has a field "{key}" that a summary does not have')
        for key in names:
            if key not in value:
                self.bad(where, f'is missing the field "{key}"')
        return value

    def one_of(
        self, where: str, value: object, known: frozenset[str] | tuple[str, ...], what: str
    ) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.bad(where, f"should be text or null, but it is {_kind(value)}")
            return None
        if value not in known:
            self.bad(where, f'"{value[:40]}" is not {what} we know')
            return None
        return value

    def ids(
        self, where: str, value: object, known: frozenset[str] | tuple[str, ...], what: str
    ) -> tuple[str, ...]:
        if not isinstance(value, list):
            self.bad(where, f"should be a list, but it is {_kind(value)}")
            return ()
        out: list[str] = []
        for item in value:
            if not isinstance(item, str):
                self.bad(where, f"should hold only text, but one item is {_kind(item)}")
            elif item not in known:
                self.bad(where, f'"{item[:40]}" is not {what} we know')
            elif item in out:
                self.bad(where, f'"{item}" is listed twice')
            else:
                out.append(item)
        return tuple(out)

    def date(self, where: str, value: object) -> dt.date | None:
        if value is None:
            return None
        if isinstance(value, str) and len(value) == 10:
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.bad(where, "should be a date written YYYY-MM-DD, or null")
        return None

    def budget(self, where: str, value: object) -> Decimal | None:
        if value is None:
            return None
        if not isinstance(value, str) or not _BUDGET.fullmatch(value):
            self.bad(where, 'should be an amount written as text, such as "80.00", or null')
            return None
        return Decimal(value)

    def text(self, where: str, value: object) -> str:
        if not isinstance(value, str):
            self.bad(where, f"should be text, but it is {_kind(value)}")
            return ""
        if len(value) > MAX_TEXT:
            self.bad(where, f"is longer than {MAX_TEXT} characters")
            return ""
        return value

    def scores(self, where: str, value: object) -> tuple[tuple[str, float], ...] | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            self.bad(where, f"should be an object or null, but it is {_kind(value)}")
            return None
        out: list[tuple[str, float]] = []
        for key, total in value.items():
            if key not in self.v.instruments:
                self.bad(where, f'"{key[:40]}" is not a questionnaire we know')
            elif isinstance(total, bool) or not isinstance(total, int | float):
                self.bad(f"{where}.{key}", f"should be a number, but it is {_kind(total)}")
            elif not 0 <= total <= MAX_SCORE:
                self.bad(f"{where}.{key}", f"should be between 0 and {MAX_SCORE}")
            else:
                out.append((key, total))
        return tuple(out)

    def summary(self, doc: Mapping[str, Any], version: int) -> LookingFor:
        v = self.v
        prefs = self.fields("preferences", doc.get("preferences"), _PREFS_BY_VERSION[version])
        budget = self.budget("preferences.budget", prefs.get("budget"))
        currency = self.one_of(
            "preferences.currency", prefs.get("currency", "GBP"), v.currencies, "a currency"
        )
        return LookingFor(
            concerns=self.ids("concerns", doc.get("concerns", []), v.concerns, "a concern"),
            findings=self.ids("findings", doc.get("findings", []), FINDINGS, "a finding"),
            approach=self.one_of(
                "preferences.approach", prefs.get("approach"), v.approaches, "an approach"
            ),
            style=self.one_of("preferences.style", prefs.get("style"), STYLES, "a style"),
            language=self.one_of(
                "preferences.language", prefs.get("language"), v.languages, "a language"
            ),
            format=self.one_of("preferences.format", prefs.get("format"), FORMATS, "a format"),
            budget=budget,
            currency=currency or "GBP",
            times=self.ids(
                "preferences.times", prefs.get("times", []), tuple(TIME_BANDS), "a time of week"
            ),
            time_zone=self.one_of(
                "preferences.time_zone", prefs.get("time_zone"), v.time_zones, "a time zone"
            ),
            identity=self.text("preferences.identity", prefs.get("identity", "")),
            identity_wishes=self.ids(
                "preferences.identity_wishes",
                prefs.get("identity_wishes", []),
                v.identities,
                "an identity",
            ),
            scores=self.scores("scores", doc.get("scores")),
            checkup_completed_on=self.date("checkup_completed_on", doc.get("checkup_completed_on")),
        )


def loads(raw: bytes, vocabulary: Vocabulary) -> LookingFor:
    """The summary in `raw` (a file's bytes); SummaryError listing every problem."""
    if len(raw) > MAX_BYTES:
        raise SummaryError(
            [f"The file is too big ({len(raw)} bytes). A summary is at most {MAX_BYTES} bytes."]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SummaryError(["The file is not text (UTF-8), so it is not a summary."]) from None
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise SummaryError(
            [f"The file is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."]
        ) from None
    except ValueError as exc:
        raise SummaryError([f"The file is not a summary: {exc}."]) from None
    except RecursionError:
        raise SummaryError(["The file is nested too deeply to be a summary."]) from None
    if not isinstance(doc, dict):
        raise SummaryError([f"The file holds {_kind(doc)}, not a summary (a JSON object)."])
    if doc.get("format") != FORMAT:
        raise SummaryError(
            [f'This is not a "what I\'m looking for" file: its "format" is not "{FORMAT}".']
        )
    version = doc.get("version")
    if isinstance(version, bool) or version not in READS:
        shown = version if isinstance(version, int) and not isinstance(version, bool) else "?"
        readable = " and ".join(str(n) for n in READS)
        raise SummaryError(
            [f"This file is version {shown}; this service reads versions {readable} only."]
        )
    reader = _Reader(vocabulary)
    reader.fields("The file", doc, _TOP)
    summary = reader.summary(doc, version)
    if reader.problems:
        raise SummaryError(reader.problems)
    return summary
