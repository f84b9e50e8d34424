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
    sd: float | None = None
    reliability: float | None = None
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
    id: str
    name: str
    items: tuple[int, ...]


class Licence(_Strict):
    name: str
    verbatim_items: bool
    notes: str
    source: Source


Transform = Literal["sum", "count_threshold"]
