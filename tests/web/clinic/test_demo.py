"""The demo clinic (`therapycheck manage demo_clinic`): fictional people whose measures show
every status and alert the caseload has, created once, only in a demo."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from tests.web.clinic_personas import totp_code
from therapycheck.web.clinic.management.commands import demo_clinic
from therapycheck.web.clinic.models import Clinic, Membership

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]


@pytest.fixture
def demo() -> Iterator[None]:
    cache.clear()
    # 17 accounts per run: a fast password hash keeps the tests quick (not under test here).
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with override_settings(THERAPYCHECK_DEMO=True, PASSWORD_HASHERS=fast):
        yield
    cache.clear()


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("demo_clinic", *args, stdout=out)
    return out.getvalue()


def counts() -> tuple[int, ...]:
    from therapycheck.web.sharing.models import CareLink
    from therapycheck.web.tracking.models import JournalEntry, Measurement

    return (
        get_user_model().objects.count(),
        Membership.objects.count(),
        Measurement.objects.count(),
        CareLink.objects.count(),
        JournalEntry.objects.count(),
    )


def test_it_refuses_to_run_outside_a_demo() -> None:
    with override_settings(THERAPYCHECK_DEMO=False), pytest.raises(CommandError, match="demo"):
        run()
    assert not Clinic.objects.exists()


@pytest.mark.usefixtures("demo")
def test_it_makes_one_demo_clinic_of_clearly_fictional_people() -> None:
    run()
    clinic = Clinic.objects.get()
    assert clinic.is_demo
    roles = sorted(clinic.members.values_list("role", flat=True))
    assert roles == ["admin", "clinician", "clinician", "clinician", "supervisor"]
    supervisor = clinic.members.get(role="supervisor")
    assert all(m.supervisor == supervisor for m in clinic.members.filter(role="clinician"))
    clients = [e.person for e in clinic.enrolments.select_related("person")]
    assert len(clients) == 12
    everyone = [m.display_name for m in clinic.members.all()] + [p.display_name for p in clients]
    assert all(name.endswith("(fictional)") for name in everyone)


@pytest.mark.usefixtures("demo")
def test_every_account_has_a_verified_address_and_staff_the_published_secret() -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt

    run()
    users = get_user_model().objects.all()
    assert users.count() == 17
    assert all(u.check_password(demo_clinic.DEMO_PASSWORD) for u in users)
    assert EmailAddress.objects.filter(verified=True).count() == 17
    secrets = {decrypt(a.data["secret"]) for a in Authenticator.objects.filter(type="totp")}
    assert secrets == {demo_clinic.DEMO_TOTP_SECRET}
    assert Authenticator.objects.filter(type="totp").count() == 5


@pytest.mark.usefixtures("demo")
def test_running_it_again_adds_nothing() -> None:
    run()
    before = counts()
    output = run()
    assert counts() == before
    assert "is ready" in output


@pytest.mark.usefixtures("demo")
def test_reset_makes_the_clinic_anew() -> None:
    run()
    before = counts()
    old = Clinic.objects.get().pk
    run("--reset")
    assert counts() == before
    assert Clinic.objects.get().pk != old


@pytest.mark.usefixtures("demo")
def test_it_prints_the_password_and_the_authenticator_secret() -> None:
    output = run()
    assert demo_clinic.DEMO_PASSWORD in output
    assert demo_clinic.DEMO_TOTP_SECRET in output
    assert "ada.clinician@riverside.example.org" in output
    assert "Alex (fictional)" in output


@pytest.mark.usefixtures("demo")
def test_the_supervisors_caseload_shows_every_kind_of_alert_and_status() -> None:
    from therapycheck.web.clinic.caseload import caseload

    run()
    supervisor = Membership.objects.get(role="supervisor").user
    rows = caseload(supervisor, today=dt.date.today(), due_every_days=7)
    assert len(rows) == 12
    kinds = {alert.kind for row in rows for alert in row.alerts}
    assert kinds == {"risk", "reliable_deterioration", "not_on_track", "alliance_drop", "overdue"}
    statuses = {s.status.status for row in rows for s in row.series}
    assert {"recovered", "reliably_improved", "not_improving", "deteriorated"} <= statuses
    by_name = {row.person.display_name: row for row in rows}
    # The risk answer comes first, whatever else there is.
    assert rows[0].person.display_name == "Emery (fictional)"
    assert by_name["Emery (fictional)"].alerts[0].kind == "risk"
    assert not by_name["Kai (fictional)"].series


@pytest.mark.usefixtures("demo")
def test_the_risk_answer_is_a_safety_event_for_the_client() -> None:
    from therapycheck.web.accounts.models import SafetyEvent

    run()
    assert list(SafetyEvent.objects.values_list("person__display_name", flat=True)) == [
        "Emery (fictional)"
    ]


@pytest.mark.usefixtures("demo")
def test_shared_journal_entries_are_shared_and_a_private_one_is_not() -> None:
    from therapycheck.web.clinic.access import shared_journal_entries
    from therapycheck.web.tracking.models import JournalEntry

    run()
    ada = Membership.objects.get(display_name="Ada Clinician (fictional)").user
    alex = get_user_model().objects.get(email="alex@riverside.example.org").person
    shared = list(shared_journal_entries(ada, alex))
    assert [e.topics for e in shared] == ["Talked about sleep and a plan for mornings."]
    assert JournalEntry.objects.filter(person=alex).count() == 2


@pytest.mark.usefixtures("demo")
def test_a_demo_clinician_signs_in_with_the_published_password_and_secret(
    client: Client,
) -> None:
    run()
    response = client.post(
        "/accounts/login/",
        {"login": "ada.clinician@riverside.example.org", "password": demo_clinic.DEMO_PASSWORD},
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    response = client.post(
        "/accounts/2fa/authenticate/", {"code": totp_code(demo_clinic.DEMO_TOTP_SECRET)}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(
        get_user_model().objects.get(email="ada.clinician@riverside.example.org").pk
    )


@pytest.mark.parametrize(("instrument", "total"), [("phq9", 0), ("phq9", 24), ("gad7", 13)])
def test_demo_answers_add_up_to_the_total(instrument: str, total: int) -> None:
    assert sum(demo_clinic.answers_for(instrument, total)) == total


def test_demo_answers_refuse_a_total_they_cannot_reach() -> None:
    with pytest.raises(ValueError, match="cannot add up to 25"):
        demo_clinic.answers_for("phq9", 25)


def test_demo_wai_sr_answers_stay_in_range() -> None:
    answers = demo_clinic.answers_for("wai_sr", 35)
    assert sum(answers) == 35
    assert all(1 <= a <= 5 for a in answers)
