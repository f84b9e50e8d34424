"""`therapycheck serve` and `therapycheck manage` (cli/web.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from therapycheck.cli import web as cli_web


def app() -> typer.Typer:
    instance = typer.Typer()

    @instance.callback()
    def _root() -> None:
        """therapycheck (test shell)"""

    cli_web.register(instance)
    return instance


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"])
def test_loopback_hosts_are_recognised(host: str) -> None:
    assert cli_web.is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.org", "::"])
def test_other_hosts_are_not_loopback(host: str) -> None:
    assert not cli_web.is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10"])
def test_personal_mode_refuses_to_serve_beyond_this_computer(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[Any] = []
    monkeypatch.setattr("waitress.serve", lambda *a, **k: served.append(k))
    result = CliRunner().invoke(app(), ["serve", "--host", host, "--no-migrate"])
    assert result.exit_code == 2
    assert "personal mode only serves on this computer" in result.output
    assert not served


@pytest.mark.django_db
def test_serve_migrates_then_serves_with_waitress_on_loopback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(cli_web, "_migrate", lambda: calls.append("migrate"))
    monkeypatch.setattr(
        "waitress.serve", lambda application, **kw: calls.append(f"serve {kw['host']}:{kw['port']}")
    )
    result = CliRunner().invoke(app(), ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert calls == ["migrate", "serve 127.0.0.1:8123"]
    assert "http://127.0.0.1:8123/" in result.output


def test_a_port_out_of_range_is_refused() -> None:
    result = CliRunner().invoke(app(), ["serve", "--port", "70000"])
    assert result.exit_code == 2


@pytest.mark.django_db
def test_manage_passes_commands_through_to_django(capsys: pytest.CaptureFixture[str]) -> None:
    result = CliRunner().invoke(app(), ["manage", "check"])
    assert result.exit_code == 0, result.output
    assert "no issues" in result.output + capsys.readouterr().out


# ------------------------------------------------------------ clinic mode: demo and worker


def test_the_demo_environment_is_a_clinic_demo_in_its_own_data_folder(tmp_path: Path) -> None:
    real = {
        "THERAPYCHECK_DATA_DIR": str(tmp_path),
        "THERAPYCHECK_COUNTRY": "GB",
        "DATABASE_URL": "postgres://clinic@db/real",
        "SECRET_KEY": "s" * 40,
        "ALLOWED_HOSTS": "care.example.org",
        "EMAIL_URL": "smtps://u:p@mail.care.example.org",
        "SECURE_COOKIES": "on",
        "PATH": "/usr/bin",
    }
    demo = cli_web.demo_environment(real)
    assert demo["THERAPYCHECK_MODE"] == "clinic"
    assert demo["THERAPYCHECK_DEMO"] == "1"
    assert demo["THERAPYCHECK_DATA_DIR"] == str(tmp_path / "demo-clinic")
    # Never a real clinic's database, secret, host names or mail server.
    for name in ("DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_URL", "SECURE_COOKIES"):
        assert name not in demo
    assert (demo["THERAPYCHECK_COUNTRY"], demo["PATH"]) == ("GB", "/usr/bin")
    assert real["DATABASE_URL"] == "postgres://clinic@db/real"


def test_the_demo_environment_is_a_valid_demo_configuration(tmp_path: Path) -> None:
    from therapycheck.config import load_config

    loaded = load_config(
        cli_web.demo_environment({"THERAPYCHECK_DATA_DIR": str(tmp_path)}), create_files=False
    )
    assert (loaded.mode, loaded.demo) == ("clinic", True)
    assert loaded.database["NAME"] == str(tmp_path / "demo-clinic" / "therapycheck.sqlite3")
    assert loaded.email is not None
    assert loaded.email["EMAIL_FILE_PATH"] == str(tmp_path / "demo-clinic" / "outbox")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--demo", "--host", "0.0.0.0"], "the demo clinic only serves this computer"),
        (["--demo", "--mode", "personal"], "use --mode clinic --demo"),
        (["--mode", "team"], "--mode must be personal or clinic"),
    ],
)
def test_serve_refuses_a_demo_it_cannot_run_safely(
    args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[Any] = []
    monkeypatch.setattr("waitress.serve", lambda *a, **k: served.append(k))
    result = CliRunner().invoke(app(), ["serve", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert not served


@pytest.fixture
def fake_worker(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    monkeypatch.setattr(cli_web, "start_worker", lambda: calls.append("start worker") or "w")
    monkeypatch.setattr(cli_web, "stop_worker", lambda worker: calls.append(f"stop {worker}"))
    monkeypatch.setattr(
        "waitress.serve", lambda application, **kw: calls.append(f"serve {kw['host']}")
    )
    return calls


@pytest.mark.django_db
def test_clinic_mode_serves_with_the_task_worker_and_stops_it_after(
    fake_worker: list[str], settings: Any
) -> None:
    settings.THERAPYCHECK_MODE = "clinic"
    result = CliRunner().invoke(app(), ["serve", "--no-migrate"])
    assert result.exit_code == 0, result.output
    assert fake_worker == ["start worker", "serve 127.0.0.1", "stop w"]


@pytest.mark.django_db
def test_clinic_mode_serves_without_the_worker_when_asked(
    fake_worker: list[str], settings: Any
) -> None:
    settings.THERAPYCHECK_MODE = "clinic"
    result = CliRunner().invoke(app(), ["serve", "--no-migrate", "--no-worker"])
    assert result.exit_code == 0, result.output
    assert fake_worker == ["serve 127.0.0.1"]


@pytest.mark.django_db
def test_personal_mode_runs_no_worker(fake_worker: list[str]) -> None:
    result = CliRunner().invoke(app(), ["serve", "--no-migrate"])
    assert result.exit_code == 0, result.output
    assert fake_worker == ["serve 127.0.0.1"]


def _started(ready: Path) -> None:
    """Wait until the child has set up its signal handler (it then writes `ready`)."""
    deadline = time.monotonic() + 20
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready.exists()


def test_a_worker_that_will_not_stop_is_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A child that ignores the polite request to stop (SIGTERM).
    ready = tmp_path / "ready"
    ignores = (
        "import pathlib, signal, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "pathlib.Path(sys.argv[1]).touch()\n"
        "time.sleep(60)\n"
    )
    worker = cli_web.start_worker([sys.executable, "-c", ignores, str(ready)])
    _started(ready)
    monkeypatch.setattr(cli_web, "WORKER_STOP_SECONDS", 1)
    cli_web.stop_worker(worker)
    assert worker.returncode == -signal.SIGKILL


def test_the_worker_is_asked_to_stop_and_gets_the_django_settings(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    script = (
        "import os, pathlib, signal, sys, time\n"
        "settings = os.environ['DJANGO_SETTINGS_MODULE']\n"
        "signal.signal(signal.SIGTERM, lambda *a: sys.exit(3))\n"
        "pathlib.Path(sys.argv[1]).write_text(settings)\n"
        "time.sleep(60)\n"
    )
    worker = cli_web.start_worker([sys.executable, "-c", script, str(ready)])
    _started(ready)
    cli_web.stop_worker(worker)
    assert worker.returncode == 3
    assert ready.read_text() == "therapycheck.web.settings"


@pytest.mark.django_db
def test_the_worker_command_refuses_personal_mode() -> None:
    result = CliRunner().invoke(app(), ["worker", "--batch"])
    assert result.exit_code == 2
    assert "the task worker is for clinic mode" in result.output


# transaction=True: the worker closes its database connection when it stops, which a
# test wrapped in one transaction (the default) would not survive on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_the_worker_command_runs_the_waiting_tasks(settings: Any) -> None:
    settings.THERAPYCHECK_MODE = "clinic"
    result = CliRunner().invoke(app(), ["worker", "--batch"])
    assert result.exit_code == 0, result.output


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_serve_demo_starts_a_demo_clinic_and_its_worker_and_stops_both(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "THERAPYCHECK_DATA_DIR": str(tmp_path),
        # A real clinic's database must not be touched by the demo.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'real-clinic.sqlite3'}",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    server = subprocess.Popen(
        [
            *(sys.executable, "-c", "from therapycheck.cli import main; main()"),
            *("serve", "--mode", "clinic", "--demo", "--port", str(port)),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        status = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/accounts/login/", timeout=5
                ) as response:
                    status = response.status
                    page = response.read()
                break
            except OSError:
                time.sleep(0.3)
        assert status == 200, server.stdout.read().decode() if server.poll() is not None else ""
        assert b"Demo clinic." in page
        workers = _children(server.pid)
        assert len(workers) == 1
        assert b"db_worker" in Path(f"/proc/{workers[0]}/cmdline").read_bytes()
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=30)[0].decode()
    assert server.returncode == 0, output
    assert "Everyone below signs in with the password" in output
    assert not Path(f"/proc/{workers[0]}").exists() or b"Z" in _state(workers[0])
    assert (tmp_path / "demo-clinic" / "therapycheck.sqlite3").exists()
    assert not (tmp_path / "real-clinic.sqlite3").exists()


def _state(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/stat").read_bytes().split(b") ", 1)[1][:1]
    except OSError:
        return b"Z"
