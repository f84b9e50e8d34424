"""The modality map (REFERENCES.md section 6) and how it judges an approach for a concern."""

from __future__ import annotations

import pytest

from therapycheck.core.checkup import modalities, question_bank
from therapycheck.core.citations import citation


def _options(question_id: str) -> set[str]:
    question = question_bank().get(question_id)
    assert question is not None
    return {str(o.id) for o in question.options}


def test_every_approach_a_person_can_name_is_explained() -> None:
    named = _options("approach") - {"dont_know"}
    selectable = {k for k, a in modalities().approaches.items() if a.selectable}
    assert named == selectable


def test_every_mapped_concern_is_a_concern_option_with_a_source() -> None:
    for concern, fit in modalities().concerns.items():
        assert concern in _options("concerns")
        assert fit.sources and all(citation(s).url for s in fit.sources)


def test_every_approach_says_what_it_involves_and_what_a_session_looks_like() -> None:
    for approach in modalities().approaches.values():
        assert approach.what and approach.session


def test_trauma_guidelines_recommend_trauma_focused_cbt_and_emdr() -> None:
    # NICE NG116 (2018) and APA (2017) PTSD guidelines.
    assert [a for a, _ in modalities().recommended_for("trauma")] == ["trauma_focused_cbt", "emdr"]


@pytest.mark.parametrize(
    ("approach", "concerns", "answers", "expected"),
    [
        ("cbt", ["trauma"], {}, ("trauma",)),
        ("cbt", ["trauma"], {"cbt_trauma_focus": "yes"}, ()),
        ("emdr", ["trauma"], {}, ()),
        ("cbt", ["depression", "trauma"], {}, ("trauma",)),
        ("person_centred", ["panic"], {}, ("panic",)),
        ("psychodynamic", ["relationships"], {}, ()),
        ("integrative", ["trauma"], {}, ()),
        ("dont_know", ["ocd"], {}, ()),
        ("cbt", ["grief", "stress"], {}, ()),
        ("psychodynamic", ["adhd"], {}, ()),
    ],
)
def test_it_finds_concerns_the_named_approach_is_not_listed_for(
    approach: str, concerns: list[str], answers: dict[str, str], expected: tuple[str, ...]
) -> None:
    assert modalities().mismatches(approach, concerns, answers) == expected
