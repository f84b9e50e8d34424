"""A clinician's consultation hours through the API: read and replace them, by the hours
page's own rules (its form checks every body), with each refused field named and nothing
half-saved."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.test import Client

from tests.web.api.helpers import bearer, token_for
from tests.web.booking.helpers import open_hours
from tests.web.clinic_personas import sign_in
from therapycheck.web.api import tokens
from therapycheck.web.api.availability_api import AvailabilityIn
from therapycheck.web.booking import services
from therapycheck.web.booking.forms import DAYS, AvailabilityForm
from therapycheck.web.booking.models import Availability, Booking
from therapycheck.web.clinic.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]

URL = "/api/v1/availability"
PAGE = "/consultations/availability/"


def body(**changes: Any) -> dict[str, Any]:
    """A full, valid body: the same settings as page_form() below."""
    data: dict[str, Any] = {
        "is_open": True,
        "timezone": "America/New_York",
        "weekly": {"monday": ["09:00-12:00", "13:00-17:00"], "wednesday": ["10:00-12:00"]},
        "exceptions": [
            {"day": "2027-01-06", "hours": []},
            {"day": "2027-01-08", "hours": ["14:00-15:00"]},
        ],
        "buffer_before_minutes": 5,
        "buffer_after_minutes": 10,
        "min_notice_hours": 24,
        "daily_cap": 3,
        "horizon_days": 30,
        "cancellation_window_hours": 48,
        "approach": "Acceptance and commitment therapy",
        "frequency": "Weekly at first",
        "fees": "£60, sliding scale",
    }
    data.update(changes)
    return data


def page_form(**changes: str) -> dict[str, str]:
    """The hours page's form with the same settings as body()."""
    data = {
        "is_open": "on",
        "timezone": "America/New_York",
        "monday": "09:00-12:00, 13:00-17:00",
        "wednesday": "10:00-12:00",
        "overrides": "2027-01-06: off\n2027-01-08: 14:00-15:00",
        "buffer_before_minutes": "5",
        "buffer_after_minutes": "10",
        "min_notice_hours": "24",
        "daily_cap": "3",
        "horizon_days": "30",
        "cancellation_window_hours": "48",
        "approach": "Acceptance and commitment therapy",
        "frequency": "Weekly at first",
        "fees": "£60, sliding scale",
    }
    data.update(changes)
    return data


def put(client: Client, user: Any, data: Any) -> Any:
    return client.put(URL, data, content_type="application/json", **bearer(token_for(user)))


def stored(member: Any) -> dict[str, Any] | None:
    found = Availability.objects.filter(clinician=member).first()
    return None if found is None else model_to_dict(found, exclude=["id", "updated_at"])


def test_a_clinician_reads_their_hours_in_the_shape_a_put_takes(
    client: Client, clinician: Any
) -> None:
    open_hours(clinician.membership, buffer_after_minutes=10, daily_cap=4)
    response = client.get(URL, **bearer(token_for(clinician)))
    assert response.status_code == 200
    got = response.json()
    assert got["is_open"] is True
    assert got["timezone"] == "Europe/London"
    assert got["weekly"]["monday"] == ["09:00-17:00"]
    assert got["weekly"]["friday"] == ["09:00-17:00"]
    assert got["weekly"]["saturday"] == got["weekly"]["sunday"] == []
    assert (got["buffer_after_minutes"], got["daily_cap"], got["min_notice_hours"]) == (10, 4, 1)
    assert got["exceptions"] == []


def test_a_clinician_who_never_set_hours_reads_them_closed(client: Client, clinician: Any) -> None:
    got = client.get(URL, **bearer(token_for(clinician))).json()
    assert got["is_open"] is False
    assert all(hours == [] for hours in got["weekly"].values())
    assert Availability.objects.count() == 0


def test_a_put_saves_every_setting_and_reading_them_back_gives_the_same(
    client: Client, clinician: Any
) -> None:
    response = put(client, clinician, body())
    assert response.status_code == 200
    expected = body()
    for day in ("tuesday", "thursday", "friday", "saturday", "sunday"):
        expected["weekly"][day] = []
    assert response.json() == expected
    assert client.get(URL, **bearer(token_for(clinician))).json() == expected
    saved = Availability.objects.get(clinician=clinician.membership)
    assert saved.min_notice_minutes == 24 * 60
    assert saved.overrides == [
        {"day": "2027-01-06", "hours": []},
        {"day": "2027-01-08", "hours": [["14:00", "15:00"]]},
    ]


def test_putting_back_what_was_read_changes_nothing(client: Client, clinician: Any) -> None:
    open_hours(clinician.membership, buffer_before_minutes=15, daily_cap=2, approach="CBT")
    before = stored(clinician.membership)
    read = client.get(URL, **bearer(token_for(clinician))).json()
    assert put(client, clinician, read).status_code == 200
    assert stored(clinician.membership) == before


def test_the_api_saves_exactly_what_the_hours_page_saves(
    client: Client, clinician: Any, other_clinician: Any
) -> None:
    assert put(client, clinician, body()).status_code == 200
    sign_in(client, other_clinician)
    assert client.post(PAGE, page_form()).status_code == 302
    assert stored(clinician.membership) == {
        **(stored(other_clinician.membership) or {}),
        "clinician": clinician.membership.pk,
    }


# Each case: the same bad value sent to the API and typed on the hours page.
SAME_RULES = {
    "hours_not_a_range": ({"weekly": {"monday": ["9 to 5"]}}, {"monday": "9 to 5"}),
    "hours_off_the_grid": ({"weekly": {"friday": ["09:02-10:00"]}}, {"friday": "09:02-10:00"}),
    "hours_end_before_start": (
        {"weekly": {"tuesday": ["12:00-09:00"]}},
        {"tuesday": "12:00-09:00"},
    ),
    "no_hours_while_open": (
        {"weekly": {}, "exceptions": []},
        {"monday": "", "wednesday": "", "overrides": ""},
    ),
    "a_day_that_does_not_exist": (
        {"exceptions": [{"day": "2027-02-30", "hours": []}]},
        {"overrides": "2027-02-30: off"},
    ),
    "an_unknown_zone": ({"timezone": "Mars/Olympus"}, {"timezone": "Mars/Olympus"}),
    "a_buffer_off_the_step": ({"buffer_before_minutes": 7}, {"buffer_before_minutes": "7"}),
    "notice_too_long": ({"min_notice_hours": 721}, {"min_notice_hours": "721"}),
    "a_negative_window": (
        {"cancellation_window_hours": -1},
        {"cancellation_window_hours": "-1"},
    ),
    "a_cap_of_zero": ({"daily_cap": 0}, {"daily_cap": "0"}),
    "a_long_approach": ({"approach": "x" * 1001}, {"approach": "x" * 1001}),
    "a_null_character": ({"fees": "£60\x00"}, {"fees": "£60\x00"}),
}


@pytest.mark.parametrize("case", sorted(SAME_RULES))
def test_the_api_refuses_what_the_hours_page_refuses_with_the_same_messages(
    client: Client, clinician: Any, case: str
) -> None:
    api_changes, page_changes = SAME_RULES[case]
    open_hours(clinician.membership)
    before = stored(clinician.membership)
    response = put(client, clinician, body(**api_changes))
    assert response.status_code == 422
    page = AvailabilityForm(page_form(**page_changes))
    assert not page.is_valid()
    page_messages = sorted(str(e) for errors in page.errors.values() for e in errors)
    answer = response.json()
    assert sorted(e["msg"] for e in answer["errors"]) == page_messages
    assert "Nothing was saved" in answer["detail"]
    assert stored(clinician.membership) == before


def test_every_refused_field_is_named_where_it_is_in_the_body(
    client: Client, clinician: Any
) -> None:
    bad = body(
        weekly={"monday": ["9-5"], "sunday": ["25:00-26:00"]},
        exceptions=[{"day": "someday", "hours": []}],
        timezone="Nowhere/Land",
        buffer_after_minutes=3,
        horizon_days=366,
    )
    response = put(client, clinician, bad)
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in response.json()["errors"]}
    assert locs == {
        ("body", "data", "weekly", "monday"),
        ("body", "data", "weekly", "sunday"),
        ("body", "data", "exceptions"),
        ("body", "data", "timezone"),
        ("body", "data", "buffer_after_minutes"),
        ("body", "data", "horizon_days"),
    }
    assert not Availability.objects.exists()


def test_a_line_break_cannot_smuggle_in_a_second_exception(client: Client, clinician: Any) -> None:
    sneaky = body(exceptions=[{"day": "2027-01-06", "hours": ["off\n2027-01-07: 10:00-11:00"]}])
    response = put(client, clinician, sneaky)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "data", "exceptions"]
    assert not Availability.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"weekly": {"munday": ["09:00-12:00"]}},
        {"opening": True},
        {"exceptions": [{"day": "2027-01-06", "hours": [], "note": "x"}]},
        {"buffer_before_minutes": "ten"},
        {"daily_cap": 2.5},
    ],
)
def test_a_misspelt_or_mistyped_field_is_refused_rather_than_ignored(
    client: Client, clinician: Any, change: dict[str, Any]
) -> None:
    response = put(client, clinician, body(**change))
    assert response.status_code == 422
    assert response.json()["errors"]
    assert not Availability.objects.exists()


def test_a_body_without_the_required_settings_is_refused(client: Client, clinician: Any) -> None:
    response = put(client, clinician, {"is_open": False})
    assert response.status_code == 422
    missing = {e["loc"][-1] for e in response.json()["errors"]}
    assert missing == {
        "timezone",
        "buffer_before_minutes",
        "buffer_after_minutes",
        "min_notice_hours",
        "horizon_days",
        "cancellation_window_hours",
    }
    assert put(client, clinician, ["not", "an", "object"]).status_code == 422
    response = client.put(
        URL, "{not json", content_type="application/json", **bearer(token_for(clinician))
    )
    assert response.status_code == 400
    assert not Availability.objects.exists()


def test_the_schemas_required_fields_are_the_forms_required_fields() -> None:
    renamed = {"weekly": set(), "exceptions": set()}
    required = {
        name
        for name, field in AvailabilityIn.model_fields.items()
        if field.is_required() and name not in renamed
    }
    form_required = {name for name, field in AvailabilityForm.base_fields.items() if field.required}
    # is_open is a tick box on the page (unticked: closed); the API asks for it outright.
    assert required - {"is_open"} == form_required


def test_hours_set_through_the_api_are_the_public_free_times(
    client: Client, clinician: Any
) -> None:
    member = clinician.membership.pk
    every_day = {day: ["10:00-11:00"] for day in DAYS}
    data = body(timezone="Europe/Berlin", weekly=every_day, exceptions=[], daily_cap=None)
    assert put(client, clinician, data).status_code == 200
    today = dt.datetime.now(dt.UTC).date()
    query = f"?from={today + dt.timedelta(days=3)}&to={today + dt.timedelta(days=9)}"
    free = client.get(f"/api/v1/specialists/{member}/slots{query}").json()
    assert free["timezone"] == "Europe/Berlin"
    local = {
        dt.datetime.fromisoformat(s["start"]).astimezone(_berlin()).time() for s in free["slots"]
    }
    assert local == {dt.time(10, 0), dt.time(10, 30)}
    closed = body(is_open=False)
    assert put(client, clinician, closed).status_code == 200
    assert client.get(f"/api/v1/specialists/{member}/slots").status_code == 404


def _berlin() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Berlin")


def test_only_clinicians_may_ever_hold_the_availability_scopes() -> None:
    wanted = {tokens.AVAILABILITY_READ, tokens.AVAILABILITY_WRITE}
    assert not wanted & set(tokens.CLIENT_SCOPES)
    for role, scopes in tokens.ROLE_SCOPES.items():
        assert (wanted <= set(scopes)) == (role == Role.CLINICIAN), role
        assert not (wanted & set(scopes)) or role == Role.CLINICIAN


@pytest.mark.parametrize("persona", ["client_a", "supervisor", "clinic_admin"])
def test_nobody_but_a_clinician_reads_or_sets_hours(
    request: pytest.FixtureRequest, client: Client, persona: str
) -> None:
    user = request.getfixturevalue(persona)
    assert client.get(URL, **bearer(token_for(user))).status_code == 403
    assert put(client, user, body()).status_code == 403
    assert not Availability.objects.exists()


def test_a_clinicians_token_without_the_scope_is_refused(client: Client, clinician: Any) -> None:
    reader = bearer(token_for(clinician, [tokens.AVAILABILITY_READ]))
    assert client.get(URL, **reader).status_code == 200
    refused = client.put(URL, body(), content_type="application/json", **reader)
    assert refused.status_code == 403
    assert "availability:write" in refused["WWW-Authenticate"]
    writer = bearer(token_for(clinician, [tokens.AVAILABILITY_WRITE]))
    assert client.get(URL, **writer).status_code == 403
    assert client.get(URL).status_code == 401
    assert not Availability.objects.exists()


def test_the_operations_are_in_the_openapi_schema_with_their_answers(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    ops = schema["paths"]["/api/v1/availability"]
    assert set(ops["get"]["responses"]) == {"200", "401", "403"}
    assert set(ops["put"]["responses"]) == {"200", "400", "401", "403", "422"}
    fields = schema["components"]["schemas"]["AvailabilityIn"]["properties"]
    # Bounds come from the form's fields, not from a second list of rules.
    assert fields["min_notice_hours"]["maximum"] == 720
    assert fields["approach"]["maxLength"] == 1000


def test_a_body_with_text_no_database_can_store_is_refused_not_a_server_error(
    client: Client, clinician: Any, client_a: Any
) -> None:
    # "\ud800" is valid JSON syntax, but half of a character: it cannot be saved anywhere.
    raw = json.dumps(body(fees="PLACEHOLDER")).replace("PLACEHOLDER", "\\ud800")
    response = client.put(URL, raw, content_type="application/json", **bearer(token_for(clinician)))
    assert response.status_code == 400
    assert response.json()["detail"]
    assert not Availability.objects.exists()
    open_hours(clinician.membership)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    start = next(s.start for s in services.free_slots(clinician.membership) if s.start > soon)
    booking = {"member_id": clinician.membership.pk, "start": start.isoformat(), "hopes": "X"}
    raw = json.dumps(booking).replace('"X"', '"\\udfff"')
    response = client.post(
        "/api/v1/bookings", raw, content_type="application/json", **bearer(token_for(client_a))
    )
    assert response.status_code == 400
    assert not Booking.objects.exists()


def test_me_gives_a_clinician_the_member_id_of_their_public_free_times(
    client: Client, clinician: Any, client_a: Any
) -> None:
    mine = client.get("/api/v1/me", **bearer(token_for(clinician))).json()
    assert mine["member_id"] == clinician.membership.pk
    assert client.get("/api/v1/me", **bearer(token_for(client_a))).json()["member_id"] is None
