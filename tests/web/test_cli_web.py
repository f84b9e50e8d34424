"""`therapycheck serve` and `therapycheck manage` (cli/web.py)."""

from __future__ import annotations

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
