from dataclasses import dataclass

import pytest

from therapycheck.core._build import build, constructor


@dataclass(frozen=True)
class _Pair:
    left: int
    right: int = 0


def test_it_builds_an_instance_equal_to_the_normal_constructor():
    assert build(_Pair, left=1, right=2) == _Pair(1, 2)


def test_the_instance_stays_frozen():
    pair = build(_Pair, left=1, right=2)
    with pytest.raises(AttributeError):
        pair.left = 3  # type: ignore[misc]


def test_it_refuses_a_missing_field_even_one_with_a_default():
    # A field added later must be set at every fast call site, or fail loudly.
    with pytest.raises(TypeError, match=r"missing fields \['right'\]"):
        build(_Pair, left=1)


def test_it_refuses_an_unknown_field():
    with pytest.raises(TypeError, match=r"unknown fields \['middle'\]"):
        build(_Pair, left=1, right=2, middle=3)


@dataclass(frozen=True)
class _Checked:
    value: int

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ValueError("negative")


def test_a_constructor_builds_an_instance_equal_to_the_normal_constructor():
    new_pair = constructor(_Pair)
    assert new_pair(left=1, right=2) == _Pair(1, 2)
    with pytest.raises(AttributeError):
        new_pair(left=1, right=2).left = 3  # type: ignore[misc]


def test_a_constructor_refuses_a_missing_or_unknown_field_and_positional_values():
    new_pair = constructor(_Pair)
    with pytest.raises(TypeError, match="right"):
        new_pair(left=1)
    with pytest.raises(TypeError, match="middle"):
        new_pair(left=1, right=2, middle=3)
    with pytest.raises(TypeError):
        new_pair(1, 2)


def test_a_constructor_skips_post_init_so_it_is_only_for_checked_values():
    # Documented behaviour: the caller vouches for the values.
    assert constructor(_Checked)(value=-1).value == -1


@dataclass(frozen=True, slots=True)
class _SlottedPair:
    left: int
    right: int = 0


def test_it_fills_a_slotted_class_through_its_slots():
    pair = build(_SlottedPair, left=1, right=2)
    assert pair == _SlottedPair(1, 2)
    assert not hasattr(pair, "__dict__")
    with pytest.raises(AttributeError):
        pair.left = 3  # type: ignore[misc]


def test_it_refuses_a_missing_field_of_a_slotted_class_too():
    with pytest.raises(TypeError, match=r"missing fields \['right'\]"):
        build(_SlottedPair, left=1)


def test_a_constructor_fills_a_slotted_class_through_its_slots():
    new_pair = constructor(_SlottedPair)
    pair = new_pair(left=1, right=2)
    assert pair == _SlottedPair(1, 2)
    assert not hasattr(pair, "__dict__")
    with pytest.raises(TypeError, match="right"):
        new_pair(left=1)
