"""The match page: a signed-in client finds specialists who fit their check-up and wishes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from tests.web.clinic_personas import sign_in
from therapycheck.core.matching import MIN_CASES, Cases
from therapycheck.core.safety import safety_response

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]

URL = "/specialists/match/"


def make_checkup(person: Any, answers: dict[str, Any], result: dict[str, Any]) -> Any:
    from therapycheck.web.checkups.models import Checkup

    when = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
    return Checkup.objects.create(
        person=person,
        status=Checkup.Status.COMPLETED,
        answers={"answers": answers, "measures": {}},
        started_at=when,
        updated_at=when,
        completed_at=when,
        result=result,
    )


@pytest.fixture
def anxious_checkup(client_a: Any) -> Any:
    """Alex's check-up: anxiety, wants more practical sessions; the approach may not fit."""
    return make_checkup(
        client_a.person,
        {"concerns": ["anxiety"], "approach": "psychodynamic", "wants_different": "more_practical"},
        {"findings": [{"factor": "modality_fit", "severity": "medium"}]},
    )


@pytest.fixture
def two_profiles(
    make_profile: Callable[..., Any], clinician: Any, other_clinician: Any
) -> tuple[Any, Any]:
    cbt = make_profile(other_clinician, approaches=["cbt"], concerns=["anxiety"])
    talk = make_profile(
        clinician, approaches=["psychodynamic"], concerns=["depression"], languages=["en", "es"]
    )
    return cbt, talk


def as_posted(form: Any) -> dict[str, Any]:
    """What the browser sends when the person presses the button without changing the form."""
    data: dict[str, Any] = {}
    for field in form:
        value = field.value()
        if value is None:
            continue
        data[field.name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


def as_shown(client: Client) -> dict[str, Any]:
    """The match form as the page first shows it (filled in from the check-up)."""
    return as_posted(client.get(URL).context["form"])


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_it_ranks_an_approach_that_fits_the_check_up_first_and_says_why(
    client: Client, client_a: Any, anxious_checkup: Any, two_profiles: tuple[Any, Any]
) -> None:
    cbt, talk = two_profiles
    signed_in = sign_in(client, client_a)
    shown = as_shown(signed_in)
    assert shown["concerns"] == ["anxiety"]
    assert shown["findings"] == ["modality_fit"]
    assert shown["style"] == "structure"
    response = signed_in.post(URL, shown)
    assert response.status_code == 200
    ranked = response.context["ranked"]
    assert [r.profile.pk for r in ranked] == [cbt.pk, talk.pk]
    html = response.content.decode()
    assert "Offers Cognitive behavioural therapy (CBT), which has strong support for" in html
    assert "anxiety or worry (your concern)" in html
    assert "suits your wish for more structure" in html
    assert f'href="/specialists/{cbt.pk}/"' in html
    assert html.index("Ben Marsh") < html.index("Ada Rivers")


def test_every_listed_specialist_comes_with_reasons(
    client: Client, client_a: Any, anxious_checkup: Any, two_profiles: tuple[Any, Any]
) -> None:
    signed_in = sign_in(client, client_a)
    response = signed_in.post(URL, as_shown(signed_in))
    assert all(r.match.why for r in response.context["ranked"])


def test_a_language_need_leaves_out_who_does_not_speak_it(
    client: Client, client_a: Any, anxious_checkup: Any, two_profiles: tuple[Any, Any]
) -> None:
    _, talk = two_profiles
    response = sign_in(client, client_a).post(URL, {"currency": "GBP", "language": "es"})
    assert [r.profile.pk for r in response.context["ranked"]] == [talk.pk]
    assert b"Speaks Spanish, as you asked" in response.content


def test_the_budget_leaves_out_a_dearer_fee_and_explains_a_fitting_one(
    client: Client, client_a: Any, make_profile: Callable[..., Any], other_clinician: Any
) -> None:
    make_profile(other_clinician, fee_per_session=Decimal("90"))
    response = sign_in(client, client_a).post(URL, {"currency": "GBP", "budget": "80"})
    assert response.context["ranked"] == []
    response = client.post(URL, {"currency": "GBP", "budget": "95"})
    assert b"Fee 90 is within your budget of 95" in response.content


def test_identity_wishes_are_shown_back_and_nothing_is_stored(
    client: Client, client_a: Any, anxious_checkup: Any, two_profiles: tuple[Any, Any]
) -> None:
    signed_in = sign_in(client, client_a)
    signed_in.get(URL)
    before = row_counts()
    response = signed_in.post(
        URL,
        {
            "currency": "GBP",
            "identity": "A woman of colour",
            "times": ["weekday_evenings"],
            "time_zone": "Europe/London",
        },
    )
    assert b"A woman of colour" in response.content
    assert b"When you can meet: Weekday evenings" in response.content
    assert row_counts() == before
    assert b"A woman of colour" not in signed_in.get(URL).content


def test_bad_input_shows_an_error_and_keeps_the_answers(
    client: Client, client_a: Any, two_profiles: tuple[Any, Any]
) -> None:
    response = sign_in(client, client_a).post(
        URL, {"currency": "GBP", "budget": "-5", "identity": "Kept text"}
    )
    assert response.status_code == 200
    assert b"Please check your answers" in response.content
    assert b"Kept text" in response.content
    assert response.context["ranked"] is None


def test_a_crisis_check_up_shows_crisis_resources_before_anything_else(
    client: Client, client_a: Any
) -> None:
    make_checkup(client_a.person, {"concerns": ["depression"]}, {"safety": {"crisis": True}})
    html = sign_in(client, client_a).get(URL).content.decode()
    assert 'class="safety-response' in html
    assert html.index('class="safety-response') < html.index("Find a specialist who fits</h1>")


def test_clinic_staff_may_not_use_the_client_match_page(client: Client, clinician: Any) -> None:
    assert sign_in(client, clinician).get(URL).status_code == 403


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, clinics: Any) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_clinic_cases_count_a_linked_clients_reliable_improvement_per_concern(
    client_a: Any, client_b: Any, clinician: Any, other_clinician: Any
) -> None:
    from therapycheck.web.directory.matching import clinic_cases

    make_checkup(client_a.person, {"concerns": ["depression", "anxiety"]}, {})
    make_checkup(client_b.person, {"concerns": ["depression"]}, {})
    ada, ben = clinician.membership.pk, other_clinician.membership.pk
    # Alex: PHQ-9 16 -> 15, not reliable. Blake: PHQ-9 8 -> 0, a reliable improvement.
    assert clinic_cases([ada, ben]) == {
        (ada, "depression"): Cases(improved=0, cases=1),
        (ada, "anxiety"): Cases(improved=0, cases=1),
        (ben, "depression"): Cases(improved=1, cases=1),
    }


def test_outcomes_below_the_minimum_are_not_shown_on_the_page(
    client: Client,
    client_a: Any,
    client_b: Any,
    two_profiles: tuple[Any, Any],
) -> None:
    assert MIN_CASES > 1
    make_checkup(client_b.person, {"concerns": ["anxiety"]}, {})
    make_checkup(client_a.person, {"concerns": ["anxiety"]}, {})
    response = sign_in(client, client_a).post(URL, {"currency": "GBP", "concerns": ["anxiety"]})
    assert response.status_code == 200
    assert b"reliably improved" not in response.content
    assert b"clinic average" not in response.content


def linked_client(clinic: Any, clinician: Any, n: int, first: list[int], last: list[int]) -> Any:
    """A fictional client of `clinician` with anxiety and two PHQ-9 scores."""
    from tests.web.clinic_personas import make_client
    from therapycheck.web.sharing.models import CareLink
    from therapycheck.web.tracking.services import save_measurement

    user = make_client(clinic, f"case{n}.{clinician.pk}@example.org", f"Case {n} (fictional)")
    for session, answers in ((1, first), (8, last)):
        save_measurement(
            user.person, "phq9", answers, session_number=session, taken_on=dt.date(2026, 9, session)
        )
    CareLink.objects.create(
        person=user.person,
        clinician=clinician.membership,
        status=CareLink.Status.ACTIVE,
        invited_by=CareLink.InvitedBy.CLINICIAN,
        accepted_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
    )
    make_checkup(user.person, {"concerns": ["anxiety"]}, {})
    return user


def test_outcomes_at_the_minimum_are_shown_shrunk_toward_the_clinic_average(
    client: Client,
    clinics: Any,
    client_a: Any,
    clinician: Any,
    other_clinician: Any,
    two_profiles: tuple[Any, Any],
) -> None:
    high, low = [2] * 8 + [0], [0] * 9
    make_checkup(client_a.person, {"concerns": ["anxiety"]}, {})  # Alex: 16 -> 15, not reliable
    for n in range(8):
        linked_client(clinics.demo, clinician, n, high, low)  # 16 -> 0: reliable improvement
    linked_client(clinics.demo, clinician, 8, high, high)
    for n in range(2):
        linked_client(clinics.demo, other_clinician, n, high, high)
    assert MIN_CASES == 10  # Ada has exactly 10 cases, Ben 2
    response = sign_in(client, client_a).post(URL, {"currency": "GBP", "concerns": ["anxiety"]})
    html = response.content.decode()
    # Clinic average 8 / 12; Ada (8 + 10 * 8/12) / (10 + 10) = 0.733.
    assert (
        "In this clinic, 8 of 10 clients with anxiety or worry reliably improved with this "
        "specialist (adjusted estimate 73%; clinic average 67%)"
    ) in html
    assert html.count("reliably improved") == 1
    scores = {r.profile.membership_id: r.match.score for r in response.context["ranked"]}
    assert scores[clinician.membership.pk] > 0


def test_a_crisis_about_danger_from_someone_else_is_shown_as_the_check_up_showed_it(
    client: Client, client_a: Any
) -> None:
    reasons = ["You said you are afraid someone in your life may hurt you."]
    stored = {"safety": {"crisis": True, "reasons": reasons, "dangers": ["from_others"]}}
    make_checkup(client_a.person, {"concerns": ["depression"]}, stored)
    shown = sign_in(client, client_a).get(URL).context["safety"]
    expected = safety_response(reasons=reasons, dangers=["from_others"], country="GB")
    assert shown.dangers == ("from_others",)
    assert shown.message == expected.message
    assert shown.steps == expected.steps


def test_a_specialist_who_states_an_identity_the_person_asked_for_ranks_higher(
    client: Client,
    client_a: Any,
    make_profile: Callable[..., Any],
    clinician: Any,
    other_clinician: Any,
) -> None:
    plain = make_profile(other_clinician, concerns=["anxiety"])
    stated = make_profile(clinician, concerns=["anxiety"], identities=["woman", "lgbtq"])
    signed_in = sign_in(client, client_a)
    asked = {"concerns": ["anxiety"], "currency": "GBP", "identity_wishes": ["lgbtq"]}
    ranked = signed_in.post(URL, asked).context["ranked"]
    assert [r.profile.pk for r in ranked] == [stated.pk, plain.pk]
    assert "Describes themself on their profile as LGBTQ+, as you asked" in ranked[0].match.why
    unasked = signed_in.post(URL, {**asked, "identity_wishes": []}).context["ranked"]
    assert not any("profile as" in line for r in unasked for line in r.match.why)
