"""Measures: fill in, result, edit, delete, the after-session check-in, and bad input."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from therapycheck.core.instruments import all_instruments, get_instrument
from therapycheck.core.scoring import score
from therapycheck.web.accounts.models import Person, SafetyEvent
from therapycheck.web.tracking.models import Measurement

TODAY = dt.date.today().isoformat()


def answers_post(
    answers: list[int | None], session: int | str = 1, token: str = "tok", prefix: str = ""
) -> dict[str, str]:
    data = {"session_number": str(session), "taken_on": TODAY, "form_token": token}
    for n, value in enumerate(answers, start=1):
        if value is not None:
            data[f"{prefix}item_{n}"] = str(value)
    return data


def checked(html: str) -> set[str]:
    """The names=values of radios that the page shows as chosen."""
    found = set()
    for tag in re.findall(r"<input[^>]*type=\"radio\"[^>]*>", html):
        if " checked" in tag:
            name = re.search(r'name="([^"]+)"', tag).group(1)
            value = re.search(r'value="([^"]+)"', tag).group(1)
            found.add(f"{name}={value}")
    return found


@pytest.mark.django_db
def test_the_list_shows_every_instrument_with_a_link_to_fill_it_in(
    client: Client, person: Person
) -> None:
    html = client.get("/measures/").content.decode()
    for instrument in all_instruments():
        assert f'href="/measures/{instrument.id}/new/"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("instrument", all_instruments(), ids=lambda i: i.id)
def test_each_instrument_form_has_one_fieldset_per_item_with_labelled_radios(
    client: Client, person: Person, instrument
) -> None:
    html = client.get(f"/measures/{instrument.id}/new/").content.decode()
    assert html.count('<fieldset class="item') == len(instrument.items)
    radios = re.findall(r'<input type="radio" name="item_\d+" value="[^"]*"[^>]*id="([^"]+)"', html)
    assert len(radios) == sum(len(instrument.item_options(i.number)) for i in instrument.items)
    for radio_id in radios:
        assert f'<label class="option" for="{radio_id}">' in html


@pytest.mark.django_db
def test_saving_scores_with_core_scoring_and_shows_the_result(
    client: Client, person: Person
) -> None:
    answers = [1, 2, 1, 0, 1, 2, 1, 0, 0]
    response = client.post("/measures/phq9/new/", answers_post(answers, session=2))
    entry = Measurement.objects.get()
    assert response["Location"] == f"/measures/entry/{entry.pk}/"
    expected = score("phq9", answers)
    assert (entry.total, entry.band, entry.answers) == (
        expected.total,
        expected.band.label,
        answers,
    )
    assert entry.session_number == 2 and entry.person == person
    html = client.get(response["Location"]).content.decode()
    assert f"Your PHQ-9: {expected.total}" in html
    assert expected.band.label in html


@pytest.mark.django_db
def test_a_missing_answer_keeps_every_other_answer_and_saves_nothing(
    client: Client, person: Person
) -> None:
    response = client.post("/measures/phq9/new/", answers_post([1, 2, 3, None, 0, 1, 2, 3, 0]))
    html = response.content.decode()
    assert response.status_code == 200
    assert Measurement.objects.count() == 0
    assert "Please choose an answer." in html
    assert checked(html) == {
        "item_1=1",
        "item_2=2",
        "item_3=3",
        "item_5=0",
        "item_6=1",
        "item_7=2",
        "item_8=3",
        "item_9=0",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("session", ["-1", "abc", "100000", ""])
def test_a_bad_session_number_keeps_the_answers(
    client: Client, person: Person, session: str
) -> None:
    response = client.post("/measures/gad7/new/", answers_post([1] * 7, session=session))
    assert response.status_code == 200
    assert Measurement.objects.count() == 0
    assert len(checked(response.content.decode())) == 7


@pytest.mark.django_db
def test_a_future_date_is_refused_with_the_answers_kept(client: Client, person: Person) -> None:
    data = answers_post([2] * 7)
    data["taken_on"] = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    response = client.post("/measures/gad7/new/", data)
    assert "cannot be in the future" in response.content.decode()
    assert len(checked(response.content.decode())) == 7


@pytest.mark.django_db
def test_an_answer_outside_the_options_is_refused_not_a_crash(
    client: Client, person: Person
) -> None:
    response = client.post("/measures/phq9/new/", answers_post([1, 9, 1, 1, 1, 1, 1, 1, 0]))
    assert response.status_code == 200
    assert Measurement.objects.count() == 0


@pytest.mark.django_db
def test_a_double_submitted_form_saves_once(client: Client, person: Person) -> None:
    data = answers_post([1] * 7, token="same-token")
    first = client.post("/measures/gad7/new/", data)
    second = client.post("/measures/gad7/new/", data)
    assert Measurement.objects.count() == 1
    assert first["Location"] == second["Location"]


@pytest.mark.django_db
def test_a_second_entry_for_the_same_session_is_refused_with_answers_kept(
    client: Client, person: Person
) -> None:
    client.post("/measures/gad7/new/", answers_post([1] * 7, session=3, token="a"))
    response = client.post("/measures/gad7/new/", answers_post([2] * 7, session=3, token="b"))
    html = response.content.decode()
    assert "already saved a GAD-7 for session 3" in html
    assert checked(html) == {f"item_{n}=2" for n in range(1, 8)}
    assert Measurement.objects.count() == 1


@pytest.mark.django_db
def test_an_unknown_instrument_is_a_404(client: Client, person: Person) -> None:
    assert client.get("/measures/horoscope/new/").status_code == 404
    assert client.post("/measures/horoscope/new/", {}).status_code == 404


@pytest.mark.django_db
def test_editing_rescores_the_entry(client: Client, person: Person, make_measurement) -> None:
    entry = make_measurement("gad7", [1] * 7, 1)
    form = client.get(f"/measures/entry/{entry.pk}/edit/").content.decode()
    assert checked(form) == {f"item_{n}=1" for n in range(1, 8)}
    data = answers_post([3] * 7, session=1)
    data["revision"] = str(entry.revision)
    response = client.post(f"/measures/entry/{entry.pk}/edit/", data)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.total == 21 and entry.revision == 2


@pytest.mark.django_db
def test_a_stale_edit_is_caught_and_keeps_the_answers(
    client: Client, person: Person, make_measurement
) -> None:
    entry = make_measurement("gad7", [1] * 7, 1)
    old = answers_post([0] * 7, session=1)
    old["revision"] = str(entry.revision)
    newer = answers_post([2] * 7, session=1)
    newer["revision"] = str(entry.revision)
    assert client.post(f"/measures/entry/{entry.pk}/edit/", newer).status_code == 302
    response = client.post(f"/measures/entry/{entry.pk}/edit/", old)
    html = response.content.decode()
    assert "changed in another window" in html
    assert checked(html) == {f"item_{n}=0" for n in range(1, 8)}
    entry.refresh_from_db()
    assert entry.total == 14
    # Sending the same page again replaces the other version on purpose.
    resend = dict(old, revision=re.search(r'name="revision" value="(\d+)"', html).group(1))
    assert client.post(f"/measures/entry/{entry.pk}/edit/", resend).status_code == 302
    entry.refresh_from_db()
    assert entry.total == 0


@pytest.mark.django_db
def test_delete_asks_first_then_deletes_and_a_second_delete_is_harmless(
    client: Client, person: Person, make_measurement
) -> None:
    entry = make_measurement("gad7", [1] * 7, 1)
    confirm = client.get(f"/measures/entry/{entry.pk}/delete/")
    assert "Delete this entry?" in confirm.content.decode()
    assert Measurement.objects.count() == 1
    assert client.post(f"/measures/entry/{entry.pk}/delete/").status_code == 302
    assert Measurement.objects.count() == 0
    again = client.post(f"/measures/entry/{entry.pk}/delete/", follow=True)
    assert again.status_code == 200
    assert "already deleted" in again.content.decode()


@pytest.mark.django_db
def test_another_persons_entries_are_invisible(
    client: Client, person: Person, other_person: Person, make_measurement
) -> None:
    theirs = make_measurement("gad7", [1] * 7, 1, owner=other_person)
    for url in ("", "edit/", "delete/"):
        assert client.get(f"/measures/entry/{theirs.pk}/{url}").status_code == 404
    client.post(f"/measures/entry/{theirs.pk}/delete/")
    assert Measurement.objects.filter(pk=theirs.pk).exists()
    assert "GAD-7" not in client.get("/measures/").content.decode().split("Your entries")[1]


@pytest.mark.django_db
def test_a_safety_answer_raises_the_banner_once_per_new_answer(
    client: Client, person: Person
) -> None:
    client.post("/measures/phq9/new/", answers_post([0] * 8 + [1], session=1, token="a"))
    assert SafetyEvent.objects.count() == 1
    entry = Measurement.objects.get()
    data = answers_post([0] * 8 + [1], session=1)
    data["revision"] = str(entry.revision)
    client.post(f"/measures/entry/{entry.pk}/edit/", data)  # the same answer again
    assert SafetyEvent.objects.count() == 1
    data = answers_post([0] * 8 + [3], session=1)
    data["revision"] = str(entry.revision + 1)
    client.post(f"/measures/entry/{entry.pk}/edit/", data)  # a new, stronger answer
    assert SafetyEvent.objects.count() == 2


@pytest.mark.django_db
def test_the_crisis_response_quotes_the_safety_answer_in_its_own_words(
    client: Client, person: Person
) -> None:
    response = client.post(
        "/measures/phq9/new/", answers_post([0] * 8 + [2], session=1, token="w"), follow=True
    )
    page = response.content.decode()
    assert "Your safety comes first" in page
    assert "you answered “More than half the days” to question 9" in page


# --- after-session check-in -----------------------------------------------------------


def check_in_post(
    token: str = "ci", who5: list[int] | None = None, phq9_item9: int = 0, session: int = 4
) -> dict[str, str]:
    data = answers_post([], session=session, token=token)
    data.update(answers_post([1] * 8 + [phq9_item9], prefix="phq9-"))
    data.update(answers_post([1] * 7, prefix="gad7-"))
    data.update(answers_post([4] * len(get_instrument("wai_sr").items), prefix="wai_sr-"))
    if who5 is not None:
        data.update(answers_post(list(who5), prefix="who5-"))
    data.update(session_number=str(session), taken_on=TODAY, form_token=token)
    return data


@pytest.mark.django_db
def test_the_check_in_offers_phq9_gad7_wai_sr_and_who5_to_pick_from(
    client: Client, person: Person
) -> None:
    html = client.get("/measures/check-in/").content.decode()
    for instrument in ("phq9", "gad7", "wai_sr", "who5"):
        assert f'name="measures" value="{instrument}"' in html


@pytest.mark.django_db
def test_the_check_in_saves_each_questionnaire_for_the_same_session(
    client: Client, person: Person
) -> None:
    response = client.post("/measures/check-in/", check_in_post())
    assert response.status_code == 302
    rows = Measurement.objects.order_by("instrument")
    assert [r.instrument for r in rows] == ["gad7", "phq9", "wai_sr"]
    assert {r.session_number for r in rows} == {4}
    assert len({r.checkin for r in rows}) == 1
    html = client.get(response["Location"]).content.decode()
    assert "check-in for session 4 is saved" in html


@pytest.mark.django_db
def test_the_check_in_includes_who5_when_answered(client: Client, person: Person) -> None:
    client.post("/measures/check-in/", check_in_post(who5=[3, 3, 3, 3, 3]))
    assert Measurement.objects.filter(instrument="who5").get().total == 60


@pytest.mark.django_db
def test_a_half_answered_who5_is_an_error_that_keeps_its_answers_and_saves_the_others(
    client: Client, person: Person
) -> None:
    response = client.post("/measures/check-in/", check_in_post(who5=[3, 3]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "WHO-5, question 3: Please choose an answer." in html
    assert sorted(Measurement.objects.values_list("instrument", flat=True)) == [
        "gad7",
        "phq9",
        "wai_sr",
    ]
    assert {"who5-item_1=3", "who5-item_2=3"} <= checked(html)


@pytest.mark.django_db
def test_a_check_in_clash_in_one_questionnaire_still_saves_the_others(
    client: Client, person: Person, make_measurement
) -> None:
    make_measurement("wai_sr", [3] * len(get_instrument("wai_sr").items), 4)
    response = client.post("/measures/check-in/", check_in_post())
    html = response.content.decode()
    assert response.status_code == 200
    assert "already saved a WAI-SR for session 4" in html
    assert Measurement.objects.filter(instrument__in=["phq9", "gad7"]).count() == 2
    assert "wai_sr-item_1=4" in checked(html)


@pytest.mark.django_db
def test_a_double_submitted_check_in_saves_once(client: Client, person: Person) -> None:
    first = client.post("/measures/check-in/", check_in_post(token="dbl"))
    second = client.post("/measures/check-in/", check_in_post(token="dbl"))
    assert first["Location"] == second["Location"]
    assert Measurement.objects.count() == 3


@pytest.mark.django_db
def test_a_safety_answer_in_the_check_in_shows_the_crisis_response_first(
    client: Client, person: Person
) -> None:
    response = client.post("/measures/check-in/", check_in_post(phq9_item9=2), follow=True)
    html = response.content.decode()
    main = html[html.index('<main id="main"') :]
    assert main.index("Your safety comes first") < main.index("<h1")
    assert SafetyEvent.objects.count() == 1


def test_the_alliance_questions_are_refused_at_session_0_with_the_answers_kept(
    client: Client, person: Person
) -> None:
    response = client.post("/measures/wai_sr/new/", answers_post([3] * 12, session=0))
    assert response.status_code == 200
    assert "it needs a session of therapy" in response.content.decode()
    assert checked(response.content.decode()) == {f"item_{n}=3" for n in range(1, 13)}
    assert not Measurement.objects.exists()


def test_the_alliance_form_suggests_session_1_before_any_session(
    client: Client, person: Person
) -> None:
    response = client.get("/measures/wai_sr/new/")
    assert re.search(r'name="session_number" value="1"', response.content.decode())
