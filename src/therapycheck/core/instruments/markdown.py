"""Generate docs/instruments.md from the instrument data files (no I/O: returns a string).

The page is generated so that it can never drift from the data the scoring engine uses;
tests/test_docs.py checks that the committed page equals this output.
"""

from __future__ import annotations

from collections.abc import Iterable

from therapycheck.core.instruments import Instrument, all_instruments
from therapycheck.core.instruments.schema import ReliableChange, Source

_HEADER = """# Instruments

This page is generated from the instrument data files in
`src/therapycheck/core/instruments/` by `therapycheck docs instruments`. Do not edit it by
hand: change the data file, then regenerate the page.

Every number below comes with its source. Where an instrument's licence does not clearly
allow its items to be reproduced, therapycheck shows plain-language paraphrases written for
this project instead, and says so. A paraphrased questionnaire is not the validated
original; use the official form when a formal score is needed.

Scores are screening and tracking aids. They never make a diagnosis.
"""


def num(value: float) -> str:
    """12.0 -> "12", 6.749 -> "6.7"."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


class _Refs:
    """Numbers each distinct source of one instrument in order of first use: [1], [2]..."""

    def __init__(self) -> None:
        self.sources: list[Source] = []

    def __call__(self, source: Source) -> str:
        if source not in self.sources:
            self.sources.append(source)
        return f"[{self.sources.index(source) + 1}]"

    def lines(self) -> list[str]:
        listed = []
        for number, source in enumerate(self.sources, start=1):
            link = f" <{source.url}>" if source.url else ""
            listed.append(f"{number}. {source.citation}{link}")
        return ["", "Sources:", "", *listed]


def _summary_table(instruments: Iterable[Instrument]) -> list[str]:
    lines = [
        "| id | instrument | items | range | better | clinical cutoff | reliable change |",
        "|---|---|---|---|---|---|---|",
    ]
    for inst in instruments:
        better = "higher" if inst.higher_is_better else "lower"
        points = inst.reliable_change_points()
        change = num(points) if points is not None else "-"
        lines.append(
            f"| `{inst.id}` | {inst.short_name} | {len(inst.items)} | {inst.min}-{inst.max} "
            f"| {better} | {_cutoff_text(inst) or '-'} | {change} |"
        )
    return lines


def _cutoff_text(inst: Instrument) -> str:
    if inst.caseness is None:
        return ""
    if inst.caseness.at_or_above is not None:
        return f">= {num(inst.caseness.at_or_above)}"
    assert inst.caseness.at_or_below is not None
    return f"<= {num(inst.caseness.at_or_below)}"


def _options_text(inst: Instrument) -> str:
    if inst.options is None:
        low = min(inst.item_range(n)[0] for n in range(1, len(inst.items) + 1))
        high = max(inst.item_range(n)[1] for n in range(1, len(inst.items) + 1))
        return f"each item has its own answer wording, scored {low}-{high}"
    return ", ".join(f"{o.label} = {o.value}" for o in inst.options)


def _scoring_lines(inst: Instrument, cite: _Refs) -> list[str]:
    rule = inst.scoring
    if rule.method == "count_threshold":
        parts = ", ".join(f"item {n} at >= {t}" for n, t in sorted(rule.item_thresholds.items()))
        text = f"count of items at or over their threshold ({parts})"
    else:
        text = "sum of the item answers"
        if rule.reverse_items:
            word = "item" if len(rule.reverse_items) == 1 else "items"
            reversed_items = ", ".join(str(n) for n in rule.reverse_items)
            text += f"; {word} {reversed_items} reverse-scored (low and high answers swap)"
        if rule.multiplier != 1:
            text += f"; raw total {inst.raw_min}-{inst.raw_max} multiplied by {rule.multiplier}"
    return [f"- **Scoring:** {text}. Source: {cite(rule.source)}"]


def _bands_lines(inst: Instrument, cite: _Refs) -> list[str]:
    if not inst.bands:
        return ["- **Bands:** none published; the total is tracked over time."]
    lines = ["- **Bands:**", "", "  | score | band | source |", "  |---|---|---|"]
    for band in inst.bands:
        span = num(band.min) if band.min == band.max else f"{num(band.min)}-{num(band.max)}"
        lines.append(f"  | {span} | {band.label} | {cite(band.source)} |")
    lines.append("")
    return lines


def _rule_lines(inst: Instrument, cite: _Refs) -> list[str]:
    lines = []
    if inst.caseness is not None:
        lines.append(
            f"- **Clinical cutoff:** {_cutoff_text(inst)}, {inst.caseness.label}. "
            f"Source: {cite(inst.caseness.source)}"
        )
    for screen in inst.screens:
        edge = screen.at_or_above if screen.at_or_above is not None else screen.at_or_below
        sign = ">=" if screen.at_or_above is not None else "<="
        who = f" ({screen.sex})" if screen.sex else ""
        lines.append(
            f"- **Screen{who}:** {sign} {num(edge or 0)} is {screen.label}. "
            f"Source: {cite(screen.source)}"
        )
    for pattern in inst.patterns:
        needs = ", ".join(f"{k} >= {v}" for k, v in pattern.min_items.items())
        lines.append(
            f"- **Pattern rule `{pattern.flag}`:** items at >= {pattern.item_at_or_above} count; "
            f"needs {needs}. Source: {cite(pattern.source)}"
        )
    return lines


def _change_text(change: ReliableChange) -> str:
    if change.threshold is not None:
        return f"{num(change.threshold)} points (published threshold)"
    assert change.sd is not None and change.reliability is not None
    return (
        f"{change.points():.2f} points (Jacobson & Truax: 1.96 x sqrt(2) x SD {num(change.sd)} "
        f"x sqrt(1 - {change.reliability:.2f}))"
    )


def _change_lines(inst: Instrument, cite: _Refs) -> list[str]:
    lines = []
    if inst.reliable_change is not None:
        change = inst.reliable_change
        note = f" {change.notes}" if change.notes else ""
        lines.append(
            f"- **Reliable change:** {_change_text(change)}.{note} Source: {cite(change.source)}"
        )
    else:
        lines.append("- **Reliable change:** no published figure is used.")
    if inst.norms is not None:
        n = inst.norms
        lines.append(
            f"- **Norms:** clinical mean {num(n.clinical_mean)} (SD {num(n.clinical_sd)}), "
            f"functional mean {num(n.functional_mean)} (SD {num(n.functional_sd)}). "
            f"Source: {cite(n.source)}"
        )
    return lines


def _other_lines(inst: Instrument, cite: _Refs) -> list[str]:
    lines = []
    for subscale in inst.subscales:
        items = ", ".join(str(n) for n in subscale.items)
        lines.append(
            f"- **Subscale `{subscale.id}`** ({subscale.name}): items {items}. "
            f"Source: {cite(subscale.source)}"
        )
    if inst.safety is not None:
        items = ", ".join(str(n) for n in inst.safety.items)
        lines.append(
            f"- **Safety items:** {items}. {inst.safety.reason} Source: {cite(inst.safety.source)}"
        )
    if inst.loinc is not None:
        lines.append(
            f"- **LOINC:** panel {inst.loinc.panel or '-'}, total {inst.loinc.total or '-'}. "
            f"Source: {cite(inst.loinc.source)}"
        )
    else:
        lines.append("- **LOINC:** none recorded.")
    return lines


def _licence_lines(inst: Instrument, cite: _Refs) -> list[str]:
    licence = inst.licence
    verbatim = "reproduced verbatim" if licence.verbatim_items else "paraphrased, not verbatim"
    return [
        f"- **Licence:** {licence.name}. Items: {verbatim}. {licence.notes} "
        f"Source: {cite(licence.source)}",
        f"- **Citation:** {inst.source.citation} {cite(inst.source)}",
        f"- **Source URL:** <{inst.source.url}>" if inst.source.url else "- **Source URL:** -",
    ]


def instrument_section(inst: Instrument) -> str:
    parent = f" Short form of `{inst.parent}`." if inst.parent else ""
    better = "higher is better" if inst.higher_is_better else "lower is better"
    cite = _Refs()
    lines = [
        f"## {inst.short_name}: {inst.name} (`{inst.id}`)",
        "",
        f"- **Version:** {inst.version}.{parent}",
        f"- **Items:** {len(inst.items)}, about the {inst.timeframe}. "
        f"Answers: {_options_text(inst)}.",
        f"- **Range:** {inst.min}-{inst.max} ({better}).",
        *_scoring_lines(inst, cite),
        *_bands_lines(inst, cite),
        *_rule_lines(inst, cite),
        *_change_lines(inst, cite),
        *_other_lines(inst, cite),
        *_licence_lines(inst, cite),
    ]
    lines += [f"- **Note:** {note}" for note in inst.notes]
    lines += cite.lines()
    return "\n".join(lines) + "\n"


def instruments_markdown(instruments: Iterable[Instrument] | None = None) -> str:
    """The whole docs/instruments.md page."""
    chosen = tuple(instruments) if instruments is not None else all_instruments()
    parts = [_HEADER, "## Summary", "", *_summary_table(chosen), ""]
    page = "\n".join(parts) + "\n"
    return page + "\n".join(instrument_section(inst) for inst in chosen)
