"""`therapycheck instruments` and `therapycheck score`: the instrument registry and scoring.

Both are thin: the registry and the scoring engine live in `therapycheck.core`. When a
safety item is answered above zero, the readable output shows crisis support before the
score, and the JSON output adds a `safety` key next to the contract keys.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from therapycheck.cli._output import (
    FORMAT_OPTION,
    Format,
    country_from_env,
    country_option,
    emit_json,
    fail,
)
from therapycheck.core.instruments import (
    Instrument,
    UnknownInstrument,
    all_instruments,
    get_instrument,
)
from therapycheck.core.scoring import (
    IncompleteAnswers,
    Score,
    ScoringError,
    safety_skipped_text,
    score,
)

if TYPE_CHECKING:
    from therapycheck.core.safety import SafetyResponse

# Shown only if the safety module cannot be loaded: never leave a person without a number.
# It cannot know of a misconduct finding, so it never names the therapist.
_FALLBACK_CRISIS = (
    "Your safety comes first. Some answers say you may be having thoughts of ending your "
    "life or hurting yourself. If you are in danger now, call your local emergency number "
    "(911 in the US and Canada, 999 in the UK, 112 in the EU, 000 in Australia). "
    "In the US or Canada you can call or text 988; in the UK or Ireland call Samaritans "
    "on 116 123. Please reach out today and tell a doctor or someone you trust."
)


class SexOption(enum.StrEnum):
    female = "female"
    male = "male"


def instrument_summary(inst: Instrument) -> dict[str, Any]:
    """One row of `therapycheck instruments --format json` (DESIGN.md contract keys only)."""
    return {
        "id": inst.id,
        "name": inst.name,
        "items": len(inst.items),
        "min": inst.min,
        "max": inst.max,
        "higher_is_better": inst.higher_is_better,
        "licence": inst.licence.name,
        "source": inst.source.url or inst.source.citation,
    }


def instruments_command(output_format: Format = FORMAT_OPTION) -> None:
    """List the questionnaires therapycheck can score."""
    instruments = all_instruments()
    if output_format is Format.json:
        emit_json([instrument_summary(inst) for inst in instruments])
        return
    table = Table(title="Instruments")
    for column in ("id", "name", "items", "range", "better", "licence"):
        table.add_column(column)
    for inst in instruments:
        better = "higher" if inst.higher_is_better else "lower"
        table.add_row(
            inst.id,
            inst.name,
            str(len(inst.items)),
            f"{inst.min}-{inst.max}",
            better,
            inst.licence.name,
        )
    Console().print(table)


def _split_answers(text: str) -> list[str]:
    """ "1,0,2" or "1, 0, 2"; without any comma, "1 0 2" works too."""
    parts = text.split(",") if "," in text else text.split()
    return [part.strip() for part in parts]


def _safety_reasons(inst: Instrument, endorsed: tuple[int, ...]) -> list[str]:
    return [f"{inst.short_name} item {n} was answered above zero." for n in endorsed]


def _misconduct_in_latest_checkup() -> bool:
    """The web app's rule, for the terminal: whether the latest check-up finished with
    `therapycheck checkup` (saved in the data folder as checkup-YYYYMMDD-HHMMSS.json) found
    the therapist's conduct unsafe. Then no crisis step names the therapist. Anything
    unreadable counts as no finding: it must never stop the crisis response."""
    import json
    import os

    from therapycheck import config
    from therapycheck.core.checkup import AnswersError, evaluate
    from therapycheck.core.plan import MISCONDUCT_FACTOR

    try:
        folder = config.parse_data_dir(os.environ.get("THERAPYCHECK_DATA_DIR"))
        saved = sorted(folder.glob("checkup-[0-9]*-[0-9]*.json"))
        if not saved:
            return False
        doc = json.loads(saved[-1].read_text(encoding="utf-8"))
        return MISCONDUCT_FACTOR in evaluate(doc).factors()
    except (config.ConfigError, OSError, ValueError, AnswersError, RecursionError):
        return False


def _crisis_response(
    inst: Instrument, endorsed: tuple[int, ...], country: str | None
) -> SafetyResponse:
    """The crisis response for safety items answered above 0 (raises ImportError when the
    safety module cannot be loaded; the callers then show the fallback)."""
    from therapycheck.core.safety import safety_response

    return safety_response(
        flags=["safety"],
        reasons=_safety_reasons(inst, endorsed),
        country=country,
        misconduct=_misconduct_in_latest_checkup(),
    )


def _safety_document(inst: Instrument, endorsed: tuple[int, ...], country: str | None) -> Any:
    try:
        response = _crisis_response(inst, endorsed, country)
    except ImportError:
        return {"crisis": True, "resources": [], "message": _FALLBACK_CRISIS}
    return response.to_dict()


def _print_safety(
    console: Console, inst: Instrument, endorsed: tuple[int, ...], country: str | None
) -> None:
    try:
        response = _crisis_response(inst, endorsed, country)
    except ImportError:
        console.print(Panel(_FALLBACK_CRISIS, title="Your safety comes first", style="bold"))
        return
    lines = [response.message, ""]
    lines += [f"{n}. {step}" for n, step in enumerate(response.steps, start=1)]
    lines += ["", f"Where to get help ({response.country_name}):"]
    lines += [f"- {resource.line()}" for resource in response.resources]
    console.print(Panel("\n".join(lines), title=response.heading, style="bold"))


def _print_score(console: Console, result: Score) -> None:
    inst = result.instrument
    table = Table(title=f"{inst.short_name}: {inst.name}", show_header=False)
    table.add_column("what")
    table.add_column("value")
    table.add_row("Total", f"{result.total} (range {inst.min}-{inst.max})")
    if result.raw_total != result.total:
        table.add_row("Raw total", str(result.raw_total))
    table.add_row("Band", result.band.label if result.band is not None else "-")
    for subscale in inst.subscales:
        table.add_row(f"  {subscale.name}", str(result.subscales[subscale.id]))
    table.add_row("Flags", ", ".join(result.flags) or "-")
    console.print(table)
    for line in result.interpretations:
        console.print(f"- {line}")


def score_command(
    instrument: Annotated[
        str, typer.Argument(help="Instrument id, e.g. phq9 (see `therapycheck instruments`)")
    ],
    answers: Annotated[
        str, typer.Option("--answers", "-a", help="Comma-separated answers: 1,0,2,...")
    ],
    sex: Annotated[
        SexOption | None, typer.Option("--sex", help="female or male (changes the AUDIT-C cutoff)")
    ] = None,
    country: Annotated[
        str | None,
        typer.Option("--country", help="Country code for crisis resources (THERAPYCHECK_COUNTRY)"),
    ] = None,
    output_format: Format = FORMAT_OPTION,
) -> None:
    """Score one completed questionnaire."""
    country = country_option(country) or country_from_env()
    try:
        result = score(instrument, _split_answers(answers), sex=sex.value if sex else None)
    except IncompleteAnswers as exc:
        _no_total(get_instrument(instrument), exc, country, output_format)
        return
    except (UnknownInstrument, ScoringError) as exc:
        fail(str(exc))
    in_crisis = "safety" in result.flags
    endorsed = result.safety_items_endorsed
    if output_format is Format.json:
        document = result.to_dict()
        if in_crisis:
            document["safety"] = _safety_document(result.instrument, endorsed, country)
        emit_json(document)
        return
    console = Console()
    if in_crisis:
        _print_safety(console, result.instrument, endorsed, country)
    _print_score(console, result)


def _no_total(
    inst: Instrument, exc: IncompleteAnswers, country: str | None, output_format: Format
) -> None:
    """Items skipped, so no total. A safety item answered above 0 still gets the crisis
    response first (safety before scoring); otherwise it is an error, which says what a
    skipped safety item means."""
    endorsed = tuple(n for n in inst.safety_items if (exc.answers[n - 1] or 0) > 0)
    if not endorsed:
        skipped = tuple(n for n in inst.safety_items if exc.answers[n - 1] is None)
        fail(f"{exc} {safety_skipped_text(skipped)}" if skipped else str(exc))
    if output_format is Format.json:
        emit_json(
            {
                "instrument": inst.id,
                "total": None,
                "band": None,
                "subscales": {},
                "flags": ["safety"],
                "raw_total": None,
                "min": inst.min,
                "max": inst.max,
                "answers": list(exc.answers),
                "interpretations": [str(exc)],
                "missing_items": list(exc.missing),
                "safety": _safety_document(inst, endorsed, country),
            }
        )
        return
    console = Console()
    _print_safety(console, inst, endorsed, country)
    console.print(f"- {exc}")


def register(app: typer.Typer) -> None:
    app.command("instruments")(instruments_command)
    app.command("score")(score_command)
