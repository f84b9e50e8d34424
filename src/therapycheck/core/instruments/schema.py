"""The schema every instrument data file is validated against on load.

An instrument is data, not code: items, response options, scoring rule, bands, cutoffs,
reliable-change figures, norms, safety items, licence and sources. One scoring engine
(`core.scoring`) reads these; nothing else about an instrument lives in Python.

Public attributes other modules rely on (keep them stable):
  id, name, version, items, min, max, higher_is_better, bands, caseness,
  reliable_change (with `.points()`), norms, safety_items, licence, source, loinc.
"""

from __future__ import annotations

import math
from functools import cached_property
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where a number or an item text comes from."""

    citation: str = Field(min_length=5)
    url: str | None = None


class ResponseOption(_Strict):
    value: int
    label: str


class Item(_Strict):
    number: int = Field(ge=1)
    text: str = Field(min_length=1)
    # None: the instrument's default `options` apply.
    options: tuple[ResponseOption, ...] | None = None


class Band(_Strict):
    """A closed score range [min, max] with a label, on the instrument's reported scale."""

    min: float
    max: float
    label: str
    source: Source


class Caseness(_Strict):
    """The clinical cutoff: `score >= at_or_above` (or `<= at_or_below` when higher is better)."""

    at_or_above: float | None = None
    at_or_below: float | None = None
    label: str
    source: Source


class ReliableChange(_Strict):
    """A published fixed threshold, or SD and reliability for Jacobson & Truax (1991)."""

    threshold: float | None = None
    sd: float | None = Field(default=None, gt=0)
    reliability: float | None = Field(default=None, gt=0, lt=1)
    notes: str | None = None
    source: Source

    @model_validator(mode="after")
    def _one_way(self) -> ReliableChange:
        if self.threshold is None and (self.sd is None or self.reliability is None):
            raise ValueError("reliable_change needs a threshold, or both sd and reliability")
        return self

    def points(self) -> float:
        """Smallest change that counts as reliable, in score points.

        Jacobson & Truax (1991): SE = SD * sqrt(1 - r); S_diff = sqrt(2) * SE; a change
        larger than 1.96 * S_diff is reliable at the 95% level.
        """
        if self.threshold is not None:
            return self.threshold
        assert self.sd is not None and self.reliability is not None
        return 1.96 * math.sqrt(2.0) * self.sd * math.sqrt(1.0 - self.reliability)


class Norms(_Strict):
    """Means and SDs of a clinical and a functional (non-clinical) sample."""

    clinical_mean: float
    clinical_sd: float
    functional_mean: float
    functional_sd: float
    source: Source


class Subscale(_Strict):
    """A named group of items, scored as the sum of their (reversed where due) values."""

    id: str
    name: str
    items: tuple[int, ...] = Field(min_length=1)
    source: Source


class Licence(_Strict):
    name: str
    verbatim_items: bool
    notes: str
    source: Source


Transform = Literal["sum", "count_threshold"]

Sex = Literal["female", "male"]


class Scoring(_Strict):
    """How item answers become a total.

    `sum`: add the item values (after reversing `reverse_items`), then multiply by
    `multiplier` (WHO-5 reports raw x 4 as a 0-100 percentage).
    `count_threshold`: count the items whose answer reaches `item_thresholds[item]`
    (ASRS v1.1 Part A "shaded boxes").
    """

    method: Transform = "sum"
    reverse_items: tuple[int, ...] = ()
    multiplier: int = Field(default=1, ge=1)
    item_thresholds: dict[int, int] = Field(default_factory=dict)
    source: Source


class Screen(_Strict):
    """A screening rule: positive at/over (or at/under) a score, optionally sex-specific."""

    at_or_above: float | None = None
    at_or_below: float | None = None
    sex: Sex | None = None
    # A noun phrase read after "is": "a positive screen for depression".
    label: str
    # Plain-language next step shown when the screen is positive.
    advice: str | None = None
    source: Source

    @model_validator(mode="after")
    def _one_direction(self) -> Screen:
        if (self.at_or_above is None) == (self.at_or_below is None):
            raise ValueError("a screen needs exactly one of at_or_above or at_or_below")
        return self

    def is_positive(self, total: float) -> bool:
        if self.at_or_above is not None:
            return total >= self.at_or_above
        assert self.at_or_below is not None
        return total <= self.at_or_below


class PatternRule(_Strict):
    """A symptom-pattern rule over subscales (the PCL-5 provisional DSM-5 rule).

    An item counts when its answer is at or above `item_at_or_above`; the rule is met when
    every subscale named in `min_items` has at least that many counting items.
    """

    id: str
    flag: str
    label: str
    item_at_or_above: int
    min_items: dict[str, int]
    source: Source


class SafetyItems(_Strict):
    """Items where any answer above zero must trigger the safety response."""

    items: tuple[int, ...] = Field(min_length=1)
    reason: str
    source: Source


class MissingItems(_Strict):
    """What a skipped item does to the total, as the instrument's authors allow.

    Up to `prorate_up_to` items may be skipped: the total is then the sum of the answered
    items x (number of items / number answered), rounded to the nearest whole number
    (halves up). More skipped items: no total. An instrument without this rule has no
    total when any item is skipped. A skipped safety item is never read as 0.
    """

    prorate_up_to: int = Field(ge=1)
    rule: str = Field(min_length=10)
    source: Source


class Loinc(_Strict):
    panel: str | None = None
    total: str | None = None
    source: Source


class Instrument(_Strict):
    """One questionnaire, fully described by its data file."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    short_name: str
    version: str
    instructions: str
    timeframe: str
    items: tuple[Item, ...] = Field(min_length=1)
    options: tuple[ResponseOption, ...] | None = None
    scoring: Scoring
    higher_is_better: bool
    bands: tuple[Band, ...] = ()
    caseness: Caseness | None = None
    screens: tuple[Screen, ...] = ()
    reliable_change: ReliableChange | None = None
    norms: Norms | None = None
    safety: SafetyItems | None = None
    missing_items: MissingItems | None = None
    subscales: tuple[Subscale, ...] = ()
    patterns: tuple[PatternRule, ...] = ()
    parent: str | None = None
    licence: Licence
    source: Source
    loinc: Loinc | None = None
    notes: tuple[str, ...] = ()

    # --- derived values -------------------------------------------------------------

    @property
    def safety_items(self) -> tuple[int, ...]:
        return self.safety.items if self.safety is not None else ()

    @property
    def loinc_panel(self) -> str | None:
        return self.loinc.panel if self.loinc is not None else None

    @property
    def loinc_total(self) -> str | None:
        return self.loinc.total if self.loinc is not None else None

    def item_options(self, number: int) -> tuple[ResponseOption, ...]:
        """The response options of item `number` (1-based)."""
        item = self.items[number - 1]
        options = item.options if item.options is not None else self.options
        assert options is not None  # guaranteed by the validator
        return options

    @cached_property
    def item_labels(self) -> tuple[dict[int, str], ...]:
        """Per item (0-based): option value -> its words, built once per instrument."""
        labels = []
        for number in range(1, len(self.items) + 1):
            words: dict[int, str] = {}
            for option in self.item_options(number):
                words.setdefault(option.value, option.label)  # the first, if one repeats
            labels.append(words)
        return tuple(labels)

    def item_label(self, number: int, value: int | None) -> str:
        """The words of item `number`'s answer `value`; the number itself if no option has it."""
        if value is None:
            return "Skipped"
        return self.item_labels[number - 1].get(value, str(value))

    def item_range(self, number: int) -> tuple[int, int]:
        values = [option.value for option in self.item_options(number)]
        return min(values), max(values)

    @cached_property
    def raw_min(self) -> int:
        if self.scoring.method == "count_threshold":
            return 0
        return sum(self.item_range(n)[0] for n in range(1, len(self.items) + 1))

    @cached_property
    def raw_max(self) -> int:
        if self.scoring.method == "count_threshold":
            return len(self.items)
        return sum(self.item_range(n)[1] for n in range(1, len(self.items) + 1))

    @cached_property
    def min(self) -> int:
        """Lowest possible total on the reported scale (WHO-5: after x 4)."""
        return self.raw_min * self.scoring.multiplier

    @cached_property
    def max(self) -> int:
        """Highest possible total on the reported scale (WHO-5: after x 4)."""
        return self.raw_max * self.scoring.multiplier

    def achievable_totals(self) -> tuple[int, ...]:
        step = self.scoring.multiplier
        return tuple(raw * step for raw in range(self.raw_min, self.raw_max + 1))

    def band_for(self, total: float) -> Band | None:
        """The band a total falls in; None outside the scale or when there are no bands.

        Bands are read as thresholds: a total between two bands (possible for averages,
        or WHO-5 steps of 4) belongs to the lower band, as each band starts at its `min`.
        """
        if not self.bands or total < self.min or total > self.max:
            return None
        found: Band | None = None
        for band in self.bands:
            if band.min <= total:
                found = band
        return found

    def is_case(self, total: float) -> bool | None:
        """At or past the clinical cutoff; None when the instrument has none."""
        if self.caseness is None:
            return None
        if self.caseness.at_or_above is not None:
            return total >= self.caseness.at_or_above
        assert self.caseness.at_or_below is not None
        return total <= self.caseness.at_or_below

    def reliable_change_points(self) -> float | None:
        return self.reliable_change.points() if self.reliable_change is not None else None

    def subscale(self, subscale_id: str) -> Subscale:
        for subscale in self.subscales:
            if subscale.id == subscale_id:
                return subscale
        raise KeyError(subscale_id)

    # --- validation -----------------------------------------------------------------

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        self._check_items()
        self._check_item_references()
        self._check_scoring()
        self._check_bands()
        self._check_cutoffs()
        self._check_patterns()
        return self

    def _check_items(self) -> None:
        numbers = [item.number for item in self.items]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"{self.id}: items must be numbered 1..{len(numbers)} in order")
        for item in self.items:
            options = item.options if item.options is not None else self.options
            if not options:
                raise ValueError(f"{self.id} item {item.number}: no response options")
            values = [option.value for option in options]
            if len(set(values)) != len(values):
                raise ValueError(f"{self.id} item {item.number}: option values repeat")

    def _check_item_references(self) -> None:
        valid = set(range(1, len(self.items) + 1))
        references = {
            "scoring.reverse_items": self.scoring.reverse_items,
            "scoring.item_thresholds": tuple(self.scoring.item_thresholds),
            "safety.items": self.safety_items,
        }
        for subscale in self.subscales:
            references[f"subscale {subscale.id}"] = subscale.items
        for where, numbers in references.items():
            unknown = sorted(set(numbers) - valid)
            if unknown:
                raise ValueError(f"{self.id}: {where} names items that do not exist: {unknown}")

    def _check_scoring(self) -> None:
        if self.scoring.method == "count_threshold":
            if set(self.scoring.item_thresholds) != set(range(1, len(self.items) + 1)):
                raise ValueError(f"{self.id}: count_threshold needs a threshold for every item")
            if self.scoring.multiplier != 1 or self.scoring.reverse_items:
                raise ValueError(f"{self.id}: count_threshold takes no multiplier or reversal")
        elif self.scoring.item_thresholds:
            raise ValueError(f"{self.id}: item_thresholds only apply to count_threshold")
        missing = self.missing_items
        if missing is not None:
            if missing.prorate_up_to >= len(self.items):
                raise ValueError(f"{self.id}: missing_items must leave at least one item")
            # Prorating a total says nothing about subscales or patterns of items.
            if self.scoring.method != "sum" or self.subscales or self.patterns:
                raise ValueError(f"{self.id}: only a plain sum can be prorated")

    def _check_bands(self) -> None:
        if not self.bands:
            return
        edges = [(band.min, band.max) for band in self.bands]
        if edges != sorted(edges) or any(a[1] >= b[0] for a, b in pairwise(edges)):
            raise ValueError(f"{self.id}: bands must be in order and must not overlap")
        if self.bands[0].min != self.min or self.bands[-1].max != self.max:
            raise ValueError(f"{self.id}: bands must span the whole scale {self.min}-{self.max}")
        for total in self.achievable_totals():
            if not any(band.min <= total <= band.max for band in self.bands):
                raise ValueError(f"{self.id}: the total {total} falls in no band")

    def _check_cutoffs(self) -> None:
        if self.caseness is not None:
            above, below = self.caseness.at_or_above, self.caseness.at_or_below
            if (above is None) == (below is None):
                raise ValueError(f"{self.id}: caseness needs one of at_or_above/at_or_below")
            # A clinical cutoff points towards the worse end of the scale.
            if self.higher_is_better != (below is not None):
                raise ValueError(f"{self.id}: caseness direction contradicts higher_is_better")
        sexes = [screen.sex for screen in self.screens]
        if len(set(sexes)) != len(sexes) or (None in sexes and len(sexes) > 1):
            raise ValueError(f"{self.id}: screens: one general rule, or one per sex")

    def _check_patterns(self) -> None:
        known = {subscale.id for subscale in self.subscales}
        for pattern in self.patterns:
            unknown = sorted(set(pattern.min_items) - known)
            if unknown:
                raise ValueError(f"{self.id}: pattern {pattern.id} names unknown subscales")
