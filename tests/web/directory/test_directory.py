"""The public directory: anyone may browse it; filters, search, pagination, profile page."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from tests.web.clinic_personas import make_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]


def names(response: Any) -> list[str]:
    return [p.membership.display_name for p in response.context["page"].object_list]


def test_anyone_can_browse_the_directory_without_an_account(
    client: Client, clinician: Any, make_profile: Callable[..., Any]
) -> None:
    profile = make_profile(clinician)
    listing = client.get("/specialists/")
    assert listing.status_code == 200
    assert b"Ada Rivers" in listing.content
    page = client.get(f"/specialists/{profile.pk}/")
    assert page.status_code == 200
    assert b"I help adults with worry." in page.content


def test_it_lists_only_published_profiles_of_active_clinicians(
    client: Client,
    clinician: Any,
    other_clinician: Any,
    supervisor: Any,
    make_profile: Callable[..., Any],
) -> None:
    make_profile(clinician)
    hidden = make_profile(other_clinician, published=False)
    make_profile(supervisor)  # not a clinician: never listed
    assert names(client.get("/specialists/")) == ["Ada Rivers"]
    assert client.get(f"/specialists/{hidden.pk}/").status_code == 404
    clinician.is_active = False
    clinician.save()
    assert names(client.get("/specialists/")) == []


def test_the_directory_never_shows_anything_about_clients(
    client: Client, client_a: Any, clinician: Any, make_profile: Callable[..., Any]
) -> None:
    profile = make_profile(clinician)
    for url in ("/specialists/", f"/specialists/{profile.pk}/"):
        body = client.get(url).content
        assert b"Alex" not in body
        assert b"alex.client" not in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("concern=trauma", ["Ada Rivers"]),
        ("approach=person_centred", ["Ben Marsh"]),
        ("language=es", ["Ben Marsh"]),
        ("population=lgbtq", ["Ben Marsh"]),
        ("format=in_person", ["Ada Rivers"]),
        ("format=online", ["Ada Rivers", "Ben Marsh"]),
        ("max_fee=60&currency=GBP", ["Ben Marsh"]),
        ("max_fee=60&currency=EUR", []),
        ("sliding_scale=on", ["Ada Rivers"]),
        ("insurance=demo+health", ["Ada Rivers"]),
        ("accepting=on", ["Ben Marsh"]),
        ("free_consultation=on", ["Ada Rivers"]),
        ("concern=trauma&language=es", []),
    ],
)
def test_each_filter_keeps_only_the_profiles_that_fit(
    client: Client,
    clinician: Any,
    other_clinician: Any,
    make_profile: Callable[..., Any],
    query: str,
    expected: list[str],
) -> None:
    make_profile(
        clinician,
        concerns=["trauma", "anxiety"],
        approaches=["emdr", "cbt"],
        languages=["en"],
        populations=["adults"],
        format="both",
        location="Riverside",
        fee_per_session=Decimal("90"),
        sliding_scale=True,
        insurance="Demo Health",
        accepting_new_clients=False,
        offers_free_consultation=True,
    )
    make_profile(
        other_clinician,
        concerns=["grief"],
        approaches=["person_centred"],
        languages=["en", "es"],
        populations=["adults", "lgbtq"],
        format="online",
        fee_per_session=Decimal("45"),
        sliding_scale=False,
        insurance="",
        accepting_new_clients=True,
        offers_free_consultation=False,
    )
    response = client.get(f"/specialists/?{query}")
    assert response.status_code == 200
    assert sorted(names(response)) == expected


def test_an_unknown_filter_value_is_explained_and_the_other_filters_still_apply(
    client: Client, clinician: Any, other_clinician: Any, make_profile: Callable[..., Any]
) -> None:
    make_profile(clinician, languages=["en"])
    make_profile(other_clinician, languages=["es"])
    response = client.get("/specialists/?concern=not-a-concern&language=es")
    assert response.status_code == 200
    assert b"Please check your answers" in response.content
    assert names(response) == ["Ben Marsh"]


def test_search_finds_words_in_the_statement_names_and_approach_labels(
    client: Client, clinician: Any, other_clinician: Any, make_profile: Callable[..., Any]
) -> None:
    make_profile(clinician, statement="I specialise in nightmares after accidents.")
    make_profile(other_clinician, approaches=["psychodynamic"], statement="Open talk.")
    assert names(client.get("/specialists/?q=nightmare")) == ["Ada Rivers"]
    assert names(client.get("/specialists/?q=Psychodynamic")) == ["Ben Marsh"]
    assert names(client.get("/specialists/?q=marsh")) == ["Ben Marsh"]
    # Every word must match.
    assert names(client.get("/specialists/?q=nightmares+marsh")) == []


def test_search_ranks_the_better_match_first(
    client: Client, clinician: Any, other_clinician: Any, make_profile: Callable[..., Any]
) -> None:
    make_profile(clinician, statement="Grief once.")
    make_profile(other_clinician, statement="Grief, grief after loss, and grief in families.")
    assert names(client.get("/specialists/?q=grief")) == ["Ben Marsh", "Ada Rivers"]


def test_search_follows_changes_and_deletions(
    client: Client, clinician: Any, make_profile: Callable[..., Any]
) -> None:
    profile = make_profile(clinician, statement="Worry and sleep.")
    assert names(client.get("/specialists/?q=sleep")) == ["Ada Rivers"]
    profile.statement = "Worry only."
    profile.save()
    assert names(client.get("/specialists/?q=sleep")) == []
    assert names(client.get("/specialists/?q=worry")) == ["Ada Rivers"]
    profile.delete()
    assert names(client.get("/specialists/?q=worry")) == []


@pytest.mark.parametrize(
    "hostile",
    [
        '"',
        '"worry',
        "worry\"'",
        "NEAR(worry sleep)",
        "worry NEAR sleep",
        "NEAR",
        "*",
        "wor*",
        "(((worry",
        "worry)))",
        "AND OR NOT",
        "body:worry",
        "^worry",
        "-worry",
        "worry & | ! <->",
        "'; DROP TABLE directory_specialistprofile; --",
        "%_\\",
        "\x00",
        "ünïcödé 漢字",
        "a" * 500,
    ],
)
def test_hostile_searches_give_results_or_none_but_never_an_error(
    client: Client, clinician: Any, make_profile: Callable[..., Any], hostile: str
) -> None:
    make_profile(clinician, statement="Worry and sleep.")
    response = client.get("/specialists/", {"q": hostile})
    assert response.status_code == 200
    assert names(response) in ([], ["Ada Rivers"])


def test_operators_in_a_search_are_plain_words(
    client: Client, clinician: Any, make_profile: Callable[..., Any]
) -> None:
    make_profile(clinician, statement="Worry and sleep. I do not judge.")
    # As operators these would exclude the profile (it mentions sleep) or fail to parse.
    assert names(client.get("/specialists/", {"q": "worry NOT sleep"})) == ["Ada Rivers"]
    assert names(client.get("/specialists/", {"q": "worry -sleep"})) == ["Ada Rivers"]
    assert names(client.get("/specialists/", {"q": '"worry" (sleep)'})) == ["Ada Rivers"]


def test_a_search_with_no_letters_is_left_out_and_says_so(
    client: Client, clinician: Any, make_profile: Callable[..., Any]
) -> None:
    make_profile(clinician)
    response = client.get("/specialists/", {"q": '*** "" ()'})
    assert names(response) == ["Ada Rivers"]
    assert b"no letters or numbers" in response.content


def test_results_come_in_pages_of_ten_and_keep_the_filters(
    client: Client, clinics: Any, make_profile: Callable[..., Any]
) -> None:
    for i in range(23):
        user = make_staff(clinics.demo, f"c{i}@example.org", "clinician", f"Clinician {i:02d}")
        make_profile(user, languages=["en", "fr"] if i % 2 == 0 else ["en"])
    first = client.get("/specialists/", {"language": "fr"})
    assert first.context["page"].paginator.count == 12
    assert len(names(first)) == 10
    assert b"language=fr&amp;page=2" in first.content
    second = client.get("/specialists/", {"language": "fr", "page": "2"})
    assert len(names(second)) == 2
    assert set(names(first)).isdisjoint(names(second))
    # A page number past the end or not a number still gives a page, never an error.
    assert client.get("/specialists/", {"page": "99"}).status_code == 200
    assert client.get("/specialists/", {"page": "x"}).status_code == 200


def test_the_photo_of_an_unlisted_profile_is_not_served(
    client: Client, clinician: Any, make_profile: Callable[..., Any]
) -> None:
    from django.core.files.base import ContentFile

    from tests.web.directory.conftest import image_bytes

    profile = make_profile(clinician, published=False)
    profile.photo.save("p.jpg", ContentFile(image_bytes()), save=True)
    assert client.get(f"/specialists/{profile.pk}/photo/").status_code == 404
    profile.published = True
    profile.save()
    response = client.get(f"/specialists/{profile.pk}/photo/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"  # a JPEG


def test_search_uses_the_databases_own_full_text_engine() -> None:
    from django.db import connection

    from therapycheck.web.directory.services import filtered

    sql = str(filtered({"q": "grief"})[0].query)
    if connection.vendor == "postgresql":
        assert "plainto_tsquery" in sql and "ts_rank" in sql
    else:
        assert "directory_specialistprofile_fts MATCH" in sql and "bm25" in sql


def test_search_follows_a_renamed_clinician_and_clinic(
    client: Client, clinician: Any, make_profile: Callable[..., Any]
) -> None:
    make_profile(clinician)
    member = clinician.membership
    member.display_name = "Ada Okonkwo"
    member.save()
    assert names(client.get("/specialists/?q=okonkwo")) == ["Ada Okonkwo"]
    member.clinic.name = "Lakeside Demo Clinic"
    member.clinic.save()
    assert names(client.get("/specialists/?q=lakeside")) == ["Ada Okonkwo"]
    assert names(client.get("/specialists/?q=riverside")) == []
