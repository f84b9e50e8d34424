"""The `therapycheck` command: a thin Typer shell over core/, analytics/ and web/.

Each concept has its own module that adds its commands to the one app. Every command
that reports takes `--format json` and then prints exactly one JSON document on stdout;
errors are one line on stderr with exit code 2 (see DESIGN.md, contract — CLI).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import typer

from therapycheck.cli._output import error_line

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


def run(args: Sequence[str] | None = None) -> int:
    """Run one command line (default: sys.argv) and return its exit code.

    Every error is one line on standard error and exit code 2: the command's own errors
    (`_output.fail`), usage errors the parser finds (an unknown option, a bad option
    value, a missing argument) instead of its boxed multi-line message, input that ends
    early, and, as a last resort, anything unexpected (which names itself as a bug).
    """
    command = typer.main.get_command(app)
    try:
        code = command.main(
            args=list(sys.argv[1:] if args is None else args),
            prog_name="therapycheck",
            standalone_mode=False,
        )
    except typer.TyperException as exc:  # usage errors (Click's, vendored by Typer)
        context = getattr(exc, "ctx", None)
        where = context.command_path if context is not None else "therapycheck"
        # A group run without its command shows its help, and the message is then empty.
        reason = exc.format_message().strip() or "a command is needed (the list is above)"
        return error_line(f"{reason} (see: {where} --help)")
    except typer.Abort:
        return error_line("stopped: the input ended before the command finished")
    except Exception as exc:  # the one-line contract holds for bugs too
        return error_line(f"unexpected problem, please report it: {type(exc).__name__}: {exc}")
    return code if isinstance(code, int) else 0


def main() -> None:
    sys.exit(run())
