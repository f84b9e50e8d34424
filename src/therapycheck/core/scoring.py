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
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import ge, itemgetter
from typing import Any

from therapycheck.core.instruments import Instrument, get_instrument
from therapycheck.core.instruments.schema import Band, PatternRule, Screen, Sex

__all__ = ["Score", "ScoringError", "score"]

_INTEGER = re.compile(r"^[+-]?\d+$")
_SEX_WORDS = {"female": "a woman", "male": "a man"}


class ScoringError(ValueError):
    """Answers that cannot be scored; `item` is the 1-based item at fault, if any."""

    def __init__(self, message: str, item: int | None = None) -> None:
        super().__init__(message)
        self.item = item


@dataclass(frozen=True)
class Score:
    instrument: Instrument
    total: int
    raw_total: int
    band: Band | None
    subscales: dict[str, float]
    flags: tuple[str, ...]
    answers: tuple[int, ...]
    item_scores: tuple[int, ...]
    interpretations: list[str] = field(default_factory=list)
    sex: Sex | None = None

    @property
    def is_case(self) -> bool | None:
        return self.instrument.is_case(self.total)

    @property
    def safety_items_endorsed(self) -> tuple[int, ...]:
        return tuple(n for n in self.instrument.safety_items if self.answers[n - 1] > 0)

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
        }


def score(
    instrument: Instrument | str,
    answers: Sequence[int | str],
    *,
    sex: Sex | None = None,
) -> Score:
    """Score one completed questionnaire.

    `answers` holds one answer per item, in item order: the option value (int or a numeric
    string) or the option's label ("yes", "Several days"). Raises ScoringError naming the
    item when an answer is missing, not a number or out of range.
    """
    inst = get_instrument(instrument) if isinstance(instrument, str) else instrument
    if sex is not None and sex not in _SEX_WORDS:
        raise ScoringError(f"sex must be 'female' or 'male', got {sex!r}")
    entry = _PLANS.get(id(inst))
    plan = entry[1] if entry is not None and entry[0] is inst else _plan(inst)
    values = tuple(answers) if answers.__class__ is list else None
    # Fast path: plain ints (the exact type, so not True or 2.0) that are option values.
    # Types first: an unhashable answer cannot be looked up in a set of options.
    if values is None or [*map(type, values)] != plan.int_types or not plan.valid(values):
        values = _parse_answers(inst, answers, plan)
    item_scores = _item_scores(plan, values) if plan.reverse else values
    raw_total = sum(item_scores) if plan.thresholds is None else _count_reached(plan, values)
    total = raw_total * plan.multiplier
    facts = plan.totals.get((total, sex)) or _total_facts(inst, total, sex)
    subscales: dict[str, float] = {}
    if plan.has_rules:
        for sid, pick in plan.subscales:
            subscales[sid] = sum(pick(item_scores))
        endorsed: tuple[int, ...] = ()
        for number, index in plan.safety_items:
            if values[index] > 0:
                endorsed = (*endorsed, number)
        met: tuple[int, ...] = ()
        for position, pattern, needs in plan.patterns:
            if _pattern_met(pattern, needs, values, subscales):
                met = (*met, position)
        if endorsed or met:
            # Each (endorsed safety items, met patterns) adds its own flags and lines.
            facts = facts.variants.get((endorsed, met)) or _variant(plan, facts, endorsed, met)
    # Built like `_build.build` (no __init__), from the facts' shared fields and this
    # call's own; `_PER_CALL_FIELDS` and the facts' `fields` together are every field.
    result: Score = _new_object(Score)
    fields = result.__dict__
    fields.update(facts.fields)
    fields["subscales"] = subscales
    fields["answers"] = values
    fields["item_scores"] = item_scores
    fields["interpretations"] = [*facts.notes]
    return result


_new_object = object.__new__
# Set by `score` on every call; the rest are the same for every score with the same facts.
_PER_CALL_FIELDS = frozenset({"subscales", "answers", "item_scores", "interpretations"})
_FACT_FIELDS = frozenset({"instrument", "total", "raw_total", "band", "flags", "sex"})
if {f.name for f in dataclasses.fields(Score)} != _PER_CALL_FIELDS | _FACT_FIELDS:
    raise TypeError("scoring: Score's fields changed; update _PER_CALL_FIELDS/_FACT_FIELDS")

# A picker takes some item values or scores, always as a tuple.
_Pick = Callable[[tuple[int, ...]], tuple[int, ...]]
# (the subscale's item values, items needed, subscale id or None, low sum, high sum)
_Need = tuple[_Pick, int, str | None, int, int]


# --- per-instrument tables (built once per instrument object) --------------------------


@dataclass(frozen=True, eq=False)
class _TotalFacts:
    """What a total alone decides (band, cutoff, screens), with its words, for one sex."""

    band: Band | None
    # "case" and the screen flags, in the order `_flags` lists them.
    flags: tuple[str, ...]
    total_line: str
    # The caseness line and the screen lines, in the order `_interpretations` lists them.
    lines: tuple[str, ...]
    # Every line `_interpretations` gives when no safety item is endorsed and no pattern is met.
    notes: tuple[str, ...]
    # The Score fields this total decides (`_FACT_FIELDS`), flags as in the common case.
    fields: dict[str, Any]
    # (endorsed safety item numbers, met pattern positions) -> these facts with their flags
    # and lines added; filled on first use, at most one entry per subset of the safety
    # items and patterns, so it stays as small as the instrument's rules.
    variants: dict[tuple[tuple[int, ...], tuple[int, ...]], _TotalFacts] = field(
        default_factory=dict
    )


@dataclass(frozen=True, eq=False)
class _Plan:
    """An instrument's scoring rules as plain tuples and sets, read once from its data."""

    # Option values of each item (0-based), for the one-lookup check of an int answer.
    allowed: tuple[frozenset[int], ...]
    # `int` once per item, to check the answers' exact types in one comparison.
    int_types: list[type]
    # Whether plain int answers are all option values.
    valid: Callable[[tuple[int, ...]], bool]
    # (0-based index, lowest + highest option value) of each reversed item.
    reverse: tuple[tuple[int, int], ...]
    # Per-item thresholds (0-based) for `count_threshold`, else None.
    thresholds: tuple[int, ...] | None
    multiplier: int
    # (subscale id, a function picking the subscale's item scores)
    subscales: tuple[tuple[str, _Pick], ...]
    # (position, pattern, one `_Need` per subscale the pattern names)
    patterns: tuple[tuple[int, PatternRule, tuple[_Need, ...]], ...]
    # (1-based number, 0-based index) of each safety item.
    safety_items: tuple[tuple[int, int], ...]
    # Whether there are subscales, safety items or patterns to look at.
    has_rules: bool
    # (total, sex) -> facts, for every achievable total and each sex argument.
    totals: dict[tuple[int, Sex | None], _TotalFacts]


# Keyed by id(); the instrument is kept alongside so the id cannot be reused.
_PLANS: dict[int, tuple[Instrument, _Plan]] = {}
_SEX_ARGUMENTS: tuple[Sex | None, ...] = (None, "female", "male")


def _plan(inst: Instrument) -> _Plan:
    entry = _PLANS.get(id(inst))
    if entry is not None and entry[0] is inst:
        return entry[1]
    if len(_PLANS) > 256:  # only tests build many instruments; keep the table small
        _PLANS.clear()
    plan = _build_plan(inst)
    _PLANS[id(inst)] = (inst, plan)
    return plan


def _build_plan(inst: Instrument) -> _Plan:
    numbers = range(1, len(inst.items) + 1)
    method = inst.scoring.method
    allowed = tuple(frozenset(o.value for o in inst.item_options(n)) for n in numbers)
    return _Plan(
        allowed=allowed,
        int_types=[int] * len(allowed),
        valid=_validator(allowed),
        reverse=tuple(
            (n - 1, sum(inst.item_range(n))) for n in numbers if n in inst.scoring.reverse_items
        ),
        thresholds=(
            tuple(inst.scoring.item_thresholds[n] for n in numbers)
            if method == "count_threshold"
            else None
        ),
        multiplier=inst.scoring.multiplier,
        subscales=tuple((s.id, _picker(s.items)) for s in inst.subscales),
        patterns=tuple(
            (
                position,
                p,
                tuple(_need(inst, p, sid, needed) for sid, needed in p.min_items.items()),
            )
            for position, p in enumerate(inst.patterns)
        ),
        safety_items=tuple((n, n - 1) for n in inst.safety_items),
        has_rules=bool(inst.subscales or inst.safety_items or inst.patterns),
        totals={
            (total, sex): _total_facts(inst, total, sex)
            for total in inst.achievable_totals()
            for sex in _SEX_ARGUMENTS
        },
    )


def _need(inst: Instrument, pattern: PatternRule, sid: str, needed: int) -> _Need:
    """How to check that `needed` items of subscale `sid` reach the pattern's threshold.

    When the subscale's items share one option set and none is reversed (so its score
    is the sum of its answers), its sum bounds the count: a sum above `high` (the most
    n items can add up to with fewer than `needed` at the threshold) means enough items
    reach it, and one below `low` (the least they can add up to with `needed` there)
    means too few do. Only sums in between need counting.
    """
    numbers = inst.subscale(sid).items
    pick = _picker(numbers)
    options = {frozenset(o.value for o in inst.item_options(n)) for n in numbers}
    threshold = pattern.item_at_or_above
    reversed_items = set(numbers) & set(inst.scoring.reverse_items)
    if len(options) != 1 or reversed_items or not 1 <= needed <= len(numbers):
        return (pick, needed, None, 0, 0)
    values = next(iter(options))
    below = [v for v in values if v < threshold]
    at_or_above = [v for v in values if v >= threshold]
    if not below or not at_or_above:
        return (pick, needed, None, 0, 0)
    rest = len(numbers) - needed
    high = (needed - 1) * max(values) + (rest + 1) * max(below)
    low = needed * min(at_or_above) + rest * min(values)
    return (pick, needed, sid, low, high)


def _validator(allowed: tuple[frozenset[int], ...]) -> Callable[[tuple[int, ...]], bool]:
    if len(set(allowed)) == 1:
        # Every item has the same options (all instruments today): one set lookup.
        return allowed[0].issuperset
    return lambda values: all(map(frozenset.__contains__, allowed, values))


def _picker(numbers: Sequence[int]) -> _Pick:
    """A function taking the given 1-based items, as a tuple, in one C-level step."""
    indexes = tuple(n - 1 for n in numbers)
    if len(indexes) == 1 or indexes == tuple(range(indexes[0], indexes[-1] + 1)):
        # A run of neighbouring items (PCL-5 clusters, a single item) is a slice.
        pick: _Pick = itemgetter(slice(indexes[0], indexes[-1] + 1))
    else:
        pick = itemgetter(*indexes)
    return pick


def _total_facts(inst: Instrument, total: int, sex: Sex | None) -> _TotalFacts:
    band = inst.band_for(total)
    screens = _screen_results(inst, total, sex)
    flags: list[str] = []
    if inst.is_case(total):
        flags.append("case")
    if screens and all(positive for _, positive in screens):
        flags.append("positive_screen")
    elif any(positive for _, positive in screens):
        # Only reachable for sex-specific screens scored without a sex (AUDIT-C).
        flags.extend(f"positive_screen_if_{s.sex}" for s, positive in screens if positive)
    lines: list[str] = []
    if inst.caseness is not None and inst.is_case(total):
        lines.append(f"This score is {inst.caseness.label}.")
    lines.extend(_screen_line(total, screen, positive) for screen, positive in screens)
    total_line = _total_line(inst, total, band)
    flag_tuple = tuple(flags)
    fields = {
        "instrument": inst,
        "total": total,
        "raw_total": total // inst.scoring.multiplier,
        "band": band,
        "flags": flag_tuple,
        "sex": sex,
    }
    return _TotalFacts(
        band=band,
        flags=flag_tuple,
        total_line=total_line,
        lines=tuple(lines),
        notes=(total_line, *lines),
        fields=fields,
    )


# --- parsing ---------------------------------------------------------------------------


def _parse_answers(inst: Instrument, answers: Sequence[int | str], plan: _Plan) -> tuple[int, ...]:
    if answers.__class__ is not list and (
        isinstance(answers, str | bytes) or not isinstance(answers, Sequence)
    ):
        raise ScoringError(f"{inst.short_name} answers must be a list of {len(inst.items)} values")
    allowed = plan.allowed
    if len(answers) != len(allowed):
        raise ScoringError(f"{inst.short_name} needs {len(inst.items)} answers, got {len(answers)}")
    # Fast path: plain ints that are option values (bool is excluded by the exact type).
    values: tuple[Any, ...] = tuple(answers)
    for raw, options in zip(values, allowed, strict=True):
        if raw.__class__ is not int or raw not in options:
            break
    else:
        return values
    return tuple(_parse_one(inst, number, raw) for number, raw in enumerate(values, start=1))


def _parse_one(inst: Instrument, number: int, raw: object) -> int:
    where = f"{inst.short_name} item {number}"
    value = _as_int(inst, number, raw)
    if value is None:
        raise ScoringError(f"{where}: {_show(raw)} is not a number", item=number)
    allowed = [option.value for option in inst.item_options(number)]
    if value not in allowed:
        low, high = min(allowed), max(allowed)
        raise ScoringError(f"{where}: {value} is out of range ({low}-{high})", item=number)
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


# --- totals ----------------------------------------------------------------------------


def _item_scores(plan: _Plan, values: tuple[int, ...]) -> tuple[int, ...]:
    scores = list(values)
    for index, low_plus_high in plan.reverse:
        scores[index] = low_plus_high - scores[index]
    return tuple(scores)


def _count_reached(plan: _Plan, values: tuple[int, ...]) -> int:
    """`count_threshold` scoring: how many answers reach their item's threshold."""
    assert plan.thresholds is not None
    # True counts as 1 and the sum of bools is an int.
    return sum(map(ge, values, plan.thresholds))


# --- rules -----------------------------------------------------------------------------


def _pattern_met(
    pattern: PatternRule,
    needs: tuple[_Need, ...],
    values: tuple[int, ...],
    subscales: dict[str, float],
) -> bool:
    counts = pattern.item_at_or_above.__le__
    for pick, needed, subscale, low, high in needs:
        if subscale is not None:
            # The subscale's sum often settles the count without counting (see `_need`).
            subscale_sum = subscales[subscale]
            if subscale_sum > high:
                continue
            if subscale_sum < low:
                return False
        if sum(map(counts, pick(values))) < needed:
            return False
    return True


def _screen_results(inst: Instrument, total: int, sex: Sex | None) -> list[tuple[Screen, bool]]:
    """Each applicable screen with its result; without a sex, every sex-specific screen."""
    chosen = [s for s in inst.screens if s.sex is None or sex is None or s.sex == sex]
    return [(screen, screen.is_positive(total)) for screen in chosen]


def _variant(
    plan: _Plan, facts: _TotalFacts, endorsed: tuple[int, ...], met: tuple[int, ...]
) -> _TotalFacts:
    """The facts with endorsed safety items and met patterns added, kept for reuse."""
    patterns = [plan.patterns[position][1] for position in met]
    flags = _flags(facts, endorsed, patterns)
    variant = _TotalFacts(
        band=facts.band,
        flags=flags,
        total_line=facts.total_line,
        lines=facts.lines,
        notes=tuple(_interpretations(facts, endorsed, patterns)),
        fields={**facts.fields, "flags": flags},
    )
    facts.variants[(endorsed, met)] = variant
    return variant


def _flags(
    facts: _TotalFacts, endorsed: Sequence[int], patterns: Sequence[PatternRule]
) -> tuple[str, ...]:
    flags = ("safety", *facts.flags) if endorsed else facts.flags
    if patterns:
        flags = (*flags, *(pattern.flag for pattern in patterns))
    return flags


# --- plain-language interpretations ----------------------------------------------------


def _interpretations(
    facts: _TotalFacts, endorsed: Sequence[int], patterns: Sequence[PatternRule]
) -> list[str]:
    lines = [facts.total_line]
    if endorsed:
        items = ", ".join(str(n) for n in endorsed)
        lines.append(
            f"Item {items} was answered above zero. This item is about your safety, "
            "so please look at the crisis support shown with this result."
        )
    lines.extend(facts.lines)
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
