"""Measure requests by signed link: who may ask, answering without an account, the risk
path, single use, the schedule and its tasks (immediate backend and the real worker)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from tests.web.clinic_personas import sign_in
from therapycheck.web.accounts.models import SafetyEvent
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.clinic.caseload import caseload
from therapycheck.web.measurerequests import services
from therapycheck.web.measurerequests.models import MeasureRequest
from therapycheck.web.sharing.models import CareLink
from therapycheck.web.tracking.models import Measurement

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
BASE = "http://testserver/"


@pytest.fixture
def immediate_tasks() -> Iterator[None]:
    with override_settings(TASKS=IMMEDIATE):
        yield


def make_request(user: Any, person: Any, **kwargs: Any) -> MeasureRequest:
    options: dict[str, Any] = {"instruments": ["phq9", "gad7"], "base_url": BASE}
    options.update(kwargs)
    return services.create_request(user, person, **options)


def answers_for(r: MeasureRequest, values: dict[str, list[int]]) -> dict[str, str]:
    data = {}
    for instrument_id, answers in values.items():
        for number, value in enumerate(answers, start=1):
            data[f"{instrument_id}-item_{number}"] = str(value)
    assert set(values) == set(r.instruments)
    return data


def link_in(message: Any) -> str:
    found = re.search(r"http://testserver(/r/a/[^\s]+/)", message.body)
    assert found is not None, message.body
    return found.group(1)


# --- who may ask -----------------------------------------------------------------------------


def test_a_clinician_can_request_measures_from_their_client(
    client: Client, clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    sign_in(client, clinician)
    url = reverse("measurerequests:new", args=[client_a.person.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "instruments": ["phq9", "gad7"],
            "schedule": "once",
            "delivery": ["email", "screen"],
            "expires_in_days": "7",
            "remind_after_days": "",
        },
    )
    r = MeasureRequest.objects.get()
    assert response["Location"] == reverse("measurerequests:show", args=[r.pk])
    assert (r.person, r.clinician, r.instruments) == (
        client_a.person,
        clinician.membership,
        ["phq9", "gad7"],
    )
    assert r.care_link.clinician == clinician.membership
    page = client.get(response["Location"])
    assert b'src="data:image/svg+xml;base64,' in page.content
    assert services.answer_path(r).split("/a/")[0].encode() in page.content
    listing = client.get(reverse("measurerequests:list"))
    assert b"Alex (fictional)" in listing.content and b"PHQ-9, GAD-7" in listing.content


def test_it_hides_another_clinicians_client(
    client: Client, other_clinician: Any, client_a: Any
) -> None:
    sign_in(client, other_clinician)
    url = reverse("measurerequests:new", args=[client_a.person.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"instruments": ["phq9"], "schedule": "once"}).status_code == 404
    assert not MeasureRequest.objects.exists()
    with pytest.raises(services.NotAllowed):
        make_request(other_clinician, client_a.person)


def test_another_clinician_cannot_see_or_cancel_a_request(
    client: Client, clinician: Any, other_clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    r = make_request(clinician, client_a.person)
    sign_in(client, other_clinician)
    assert client.get(reverse("measurerequests:show", args=[r.pk])).status_code == 404
    assert client.post(reverse("measurerequests:cancel", args=[r.pk])).status_code == 404
    assert b"Alex" not in client.get(reverse("measurerequests:list")).content
    r.refresh_from_db()
    assert r.status == MeasureRequest.Status.OPEN


def test_admins_and_clients_may_never_use_the_request_pages(
    client: Client, clinic_admin: Any, client_a: Any
) -> None:
    for user in (clinic_admin, client_a):
        sign_in(client, user)
        assert client.get(reverse("measurerequests:list")).status_code == 403
        new = reverse("measurerequests:new", args=[client_a.person.pk])
        assert client.get(new).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in_for_the_clinician_pages(
    client: Client, client_a: Any
) -> None:
    response = client.get(reverse("measurerequests:list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_no_request_goes_through_a_revoked_link(clinician: Any, client_a: Any) -> None:
    CareLink.objects.filter(person=client_a.person).update(status=CareLink.Status.ENDED)
    with pytest.raises(services.NotAllowed):
        make_request(clinician, client_a.person)


def test_a_bad_form_keeps_every_choice_and_makes_nothing(
    client: Client, clinician: Any, client_a: Any
) -> None:
    sign_in(client, clinician)
    response = client.post(
        reverse("measurerequests:new", args=[client_a.person.pk]),
        {
            "instruments": ["gad7"],
            "schedule": "weekly",
            "delivery": ["email"],
            "expires_in_days": "14",
            "session_number": "-3",
        },
    )
    assert response.status_code == 200
    assert b"at most 7 days" in response.content
    assert b"cannot be below 0" in response.content
    assert re.search(rb'value="gad7"[^>]*checked', response.content)
    assert re.search(rb'value="weekly"[^>]*checked', response.content)
    assert not MeasureRequest.objects.exists()


# --- audit -------------------------------------------------------------------------------------


def test_creating_and_cancelling_are_in_the_audit_log(
    client: Client, clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    r = make_request(clinician, client_a.person)
    sign_in(client, clinician)
    response = client.post(reverse("measurerequests:cancel", args=[r.pk]))
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.status == MeasureRequest.Status.CANCELLED
    events = AuditEvent.objects.filter(person_id=client_a.person.pk).order_by("pk")
    actions = [(e.action, e.what.split(":")[0]) for e in events]
    assert ("create", f"measure request {r.pk}") in actions
    assert ("change", f"cancelled measure request {r.pk}") in actions
    assert all(e.actor == clinician for e in events)


# --- answering without an account --------------------------------------------------------------


def test_a_client_without_signing_in_answers_through_the_link(
    client: Client, clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    r = make_request(clinician, client_a.person)
    url = services.answer_path(r)
    page = client.get(url)
    assert page.status_code == 200
    assert b"Ada Rivers asked you" in page.content
    assert b"Alex" not in page.content  # the link holder is not told whose record it is
    before = Measurement.objects.filter(person=client_a.person, instrument="phq9").count()
    response = client.post(url, answers_for(r, {"phq9": [1] * 8 + [0], "gad7": [1] * 7}))
    assert response["Location"] == reverse("measurerequests:done", args=[url.split("/")[3]])
    thanks = client.get(response["Location"])
    assert b"your answers are saved" in thanks.content
    assert b"Your safety comes first" not in thanks.content
    r.refresh_from_db()
    assert r.status == MeasureRequest.Status.COMPLETED and r.completed_at is not None
    phq9 = Measurement.objects.filter(person=client_a.person, instrument="phq9")
    assert phq9.count() == before + 1
    newest = phq9.order_by("-session_number").first()
    assert newest is not None and newest.session_number == 9  # one after the latest (8)
    gad7 = Measurement.objects.get(person=client_a.person, instrument="gad7")
    assert gad7.session_number == 1  # the client's first GAD-7
    assert set(r.measurements.all()) == {newest, gad7}


def test_the_requests_session_number_is_used_when_given(
    client: Client, clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    r = make_request(clinician, client_a.person, instruments=["gad7"], session_number=5)
    client.post(services.answer_path(r), answers_for(r, {"gad7": [0] * 7}))
    assert Measurement.objects.get(person=client_a.person, instrument="gad7").session_number == 5


def test_a_used_link_shows_a_calm_page_and_saves_nothing(
    client: Client, clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    r = make_request(clinician, client_a.person, instruments=["gad7"])
    url = services.answer_path(r)
    client.post(url, answers_for(r, {"gad7": [1] * 7}))
    again = Client().post(url, answers_for(r, {"gad7": [3] * 7}))
    assert again.status_code == 410
    assert b"already answered" in again.content
    assert Measurement.objects.filter(person=client_a.person, instrument="gad7").count() == 1
    # Someone else opening the thank-you page sees only "already answered".
    other = Client().get(reverse("measurerequests:done", args=[url.split("/")[3]]))
    assert b"already answered" in other.content


def test_a_tampered_link_does_not_work(
    client: Client, clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    r = make_request(clinician, client_a.person, instruments=["gad7"])
    token = services.token_for(r)
    forged = signing.dumps({"r": r.pk, "n": "guessed"}, salt=services.TOKEN_SALT)
    wrong_salt = signing.dumps({"r": r.pk, "n": r.nonce}, salt="something else")
    for bad in (token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), forged, wrong_salt):
        url = reverse("measurerequests:answer", args=[bad])
        assert client.get(url).status_code == 404
        response = client.post(url, answers_for(r, {"gad7": [1] * 7}))
        assert response.status_code == 404
        assert b"This link does not work" in response.content
    assert not Measurement.objects.filter(person=client_a.person, instrument="gad7").exists()


def test_an_expired_link_shows_a_calm_page_and_saves_nothing(
    client: Client, clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    r = make_request(clinician, client_a.person, instruments=["gad7"])
    url = services.answer_path(r)
    past = timezone.now() - dt.timedelta(minutes=1)
    MeasureRequest.objects.filter(pk=r.pk).update(expires_at=past)
    response = client.post(url, answers_for(r, {"gad7": [1] * 7}))
    assert response.status_code == 410
    assert b"This link has expired" in response.content
    assert not Measurement.objects.filter(person=client_a.person, instrument="gad7").exists()


def test_a_token_older_than_the_requests_lifetime_is_refused(
    clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    r = make_request(clinician, client_a.person, instruments=["gad7"], expires_in_days=1)

    class SignedTwoDaysAgo(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(timezone.now().timestamp()) - 2 * 86400)

    aged = SignedTwoDaysAgo(salt=services.TOKEN_SALT).sign_object({"r": r.pk, "n": r.nonce})
    assert services.open_token(aged).state == services.LinkState.EXPIRED
    assert services.open_token(services.token_for(r)).state == services.LinkState.OPEN


def test_a_cancelled_link_shows_a_calm_page(
    client: Client, clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    r = make_request(clinician, client_a.person, instruments=["gad7"])
    services.cancel_request(clinician, r)
    response = client.get(services.answer_path(r))
    assert response.status_code == 410
    assert b"This request was withdrawn" in response.content


def test_revoking_consent_stops_an_open_link(
    client: Client, clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    r = make_request(clinician, client_a.person, instruments=["gad7"])
    CareLink.objects.filter(pk=r.care_link_id).update(status=CareLink.Status.ENDED)
    response = client.post(services.answer_path(r), answers_for(r, {"gad7": [1] * 7}))
    assert response.status_code == 410
    assert not Measurement.objects.filter(person=client_a.person, instrument="gad7").exists()


def test_a_missing_answer_keeps_every_other_answer_and_saves_nothing(
    client: Client, clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    r = make_request(clinician, client_a.person)
    data = answers_for(r, {"phq9": [1, 2, 3, 0, 1, 2, 3, 0, 0], "gad7": [2] * 7})
    del data["gad7-item_4"]
    response = client.post(services.answer_path(r), data)
    assert response.status_code == 200
    assert b"Please check your answers" in response.content
    assert b"GAD-7, question 4" in response.content
    html = response.content.decode()
    for name in ("phq9-item_3", "gad7-item_7"):
        value = data[name]
        assert re.search(rf'name="{name}" value="{value}"[^>]*checked', html), name
    r.refresh_from_db()
    assert r.status == MeasureRequest.Status.OPEN
    assert not Measurement.objects.filter(person=client_a.person, instrument="gad7").exists()
    assert Measurement.objects.filter(person=client_a.person, instrument="phq9").count() == 9


def test_nothing_is_half_saved_when_one_questionnaire_fails(
    clinician: Any, client_a: Any, immediate_tasks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = make_request(clinician, client_a.person, instruments=["gad7", "phq9"])
    real = services.save_measurement

    def fail_on_phq9(person: Any, instrument_id: str, *args: Any, **kwargs: Any) -> Any:
        if instrument_id == "phq9":
            raise RuntimeError("disk full")
        return real(person, instrument_id, *args, **kwargs)

    monkeypatch.setattr(services, "save_measurement", fail_on_phq9)
    with pytest.raises(RuntimeError):
        services.submit_answers(r, {"gad7": [1] * 7, "phq9": [1] * 9})
    assert not Measurement.objects.filter(person=client_a.person, instrument="gad7").exists()
    r.refresh_from_db()
    assert r.status == MeasureRequest.Status.OPEN


# --- safety --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instrument", "answers", "country", "line"),
    [
        ("phq9", [1] * 8 + [1], "GB", b"116 123"),
        ("core10", [1, 1, 1, 1, 1, 2, 1, 1, 1, 1], "US", b"988"),
    ],
)
def test_a_risk_answer_shows_crisis_resources_first_and_raises_the_alert(
    client: Client,
    clinician: Any,
    client_a: Any,
    immediate_tasks: None,
    instrument: str,
    answers: list[int],
    country: str,
    line: bytes,
) -> None:
    person = client_a.person
    person.country = country
    person.save(update_fields=["country"])
    events_before = SafetyEvent.objects.filter(person=person).count()
    r = make_request(clinician, person, instruments=[instrument])
    response = client.post(services.answer_path(r), answers_for(r, {instrument: answers}))
    thanks = client.get(response["Location"])
    html = thanks.content
    assert b"Your safety comes first" in html
    assert line in html
    main = html.split(b'<main id="main"', 1)[1]
    assert main.index(b"safety-response") < main.index(b"<h1>Thank you")
    new_events = SafetyEvent.objects.filter(person=person).order_by("pk")[events_before:]
    assert [e.source for e in new_events] == [f"measurement:{instrument}"]
    saved = r.measurements.get()
    rows = caseload(clinician, today=timezone.localdate())
    row = next(row for row in rows if row.person.pk == person.pk)
    risks = [
        (i.alert.instrument, i.alert.session) for i in row.open_alerts if i.alert.kind == "risk"
    ]
    assert (instrument, saved.session_number) in risks


def test_no_crisis_page_without_a_risk_answer(
    client: Client, clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    events_before = SafetyEvent.objects.filter(person=client_a.person).count()
    r = make_request(clinician, client_a.person, instruments=["phq9"])
    response = client.post(services.answer_path(r), answers_for(r, {"phq9": [3] * 8 + [0]}))
    assert b"Your safety comes first" not in client.get(response["Location"]).content
    assert SafetyEvent.objects.filter(person=client_a.person).count() == events_before


# --- email and tasks -----------------------------------------------------------------------------


def test_the_email_names_only_the_clinic_the_asker_the_link_and_the_expiry(
    client: Client, clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    r = make_request(clinician, client_a.person, by_email=True)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alex.client@example.org"]
    assert "Riverside Demo Clinic" in message.subject
    assert "Ada Rivers" in message.body and "Riverside Demo Clinic" in message.body
    assert r.expires_at.strftime("%Y") in message.body
    for health_word in ("PHQ", "GAD", "depress", "anxi", "mood", "score"):
        assert health_word.lower() not in (message.subject + message.body).lower()
    r.refresh_from_db()
    assert r.sent_at is not None
    # The emailed link works.
    assert client.get(link_in(message)).status_code == 200


def test_a_reminder_goes_once_to_an_unanswered_request(
    clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    from therapycheck.web.measurerequests import tasks

    r = make_request(clinician, client_a.person, by_email=True, remind_after_days=3)
    assert len(mail.outbox) == 1  # the reminder is for later, not now
    assert tasks.send_reminder.enqueue(r.pk).return_value == "not yet"
    later = timezone.now() - dt.timedelta(days=3, minutes=1)
    MeasureRequest.objects.filter(pk=r.pk).update(sent_at=later, send_on=later)
    assert tasks.send_reminder.enqueue(r.pk).return_value == "sent"
    assert tasks.send_reminder.enqueue(r.pk).return_value == "skipped"
    assert len(mail.outbox) == 2 and "Reminder" in mail.outbox[1].subject
    r.refresh_from_db()
    assert r.reminder_count == 1


def test_no_reminder_once_answered(
    client: Client, clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    from therapycheck.web.measurerequests import tasks

    r = make_request(
        clinician, client_a.person, instruments=["gad7"], by_email=True, remind_after_days=1
    )
    client.post(services.answer_path(r), answers_for(r, {"gad7": [1] * 7}))
    earlier = timezone.now() - dt.timedelta(days=2)
    MeasureRequest.objects.filter(pk=r.pk).update(sent_at=earlier, send_on=earlier)
    assert tasks.send_reminder.enqueue(r.pk).return_value == "skipped"
    assert len(mail.outbox) == 1


def test_answering_a_weekly_request_makes_the_next_one_for_its_date(
    client: Client, clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    r = make_request(
        clinician, client_a.person, instruments=["gad7"], schedule="weekly", by_email=True
    )
    client.post(services.answer_path(r), answers_for(r, {"gad7": [1] * 7}))
    following = MeasureRequest.objects.get(follows=r)
    assert following.is_open and following.instruments == ["gad7"]
    assert following.send_on == r.send_on + dt.timedelta(days=7)
    assert following.sent_at is None  # it is emailed on its date, not now
    assert len(mail.outbox) == 1


def test_at_the_due_date_the_schedule_sends_the_next_request(
    clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    from therapycheck.web.measurerequests import tasks

    r = make_request(
        clinician, client_a.person, instruments=["gad7"], schedule="every_2_weeks", by_email=True
    )
    assert tasks.start_next_request.enqueue(r.pk).return_value == "skipped"  # not due yet
    weeks_ago = timezone.now() - dt.timedelta(days=14, minutes=5)
    MeasureRequest.objects.filter(pk=r.pk).update(
        created_at=weeks_ago, send_on=weeks_ago, expires_at=weeks_ago + dt.timedelta(days=7)
    )
    assert tasks.start_next_request.enqueue(r.pk).return_value == "created"
    assert tasks.start_next_request.enqueue(r.pk).return_value == "skipped"  # only once
    r.refresh_from_db()
    assert r.status == MeasureRequest.Status.EXPIRED
    following = MeasureRequest.objects.get(follows=r)
    assert following.sent_at is not None and len(mail.outbox) == 2
    assert following.expires_at - following.send_on == dt.timedelta(days=7)


def test_a_cancelled_schedule_makes_no_next_request(
    clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    from therapycheck.web.measurerequests import tasks

    r = make_request(clinician, client_a.person, instruments=["gad7"], schedule="weekly")
    services.cancel_request(clinician, r)
    weeks_ago = timezone.now() - dt.timedelta(days=8)
    MeasureRequest.objects.filter(pk=r.pk).update(send_on=weeks_ago)
    assert tasks.start_next_request.enqueue(r.pk).return_value == "skipped"
    assert not MeasureRequest.objects.filter(follows=r).exists()


def test_an_every_session_request_does_not_repeat_by_itself(
    client: Client, clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    r = make_request(clinician, client_a.person, instruments=["gad7"], schedule="every_session")
    client.post(services.answer_path(r), answers_for(r, {"gad7": [1] * 7}))
    assert MeasureRequest.objects.count() == 1
    sign_in(client, clinician)
    again = client.get(reverse("measurerequests:new", args=[client_a.person.pk]) + f"?from={r.pk}")
    assert re.search(rb'value="gad7"[^>]*checked', again.content)


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_sends_the_queued_email(clinician: Any, client_a: Any) -> None:
    with override_settings(TASKS=DATABASE):
        from django_tasks_db.models import DBTaskResult

        r = make_request(
            clinician, client_a.person, by_email=True, remind_after_days=2, schedule="weekly"
        )
        assert mail.outbox == []  # queued, not sent by the web request
        queued = {t.task_path.rsplit(".", 1)[1]: t for t in DBTaskResult.objects.all()}
        assert set(queued) == {"send_request_email", "send_reminder", "start_next_request"}
        assert queued["send_reminder"].run_after is not None
        call_command("db_worker", batch=True, no_startup_delay=True, reload=False, verbosity=0)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alex.client@example.org"]
    r.refresh_from_db()
    assert r.sent_at is not None and r.reminder_count == 0
    assert link_in(mail.outbox[0]).startswith("/r/a/")


def test_a_supervisor_can_ask_their_supervisees_client(
    supervisor: Any, client_a: Any, immediate_tasks: None
) -> None:
    r = make_request(supervisor, client_a.person, instruments=["gad7"])
    assert r.clinician == supervisor.membership
    assert r.care_link.clinician.supervisor == supervisor.membership
    assert list(services.requests_for(supervisor)) == [r]


def test_a_taken_session_number_moves_the_answers_to_the_next_session(
    client: Client, clinician: Any, client_a: Any, immediate_tasks: None
) -> None:
    # Alex already has a PHQ-9 for sessions 0 to 8.
    r = make_request(clinician, client_a.person, instruments=["phq9"], session_number=4)
    response = client.post(services.answer_path(r), answers_for(r, {"phq9": [0] * 9}))
    assert b"saved as the next session" in client.get(response["Location"]).content
    assert r.measurements.get().session_number == 9
