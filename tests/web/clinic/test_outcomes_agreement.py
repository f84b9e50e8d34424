"""The clinic's outcome figures equal `therapycheck outcomes` on an export of the same data.

The clinic's records are built through the ORM (the personas and `build_service`), the web
figures are computed, and each group's scores are written out with the project's own
exporter (the measurements.csv of `interop.csv_io`, as a person's CSV export writes it),
one file per group. The CLI then reads each file and must print the same numbers, rates
included. Which clients belong to each group is written down here from the test's own
data, not asked of the code under test. Runs on SQLite, and on PostgreSQL in `make test`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.web.clinic.test_outcomes import END, START, Service, build_service
from therapycheck.cli import app
from therapycheck.interop.csv_io import measurements_csv
from therapycheck.web.accounts.models import Person
from therapycheck.web.clinic.outcomes import outcome_table
from therapycheck.web.exchange.convert import records_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]

RANGES = {
    "autumn": (START, END),
    "october only": (dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
    "everything": (dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
}


def export(people: Iterable[Person], start: dt.date, end: dt.date, target: Path) -> Path:
    """One measurements.csv for these people's scores dated in [start, end].

    Each person's file comes from the project's exporter; the files are joined under one
    header (their item_N columns differ in number, and the CLI ignores them).
    """
    header: list[str] = []
    rows: list[dict[str, str]] = []
    for person in people:
        kept = [m for m in records_for(person).measurements if start <= m.taken_on <= end]
        reader = csv.DictReader(io.StringIO(measurements_csv(kept, client_id=str(person.pk))))
        header += [name for name in reader.fieldnames or () if name not in header]
        rows += list(reader)
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return target


def cli_figures(path: Path) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["outcomes", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    figures: dict[str, Any] = json.loads(result.stdout)
    assert figures.pop("skipped_rows") == 0
    return figures


def web_figures(user: Any, start: dt.date, end: dt.date) -> dict[str, dict[str, Any]]:
    table = outcome_table(user, start=start, end=end)
    assert table is not None
    return {row.label: row.figures for row in table.rows}


def groups(service: Service) -> dict[str, list[Person]]:
    """Each group's clients, by the rules in docs/outcomes.md ("In clinic mode")."""
    ada, ben = service.groups["Ada Rivers"], service.groups["Ben Marsh"]
    clinic = list({p.pk: p for p in [*ada, *ben]}.values())  # Bo Both once
    return {
        "Ada Rivers": ada,
        "Ben Marsh": ben,
        "Whole clinic: Riverside Demo Clinic": clinic,
        "Your team": ada,  # Sam supervises Ada only
    }


@pytest.fixture
def service(
    clinics: Any, clinician: Any, other_clinician: Any, client_a: Any, client_b: Any
) -> Service:
    return build_service(clinics, clinician, other_clinician, client_a=client_a, client_b=client_b)


@pytest.mark.parametrize("period", list(RANGES))
def test_the_web_figures_equal_the_cli_on_an_export_of_the_same_scores(
    service: Service,
    clinician: Any,
    supervisor: Any,
    clinic_admin: Any,
    tmp_path: Path,
    period: str,
) -> None:
    start, end = RANGES[period]
    shown = {
        **web_figures(clinician, start, end),
        **web_figures(supervisor, start, end),
        **web_figures(clinic_admin, start, end),
    }
    expected_groups = groups(service)
    assert set(shown) == set(expected_groups)
    for number, (label, people) in enumerate(expected_groups.items()):
        path = export(people, start, end, tmp_path / f"group-{number}.csv")
        assert shown[label] == cli_figures(path), label


def test_the_comparison_covers_every_outcome(
    service: Service, clinic_admin: Any, tmp_path: Path
) -> None:
    """The data is varied enough that agreeing means something: every count is non-zero
    for the whole clinic, and some who finished did not recover."""
    whole = web_figures(clinic_admin, START, END)["Whole clinic: Riverside Demo Clinic"]
    for key, value in whole.items():
        assert value, key
    assert whole["recovered"] < whole["case_at_start"] < whole["finished_treatment"]
    assert whole["finished_treatment"] < whole["clients"]


def test_left_out_clients_would_change_the_figures(
    service: Service, clinician: Any, tmp_path: Path
) -> None:
    """If the clients who do not share (or ended their link) were counted, the figures
    would differ: so leaving them out is what makes the numbers equal."""
    everyone = [*service.groups["Ada Rivers"], *service.left_out]
    with_them = cli_figures(export(everyone, START, END, tmp_path / "all.csv"))
    assert web_figures(clinician, START, END)["Ada Rivers"] != with_them
