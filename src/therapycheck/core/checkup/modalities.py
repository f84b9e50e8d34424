"""The modality map: which approaches fit which problems (`modalities.yaml`).

m = modalities()                       # cached, validated once
m.approaches["emdr"].what              # plain explanation of an approach
m.recommended_for("trauma")            # approaches with strong support, with sources
m.mismatches("cbt", ["trauma"], answers)   # concerns the named approach is not listed for
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from therapycheck.core.citations import check_cited
from therapycheck.core.datafile import load_mapping

# Answers to the `approach` question that never count as a mismatch: a mix of methods, or
# not knowing, says nothing about fit.
NEUTRAL_APPROACHES = frozenset(("integrative", "dont_know"))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Approach(_Strict):
    name: str
    selectable: bool
    what: str = Field(min_length=20)
    session: str = Field(min_length=20)


class ConcernFit(_Strict):
    label: str
    strong: tuple[str, ...]
    also_used: tuple[str, ...] = ()
    note: str
    # Ids of real citations (data/citations.yaml).
    sources: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _cited(self) -> ConcernFit:
        check_cited(self.sources, self.label)
        return self


class Refinement(_Strict):
    approach: str
    question: str
    answer: str
    becomes: str


class _ModalityFile(_Strict):
    version: int
    approaches: dict[str, Approach]
    refinements: tuple[Refinement, ...] = ()
    concerns: dict[str, ConcernFit]

    @model_validator(mode="after")
    def _known_ids(self) -> _ModalityFile:
        for concern, fit in self.concerns.items():
            unknown = [a for a in (*fit.strong, *fit.also_used) if a not in self.approaches]
            if unknown:
                raise ValueError(f"concern {concern}: unknown approaches {unknown}")
        for ref in self.refinements:
            if ref.approach not in self.approaches or ref.becomes not in self.approaches:
                raise ValueError(f"refinement {ref}: unknown approach")
        return self


@dataclass(frozen=True)
class Modalities:
    """The validated map plus the lookups the evaluator and the plan need."""

    approaches: Mapping[str, Approach]
    concerns: Mapping[str, ConcernFit]
    refinements: tuple[Refinement, ...]

    def effective_approach(self, approach: str, answers: Mapping[str, Any]) -> str:
        """The approach that counts, after refinements (CBT that targets trauma, ...)."""
        for ref in self.refinements:
            if ref.approach == approach and answers.get(ref.question) == ref.answer:
                return ref.becomes
        return approach

    def mismatches(
        self, approach: str | None, concerns: Iterable[str], answers: Mapping[str, Any]
    ) -> tuple[str, ...]:
        """Concerns for which the named approach is neither strongly supported nor an option."""
        if approach is None or approach in NEUTRAL_APPROACHES:
            return ()
        effective = self.effective_approach(approach, answers)
        found = []
        for concern in concerns:
            fit = self.concerns.get(concern)
            if fit is None or not fit.strong:
                continue
            if effective not in fit.strong and effective not in fit.also_used:
                found.append(concern)
        return tuple(found)

    def recommended_for(self, concern: str) -> list[tuple[str, Approach]]:
        """(id, approach) pairs with strong support for `concern`, in the data's order."""
        fit = self.concerns.get(concern)
        if fit is None:
            return []
        return [(a, self.approaches[a]) for a in fit.strong]

    def to_dict(self) -> dict[str, Any]:
        return {
            "approaches": {k: v.model_dump() for k, v in self.approaches.items()},
            "concerns": {k: v.model_dump() for k, v in self.concerns.items()},
            "refinements": [r.model_dump() for r in self.refinements],
        }


def load_modalities(data: Mapping[str, Any]) -> Modalities:
    spec = _ModalityFile.model_validate(data)
    return Modalities(spec.approaches, spec.concerns, spec.refinements)


@cache
def modalities() -> Modalities:
    """The modality map, loaded and validated once per process."""
    return load_modalities(load_mapping(__package__ or __name__, "modalities.yaml"))
