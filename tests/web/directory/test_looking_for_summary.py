"""The "what I'm looking for" summary: made in personal mode (printed or downloaded, nothing
sent or saved), uploaded to a clinic's match page to fill in its form."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from tests.web.clinic_personas import sign_in
from tests.web.directory.test_matching import as_posted, make_checkup, row_counts
from therapycheck.core.looking_for import MAX_BYTES
from therapycheck.web.settings import for_mode

pytestmark = pytest.mark.django_db

PAGE = "/looking-for/"
MATCH = "/specialists/match/"
CHECKUP_ANSWERS = {"concerns": ["anxiety", "depression"], "wants_different": "more_practical"}
CHECKUP_RESULT = {
    "findings": [
        {"factor": "modality_fit", "severity": "medium"},
        {"factor": "alliance", "severity": "low"},
    ],
    "measures": {"phq9": {"total": 16, "band": "Moderately severe"}},
}
# What the person changes on the personal page before downloading.
CHANGES = {
    "approach": "cbt",
    "language": "es",
    "format": "online",
    "budget": "80.50",
    "currency": "EUR",
    "times": ["weekday_evenings", "weekends"],
    "time_zone": "America/New_York",
    "identity_wishes": ["woman", "muslim"],
    "identity": "Someone who knows Latin American culture",
}


@pytest.fixture
def me() -> Any:
    from therapycheck.web.accounts.current import personal_person

    return personal_person()


@pytest.fixture
def my_checkup(me: Any) -> Any:
    return make_checkup(me, CHECKUP_ANSWERS, CHECKUP_RESULT)


def filled(client: Client, **extra: Any) -> dict[str, Any]:
    """The personal form as the page shows it, with the person's changes."""
    return {**as_posted(client.get(PAGE).context["form"]), **CHANGES, **extra}


def download(client: Client, **extra: Any) -> Any:
    return client.post(PAGE, {**filled(client, **extra), "action": "download"})


def upload(client: Client, content: bytes, name: str = "what-im-looking-for.json") -> Any:
    return client.post(
        MATCH,
        {"action": "upload", "summary": SimpleUploadedFile(name, content, "application/json")},
    )


def test_the_page_starts_from_the_latest_check_up_with_scores_left_out(
    client: Client, my_checkup: Any
) -> None:
    form = client.get(PAGE).context["form"]
    assert form["concerns"].value() == ["anxiety", "depression"]
    assert form["findings"].value() == ["modality_fit"]  # only the findings matching uses
    assert form["style"].value() == "structure"
    assert not form["include_scores"].value()


def test_the_download_is_the_documented_file_without_scores_by_default(
    client: Client, my_checkup: Any
) -> None:
    response = download(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="what-im-looking-for.json"'
    doc = json.loads(response.content)
    assert doc["format"] == "therapycheck-looking-for" and doc["version"] == 2
    assert doc["scores"] is None
    assert doc["concerns"] == ["anxiety", "depression"]
    assert doc["preferences"]["time_zone"] == "America/New_York"
    assert doc["preferences"]["identity_wishes"] == ["woman", "muslim"]
    assert doc["checkup_completed_on"] == "2026-11-01"


def test_scores_go_in_only_when_the_person_ticks_the_box(client: Client, my_checkup: Any) -> None:
    doc = json.loads(download(client, include_scores="on").content)
    assert doc["scores"] == {"phq9": 16}


def test_making_the_summary_saves_nothing(client: Client, my_checkup: Any) -> None:
    client.get(PAGE)
    before = row_counts()
    download(client, include_scores="on")
    client.post(PAGE, {**filled(client), "action": "show"})
    assert row_counts() == before


def test_the_summary_is_shown_to_print_with_plain_labels(client: Client, my_checkup: Any) -> None:
    html = client.post(PAGE, {**filled(client), "action": "show"}).content.decode()
    assert "My summary" in html
    assert (
        "Weekday evenings (5pm to 10pm), Weekends (6am to 10pm), in America/New York time" in html
    )
    assert "Spanish" in html
    assert "<dt>My check-up found</dt><dd>my current approach may not fit me</dd>" in html
    assert "My questionnaire scores" not in html


def test_unanswered_choices_are_left_out_of_the_summary(client: Client, my_checkup: Any) -> None:
    html = client.post(PAGE, {**filled(client, format="", approach=""), "action": "show"})
    text = html.content.decode()
    assert "<dt>Online or in person</dt>" not in text
    assert "<dt>Approach I would like</dt>" not in text
    assert "<dt>Language I need</dt><dd>Spanish</dd>" in text


def test_bad_input_on_the_personal_page_keeps_every_answer(client: Client, me: Any) -> None:
    response = client.post(
        PAGE, {"currency": "GBP", "budget": "lots", "identity": "Kept", "action": "download"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Please check your answers" in html and "Kept" in html


def test_a_crisis_check_up_shows_crisis_resources_first(client: Client, me: Any) -> None:
    make_checkup(me, {"concerns": ["depression"]}, {"safety": {"crisis": True}})
    html = client.get(PAGE).content.decode()
    assert 'class="safety-response' in html
    assert html.index('class="safety-response') < html.index("What I'm looking for</h1>")


def test_without_a_check_up_the_page_still_works(client: Client, me: Any) -> None:
    response = client.get(PAGE)
    assert response.status_code == 200
    assert b"no finished check-up yet" in response.content


@pytest.mark.usefixtures("clinic_mode")
def test_the_personal_page_is_not_found_in_clinic_mode(client: Client, client_a: Any) -> None:
    assert sign_in(client, client_a).get(PAGE).status_code == 404


# --- the clinic's match page reads the file -------------------------------------------------


def test_a_downloaded_file_fills_the_clinic_form_with_the_same_values(
    client: Client, my_checkup: Any, client_a: Any
) -> None:
    personal = filled(client)
    file = download(client, include_scores="on").content
    with override_settings(**for_mode("clinic")):
        clinic = Client()
        response = upload(sign_in(clinic, client_a), file)
        assert response.status_code == 200
        assert response.context["ranked"] is None  # the person checks the form first
        uploaded = as_posted(response.context["form"])
        html = response.content.decode()
    personal.pop("include_scores", None)
    assert uploaded == personal
    assert (
        "We filled in the form from your file (made from your check-up of 1 November 2026)" in html
    )
    assert "Your file also holds your scores (PHQ-9: 16). They are not used to rank" in html


@pytest.mark.usefixtures("clinic_mode")
@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"not json at all", "The file is not valid JSON"),
        (
            b'{"format": "therapycheck-looking-for", "version": 7}',
            "this service reads versions 1 and 2 only",
        ),
        (b"\x89PNG\r\n\x1a\n", "The file is not text (UTF-8)"),
        (b"[]", "The file holds a list, not a summary"),
    ],
)
def test_a_file_that_is_not_a_summary_gets_a_clear_error(
    client: Client, client_a: Any, content: bytes, says: str
) -> None:
    response = upload(sign_in(client, client_a), content)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please check your answers" in html
    assert says in html
    assert response.context["uploaded"] is None


def summary_file(**changes: Any) -> bytes:
    from therapycheck.core.looking_for import LookingFor, to_document

    doc = to_document(LookingFor(concerns=("anxiety",)))
    prefs = changes.pop("preferences", {})
    doc["preferences"].update(prefs)
    doc.update(changes)
    return json.dumps(doc).encode()


@pytest.mark.usefixtures("clinic_mode")
def test_unknown_ids_and_wrong_types_are_each_named(client: Client, client_a: Any) -> None:
    content = summary_file(
        concerns=["anxiety", "vampirism"],
        preferences={"approach": "hypnosis", "budget": 80, "times": "evenings"},
        scores={"phq9": "high"},
    )
    html = upload(sign_in(client, client_a), content).content.decode()
    for says in (
        "concerns: &quot;vampirism&quot; is not a concern we know",
        "preferences.approach: &quot;hypnosis&quot; is not an approach we know",
        "preferences.budget: should be an amount written as text",
        "preferences.times: should be a list, but it is text",
        "scores.phq9: should be a number, but it is text",
    ):
        assert says in html


@pytest.mark.usefixtures("clinic_mode")
def test_a_huge_file_is_refused_and_nothing_is_kept(client: Client, client_a: Any) -> None:
    signed_in = sign_in(client, client_a)
    signed_in.get(MATCH)
    before = row_counts()
    response = upload(signed_in, b" " * (MAX_BYTES + 1) + summary_file())
    assert response.status_code == 200
    assert b"The file is too big" in response.content
    assert row_counts() == before


@pytest.mark.usefixtures("clinic_mode")
def test_uploading_with_no_file_asks_for_one(client: Client, client_a: Any) -> None:
    response = sign_in(client, client_a).post(MATCH, {"action": "upload"})
    assert response.status_code == 200
    assert b"Choose your summary file to upload." in response.content


@pytest.mark.usefixtures("clinic_mode")
def test_a_good_upload_is_not_stored(client: Client, client_a: Any) -> None:
    signed_in = sign_in(client, client_a)
    signed_in.get(MATCH)
    before = row_counts()
    response = upload(signed_in, summary_file(preferences={"identity": "Quiet and kind"}))
    assert response.context["form"]["identity"].value() == "Quiet and kind"
    assert row_counts() == before
    assert b"Quiet and kind" not in signed_in.get(MATCH).content
