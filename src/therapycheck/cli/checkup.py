"""`therapycheck questions` and `therapycheck checkup`: the check-up from the terminal.

- `questions --format json` prints the question bank.
- `checkup --answers FILE.json` evaluates a saved answers document and prints the report
  (json: the DESIGN.md contract; markdown: the shareable report; table: readable).
- `checkup` with no `--answers` asks the questions one at a time, saving after every
  answer so it is safe to quit and resume. A safety answer shows crisis resources at once.

The safety response always comes first (FACTORS.md principle 1), in every format.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from therapycheck import config
from therapycheck.cli._output import (
    FORMAT_OPTION,
    Format,
    MarkdownFormat,
    country_from_env,
    country_option,
    emit_json,
    fail,
    write_private,
)
from therapycheck.core.checkup.bank import AnswersError, Question, question_bank
from therapycheck.core.checkup.screening import answered_prefix, as_core_measures, items_to_ask
from therapycheck.core.instruments import Instrument, get_instrument
from therapycheck.core.plan import MISCONDUCT_FACTOR, Action, factor_label, when_text
from therapycheck.core.report import (
    CheckupReport,
    checkup_report,
    report_from_evaluation,
    severity_text,
)
from therapycheck.core.safety import SafetyResponse, safety_response

RESUME_NAME = config.CHECKUP_RESUME_FILENAME
STATE_VERSION = 1


# ---------------------------------------------------------------------------- helpers


def data_dir() -> Path:
    """The same data directory as the web app (THERAPYCHECK_DATA_DIR, else the platform's)."""
    try:
        return config.parse_data_dir(os.environ.get("THERAPYCHECK_DATA_DIR"))
    except config.ConfigError as exc:
        fail(str(exc))


def _private_folder(folder: Path) -> None:
    """The data folder as the web app keeps it (0700); a folder named by --resume-file that
    already exists is left as it is."""
    if folder.exists() and folder != data_dir():
        return
    try:
        config.private_dir(folder)
    except config.ConfigError as exc:
        fail(str(exc))


def _read_answers_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"answers file not found: {path}")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read answers file {path}: {exc}")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"answers file {path} is not valid JSON: {exc.msg} (line {exc.lineno})")
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number; nesting too deep
        reason = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        fail(f"answers file {path} cannot be read: {reason}")
    if not isinstance(doc, dict):
        fail(f"answers file {path} must hold a JSON object with an 'answers' key")
    return doc


def _answers_error(exc: AnswersError) -> str:
    return f"invalid answer to question {exc.question_id!r}: {exc.message}"


# ---------------------------------------------------------------------------- rendering


def render_safety(console: Console, safety: SafetyResponse) -> None:
    """The safety response as a panel: heading, message, steps, then the numbers."""
    lines = [safety.message, ""]
    if safety.reasons:
        lines += ["Why we are showing this:", *(f"  - {r}" for r in safety.reasons), ""]
    lines += [f"{n}. {step}" for n, step in enumerate(safety.steps, start=1)]
    if safety.steps:
        lines.append("")
    lines.append(f"Where to get help ({safety.country_name}):")
    lines += [f"  - {r.line()}" for r in safety.resources]
    style = "bold red" if safety.crisis else "cyan"
    console.print(
        Panel("\n".join(lines), title=safety.heading, border_style=style, title_align="left"),
        soft_wrap=False,
    )


def render_report(console: Console, report: CheckupReport) -> None:
    """Readable terminal output, with the safety response first when there is a crisis."""
    if report.crisis:
        render_safety(console, report.plan.safety)
    console.print("[bold]Your therapy check-up[/bold]")
    if report.findings:
        table = Table(title="What we found", show_lines=True, title_justify="left")
        table.add_column("#", justify="right")
        table.add_column("Finding")
        table.add_column("How much", no_wrap=True)
        table.add_column("Why")
        for n, finding in enumerate(report.findings, start=1):
            why = "\n".join(finding.why)
            label = factor_label(finding.factor)
            table.add_row(str(n), label, severity_text(finding.severity), why)
        console.print(table)
    else:
        console.print("Nothing in your answers points to a clear problem.")
    console.print()
    console.print("[bold]What you can do next[/bold]")
    _print_actions(console, report.plan.actions, start=1)
    if report.plan.later_actions:
        console.print("\n[bold]When you're ready[/bold]")
        _print_actions(console, report.plan.later_actions, start=len(report.plan.actions) + 1)
    if report.plan.guide is not None:
        console.print()
        console.print(report.plan.guide.to_text(), highlight=False)
    if report.plan.switching:
        console.print(report.plan.switching.to_markdown(), highlight=False)
    if not report.crisis:
        render_safety(console, report.plan.safety)


def _print_actions(console: Console, actions: tuple[Action, ...], *, start: int) -> None:
    for n, action in enumerate(actions, start=start):
        when = when_text(action.when)
        if action.recheck_on:
            when += f", check again on or after {action.recheck_on.isoformat()}"
        console.print(f"\n[bold]{n}. {action.title}[/bold] ({when})")
        for step in action.steps:
            console.print(f"   - {step}")


def _emit(report: CheckupReport, output: MarkdownFormat) -> None:
    if output is MarkdownFormat.json:
        emit_json(report.to_dict())
    elif output is MarkdownFormat.markdown:
        sys.stdout.write(report.to_markdown())
        sys.stdout.flush()
    else:
        render_report(Console(), report)


# ---------------------------------------------------------------------------- commands


def questions_command(output: Format = FORMAT_OPTION) -> None:
    """Show the check-up's questions (json: the whole question bank)."""
    bank = question_bank()
    if output is Format.json:
        emit_json(bank.to_dict())
        return
    console = Console()
    titles = {s.id: s.title for s in bank.sections}
    table = Table(title="Check-up questions")
    table.add_column("Section")
    table.add_column("Id")
    table.add_column("Question")
    for question in bank.questions:
        table.add_row(titles.get(question.section, question.section), question.id, question.text)
    console.print(table)


def checkup_command(
    answers: Annotated[
        Path | None,
        typer.Option("--answers", "-a", help="A JSON answers file; without it, you answer here."),
    ] = None,
    country: Annotated[
        str | None,
        typer.Option(
            "--country",
            help="ISO country code for crisis resources, e.g. US, GB, AU "
            "(default: the answers file's country, then THERAPYCHECK_COUNTRY).",
        ),
    ] = None,
    output: Annotated[
        MarkdownFormat, typer.Option("--format", "-f", help="table, markdown or json")
    ] = MarkdownFormat.table,
    resume_file: Annotated[
        Path | None,
        typer.Option("--resume-file", help="Where answers are saved as you go, to resume later."),
    ] = None,
    restart: Annotated[
        bool, typer.Option("--restart", help="Forget saved answers and start over.")
    ] = False,
) -> None:
    """Run the check-up: is my therapy working, and what could I do next?"""
    code = country_option(country)
    # The person's explicit choice, then the answers file, then the machine's setting.
    env_country = country_from_env()
    if answers is not None:
        doc = _read_answers_file(answers)
        try:
            report = checkup_report(
                doc, country=code or (None if doc.get("country") else env_country)
            )
        except AnswersError as exc:
            fail(_answers_error(exc))
        _emit(report, output)
        return
    path = resume_file or data_dir() / RESUME_NAME
    Interview(
        path=path, country=code, default_country=env_country, output=output, restart=restart
    ).run()


def register(app: typer.Typer) -> None:
    app.command("questions")(questions_command)
    app.command("checkup")(checkup_command)


# ---------------------------------------------------------------------------- interview


@dataclass(frozen=True)
class Step:
    """One prompt: a bank question, or one item of a questionnaire."""

    key: str
    question: Question | None = None
    instrument: Instrument | None = None
    item: int = 0


class _Quit(Exception):
    """The person typed q (or input ended): save and stop."""


class Interview:
    """The interactive check-up: one question at a time, saved after every answer."""

    def __init__(
        self,
        *,
        path: Path,
        country: str | None,
        output: MarkdownFormat,
        restart: bool,
        default_country: str | None = None,
    ):
        self.path = path
        self.output = output
        # In json mode the prompts go to stderr so stdout holds only the JSON document.
        self.ui = Console(stderr=output is MarkdownFormat.json, highlight=False)
        self.bank = question_bank()
        self.titles = {s.id: s.title for s in self.bank.sections}
        self.state = self._fresh(country) if restart else self._load(country)
        if country:
            self.state["country"] = country
        elif not self.state.get("country") and default_country:
            self.state["country"] = default_country

    # --- state ---

    def _fresh(self, country: str | None) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "country": country,
            "answers": {},
            "measures": {},
            "skipped_measures": [],
            "safety_shown": False,
        }

    def _load(self, country: str | None) -> dict[str, Any]:
        if not self.path.exists():
            return self._fresh(country)
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            fail(f"cannot read saved answers {self.path}: {exc}; use --restart to start over")
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            fail(f"saved answers {self.path} are from another version; use --restart")
        return {**self._fresh(country), **state}

    def save(self) -> None:
        _private_folder(self.path.parent)
        tmp = self.path.with_name(self.path.name + ".tmp")
        write_private(tmp, json.dumps(self.state, indent=2))
        tmp.replace(self.path)

    @property
    def answers(self) -> dict[str, Any]:
        return self.state["answers"]  # type: ignore[no-any-return]

    @property
    def measures(self) -> dict[str, list[int | str | None]]:
        """Item answers per questionnaire: a value, "skip" (prefer not to say), or None
        for an item not reached yet."""
        return self.state["measures"]  # type: ignore[no-any-return]

    def given(self) -> dict[str, Any]:
        return {k: v for k, v in self.answers.items() if v is not None and v != "skip"}

    def document(self) -> dict[str, Any]:
        """The answers document for the evaluator: questionnaires with every item answered
        or skipped (the core scores a skipped item as far as the instrument's authors allow,
        and never reads a skipped safety item as 0)."""
        visible = {q.id for q in self.bank.visible(self.given())}
        complete = {}
        for inst, values in self.measures.items():
            # A PHQ-9 or GAD-7 that stopped at its negative two-item screen is complete.
            asked = list(values)[: items_to_ask(inst, answered_prefix(values))]
            if asked and all(v is not None for v in asked):
                complete[inst] = asked
        doc: dict[str, Any] = {
            "answers": {k: v for k, v in self.answers.items() if k in visible},
            "measures": as_core_measures(complete),
        }
        if self.state.get("country"):
            doc["country"] = self.state["country"]
        return doc

    # --- steps ---

    def steps(self) -> list[Step]:
        given = self.given()
        steps = [Step(key=f"q:{q.id}", question=q) for q in self.bank.visible(given)]
        skipped = set(self.state["skipped_measures"])
        for instrument_id in self.bank.measures_offered(given):
            if instrument_id in skipped:
                continue
            inst = get_instrument(instrument_id)
            # PHQ-9 and GAD-7 start with their two-item screens, as on the web.
            asked = items_to_ask(inst.id, answered_prefix(self.measures.get(inst.id) or []))
            steps += [
                Step(key=f"m:{inst.id}:{item.number}", instrument=inst, item=item.number)
                for item in inst.items[:asked]
            ]
        return steps

    def current(self, step: Step) -> Any:
        if step.question is not None:
            return self.answers.get(step.question.id)
        assert step.instrument is not None
        values = self.measures.get(step.instrument.id) or []
        return values[step.item - 1] if step.item <= len(values) else None

    def _first_open(self, steps: list[Step]) -> int:
        for index, step in enumerate(steps):
            if self.current(step) is None:
                return index
        return len(steps)

    # --- the loop ---

    def run(self) -> None:
        self._welcome()
        steps = self.steps()
        cursor = self._first_open(steps)
        try:
            while cursor < len(steps):
                cursor = self._ask(steps, cursor)
                steps = self.steps()
        except _Quit:
            self.save()
            self.ui.print(
                f"\nSaved your answers in {self.path}. Run [bold]therapycheck checkup[/bold] "
                "again to pick up where you left off."
            )
            return
        self._finish()

    def _welcome(self) -> None:
        started = bool(self.answers or self.measures)
        self.ui.print("[bold]Therapy check-up[/bold]")
        if started:
            self.ui.print("Welcome back. We will continue where you stopped.")
        self.ui.print(
            "Type the number of your answer and press Enter. "
            "s = skip (prefer not to say), b = back, q = save and quit.\n"
        )

    def _ask(self, steps: list[Step], cursor: int) -> int:
        """Ask one step; return the next cursor position."""
        step = steps[cursor]
        self._show(step, cursor, len(steps))
        while True:
            try:
                raw = self.ui.input("> ").strip()
            except (EOFError, KeyboardInterrupt):
                raise _Quit() from None
            command = raw.lower()
            if command == "q":
                raise _Quit()
            if command == "b":
                return max(cursor - 1, 0)
            if command == "" and self.current(step) is not None:
                return cursor + 1
            if command == "s":
                self._skip(step)
                return self._after(step)
            value, error = self._parse(step, raw)
            if error:
                self.ui.print(f"[yellow]{error}[/yellow]")
                continue
            self._record(step, value)
            return self._after(step)

    def _after(self, step: Step) -> int:
        """Save, check safety, and move to the step after this one."""
        self.save()
        self._check_safety(step)
        steps = self.steps()
        keys = [s.key for s in steps]
        if step.key in keys:
            return keys.index(step.key) + 1
        return self._first_open(steps)

    def _show(self, step: Step, cursor: int, total: int) -> None:
        if step.question is not None:
            q = step.question
            section = self.titles.get(q.section, q.section)
            self.ui.print(f"\n[dim]Question {cursor + 1} of {total} · {section}[/dim]")
            self.ui.print(f"[bold]{q.text}[/bold]")
            if q.help:
                self.ui.print(f"[dim]{q.help}[/dim]")
            self._show_options(q)
        else:
            inst = step.instrument
            assert inst is not None
            item = inst.items[step.item - 1]
            self.ui.print(f"\n[dim]Question {cursor + 1} of {total} · {inst.name}[/dim]")
            if step.item == 1:
                self.ui.print(f"[dim]{inst.instructions}[/dim]")
            self.ui.print(f"[bold]{step.item}. {item.text}[/bold]")
            for option in item.options or inst.options or ():
                self.ui.print(f"  {option.value}) {option.label}")
        existing = self.current(step)
        if existing is not None:
            shown = "skipped" if existing == "skip" else self._label(step, existing)
            self.ui.print(f"[dim]Your answer: {shown}. Press Enter to keep it.[/dim]")

    def _show_options(self, q: Question) -> None:
        if q.type == "number":
            self.ui.print(f"  A whole number from {q.min} to {q.max}.")
            return
        for n, option in enumerate(q.options, start=1):
            self.ui.print(f"  {n}) {option.label}")
        if q.type == "multi":
            self.ui.print("  Choose one or more, separated by commas (for example 1,3).")

    def _label(self, step: Step, value: Any) -> str:
        if step.question is not None:
            return step.question.label(value)
        assert step.instrument is not None
        item = step.instrument.items[step.item - 1]
        for option in item.options or step.instrument.options or ():
            if option.value == value:
                return option.label
        return str(value)

    # --- answers ---

    def _parse(self, step: Step, raw: str) -> tuple[Any, str | None]:
        if step.question is None:
            return self._parse_item(step, raw)
        q = step.question
        try:
            value = _question_value(q, raw)
            return self.bank.checkers[q.id](value), None
        except AnswersError as exc:
            return None, exc.message[:1].upper() + exc.message[1:]
        except ValueError as exc:
            return None, str(exc)

    def _parse_item(self, step: Step, raw: str) -> tuple[Any, str | None]:
        inst = step.instrument
        assert inst is not None
        options = inst.items[step.item - 1].options or inst.options or ()
        values = [o.value for o in options]
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value not in values:
            return None, f"Please type one of {', '.join(str(v) for v in values)}."
        return value, None

    def _record(self, step: Step, value: Any) -> None:
        if step.question is not None:
            self.answers[step.question.id] = list(value) if isinstance(value, tuple) else value
            return
        assert step.instrument is not None
        values = self.measures.setdefault(step.instrument.id, [None] * len(step.instrument.items))
        values[step.item - 1] = value

    def _skip(self, step: Step) -> None:
        if step.question is not None:
            self.answers[step.question.id] = "skip"
            return
        # One item at a time (issue 14): the core decides what a skipped item does to the
        # total (prorated where the authors allow, else no total), never the interview.
        self._record(step, "skip")

    # --- safety, at once ---

    def _check_safety(self, step: Step) -> None:
        """Show crisis resources as soon as a safety answer is given, then carry on."""
        safety = self._safety_now(step)
        if safety is None or not safety.crisis or self.state.get("safety_shown"):
            return
        self.state["safety_shown"] = True
        self.save()
        self.ui.print()
        render_safety(self.ui, safety)
        self.ui.print("[dim]When you are ready, the check-up continues below.[/dim]")

    def _safety_now(self, step: Step) -> SafetyResponse | None:
        country = self.state.get("country")
        if step.instrument is not None:
            value = self.current(step)
            if step.item in step.instrument.safety_items and isinstance(value, int) and value > 0:
                misconduct = self._misconduct_so_far()
                return safety_response(flags=["safety"], country=country, misconduct=misconduct)
            return None
        assert step.question is not None
        if "safety_crisis" not in step.question.factors:
            return None
        # The evaluator decides which answers mean acute risk; ask it on what we have.
        from therapycheck.core.checkup import evaluate

        try:
            evaluation = evaluate(self.document())
        except AnswersError:
            return None
        misconduct = MISCONDUCT_FACTOR in evaluation.factors()
        return safety_response(
            reasons=evaluation.safety_reasons, country=country, misconduct=misconduct
        )

    def _misconduct_so_far(self) -> bool:
        """Whether the answers so far describe the therapist's misconduct: then no crisis
        step sends the person back to that therapist (the questionnaires come after the
        boundaries section, so a risk answer there must know)."""
        from therapycheck.core.checkup import evaluate

        try:
            evaluation = evaluate({**self.document(), "measures": {}})
        except AnswersError:
            return False
        return MISCONDUCT_FACTOR in evaluation.factors()

    # --- the end ---

    def _finish(self) -> None:
        from therapycheck.core.checkup import evaluate

        doc = self.document()
        try:
            evaluation = evaluate(doc)
        except AnswersError as exc:
            self.save()
            fail(_answers_error(exc))
        saved = self._archive(doc)
        report = report_from_evaluation(evaluation, country=self.state.get("country"))
        if self.output is MarkdownFormat.table:
            self.ui.print()
            render_report(self.ui, report)
        else:
            _emit(report, self.output)
        self.ui.print(
            f"\nYour answers are saved in {saved}. To see this report again: "
            f"therapycheck checkup --answers {saved}"
        )

    def _archive(self, doc: Mapping[str, Any]) -> Path:
        """Keep the finished answers as a normal answers file; clear the resume file."""
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        target = self.path.parent / f"checkup-{stamp}.json"
        _private_folder(target.parent)
        write_private(target, json.dumps(doc, indent=2))
        self.path.unlink(missing_ok=True)
        return target


def _question_value(q: Question, raw: str) -> Any:
    """What the person typed -> an answer value for the bank's checker."""
    if q.type == "number":
        try:
            return int(raw)
        except ValueError:
            raise ValueError("Please type a whole number.") from None
    if q.type == "multi":
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        if not parts:
            raise ValueError("Please choose at least one option, or type s to skip.")
        return [_option_id(q, p) for p in parts]
    return _option_id(q, raw)


def _option_id(q: Question, raw: str) -> Any:
    """An option by its number in the list, its id, or (yes/no) its first letter."""
    if raw.isdigit() and 1 <= int(raw) <= len(q.options):
        return q.options[int(raw) - 1].id
    lowered = raw.lower()
    for option in q.options:
        if str(option.id).lower() == lowered or option.label.lower() == lowered:
            return option.id
    if q.type == "yes_no" and lowered in ("y", "n"):
        return "yes" if lowered == "y" else "no"
    raise ValueError(f"Please type a number from 1 to {len(q.options)}.")
