"""`therapycheck serve` (the web app with waitress) and `therapycheck manage` (Django admin).

Personal mode keeps the app on this computer: it refuses any host that is not loopback,
because the personal app has no login (anyone who can reach the port could read it).
"""

from __future__ import annotations

import os

import typer

from therapycheck.cli._output import fail
from therapycheck.config import is_loopback

SETTINGS_MODULE = "therapycheck.web.settings"


def setup_django() -> None:
    """Configure Django from the environment, turning a bad setting into a one-line error."""
    from django.core.exceptions import ImproperlyConfigured

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    try:
        import django

        django.setup()
    except ImproperlyConfigured as exc:
        fail(str(exc))


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    threads: int = typer.Option(4, "--threads", min=1, max=64, help="Worker threads."),
    migrate: bool = typer.Option(
        True, "--migrate/--no-migrate", help="Apply database migrations first."
    ),
) -> None:
    """Start the web app (personal mode: only on this computer, no login)."""
    setup_django()
    from django.conf import settings

    if settings.THERAPYCHECK_MODE == "personal" and not is_loopback(host):
        fail(
            f"personal mode only serves on this computer (127.0.0.1), not {host!r}; "
            "set THERAPYCHECK_MODE=clinic with accounts to serve other machines"
        )
    for path in settings.THERAPYCHECK_REPAIRED_MODES:
        typer.echo(f"made {path} private (only your user account can read it now)", err=True)
    if migrate:
        _migrate()
    import waitress

    from therapycheck.web.wsgi import application

    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"therapycheck is running at http://{shown}:{port}/ (press Ctrl+C to stop)")
    waitress.serve(application, host=host, port=port, threads=threads, ident="therapycheck")


def _migrate() -> None:
    from django.core.management import call_command
    from django.db import DatabaseError

    try:
        call_command("migrate", interactive=False, verbosity=0)
    except DatabaseError as exc:
        fail(f"could not prepare the database: {exc}")


def manage(ctx: typer.Context) -> None:
    """Run a Django management command, e.g. `therapycheck manage migrate`."""
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["therapycheck manage", *ctx.args])


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command(
        "manage",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        add_help_option=False,
    )(manage)
