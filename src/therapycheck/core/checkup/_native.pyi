"""Types of the compiled check-up fast path (`_native.pyx`)."""

from collections.abc import Callable, Mapping
from typing import Any

from therapycheck.core.checkup.answers import ParsedAnswers
from therapycheck.core.checkup.bank import QuestionBank
from therapycheck.core.checkup.conditions import CondSpec
from therapycheck.core.checkup.modalities import Modalities
from therapycheck.core.checkup.model import Evaluation, Finding
from therapycheck.core.checkup.rules import RuleSet
from therapycheck.core.instruments import Instrument

class GiveUp(Exception): ...
class Cond: ...

class Engine:
    def __init__(
        self,
        rules: RuleSet,
        bank: QuestionBank,
        mods: Modalities,
        facts_fn: Callable[[Mapping[str, Any], Modalities], dict[str, Any]],
        temper: Callable[[list[Finding], RuleSet], list[Finding]],
        instruments: Mapping[str, Instrument],
        factor_keys: Mapping[str, tuple[int, int]],
        unknown_key: tuple[int, int],
    ) -> None: ...
    def evaluate_doc(self, doc: object, country: str | None) -> Evaluation | None: ...
    def evaluate_parsed(self, parsed: ParsedAnswers, country: str | None) -> Evaluation: ...

def compile_cond(
    spec: CondSpec, questions: Mapping[str, Any], refs: Mapping[str, int] | None
) -> Cond: ...
def render_line(
    spec: tuple[str | tuple[Any, ...], ...],
    answers: Mapping[str, Any],
    items: Mapping[str, Any] | None = ...,
    scores: Mapping[str, Any] | None = ...,
    statuses: Mapping[str, Any] | None = ...,
    facts: Mapping[str, Any] | None = ...,
) -> str | None: ...
def test_condition(
    cond: Cond,
    answers: Mapping[str, Any],
    items: Mapping[str, Any] | None = ...,
    scores: Mapping[str, Any] | None = ...,
    statuses: Mapping[str, Any] | None = ...,
    facts: Mapping[str, Any] | None = ...,
) -> bool: ...
