"""`therapycheck docs ...`: print generated documentation pages.

`therapycheck docs instruments` prints docs/instruments.md, generated from the instrument
data files, so the page and the scoring engine can never disagree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from therapycheck.cli._output import MarkdownFormat, emit_json, fail
from therapycheck.cli.measures import instrument_summary
from therapycheck.core.instruments import all_instruments
from therapycheck.core.instruments.markdown import instruments_markdown

docs_app = typer.Typer(
    name="docs",
    help="Print generated documentation pages.",
    no_args_is_help=True,
)


@docs_app.command("instruments")
def instruments_page(
    output_format: Annotated[
        MarkdownFormat,
        typer.Option("--format", "-f", help="markdown (default), table or json"),
    ] = MarkdownFormat.markdown,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the Markdown page to this file, not stdout"),
    ] = None,
) -> None:
    """The instruments page: items, range, bands, cutoffs, reliable change, licence, sources."""
    if output_format is MarkdownFormat.json:
        emit_json([instrument_summary(inst) for inst in all_instruments()])
        return
    page = instruments_markdown()
    if output is None:
        typer.echo(page, nl=False)
        return
    try:
        output.write_text(page, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")


def register(app: typer.Typer) -> None:
    app.add_typer(docs_app, name="docs")
