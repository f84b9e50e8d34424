"""The API's request and response shapes (django-ninja schemas, so OpenAPI describes them).

In every response that can carry a risk answer, `safety` is the first field: the crisis
resources for the person's country come before anything else.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from therapycheck.core.instruments import instrument_ids
from therapycheck.core.result import StoredResult
from therapycheck.web.tracking.models import MAX_SESSION


class ErrorItem(Schema):
    loc: list[str | int]
    msg: str


class ErrorOut(Schema):
    """Every error: what went wrong in plain words, and for bad input each field's problem."""

    detail: str
    errors: list[ErrorItem] = Field(default_factory=list)


class CrisisResourceOut(Schema):
    name: str
    contact: str
    how: str
    kind: str
    hours: str
    note: str
    url: str | None


class SafetyOut(Schema):
    """core.safety's response for the person's country (SafetyResponse.to_dict())."""

    crisis: bool
    resources: list[CrisisResourceOut]
    reasons: list[str]
    dangers: list[str]
    country: str
    country_name: str
    emergency_number: str
    heading: str
    message: str
    steps: list[str]
    audience: Literal["client", "clinician"] = Field(
        description=(
            "Who the heading, message and steps speak to: the person themself, or a "
            "clinician reading a client's record (then the crisis lines are to share)."
        )
    )


class TokenInfoOut(Schema):
    name: str
    prefix: str
    scopes: list[str]
    expires_at: dt.datetime


class MeOut(Schema):
    user_id: int
    email: str
    # "client", "clinician", "supervisor" or "admin".
    role: str
    clinic: str | None
    # The person whose record is the token owner's own (none yet for most staff).
    person_id: int | None
    # Staff: their member id (a clinician's id in /specialists/{member_id}/slots and FHIR).
    member_id: int | None
    # What the token may do now: its scopes that the owner's role allows.
    scopes: list[str]
    token: TokenInfoOut


class MeasurementOut(Schema):
    id: int
    instrument: str
    instrument_name: str
    session_number: int
    taken_on: dt.date
    # Item answers in order; null for an item left unanswered.
    answers: list[int | None]
    total: float
    band: str
    # "safety" when a risk item was answered above 0.
    flags: list[str]
    subscales: dict[str, float]
    created_at: dt.datetime


class MeasurementsOut(Schema):
    safety: SafetyOut | None
    # None for an account with no record of its own yet.
    person_id: int | None
    measures: list[MeasurementOut]


# Every questionnaire's answers lie within 0-5; each one's own range is checked on saving.
Answer = Annotated[int, Field(ge=0, le=5)]


class MeasureIn(Schema):
    instrument: str = Field(
        min_length=1,
        max_length=32,
        description="Instrument id, e.g. phq9, gad7, wai_sr.",
        # Listed for clients and fuzzers; the service refuses any other with a clear 422.
        json_schema_extra={"enum": list(instrument_ids())},
    )
    answers: list[Answer] = Field(
        min_length=1,
        max_length=60,
        description=(
            "One whole number per question, in order, as the questionnaire scores it "
            "(PHQ-9 0-3 each, WAI-SR 1-5, ...)."
        ),
    )
    session_number: int = Field(ge=0, le=MAX_SESSION, description="0 = before therapy.")
    taken_on: dt.date | None = Field(default=None, description="Defaults to today.")


class MeasureCreatedOut(Schema):
    safety: SafetyOut | None
    measure: MeasurementOut


class CheckupOut(Schema):
    id: int
    status: str
    started_at: dt.datetime
    completed_at: dt.datetime | None
    # False when the stored result cannot be read (an old or damaged import).
    result_readable: bool
    result: StoredResult | None


class CheckupsOut(Schema):
    safety: SafetyOut | None
    person_id: int | None
    checkups: list[CheckupOut]


class AlertOut(Schema):
    kind: str
    rule: str
    version: int
    instrument: str | None
    session: int | None
    date: dt.date | None
    reason: str


class SeriesOut(Schema):
    instrument: str
    name: str
    latest_total: float
    latest_session: int
    latest_date: dt.date | None
    band: str
    status: str
    status_label: str
    review_due: bool
    explanation: str
    totals: list[float]


class CaseloadClientOut(Schema):
    # For a client with a risk answer: the crisis resources for their country, first.
    safety: SafetyOut | None
    person_id: int
    display_name: str
    clinicians: list[str]
    shares_measures: bool
    shares_checkups: bool
    has_risk: bool
    last_measured: dt.date | None
    alerts: list[AlertOut]
    series: list[SeriesOut]


class CaseloadOut(Schema):
    clients: list[CaseloadClientOut]


class MeasureRequestOut(Schema):
    id: int
    person_id: int
    display_name: str
    clinician: str
    instruments: list[str]
    instrument_names: str
    schedule: str
    status: str
    # The session the answers belong to; null: one after the client's latest.
    session_number: int | None
    by_email: bool
    created_at: dt.datetime
    sent_at: dt.datetime | None
    expires_at: dt.datetime
    completed_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    # The client's signed link while the request is open (null once it is closed).
    answer_url: str | None
    # Measures saved from this request.
    measure_ids: list[int]


class MeasureRequestsOut(Schema):
    requests: list[MeasureRequestOut]


class MeasureRequestIn(Schema):
    person_id: int = Field(ge=1, le=2**63 - 1, description="The client's person id.")
    instruments: list[str] = Field(
        min_length=1,
        max_length=12,
        json_schema_extra={"items": {"type": "string", "enum": list(instrument_ids())}},
    )
    schedule: str = Field(
        default="once",
        json_schema_extra={
            "enum": ["once", "weekly", "every_2_weeks", "every_4_weeks", "every_session"]
        },
    )
    session_number: int | None = Field(default=None, ge=0, le=MAX_SESSION)
    by_email: bool = Field(default=False, description="Email the link to the client's account.")
    expires_in_days: int = Field(default=7, ge=1, le=28)
    remind_after_days: int | None = Field(default=None, ge=1, le=27)
