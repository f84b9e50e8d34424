"""Matching specialists to a person: filters, reasons, shrinkage and the minimum case count."""

from __future__ import annotations

from decimal import Decimal

import pytest

from therapycheck.core.matching import (
    K_PRIOR,
    MIN_CASES,
    Cases,
    Needs,
    Specialist,
    clinic_rates,
    rank,
    shrunk_rate,
)


def spec(id: int, name: str, **kw: object) -> Specialist:
    return Specialist(id=id, name=name, **kw)  # type: ignore[arg-type]


def test_an_approach_with_strong_support_for_the_concern_ranks_first_and_says_why() -> None:
    people = [
        spec(1, "Pat", approaches=("psychodynamic",)),
        spec(2, "Kim", approaches=("cbt",)),
    ]
    ranked = rank(people, Needs(concerns=("anxiety",), labels={"anxiety": "anxiety"}))
    assert [m.specialist_id for m in ranked] == [2, 1]
    assert ranked[0].why[0].startswith("Offers Cognitive behavioural therapy (CBT)")
    assert "strong support for anxiety (your concern)" in ranked[0].why[0]


def test_hard_filters_leave_out_who_is_not_accepting_or_lacks_language_or_format() -> None:
    people = [
        spec(1, "Closed", languages=("es",), format="online", accepting=False),
        spec(2, "English only", languages=("en",), format="online"),
        spec(3, "In person only", languages=("es",), format="in_person"),
        spec(4, "Fits", languages=("es", "en"), format="both"),
    ]
    needs = Needs(language="es", format="online", labels={"es": "Spanish"})
    ranked = rank(people, needs)
    assert [m.specialist_id for m in ranked] == [4]
    assert "Speaks Spanish, as you asked" in ranked[0].why
    assert "Offers online sessions" in ranked[0].why


def test_the_budget_excludes_a_dearer_fee_unless_there_is_a_sliding_scale() -> None:
    people = [
        spec(1, "Cheap", fee=Decimal(60)),
        spec(2, "Dear", fee=Decimal(120)),
        spec(3, "Dear but flexible", fee=Decimal(120), sliding_scale=True),
        spec(4, "Other currency", fee=Decimal(50), currency="EUR"),
        spec(5, "No fee listed"),
    ]
    ranked = rank(people, Needs(budget=Decimal(80)))
    assert sorted(m.specialist_id for m in ranked) == [1, 3]
    by_id = {m.specialist_id: m for m in ranked}
    assert "Fee 60 is within your budget of 80" in by_id[1].why
    assert any("sliding scale" in line for line in by_id[3].why)


def test_a_preferred_approach_and_style_add_reasons() -> None:
    people = [spec(1, "A", approaches=("emdr",)), spec(2, "B", approaches=("psychodynamic",))]
    structure = rank(people, Needs(style="structure"))
    assert structure[0].specialist_id == 1
    assert any("more structure" in line for line in structure[0].why)
    exploring = rank(people, Needs(style="exploring", approach="psychodynamic"))
    assert exploring[0].specialist_id == 2
    assert any("as you asked" in line for line in exploring[0].why)


def test_a_scope_finding_gives_more_weight_to_treating_the_concern() -> None:
    people = [spec(1, "Treats", concerns=("ocd",)), spec(2, "Does not")]
    plain = rank(people, Needs(concerns=("ocd",)))
    scoped = rank(people, Needs(concerns=("ocd",), factors=("therapist_scope",)))
    assert scoped[0].specialist_id == 1
    assert scoped[0].score > plain[0].score
    assert any("outside your current therapist's training" in w for w in scoped[0].why)


def test_a_modality_finding_gives_more_weight_to_approach_fit() -> None:
    people = [spec(1, "CBT", approaches=("cbt",))]
    plain = rank(people, Needs(concerns=("anxiety",)))
    found = rank(people, Needs(concerns=("anxiety",), factors=("modality_fit",)))
    assert found[0].score > plain[0].score


def test_ties_are_broken_by_name_then_id_whatever_the_input_order() -> None:
    people = [spec(3, "bea"), spec(2, "Ann"), spec(1, "Bea")]
    expected = [2, 1, 3]
    assert [m.specialist_id for m in rank(people, Needs())] == expected
    assert [m.specialist_id for m in rank(list(reversed(people)), Needs())] == expected


def test_every_listed_specialist_has_at_least_one_reason() -> None:
    people = [spec(1, "A"), spec(2, "B", approaches=("cbt",), concerns=("anxiety",))]
    for match in rank(people, Needs(concerns=("anxiety",))):
        assert match.why


def test_shrinkage_matches_hand_computed_values() -> None:
    # 8 of 10 improved, clinic average 0.5, k = 10: (8 + 5) / 20 = 0.65.
    assert shrunk_rate(8, 10, 0.5, k=10) == pytest.approx(0.65)
    # 3 of 20 improved, clinic average 0.4, k = 5: (3 + 2) / 25 = 0.2.
    assert shrunk_rate(3, 20, 0.4, k=5) == pytest.approx(0.2)
    # No cases at all: the estimate is the clinic average.
    assert shrunk_rate(0, 0, 0.45) == pytest.approx(0.45)


def test_shrinkage_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError):
        shrunk_rate(5, 4, 0.5)


def test_the_clinic_average_pools_every_specialists_cases_per_concern() -> None:
    outcomes = {
        (1, "anxiety"): Cases(improved=6, cases=10),
        (2, "anxiety"): Cases(improved=1, cases=4),
        (1, "depression"): Cases(improved=2, cases=8),
    }
    assert clinic_rates(outcomes) == {
        "anxiety": pytest.approx(7 / 14),
        "depression": pytest.approx(0.25),
    }


def test_outcomes_above_the_minimum_rank_and_are_shown_with_the_adjusted_rate() -> None:
    people = [spec(1, "Ann"), spec(2, "Bo")]
    outcomes = {
        (1, "anxiety"): Cases(improved=2, cases=MIN_CASES),
        (2, "anxiety"): Cases(improved=8, cases=MIN_CASES),
    }
    ranked = rank(people, Needs(concerns=("anxiety",)), outcomes)
    assert [m.specialist_id for m in ranked] == [2, 1]
    mean = 10 / (2 * MIN_CASES)
    expected = shrunk_rate(8, MIN_CASES, mean, k=K_PRIOR)
    line = next(w for w in ranked[0].why if "reliably improved" in w)
    assert f"8 of {MIN_CASES} clients" in line
    assert f"adjusted estimate {expected:.0%}" in line


def test_outcome_data_below_the_minimum_never_ranks_or_shows() -> None:
    few = MIN_CASES - 1
    # Zed's perfect record is on too few cases: he must rank exactly as Amy, who has no
    # data at all (a tie, broken by name), and nothing about his record may be shown.
    people = [spec(2, "Zed"), spec(1, "Amy")]
    outcomes = {(2, "anxiety"): Cases(improved=few, cases=few)}
    ranked = rank(people, Needs(concerns=("anxiety",)), outcomes)
    assert [m.specialist_id for m in ranked] == [1, 2]
    assert ranked[0].score == ranked[1].score == 0
    assert not any("improved" in line or "clinic" in line for line in ranked[1].why)
    # One more case crosses the minimum, and the same record now ranks him first.
    enough = {(2, "anxiety"): Cases(improved=MIN_CASES, cases=MIN_CASES)}
    enough[(1, "anxiety")] = Cases(improved=0, cases=MIN_CASES)
    assert rank(people, Needs(concerns=("anxiety",)), enough)[0].specialist_id == 2


def test_an_identity_the_specialist_chose_to_state_ranks_them_higher_and_says_so() -> None:
    people = [spec(1, "Ada"), spec(2, "Ben", identities=("woman", "muslim"))]
    needs = Needs(identity_wishes=("muslim",), labels={"muslim": "Muslim"})
    ranked = rank(people, needs)
    assert [m.specialist_id for m in ranked] == [2, 1]
    assert ranked[0].why == ("Describes themself on their profile as Muslim, as you asked",)


def test_an_identity_wish_is_never_a_filter_and_nothing_is_said_of_who_states_nothing() -> None:
    ranked = rank([spec(1, "Ada")], Needs(identity_wishes=("woman",)))
    assert [m.specialist_id for m in ranked] == [1]
    assert not any("profile as" in line for line in ranked[0].why)
