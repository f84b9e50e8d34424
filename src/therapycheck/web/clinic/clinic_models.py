"""The clinic's own expected-response models: fitted on its data, refitted once a day.

    fitted = clinic_models(clinic, now=timezone.now())   # .models, .rule_line
    judge = judging(clinic)                   # today, interval and models in one place
    caseload(user, **judge.arguments)         # and client_record(user, person, ...)

For every questionnaire the clinic's clients share, core.trajectory.ExpectedResponseModel
is fitted on their scores (client, session, total) when at least
MIN_CLIENTS_PER_STRATUM clients have two or more scores. With fewer, no model is stored
and the documented fallback rule of core.change applies (not improving = no reliable change
after REVIEW_AFTER_SESSIONS sessions with room to improve). Either way a ClinicModel row
records when this was decided, so the clinic is refitted at most once a day, on the first
caseload page after that (a stale model for the rest of the day is acceptable: it
describes many clients, and one day's scores barely move it).

Only scores clients share with the clinic's clinicians (an active link sharing measures)
are used.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypedDict

from django.db import IntegrityError, transaction
from django.utils import timezone

from therapycheck.core.change import REVIEW_AFTER_SESSIONS
from therapycheck.core.instruments import get_instrument
from therapycheck.core.trajectory import MIN_CLIENTS_PER_STRATUM, ExpectedResponseModel
from therapycheck.web.clinic.models import Clinic, ClinicModel
from therapycheck.web.sharing.models import CareLink
from therapycheck.web.tracking.models import Measurement

REFIT_AFTER = datetime.timedelta(days=1)


@dataclass(frozen=True)
class ClinicModels:
    """The fitted models by questionnaire, and which rule each questionnaire uses."""

    models: Mapping[str, ExpectedResponseModel]
    # Questionnaire id -> number of clients (fitted) or None (too few: fallback rule).
    fitted_on: Mapping[str, int]
    fitted_at: datetime.datetime | None

    @property
    def rule_line(self) -> str:
        """Which not-on-track rule is in use, in one line."""
        fallback = (
            f"no clear change after {REVIEW_AFTER_SESSIONS} sessions while there is room to "
            "improve (the fallback rule"
        )
        if not self.models:
            return (
                f"Not on track means {fallback}: fewer than {MIN_CLIENTS_PER_STRATUM} of this "
                "clinic's clients have two or more scores on any questionnaire)."
            )
        fitted = ", ".join(
            f"{get_instrument(i).short_name} ({n} clients)"
            for i, n in sorted(self.fitted_on.items())
        )
        return (
            "Not on track means a score worse than the usual range of this clinic's clients who "
            f"started at a similar level, for {fitted}; for other questionnaires, {fallback})."
        )


def clinic_models(clinic: Clinic, *, now: datetime.datetime) -> ClinicModels:
    """The clinic's models, refitted first when none were fitted or they are a day old."""
    stored = list(ClinicModel.objects.filter(clinic=clinic))
    if not stored or any(now - row.fitted_at >= REFIT_AFTER for row in stored):
        stored = refit(clinic, now=now)
    models: dict[str, ExpectedResponseModel] = {}
    fitted_on: dict[str, int] = {}
    for row in stored:
        if row.document is None:
            continue
        try:
            models[row.instrument] = ExpectedResponseModel.from_json(row.document)
        except ValueError:
            # An unreadable document counts as no model: the fallback rule applies.
            continue
        fitted_on[row.instrument] = row.n_clients
    return ClinicModels(
        models=models,
        fitted_on=fitted_on,
        fitted_at=max((row.fitted_at for row in stored), default=None),
    )


class JudgingArguments(TypedDict):
    today: datetime.date
    due_every_days: int | None
    models: Mapping[str, ExpectedResponseModel]


@dataclass(frozen=True)
class Judging:
    """How the clinic judges a client's scores today: the date, its measure interval and
    its fitted models. The caseload page, the client page, the clinical-support review and
    the API all take these from here, so they cannot judge the same client differently."""

    today: datetime.date
    due_every_days: int | None
    fitted: ClinicModels

    @property
    def arguments(self) -> JudgingArguments:
        """Keyword arguments for clinic.caseload.caseload and client_record.client_record."""
        return {
            "today": self.today,
            "due_every_days": self.due_every_days,
            "models": self.fitted.models,
        }


def judging(clinic: Clinic) -> Judging:
    return Judging(
        today=timezone.localdate(),
        due_every_days=clinic.measure_every_days,
        fitted=clinic_models(clinic, now=timezone.now()),
    )


def rows_of(clinic: Clinic) -> dict[str, list[tuple[str, int, float]]]:
    """(client, session, total) per questionnaire, of scores shared with the clinic."""
    sharing = CareLink.objects.filter(
        status=CareLink.Status.ACTIVE,
        share_measures=True,
        clinician__clinic=clinic,
        person__isnull=False,
    ).values("person_id")
    rows: dict[str, list[tuple[str, int, float]]] = {}
    found = Measurement.objects.filter(person_id__in=sharing).values_list(
        "person_id", "instrument", "session_number", "total"
    )
    for person_id, instrument, session, total in found:
        rows.setdefault(instrument, []).append((str(person_id), session, total))
    return rows


def refit(clinic: Clinic, *, now: datetime.datetime) -> list[ClinicModel]:
    """Fit every questionnaire's model again (or record that too few clients have one)."""
    fitted: list[ClinicModel] = []
    by_instrument = rows_of(clinic)
    for instrument, rows in sorted(by_instrument.items()):
        document: dict[str, object] | None
        try:
            model = ExpectedResponseModel.fit(rows, instrument)
        except (ValueError, KeyError):
            # Too few clients (or a questionnaire the model cannot use): fallback rule.
            document, n_clients = None, _clients_with_two(rows)
        else:
            document, n_clients = model.to_json(), model.document.n_clients
        fitted.append(
            ClinicModel(
                clinic=clinic,
                instrument=instrument,
                document=document,
                n_clients=n_clients,
                fitted_at=now,
            )
        )
    try:
        with transaction.atomic():
            ClinicModel.objects.filter(clinic=clinic).delete()
            ClinicModel.objects.bulk_create(fitted)
    except IntegrityError:
        # Another request refitted at the same moment; its models are as good as ours.
        pass
    return fitted


def _clients_with_two(rows: list[tuple[str, int, float]]) -> int:
    counts: dict[str, int] = {}
    for client, _, _ in rows:
        counts[client] = counts.get(client, 0) + 1
    return sum(1 for n in counts.values() if n >= 2)
