"""`therapycheck serve` (the web app with waitress), `therapycheck worker` (clinic mode's
task worker) and `therapycheck manage` (Django admin).

Personal mode keeps the app on this computer: it refuses any host that is not loopback,
because the personal app has no login (anyone who can reach the port could read it).
Clinic mode also runs scheduled work (measure requests, reminders) on django-tasks: `serve`
starts the database worker as a child process and stops it when the server stops.
`serve --mode clinic --demo` runs a demo clinic of fictional people in its own data
folder, on this computer only (docs/clinic.md).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import typer

from therapycheck.cli._output import fail
from therapycheck.config import ConfigError, is_loopback, parse_data_dir

SETTINGS_MODULE = "therapycheck.web.settings"
DEMO_DIRNAME = "demo-clinic"
# Settings a demo never takes from the environment: it must not reach a real clinic's
# database, secret or mail server, nor answer to other computers' names.
_NOT_FOR_THE_DEMO = (
    "DATABASE_URL",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_COOKIES",
    "EMAIL_URL",
)
# How long the worker gets to finish its current task when the server stops.
WORKER_STOP_SECONDS = 10


def demo_environment(env: Mapping[str, str]) -> dict[str, str]:
    """The environment of a demo clinic: clinic mode, demo on, and its own data folder
    (`<data dir>/demo-clinic`, with its own SQLite database), so the demo never touches
    the person's own records or a clinic's database."""
    try:
        data_dir = parse_data_dir(env.get("THERAPYCHECK_DATA_DIR")) / DEMO_DIRNAME
    except ConfigError as exc:
        fail(str(exc))
    demo = {name: value for name, value in env.items() if name not in _NOT_FOR_THE_DEMO}
    demo.update(
        {
            "THERAPYCHECK_MODE": "clinic",
            "THERAPYCHECK_DEMO": "1",
            "THERAPYCHECK_DATA_DIR": str(data_dir),
        }
    )
    return demo


def worker_command() -> list[str]:
    """The task worker as its own process (django-tasks' database worker)."""
    return [sys.executable, "-m", "django", "db_worker", "--no-startup-delay"]


def start_worker(command: Sequence[str] | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE}
    return subprocess.Popen(list(command or worker_command()), env=env)


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    """Ask the worker to stop (it finishes its current task), and end it if it will not."""
    if worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


@contextmanager
def running_worker(enabled: bool) -> Iterator[subprocess.Popen[bytes] | None]:
    worker = start_worker() if enabled else None
    try:
        yield worker
    finally:
        if worker is not None:
            stop_worker(worker)


def _stop_on_sigterm() -> None:
    """`kill` (SIGTERM) stops the server like Ctrl+C, so the worker is stopped too."""

    def _exit(_signum: int, _frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _exit)


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
    mode: str | None = typer.Option(
        None, "--mode", help="personal or clinic (default: THERAPYCHECK_MODE, else personal)."
    ),
    demo: bool = typer.Option(
        False,
        "--demo",
        help="Clinic mode: a demo clinic of fictional people, on this computer only, "
        "in its own data folder (<data dir>/demo-clinic).",
    ),
    worker: bool = typer.Option(
        True,
        "--worker/--no-worker",
        help="Clinic mode: also run the task worker (reminders, scheduled measure requests).",
    ),
) -> None:
    """Start the web app (personal mode: only on this computer, no login)."""
    if mode is not None and mode not in ("personal", "clinic"):
        fail(f"--mode must be personal or clinic, not {mode!r}")
    if demo:
        if mode == "personal":
            fail("--demo is a clinic demo: use --mode clinic --demo")
        if not is_loopback(host):
            fail(f"the demo clinic only serves this computer (127.0.0.1), not {host!r}")
        # Before Django reads its settings; the worker child inherits the same.
        demo_env = demo_environment(os.environ)
        for name in set(os.environ) - set(demo_env):
            del os.environ[name]
        os.environ.update(demo_env)
    elif mode is not None:
        os.environ["THERAPYCHECK_MODE"] = mode
    setup_django()
    from django.conf import settings

    if settings.THERAPYCHECK_MODE == "personal" and not is_loopback(host):
        fail(
            f"personal mode only serves on this computer (127.0.0.1), not {host!r}; "
            "set THERAPYCHECK_MODE=clinic with accounts to serve other machines"
        )
    for path in settings.THERAPYCHECK_REPAIRED_MODES:
        typer.echo(f"made {path} private (only your user account can read it now)", err=True)
    if migrate or demo:
        _migrate()
    if demo:
        _demo_clinic()
    import waitress

    from therapycheck.web.wsgi import application

    clinic = settings.THERAPYCHECK_MODE == "clinic"
    with running_worker(clinic and worker):
        shown = f"[{host}]" if ":" in host else host
        where = f"http://{shown}:{port}/"
        if demo:
            typer.echo(f"The demo clinic's data is in {settings.THERAPYCHECK_DATA_DIR}")
            typer.echo(f"Its emails are files in {settings.THERAPYCHECK_DATA_DIR / 'outbox'}")
            where = f"http://{shown}:{port}/accounts/login/"
        typer.echo(f"therapycheck is running at {where} (press Ctrl+C to stop)")
        _stop_on_sigterm()
        waitress.serve(application, host=host, port=port, threads=threads, ident="therapycheck")


def worker(
    batch: bool = typer.Option(
        False, "--batch", help="Run the tasks waiting now, then stop (for cron or tests)."
    ),
) -> None:
    """Run clinic mode's task worker alone (reminders, scheduled measure requests)."""
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    if settings.THERAPYCHECK_MODE != "clinic":
        fail("the task worker is for clinic mode: set THERAPYCHECK_MODE=clinic")
    args = ["--no-startup-delay", *(["--batch"] if batch else [])]
    call_command("db_worker", *args)


def _demo_clinic() -> None:
    from django.core.management import call_command

    call_command("demo_clinic")
    call_command("demo_directory")


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
    app.command("worker")(worker)
    app.command(
        "manage",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        add_help_option=False,
    )(manage)
