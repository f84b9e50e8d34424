"""The "what I'm looking for" file: what we write we read back the same, and a bad or
hostile file is refused with a plain reason that names what is wrong."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from therapycheck.core import looking_for as lf
from therapycheck.core.looking_for import LookingFor, SummaryError, Vocabulary

VOCAB = Vocabulary(
    concerns=frozenset({"anxiety", "depression"}),
    approaches=frozenset({"cbt", "psychodynamic"}),
    languages=frozenset({"en", "es"}),
    currencies=frozenset({"GBP", "EUR"}),
    instruments=frozenset({"phq9", "gad7"}),
    time_zones=frozenset({"Europe/London", "America/New_York"}),
    identities=frozenset({"woman", "muslim"}),
)

FULL = LookingFor(
    concerns=("anxiety", "depression"),
    findings=("modality_fit",),
    approach="cbt",
    style="structure",
    language="es",
    format="online",
    budget=Decimal("80.50"),
    currency="EUR",
    times=("weekday_evenings", "weekends"),
    time_zone="America/New_York",
    identity="Someone who knows Latin American culture",
    identity_wishes=("woman",),
    scores=(("phq9", 16), ("gad7", 9)),
    checkup_completed_on=dt.date(2026, 11, 1),
)


def doc(**changes: Any) -> dict[str, Any]:
    base = lf.to_document(FULL)
    prefs = changes.pop("preferences", {})
    base["preferences"] = {**base["preferences"], **prefs} if isinstance(prefs, dict) else prefs
    base.update(changes)
    return base


def read(value: Any) -> LookingFor:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return lf.loads(raw, VOCAB)


def problems(value: Any) -> tuple[str, ...]:
    with pytest.raises(SummaryError) as caught:
        read(value)
    return caught.value.problems


def test_a_written_summary_reads_back_exactly() -> None:
    assert lf.loads(lf.dumps(FULL, VOCAB).encode(), VOCAB) == FULL
    empty = LookingFor()
    assert lf.loads(lf.dumps(empty, VOCAB).encode(), VOCAB) == empty


def test_the_file_names_its_format_and_version_and_never_a_person() -> None:
    written = json.loads(lf.dumps(FULL, VOCAB))
    assert written["format"] == "therapycheck-looking-for"
    assert written["version"] == 2
    assert set(written) == {
        "format",
        "version",
        "checkup_completed_on",
        "concerns",
        "findings",
        "preferences",
        "scores",
    }
    assert written["preferences"]["budget"] == "80.50"


def test_scores_are_left_out_unless_the_person_chose_them() -> None:
    written = json.loads(lf.dumps(LookingFor(concerns=("anxiety",)), VOCAB))
    assert written["scores"] is None
    assert read(written).scores is None


def test_we_never_write_a_file_we_would_refuse() -> None:
    with pytest.raises(SummaryError):
        lf.dumps(LookingFor(concerns=("not_a_concern",)), VOCAB)


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"\xff\xfe not text", "not text (UTF-8)"),
        (b"Dear clinic, I would like", "not valid JSON"),
        (b"[1, 2, 3]", "holds a list, not a summary"),
        (b'"just text"', "holds text, not a summary"),
        (b"[" * 5000 + b"]" * 5000, ""),
        (b'{"format": "something-else", "version": 1}', 'its "format" is not'),
        (b"NaN", "not a number a summary can hold"),
    ],
)
def test_a_file_that_is_not_a_summary_is_refused_plainly(raw: bytes, says: str) -> None:
    found = problems(raw)
    assert len(found) == 1
    assert says in found[0]


def test_a_huge_file_is_refused_before_it_is_read() -> None:
    huge = b" " * (lf.MAX_BYTES + 1)
    (problem,) = problems(huge)
    assert "too big" in problem


@pytest.mark.parametrize("version", [3, 0, "1", True, None])
def test_another_version_is_refused_and_named(version: Any) -> None:
    (problem,) = problems(doc(version=version))
    assert "this service reads versions 1 and 2 only" in problem


def test_a_version_1_file_is_still_read_without_identity_wishes() -> None:
    old = doc(version=1)
    del old["preferences"]["identity_wishes"]
    assert read(old) == LookingFor(**{**FULL.__dict__, "identity_wishes": ()})


def test_a_version_1_file_may_not_carry_the_version_2_field() -> None:
    (problem,) = problems(doc(version=1))
    assert 'has a field "identity_wishes"' in problem


def test_an_unknown_identity_is_named() -> None:
    (problem,) = problems(doc(preferences={"identity_wishes": ["woman", "astronaut"]}))
    assert problem.startswith("preferences.identity_wishes")
    assert '"astronaut" is not an identity we know' in problem


def test_unknown_ids_are_each_named() -> None:
    found = problems(
        doc(
            concerns=["anxiety", "werewolves"],
            findings=["alliance"],
            preferences={"approach": "hypnosis", "language": "xx", "times": ["midnight"]},
            scores={"phq9": 3, "mmpi": 40},
        )
    )
    joined = "\n".join(found)
    assert 'concerns: "werewolves" is not a concern we know' in joined
    assert 'findings: "alliance" is not a finding we know' in joined
    assert 'preferences.approach: "hypnosis" is not an approach we know' in joined
    assert 'preferences.language: "xx" is not a language we know' in joined
    assert 'preferences.times: "midnight" is not a time of week we know' in joined
    assert 'scores: "mmpi" is not a questionnaire we know' in joined
    assert len(found) == 6


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"concerns": "anxiety"}, "concerns: should be a list, but it is text"),
        ({"concerns": [1]}, "concerns: should hold only text"),
        ({"concerns": ["anxiety", "anxiety"]}, '"anxiety" is listed twice'),
        ({"preferences": {"budget": 80}}, "preferences.budget: should be an amount"),
        ({"preferences": {"budget": "-5"}}, "preferences.budget: should be an amount"),
        ({"preferences": {"budget": "1e9"}}, "preferences.budget: should be an amount"),
        ({"preferences": {"style": True}}, "preferences.style: should be text or null"),
        ({"preferences": {"identity": "x" * 301}}, "longer than 300 characters"),
        ({"preferences": {"identity": None}}, "preferences.identity: should be text"),
        ({"preferences": {"time_zone": "Mars/Olympus"}}, "is not a time zone we know"),
        ({"preferences": {"format": "carrier_pigeon"}}, "is not a format we know"),
        ({"preferences": []}, "preferences: should be an object, but it is a list"),
        ({"scores": {"phq9": "16"}}, "scores.phq9: should be a number, but it is text"),
        ({"scores": {"phq9": True}}, "scores.phq9: should be a number, but it is true or false"),
        ({"scores": {"phq9": 1e300}}, "scores.phq9: should be between 0 and 1000"),
        ({"scores": [16]}, "scores: should be an object or null"),
        ({"checkup_completed_on": "1 Nov 2026"}, "should be a date written YYYY-MM-DD"),
        ({"name": "Alex"}, 'has a field "name" that a summary does not have'),
        ({"preferences": {"email": "a@b.c"}}, 'has a field "email" that a summary does not have'),
    ],
)
def test_wrong_types_and_extra_fields_are_named(changes: dict[str, Any], says: str) -> None:
    assert any(says in p for p in problems(doc(**changes)))


def test_a_missing_field_is_named() -> None:
    broken = doc()
    del broken["findings"]
    assert any('missing the field "findings"' in p for p in problems(broken))


def test_a_field_given_twice_is_refused() -> None:
    text = lf.dumps(FULL, VOCAB).replace('"concerns":', '"concerns": [], "concerns":', 1)
    (problem,) = problems(text.encode())
    assert '"concerns" appears twice' in problem
