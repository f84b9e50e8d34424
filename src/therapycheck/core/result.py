"""A stored check-up result, read back: the one typed reader of `CheckupReport.to_dict()`.

A finished check-up keeps its result as JSON (the report's `to_dict()`), frozen at the
time, and an import can bring one from a file. Every reader of a stored result (the web
pages, the one-page report, the export and the import check) goes through `read_result`,
which either returns a `StoredResult` whose every field has the type it says, or raises
ValueError naming what is wrong. Nothing downstream re-checks raw dicts.

Keys a later version adds are ignored; keys an earlier version did not write take their
empty default (an old result without a conversation guide has `guide=None`). A value of
the wrong type, a severity or "when" outside the contract, or a number that is not finite
makes the whole document malformed: a result is shown as it was made, or not at all.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from therapycheck.core.checkup.model import Severity
from therapycheck.core.plan import When
from therapycheck.core.safety import Danger

# A JSON number as the core writes it: a whole number, or a finite decimal.
Number = StrictInt | Annotated[float, Field(strict=True, allow_inf_nan=False)]
Text = StrictStr
Id = Annotated[StrictStr, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]
Texts = tuple[Text, ...]


class _Stored(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class StoredFinding(_Stored):
    factor: Id
    severity: Severity
    why: Texts = ()
    label: Text = ""
    sources: Texts = ()


class StoredAction(_Stored):
    action: Id
    when: When = "over_next_sessions"
    title: Text = ""
    steps: Texts = ()
    sessions: StrictInt | None = Field(default=None, ge=1)
    recheck_on: datetime.date | None = None
    because: tuple[Id, ...] = ()
    sources: Texts = ()


class StoredResource(_Stored):
    name: Text
    contact: Text
    how: Text = ""
    kind: Text = ""
    hours: Text = ""
    note: Text | None = None
    url: Text | None = None


class StoredSafety(_Stored):
    crisis: StrictBool = False
    resources: tuple[StoredResource, ...] = ()
    reasons: Texts = ()
    # The kinds of danger the answers showed (core.safety.DANGERS); absent before they were.
    dangers: tuple[Danger, ...] = ()
    country: Text = ""
    country_name: Text = ""
    emergency_number: Text = ""
    heading: Text = ""
    message: Text = ""
    steps: Texts = ()


class StoredGuide(_Stored):
    """The conversation guide (core.plan.ConversationGuide), part by part in reading order."""

    opening: Text = ""
    noticed: Texts = ()
    wants: Texts = ()
    questions: Texts = ()
    if_defensive: Texts = ()
    closing: Text = ""


class StoredSection(_Stored):
    heading: Text
    items: Texts = ()


class StoredChecklist(_Stored):
    """The switching checklist (core.plan.Checklist)."""

    title: Text = ""
    closure_advised: StrictBool = True
    note: Text = ""
    sections: tuple[StoredSection, ...] = ()


class StoredScore(_Stored):
    """A questionnaire answered inside the check-up, as core.scoring scored it then."""

    total: Number | None = None
    band: Text | None = None
    flags: Texts = ()


class StoredStatus(_Stored):
    """What a series of scores meant at the time (core.change.SeriesStatus)."""

    status: Id
    review_due: StrictBool = False
    explanation: Text = ""


class StoredResult(_Stored):
    findings: tuple[StoredFinding, ...] = ()
    actions: tuple[StoredAction, ...] = ()
    # In a crisis, the steps that can wait until the person is ready.
    later_actions: tuple[StoredAction, ...] = ()
    safety: StoredSafety = StoredSafety()
    guide: StoredGuide | None = None
    switching: StoredChecklist | None = None
    consultation_questions: Texts = ()
    measures: dict[Id, StoredScore] = Field(default_factory=dict)
    statuses: dict[Id, StoredStatus] = Field(default_factory=dict)
    # Questionnaires without a total (items skipped): id -> why, in plain words.
    unscored: dict[Id, Text] = Field(default_factory=dict)
    # Safety items the person reached and skipped: id -> item numbers.
    safety_items_skipped: dict[Id, tuple[StrictInt, ...]] = Field(default_factory=dict)
    made_on: datetime.date | None = None

    @property
    def crisis(self) -> bool:
        return self.safety.crisis

    def factors(self) -> tuple[str, ...]:
        """Factor ids, most important first (the evaluator's order)."""
        return tuple(f.factor for f in self.findings)

    def action_ids(self) -> tuple[str, ...]:
        return tuple(a.action for a in self.actions)


def read_result(doc: object) -> StoredResult:
    """The stored result `doc` as a `StoredResult`; ValueError when it is malformed."""
    if not isinstance(doc, Mapping):
        raise ValueError(f"a check-up result is a JSON object, not {_kind(doc)}")
    try:
        return StoredResult.model_validate(dict(doc))
    except ValidationError as exc:
        raise ValueError(f"the check-up result is not readable: {_first_problem(exc)}") from None
    except RecursionError:
        raise ValueError("the check-up result is nested too deeply to read") from None


def _kind(value: object) -> str:
    return {list: "a list", str: "text", type(None): "nothing"}.get(type(value), "a value")


def _first_problem(exc: ValidationError) -> str:
    error: Any = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in error.get("loc", ()))
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg"))
