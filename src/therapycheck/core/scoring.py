"""The one scoring engine: answers -> total, band, subscales and flags, for every instrument.

Everything instrument-specific (reverse items, WHO-5 x 4, ASRS shaded boxes, PCL-5 clusters,
AUDIT-C cutoffs by sex, safety items) is read from the instrument's data file; this module
only knows the handful of scoring methods the schema allows.

Flags (stable strings other modules rely on):
  "safety"           a safety item (PHQ-9 item 9, CORE-10 item 6) was answered above 0
  "case"             at or past the instrument's clinical cutoff
  "positive_screen"  a screening rule is met (for AUDIT-C without a sex: met for both sexes)
  "positive_screen_if_female" / "positive_screen_if_male"
                     AUDIT-C without a sex, met only under one sex's cutoff
  pattern flags      e.g. "provisional_ptsd_pattern" (PCL-5 DSM-5 symptom pattern)
  "prorated"         some items were skipped and the total was prorated (the instrument's
                     `missing_items` rule)
  "safety_item_skipped"
                     a safety item was skipped: it is never read as 0 ("safe")

Skipped items (None or "skip") give a prorated total only where the instrument's
authors allow it (`missing_items` in its data file); otherwise `score` raises
`IncompleteAnswers`, which keeps the answers given so item-level rules (a safety item
answered above 0) still apply.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from therapycheck.core.instruments import Instrument, get_instrument
from therapycheck.core.instruments.schema import Band, PatternRule, Screen, Sex

__all__ = ["IncompleteAnswers", "Score", "ScoringError", "score"]

_INTEGER = re.compile(r"^[+-]?\d+$")
_SEX_WORDS = {"female": "a woman", "male": "a man"}
# What a skipped questionnaire item looks like in a list of answers.
SKIPPED: tuple[object, ...] = (None, "skip")


class ScoringError(ValueError):
    """Answers that cannot be scored; `item` is the 1-based item at fault, if any."""

    def __init__(self, message: str, item: int | None = None) -> None:
        super().__init__(message)
        self.item = item


class IncompleteAnswers(ScoringError):
    """Too many items skipped for a total; `answers` keeps what was given (None = skipped)."""

    def __init__(self, message: str, answers: tuple[int | None, ...]) -> None:
        super().__init__(message)
        self.answers = answers
        self.missing = tuple(n for n, value in enumerate(answers, start=1) if value is None)


@dataclass(frozen=True)
class Score:
    instrument: Instrument
    total: int
    raw_total: int
    band: Band | None
    subscales: dict[str, float]
    flags: tuple[str, ...]
    # One answer per item, in order; None where the item was skipped.
    answers: tuple[int | None, ...]
    item_scores: tuple[int | None, ...]
    interpretations: list[str] = field(default_factory=list)
    sex: Sex | None = None

    @property
    def missing(self) -> tuple[int, ...]:
        """The (1-based) items that were skipped; the total is then prorated."""
        return tuple(n for n, value in enumerate(self.answers, start=1) if value is None)

    @property
    def is_case(self) -> bool | None:
        return self.instrument.is_case(self.total)

    @property
    def safety_items_endorsed(self) -> tuple[int, ...]:
        return tuple(n for n in self.instrument.safety_items if (self.answers[n - 1] or 0) > 0)

    @property
    def safety_items_skipped(self) -> tuple[int, ...]:
        """Safety items left unanswered: unknown, never "0, safe"."""
        return tuple(n for n in self.instrument.safety_items if self.answers[n - 1] is None)

    def to_dict(self) -> dict[str, Any]:
        """The CLI/API shape: the contract keys first, then extra detail."""
        return {
            "instrument": self.instrument.id,
            "total": self.total,
            "band": self.band.label if self.band is not None else None,
            "subscales": dict(self.subscales),
            "flags": list(self.flags),
            "raw_total": self.raw_total,
            "min": self.instrument.min,
            "max": self.instrument.max,
            "answers": list(self.answers),
            "interpretations": list(self.interpretations),
            "missing_items": list(self.missing),
        }


def score(
    instrument: Instrument | str,
    answers: Sequence[int | str | None],
    *,
    sex: Sex | None = None,
) -> Score:
    """Score one completed questionnaire.

    `answers` holds one answer per item, in item order: the option value (int or a numeric
    string) or the option's label ("yes", "Several days"); None or "skip" for a
    skipped item. Raises ScoringError naming the item when an answer is not a number or out
    of range, and IncompleteAnswers when more items are skipped than the instrument's
    `missing_items` rule allows (any skipped item, for an instrument without that rule).
    """
    inst = get_instrument(instrument) if isinstance(instrument, str) else instrument
    if sex is not None and sex not in _SEX_WORDS:
        raise ScoringError(f"sex must be 'female' or 'male', got {sex!r}")
    given = _parse_answers(inst, answers)
    missing = tuple(n for n, value in enumerate(given, start=1) if value is None)
    if missing:
        return _prorated(inst, given, missing, sex)
    values = tuple(v for v in given if v is not None)
    item_scores = _item_scores(inst, values)
    if inst.scoring.method == "count_threshold":
        raw_total = _count_reached(inst, values)
    else:
        raw_total = sum(item_scores)
    total = raw_total * inst.scoring.multiplier
    subscales: dict[str, float] = {
        s.id: sum(item_scores[n - 1] for n in s.items) for s in inst.subscales
    }
    endorsed = tuple(n for n in inst.safety_items if values[n - 1] > 0)
    patterns = [p for p in inst.patterns if _pattern_met(inst, p, values)]
    screens = _screen_results(inst, total, sex)
    return Score(
        instrument=inst,
        total=total,
        raw_total=raw_total,
        band=inst.band_for(total),
        subscales=subscales,
        flags=_flags(inst, total, screens, endorsed, patterns),
        answers=values,
        item_scores=item_scores,
        interpretations=_interpretations(inst, total, screens, endorsed, patterns),
        sex=sex,
    )


def _prorated(
    inst: Instrument, given: tuple[int | None, ...], missing: tuple[int, ...], sex: Sex | None
) -> Score:
    """A total from some skipped items, exactly as far as the instrument's authors allow."""
    rule = inst.missing_items
    if rule is None:
        raise IncompleteAnswers(
            f"{inst.short_name}: {_items_words(missing)} skipped. A total needs every question "
            "answered (we know of no checked rule from its authors for scoring with gaps), "
            "so there is no total.",
            given,
        )
    if len(missing) > rule.prorate_up_to:
        raise IncompleteAnswers(
            f"{inst.short_name}: {_items_words(missing)} skipped. A total is only possible "
            f"with at most {rule.prorate_up_to} skipped, so there is no total.",
            given,
        )
    answered = [(n, v) for n, v in enumerate(given, start=1) if v is not None]
    scores = dict(zip((n for n, _ in answered), _item_scores_of(inst, answered), strict=True))
    count, size = len(answered), len(given)
    # sum x size / answered, rounded to the nearest whole number, halves up (integers only).
    raw_total = (2 * sum(scores.values()) * size + count) // (2 * count)
    total = raw_total * inst.scoring.multiplier
    endorsed = tuple(n for n in inst.safety_items if (given[n - 1] or 0) > 0)
    skipped_safety = tuple(n for n in inst.safety_items if given[n - 1] is None)
    screens = _screen_results(inst, total, sex)
    flags = [*_flags(inst, total, screens, endorsed, []), "prorated"]
    lines = _interpretations(inst, total, screens, endorsed, [])
    lines.insert(
        1,
        f"You skipped {_items_words(missing)}, so this score is an estimate from the "
        f"questions you answered. {rule.rule}",
    )
    if skipped_safety:
        flags.append("safety_item_skipped")
        lines.insert(2, safety_skipped_text(skipped_safety))
    return Score(
        instrument=inst,
        total=total,
        raw_total=raw_total,
        band=inst.band_for(total),
        subscales={},
        flags=tuple(flags),
        answers=given,
        item_scores=tuple(scores.get(n) for n in range(1, size + 1)),
        interpretations=lines,
        sex=sex,
    )


_SAFETY_SKIPPED = (
    "You skipped {items}, which asks about your safety. A skipped answer does not tell us "
    "you are safe. If you have had thoughts of being better off dead or of hurting "
    "yourself, please contact a crisis line now (see where to get help) and tell a doctor "
    "or another professional you trust."
)
# Not "your therapist": the person may have described that therapist's misconduct, and
# this sentence is shown without knowing (core.safety's rule for crisis steps).


def safety_skipped_text(numbers: tuple[int, ...]) -> str:
    """What a skipped safety item means, for any page that shows a questionnaire."""
    return _SAFETY_SKIPPED.format(items=_items_words(numbers))


def _items_words(numbers: tuple[int, ...]) -> str:
    listed = ", ".join(str(n) for n in numbers)
    return f"item {listed}" if len(numbers) == 1 else f"items {listed}"


def _item_scores_of(inst: Instrument, answered: list[tuple[int, int]]) -> list[int]:
    scores = []
    for number, value in answered:
        if number in inst.scoring.reverse_items:
            low, high = inst.item_range(number)
            value = low + high - value
        scores.append(value)
    return scores


# --- parsing ---------------------------------------------------------------------------


def _parse_answers(inst: Instrument, answers: Sequence[int | str | None]) -> tuple[int | None, ...]:
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        raise ScoringError(f"{inst.short_name} answers must be a list of {len(inst.items)} values")
    if len(answers) != len(inst.items):
        raise ScoringError(f"{inst.short_name} needs {len(inst.items)} answers, got {len(answers)}")
    return tuple(
        None if raw in SKIPPED else _parse_one(inst, number, raw)
        for number, raw in enumerate(answers, start=1)
    )


def _parse_one(inst: Instrument, number: int, raw: object) -> int:
    value = _as_int(inst, number, raw)
    if value is None:
        raise ScoringError(
            f"{inst.short_name} item {number}: {_show(raw)} is not a number", item=number
        )
    if value not in inst.item_labels[number - 1]:  # the item's option values
        low, high = inst.item_range(number)
        raise ScoringError(
            f"{inst.short_name} item {number}: {value} is out of range ({low}-{high})",
            item=number,
        )
    return value


def _as_int(inst: Instrument, number: int, raw: object) -> int | None:
    # bool is an int subclass; True/False as an answer is almost surely a caller bug.
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    if isinstance(raw, str):
        text = raw.strip()
        if _INTEGER.match(text):
            return int(text)
        for option in inst.item_options(number):
            if option.label.casefold() == text.casefold():
                return option.value
    return None


def _show(raw: object) -> str:
    text = repr(raw) if isinstance(raw, str) else str(raw)
    return text if len(text) <= 40 else text[:37] + "..."


# --- totals and rules ---------------------------------------------------------------------


def _item_scores(inst: Instrument, values: tuple[int, ...]) -> tuple[int, ...]:
    """Each item's contribution: reversed items count from the other end of their range."""
    return tuple(_item_scores_of(inst, list(enumerate(values, start=1))))


def _count_reached(inst: Instrument, values: tuple[int, ...]) -> int:
    """`count_threshold` scoring: how many answers reach their item's threshold."""
    thresholds = inst.scoring.item_thresholds
    return sum(1 for number, value in enumerate(values, start=1) if value >= thresholds[number])


def _pattern_met(inst: Instrument, pattern: PatternRule, values: tuple[int, ...]) -> bool:
    """Every subscale the pattern names has enough items answered at its threshold."""
    for subscale_id, needed in pattern.min_items.items():
        items = inst.subscale(subscale_id).items
        reached = sum(1 for n in items if values[n - 1] >= pattern.item_at_or_above)
        if reached < needed:
            return False
    return True


def _screen_results(inst: Instrument, total: int, sex: Sex | None) -> list[tuple[Screen, bool]]:
    """Each applicable screen with its result; without a sex, every sex-specific screen."""
    chosen = [s for s in inst.screens if s.sex is None or sex is None or s.sex == sex]
    return [(screen, screen.is_positive(total)) for screen in chosen]


def _flags(
    inst: Instrument,
    total: int,
    screens: list[tuple[Screen, bool]],
    endorsed: tuple[int, ...],
    patterns: list[PatternRule],
) -> tuple[str, ...]:
    flags: list[str] = ["safety"] if endorsed else []
    if inst.is_case(total):
        flags.append("case")
    if screens and all(positive for _, positive in screens):
        flags.append("positive_screen")
    elif any(positive for _, positive in screens):
        # Only reachable for sex-specific screens scored without a sex (AUDIT-C).
        flags.extend(f"positive_screen_if_{s.sex}" for s, positive in screens if positive)
    flags.extend(pattern.flag for pattern in patterns)
    return tuple(flags)


# --- plain-language interpretations ----------------------------------------------------


def _interpretations(
    inst: Instrument,
    total: int,
    screens: list[tuple[Screen, bool]],
    endorsed: tuple[int, ...],
    patterns: list[PatternRule],
) -> list[str]:
    lines = [_total_line(inst, total, inst.band_for(total))]
    if endorsed:
        items = ", ".join(str(n) for n in endorsed)
        lines.append(
            f"Item {items} was answered above zero. This item is about your safety, "
            "so please look at the crisis support shown with this result."
        )
    if inst.caseness is not None and inst.is_case(total):
        lines.append(f"This score is {inst.caseness.label}.")
    lines.extend(_screen_line(total, screen, positive) for screen, positive in screens)
    lines.extend(
        f"The answers match {p.label}. This is not a diagnosis; a clinician can assess it."
        for p in patterns
    )
    return lines


def _total_line(inst: Instrument, total: int, band: Band | None) -> str:
    direction = "higher is better" if inst.higher_is_better else "lower is better"
    line = f"Your {inst.short_name} score is {total} out of {inst.max} ({direction})"
    return f"{line}: {band.label}." if band is not None else f"{line}."


def _screen_line(total: int, screen: Screen, positive: bool) -> str:
    if screen.at_or_above is not None:
        rule = f"{_num(screen.at_or_above)} or more"
    else:
        assert screen.at_or_below is not None
        rule = f"{_num(screen.at_or_below)} or less"
    who = f"For {_SEX_WORDS[screen.sex]}, a" if screen.sex is not None else "A"
    verdict = "positive" if positive else "not positive"
    line = f"{who} score of {rule} is {screen.label}; {total} is {verdict}."
    if positive and screen.advice:
        line = f"{line} {screen.advice}"
    return line


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
