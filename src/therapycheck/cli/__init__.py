"""The `therapycheck` command: a thin Typer shell over core/, analytics/ and web/.

Each concept has its own module that adds its commands to the one app. Every command
that reports takes `--format json` and then prints exactly one JSON document on stdout;
errors are one line on stderr with exit code 2 (see DESIGN.md, contract — CLI).
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="therapycheck",
    help="Is my therapy working, and if not, what should I do next?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Modules that register commands on `app`. A module that is not there yet is skipped so
# that the CLI keeps working while the project grows.
_COMMAND_MODULES = ("measures", "outcomes", "progress", "checkup", "web", "docs")


def _load_commands() -> None:
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        module.register(app)


_load_commands()


def main() -> None:
    app()
