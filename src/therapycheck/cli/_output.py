"""Shared output helpers for the CLI: the JSON contract and the one-line error rule."""

from __future__ import annotations

import enum
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, NoReturn

import typer

EXIT_USAGE = 2


class Format(enum.StrEnum):
    table = "table"
    json = "json"


class MarkdownFormat(enum.StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


FORMAT_OPTION = typer.Option(Format.table, "--format", "-f", help="table (readable) or json")


def emit_json(document: Any) -> None:
    """Print exactly one JSON document on stdout and nothing else."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str))
    sys.stdout.write("\n")
    sys.stdout.flush()


def error_line(reason: str, code: int = EXIT_USAGE) -> int:
    """Write the CLI's one error line on stderr; returns the exit code to use."""
    one_line = " ".join(str(reason).split())
    sys.stderr.write(f"error: {one_line}\n")
    sys.stderr.flush()
    return code


def fail(reason: str, code: int = EXIT_USAGE) -> NoReturn:
    """One line on stderr, non-zero exit: the CLI's error contract."""
    raise typer.Exit(error_line(reason, code))


def country_option(value: str | None) -> str | None:
    """`--country`, parsed by the one country parser (core.safety); a one-line error if bad.

    A code with no crisis data of its own is kept: it gets the international fallback.
    """
    from therapycheck.core.safety import countries, parse_country

    try:
        return parse_country(value)
    except ValueError:
        known = ", ".join(code for code, _ in countries())
        fail(f"--country {value!r} is not a country code; use a code such as {known}")


def country_from_env() -> str | None:
    """THERAPYCHECK_COUNTRY, parsed as strictly as the web app parses it; None when unset."""
    import os

    from therapycheck.config import ConfigError, parse_country

    raw = os.environ.get("THERAPYCHECK_COUNTRY")
    if raw is None or not raw.strip():
        return None
    try:
        return parse_country(raw)
    except ConfigError as exc:
        fail(str(exc))


@contextmanager
def private_output(path: Path) -> Iterator[IO[bytes]]:
    """Write `path` as a file only this user can read (0600), whatever the umask.

    Every file the CLI writes can hold health data (scores, answers, bad rows with their
    client ids), so none is ever readable by other accounts. An OSError is one line.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    if hasattr(os, "fchmod"):
        os.fchmod(fd, 0o600)  # a file that was already there keeps its mode otherwise
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")


def write_private(path: Path, text: str) -> None:
    """`path.write_text(text)`, as a private file (see `private_output`)."""
    with private_output(path) as handle:
        handle.write(text.encode("utf-8"))
