"""Short screens inside the full check-up: PHQ-9 and GAD-7 start with their first two items.

The PHQ-2 and GAD-2 are the first two items of the PHQ-9 and GAD-7 (Kroenke et al. 2003;
Kroenke et al. 2007, cited in their instrument files). When the short screen is below its
own cut-off, the rest of the questionnaire is not asked; when it is positive, it is. Which
screen belongs to which questionnaire comes from the quick check's data (questions.yaml
`quick.measures`), so the web wizard and the terminal check-up ask the same items.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from therapycheck.core.checkup.bank import question_bank
from therapycheck.core.instruments import UnknownInstrument, get_instrument
from therapycheck.core.scoring import score


def screen_size(instrument_id: str) -> int | None:
    """How many first items make up this questionnaire's short screen (PHQ-9: 2), if any."""
    for m in question_bank().quick.measures:
        if m.full == instrument_id:
            return len(get_instrument(m.screen).items)
    return None


def screen_positive(instrument_id: str, answers: Sequence[object]) -> bool:
    """The short screen's own cut-off; a skipped item adds nothing. True when there is no
    screen (the whole questionnaire is asked)."""
    for m in question_bank().quick.measures:
        if m.full == instrument_id:
            size = len(get_instrument(m.screen).items)
            known = [v if isinstance(v, int) else 0 for v in answers[:size]]
            return len(known) == size and "positive_screen" in score(m.screen, known).flags
    return True


def items_to_ask(instrument_id: str, stored: Sequence[object] | None) -> int:
    """How many items of this questionnaire to ask, given the answers stored so far."""
    total = len(get_instrument(instrument_id).items)
    size = screen_size(instrument_id)
    if size is None:
        return total
    answers = list(stored or ())
    if len(answers) < size:
        return size
    if len(answers) == size and not screen_positive(instrument_id, answers):
        return size
    return total


def answered_prefix(values: Sequence[object]) -> list[object]:
    """The answers up to the last one given (items not reached yet are None at the end)."""
    answered = list(values)
    while answered and answered[-1] is None:
        answered.pop()
    return answered


def as_core_measures(stored: Mapping[str, Any]) -> dict[str, Any]:
    """Stored questionnaires as the core reads them.

    A list shorter than its questionnaire stopped at its short screen: when it is exactly
    the screen's items (PHQ-9's first two are the PHQ-2) the screen is scored; otherwise
    the missing items count as not answered (never as 0).
    """
    screens = {m.full: m.screen for m in question_bank().quick.measures}
    measures: dict[str, Any] = {}
    for instrument_id, answers in stored.items():
        try:
            size = len(get_instrument(instrument_id).items)
        except UnknownInstrument:
            measures[instrument_id] = answers  # the core names the problem
            continue
        if not isinstance(answers, list) or len(answers) >= size:
            measures[instrument_id] = answers
            continue
        screen = screens.get(instrument_id)
        if screen is not None and len(answers) == len(get_instrument(screen).items):
            measures[screen] = answers
        else:
            measures[instrument_id] = [*answers, *([None] * (size - len(answers)))]
    return measures
