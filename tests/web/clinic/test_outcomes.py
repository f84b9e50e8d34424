"""Service outcome figures in clinic mode: who sees which figures, the date range, the CSV.

`build_service` (also used by test_outcomes_agreement.py) gives the demo clinic clients
with varied PHQ-9 and GAD-7 series, saved through the same service as the forms.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from tests.web.clinic_personas import make_staff, sign_in
from therapycheck.web.accounts.models import Person
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.clinic.models import Enrolment
from therapycheck.web.clinic.outcomes import CSV_COLUMNS, outcome_table
from therapycheck.web.sharing.models import CareLink
from therapycheck.web.tracking.services import save_measurement

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]

START = dt.date(2026, 9, 1)
END = dt.date(2026, 12, 31)
URL = "/clinic/outcomes/"
CSV_URL = "/clinic/outcomes/download.csv"
RANGE = {"start": START.isoformat(), "end": END.isoformat()}


def answers_for(instrument: str, total: int, *, risk: bool = False) -> list[int]:
    """Item answers adding up to `total`; PHQ-9 item 9 (the risk item) only when `risk`."""
    size = 9 if instrument == "phq9" else 7
    free = size - 1 if instrument == "phq9" else size  # keep PHQ-9 item 9 for `risk`
    left = total - (1 if risk else 0)
    items = []
    for _ in range(free):
        items.append(min(3, left))
        left -= items[-1]
    assert left == 0, f"{total} does not fit {instrument}"
    return [*items, 1] if risk else items + [0] * (size - free)


def scores(
    person: Person,
    series: dict[str, list[tuple[int, int]]],
    *,
    first_day: dt.date = START,
    risk_at: int | None = None,
) -> None:
    """instrument -> [(session, total)], one week apart from `first_day`."""
    for instrument, points in series.items():
        for session, total in points:
            save_measurement(
                person,
                instrument,
                answers_for(instrument, total, risk=instrument == "phq9" and session == risk_at),
                session_number=session,
                taken_on=first_day + dt.timedelta(weeks=session),
            )


def link(person: Person, clinician: Any, **options: Any) -> CareLink:
    fields = {
        "status": CareLink.Status.ACTIVE,
        "invited_by": CareLink.InvitedBy.CLIENT,
        "accepted_at": dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
        **options,
    }
    return CareLink.objects.create(person=person, clinician=clinician.membership, **fields)


@dataclass
class Service:
    """Who counts where: the test's own statement of the rules, to check the page by."""

    clinicians: dict[str, Any]
    groups: dict[str, list[Person]] = field(default_factory=dict)
    left_out: list[Person] = field(default_factory=list)


def _paired(
    rng: random.Random, sessions: int, phq: int, gad: int
) -> dict[str, list[tuple[int, int]]]:
    """A random course: drifting scores, a session now and then with only one measure."""
    found: dict[str, list[tuple[int, int]]] = {"phq9": [], "gad7": []}
    for session in range(1, sessions + 1):
        phq = max(0, min(24, phq + rng.randint(-4, 3)))
        gad = max(0, min(21, gad + rng.randint(-3, 2)))
        which = rng.choice(("both", "both", "both", "phq9", "gad7"))
        if which in ("both", "phq9"):
            found["phq9"].append((session, phq))
        if which in ("both", "gad7"):
            found["gad7"].append((session, gad))
    return found


def build_service(clinics: Any, clinician: Any, other_clinician: Any, **people: Any) -> Service:
    """Clients of the demo clinic with varied courses; some must never count.

    `people` may hold client_a and client_b (the personas): A counts for `clinician` (PHQ-9
    only, so never finished), B for `other_clinician`.
    """
    service = Service(clinicians={"Ada Rivers": clinician, "Ben Marsh": other_clinician})
    ada: list[Person] = []
    ben: list[Person] = []
    if "client_a" in people:
        ada.append(people["client_a"].person)
    if "client_b" in people:
        ben.append(people["client_b"].person)

    def client(name: str, clinic: Any = clinics.demo) -> Person:
        # No sign-in account: the figures need the record and its care link only (and
        # hashing a password per client would make this fixture slow).
        person = Person.objects.create(
            key=name.lower().replace(" ", "-"), country="GB", display_name=f"{name} (fictional)"
        )
        Enrolment.objects.create(person=person, clinic=clinic)
        return person

    recovered = client("Rene Recovered")
    scores(recovered, {"phq9": [(1, 16), (2, 12), (4, 6)], "gad7": [(1, 12), (2, 10), (4, 5)]})
    worse = client("Wyn Worse")
    scores(worse, {"phq9": [(1, 6), (3, 14)], "gad7": [(1, 4), (3, 9)]}, risk_at=3)
    mixed = client("Max Mixed")  # PHQ-9 much better, GAD-7 much worse: neither
    scores(mixed, {"phq9": [(1, 18), (5, 9)], "gad7": [(1, 6), (5, 11)]})
    once = client("Olu Once")  # one paired session: not finished
    scores(once, {"phq9": [(1, 12)], "gad7": [(1, 9)]})
    mild = client("Mo Mild")  # not a case at the start, and improved
    scores(mild, {"phq9": [(0, 9), (6, 2)], "gad7": [(0, 7), (6, 1)]})
    early = client("Ed Early")  # a course before the range, one paired session inside it
    scores(
        early,
        {"phq9": [(0, 20), (1, 17), (30, 8)], "gad7": [(0, 15), (1, 14), (30, 4)]},
        first_day=START - dt.timedelta(weeks=29),
    )
    late = client("Lee Late")  # scores after the range only
    scores(late, {"phq9": [(1, 15), (3, 5)], "gad7": [(1, 11), (3, 3)]}, first_day=END)
    both = client("Bo Both")  # linked to both clinicians: once in the clinic's figures
    scores(both, {"phq9": [(1, 14), (2, 7)], "gad7": [(1, 10), (2, 5)]})
    for person in (recovered, worse, mixed, once, mild, early, late, both):
        link(person, clinician)
    link(both, other_clinician)
    ada += [recovered, worse, mixed, once, mild, early, late, both]
    ben.append(both)

    rng = random.Random(15)
    for number in range(8):
        person = client(f"Random Client {number}")
        scores(person, _paired(rng, rng.randint(1, 9), rng.randint(4, 22), rng.randint(3, 19)))
        owner = clinician if number % 2 else other_clinician
        link(person, owner)
        (ada if number % 2 else ben).append(person)

    # Never counted: consent ended, measures not shared, a pending invitation, another clinic.
    revoked = client("Rae Revoked")
    scores(revoked, {"phq9": [(1, 20), (2, 3)], "gad7": [(1, 15), (2, 2)]})
    link(revoked, clinician, status=CareLink.Status.ENDED, ended_at=dt.datetime.now(dt.UTC))
    private = client("Pat Private")
    scores(private, {"phq9": [(1, 20), (2, 3)], "gad7": [(1, 15), (2, 2)]})
    link(private, clinician, share_measures=False)
    pending = client("Pen Pending")
    scores(pending, {"phq9": [(1, 20), (2, 3)], "gad7": [(1, 15), (2, 2)]})
    link(pending, clinician, status=CareLink.Status.PENDING, accepted_at=None)
    elsewhere_clinician = make_staff(
        clinics.other, "eve.clinician@example.org", "clinician", "Eve Elsewhere"
    )
    elsewhere = client("Ola Other", clinics.other)
    scores(elsewhere, {"phq9": [(1, 20), (2, 3)], "gad7": [(1, 15), (2, 2)]})
    link(elsewhere, elsewhere_clinician)
    service.left_out = [revoked, private, pending, elsewhere]
    service.groups = {"Ada Rivers": ada, "Ben Marsh": ben}
    return service


@pytest.fixture
def service(
    clinics: Any, clinician: Any, other_clinician: Any, client_a: Any, client_b: Any
) -> Service:
    return build_service(clinics, clinician, other_clinician, client_a=client_a, client_b=client_b)


def _labels(user: Any) -> list[str]:
    table = outcome_table(user, start=START, end=END)
    assert table is not None
    return [row.label for row in table.rows]


def _row(user: Any, label: str) -> dict[str, Any]:
    table = outcome_table(user, start=START, end=END)
    assert table is not None
    return {row.label: row for row in table.rows}[label].figures


# --- who sees what ---------------------------------------------------------------------


def test_a_clinician_sees_only_their_own_clients_figures(service: Service, clinician: Any) -> None:
    assert _labels(clinician) == ["Ada Rivers"]


def test_a_supervisor_sees_their_team_and_each_clinician_in_it(
    service: Service, supervisor: Any
) -> None:
    # Ben Marsh has no supervisor: he is not in Sam's team.
    assert _labels(supervisor) == ["Your team", "Ada Rivers"]
    assert _row(supervisor, "Your team") == _row(supervisor, "Ada Rivers")


def test_the_clinic_admin_sees_the_whole_clinic_and_each_clinician(
    service: Service, clinic_admin: Any
) -> None:
    assert _labels(clinic_admin) == [
        "Whole clinic: Riverside Demo Clinic",
        "Ada Rivers",
        "Ben Marsh",
    ]


def test_another_clinics_admin_sees_none_of_this_clinics_clients(
    service: Service, other_clinic_admin: Any
) -> None:
    labels = _labels(other_clinic_admin)
    assert labels == ["Whole clinic: Hillside Demo Clinic", "Eve Elsewhere"]
    assert _row(other_clinic_admin, labels[0])["clients"] == 1  # Ola, and no one else


def test_a_client_in_two_clinicians_caseloads_counts_once_for_the_clinic(
    service: Service, clinic_admin: Any
) -> None:
    ada = _row(clinic_admin, "Ada Rivers")
    ben = _row(clinic_admin, "Ben Marsh")
    whole = _row(clinic_admin, "Whole clinic: Riverside Demo Clinic")
    assert whole["clients"] == ada["clients"] + ben["clients"] - 1  # Bo Both


def test_clients_who_do_not_share_measures_are_left_out(service: Service, clinician: Any) -> None:
    expected = {p.pk for p in service.groups["Ada Rivers"]}
    # Lee Late has no scores in the range.
    in_range = {p.pk for p in expected_people(service, "Ada Rivers")}
    assert _row(clinician, "Ada Rivers")["clients"] == len(in_range)
    assert in_range < expected
    assert not in_range & {p.pk for p in service.left_out}


def expected_people(service: Service, group: str) -> list[Person]:
    from therapycheck.web.tracking.models import Measurement

    people = service.groups[group]
    measured = Measurement.objects.filter(
        person__in=people, taken_on__range=(START, END), instrument__in=("phq9", "gad7")
    ).values_list("person_id", flat=True)
    return [p for p in people if p.pk in set(measured)]


@pytest.mark.parametrize("who", ["client_a", "client_b"])
def test_clients_may_not_open_the_outcomes_page_or_its_csv(
    client: Client, service: Service, who: str, request: pytest.FixtureRequest
) -> None:
    signed_in = sign_in(client, request.getfixturevalue(who))
    assert signed_in.get(URL).status_code == 403
    assert signed_in.get(CSV_URL, RANGE).status_code == 403


def test_a_supervisor_without_a_team_sees_empty_figures_not_an_error(
    client: Client, service: Service, clinics: Any
) -> None:
    lone = make_staff(clinics.demo, "lone@example.org", "supervisor", "Lou Lone")
    response = sign_in(client, lone).get(URL, RANGE)
    assert response.status_code == 200
    assert [row.label for row in response.context["table"].rows] == ["Your team"]
    assert response.context["table"].rows[0].figures["clients"] == 0
    assert "(n/a)" in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- the page --------------------------------------------------------------------------


def test_the_page_shows_the_figures_for_the_range(
    client: Client, service: Service, clinician: Any
) -> None:
    response = sign_in(client, clinician).get(URL, RANGE)
    assert response.status_code == 200
    figures = _row(clinician, "Ada Rivers")
    body = response.content.decode()
    assert "1 September 2026 to 31 December 2026" in body
    assert f"<td>{figures['clients']}</td>" in body
    assert f"<td>{figures['finished_treatment']}</td>" in body
    assert 'value="2026-09-01"' in body and 'value="2026-12-31"' in body
    # Rates as the CLI's table prints them.
    assert f"({figures['reliable_improvement_rate']:.1%})" in body
    assert "Max Mixed" not in body and "Rene" not in body  # no client is named


def test_viewing_the_figures_is_not_logged_as_a_record_view(
    client: Client, service: Service, clinic_admin: Any
) -> None:
    sign_in(client, clinic_admin).get(URL, RANGE)
    assert not AuditEvent.objects.exists()


def test_a_risk_answer_in_the_range_comes_before_the_figures(
    client: Client, service: Service, clinician: Any, client_a_at_risk: Any
) -> None:
    body = sign_in(client, clinician).get(URL, RANGE).content.decode()
    assert "Risk answers in this period" in body
    assert body.index("Risk answers in this period") < body.index("<table")
    table = outcome_table(clinician, start=START, end=END)
    # Alex (PHQ-9 item 9 at every session) and Wyn Worse (at session 3).
    assert table is not None and table.rows[0].clients_with_risk_answer == 2
    assert "<strong>2 clients</strong>" in body


def test_no_risk_note_when_no_one_gave_a_risk_answer_in_the_range(
    client: Client, service: Service, clinician: Any
) -> None:
    # Only Lee Late has scores in early 2027, and none of them is a risk answer.
    later = {"start": "2027-01-01", "end": "2027-06-30"}
    response = sign_in(client, clinician).get(URL, later)
    assert response.context["table"].rows[0].figures["clients"] == 1
    assert "Risk answers in this period" not in response.content.decode()


def test_a_range_that_ends_before_it_starts_keeps_the_dates_and_says_what_is_wrong(
    client: Client, service: Service, clinician: Any
) -> None:
    response = sign_in(client, clinician).get(URL, {"start": "2026-12-01", "end": "2026-11-01"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Please check your answers" in body
    assert "The &#x27;To&#x27; date (1 November 2026) is before the &#x27;From&#x27; date" in body
    assert 'value="2026-12-01"' in body and 'value="2026-11-01"' in body
    assert "<table" not in body


@pytest.mark.parametrize("bad", ["31/12/2026", "2026-02-30", "", "tomorrow"])
def test_a_date_that_is_not_a_date_keeps_the_input_and_says_so(
    client: Client, service: Service, clinician: Any, bad: str
) -> None:
    response = sign_in(client, clinician).get(URL, {"start": "2026-09-01", "end": bad})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a real date" in body or "Enter a date" in body
    assert 'value="2026-09-01"' in body
    if bad:
        assert f'value="{bad}"' in body


def test_without_dates_the_page_shows_the_past_year(client: Client, clinician: Any) -> None:
    response = sign_in(client, clinician).get(URL)
    assert response.status_code == 200
    assert response.context["table"].end - response.context["table"].start == dt.timedelta(days=365)


def test_only_get_is_allowed(client: Client, clinician: Any) -> None:
    assert sign_in(client, clinician).post(URL, RANGE).status_code == 405


# --- the CSV ---------------------------------------------------------------------------


def test_the_csv_has_the_same_rows_as_the_page_and_is_audited(
    client: Client, service: Service, clinic_admin: Any
) -> None:
    response = sign_in(client, clinic_admin).get(CSV_URL, RANGE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert tuple(rows[0]) == CSV_COLUMNS
    table = outcome_table(clinic_admin, start=START, end=END)
    assert table is not None
    assert [row["group"] for row in rows] == [row.label for row in table.rows]
    for written, row in zip(rows, table.rows, strict=True):
        for key, value in row.figures.items():
            assert written[key] == ("" if value is None else str(value))
        assert written["from"] == "2026-09-01" and written["to"] == "2026-12-31"
    event = AuditEvent.objects.get()
    assert event.action == "export" and event.person_id is None
    assert event.what.startswith("service outcomes 2026-09-01 to 2026-12-31")
    assert event.clinic_id == clinic_admin.membership.clinic_id


def test_a_bad_range_downloads_nothing_and_logs_nothing(
    client: Client, service: Service, clinician: Any
) -> None:
    response = sign_in(client, clinician).get(CSV_URL, {"start": "2026-12-01", "end": "x"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.exists()


def test_a_name_that_looks_like_a_formula_is_not_run_by_a_spreadsheet(
    client: Client, clinics: Any, clinic_admin: Any
) -> None:
    make_staff(clinics.demo, "eq@example.org", "clinician", "=HYPERLINK(1)")
    body = sign_in(client, clinic_admin).get(CSV_URL, RANGE).content.decode()
    assert "'=HYPERLINK(1)" in body
    assert "\n=HYPERLINK" not in body


# --- accessibility ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [RANGE, {"start": "2026-12-01", "end": "2026-11-01"}],
    ids=["figures", "bad range"],
)
def test_the_page_is_labelled_and_its_error_is_linked_to_the_field(
    client: Client, service: Service, clinic_admin: Any, query: dict[str, str]
) -> None:
    from tests.web.test_accessibility import parse

    html = sign_in(client, clinic_admin).get(URL, query).content.decode()
    page = parse(html)
    assert page.h1_count == 1
    controls = {c.get("id") for c in page.controls}
    assert {"id_start", "id_end"} <= controls
    assert controls <= page.label_for
    assert set(page.described_by) <= page.ids
    assert " style=" not in html and "<script" not in html  # the CSP allows neither
    if "bad" in query["end"] or query["end"] < query["start"]:
        assert '<a href="#id_end">' in html
    else:
        assert '<th scope="row">Whole clinic: Riverside Demo Clinic</th>' in html
