"""The safety response: when it fires, what it shows, and the crisis data per country.

Numbers checked against the pages recorded in core/data/crisis_resources.yaml
(REFERENCES.md §7): 988 (US, CA), Samaritans 116 123 (GB, IE), Lifeline 13 11 14 (AU),
1737 (NZ), 3114 (FR), TelefonSeelsorge 0800 111 0 111 (DE).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therapycheck.core.safety import (
    DEFAULT_COUNTRY,
    CrisisResource,
    SafetyResponse,
    countries,
    crisis_resources,
    normalize_country,
    parse_country,
    safety_response,
)

# REFERENCES.md §7: the national crisis line and emergency number per country.
EXPECTED = {
    "US": ("988", "911"),
    "CA": ("988", "911"),
    "GB": ("116 123", "999"),
    "IE": ("116 123", "112 or 999"),
    "AU": ("13 11 14", "000"),
    "NZ": ("1737", "111"),
    "FR": ("3114", "112"),
    "DE": ("0800 111 0 111", "112"),
}


@pytest.mark.parametrize(("country", "expected"), sorted(EXPECTED.items()))
def test_each_country_lists_its_crisis_line_first_and_its_emergency_number(
    country: str, expected: tuple[str, str]
) -> None:
    line, emergency = expected
    found = crisis_resources(country)
    assert found[0].kind == "crisis_line"
    assert found[0].contact == line
    assert any(r.kind == "emergency" and r.contact == emergency for r in found)
    assert safety_response(country=country).emergency_number == emergency


def test_us_and_canada_say_you_can_text_988() -> None:
    for country in ("US", "CA"):
        assert "text" in crisis_resources(country)[0].how


@pytest.mark.parametrize("country", [None, "", "ZZ", "atlantis", "  "])
def test_an_unknown_or_missing_country_gets_the_international_fallback(
    country: str | None,
) -> None:
    found = crisis_resources(country)
    assert normalize_country(country) == DEFAULT_COUNTRY
    assert any(r.kind == "emergency" for r in found)
    assert any(r.kind == "web" for r in found)


def test_country_codes_are_case_insensitive_and_uk_means_gb() -> None:
    assert normalize_country("gb") == "GB"
    assert normalize_country("UK") == "GB"
    assert normalize_country(" us ") == "US"


def test_the_country_list_has_every_country_once_and_the_fallback_last() -> None:
    listed = countries()
    codes = [code for code, _ in listed]
    assert set(EXPECTED) <= set(codes)
    assert len(codes) == len(set(codes))
    assert codes[-1] == DEFAULT_COUNTRY
    assert all(name for _, name in listed)


def test_the_safety_flag_from_scoring_triggers_a_crisis_response_with_a_reason() -> None:
    response = safety_response(flags=["safety"], country="US")
    assert response.crisis
    assert response.reasons
    assert response.heading == "Your safety comes first"
    assert any("988" in step for step in response.steps)
    assert any("911" in step for step in response.steps)


def test_a_stated_reason_alone_triggers_a_crisis_response() -> None:
    response = safety_response(reasons=["You said you do not feel safe right now."])
    assert response.crisis
    assert response.reasons == ("You said you do not feel safe right now.",)


def test_other_flags_do_not_trigger_a_crisis() -> None:
    response = safety_response(flags=["positive_screen", "caseness"], country="GB")
    assert not response.crisis
    assert response.steps == ()


def test_resources_are_shown_even_without_a_crisis() -> None:
    calm = safety_response(country="AU").to_dict()
    assert calm["crisis"] is False
    assert calm["resources"][0]["contact"] == "13 11 14"


def test_to_dict_carries_the_contract_keys() -> None:
    doc = safety_response(flags=["safety"], country="NZ").to_dict()
    assert doc["crisis"] is True
    assert {"crisis", "resources", "reasons", "emergency_number", "heading", "message"} <= set(doc)
    assert {"name", "contact", "how", "kind", "hours", "note", "url"} <= set(doc["resources"][0])


def test_the_markdown_shows_the_heading_then_the_numbers() -> None:
    text = safety_response(flags=["safety"], country="DE").to_markdown()
    assert text.startswith("## Your safety comes first")
    assert "0800 111 0 111" in text
    assert text.index("0800 111 0 111") > text.index("## Your safety")


def test_duplicate_reasons_are_listed_once() -> None:
    response = safety_response(reasons=["a", "a", "", "b"])
    assert response.reasons == ("a", "b")


def test_every_resource_has_a_source_page() -> None:
    for code, _ in countries():
        for resource in crisis_resources(code):
            assert isinstance(resource, CrisisResource)
            assert resource.source is not None and resource.source.startswith("https://")


@given(
    flags=st.lists(st.sampled_from(["safety", "caseness", "positive_screen", ""])),
    reasons=st.lists(st.text(max_size=20)),
    country=st.one_of(st.none(), st.text(max_size=5), st.sampled_from(sorted(EXPECTED))),
)
def test_crisis_is_exactly_safety_flag_or_a_reason(
    flags: list[str], reasons: list[str], country: str | None
) -> None:
    response = safety_response(flags=flags, reasons=reasons, country=country)
    assert isinstance(response, SafetyResponse)
    assert response.crisis == ("safety" in flags or any(reasons))
    assert response.resources
    assert bool(response.steps) == response.crisis


def test_a_crisis_in_an_unlisted_country_still_gives_concrete_next_steps() -> None:
    response = safety_response(flags=["safety"], country="ES")
    assert response.crisis
    assert any("findahelpline.com" in step for step in response.steps)
    assert any("local emergency number" in step for step in response.steps)


def test_crisis_steps_do_not_promise_a_free_call_where_it_may_cost() -> None:
    # Lifeline: free from mobiles, a local call from landlines (lifelineh2h.org.au FAQ).
    steps = safety_response(flags=["safety"], country="AU").steps
    assert not any("free" in step.lower() for step in steps)


@pytest.mark.parametrize(
    ("typed", "code"),
    [("gb", "GB"), (" UK ", "GB"), ("usa", "US"), ("int", "INT"), ("ZZ", "ZZ"), ("", None)],
)
def test_one_parser_reads_a_country_as_people_type_it(typed: str, code: str | None) -> None:
    assert parse_country(typed) == code


@pytest.mark.parametrize("typed", ["G", "GBR1", "France", "1A", "g b"])
def test_the_country_parser_refuses_what_is_not_a_country_code(typed: str) -> None:
    with pytest.raises(ValueError, match="not a country code"):
        parse_country(typed)
