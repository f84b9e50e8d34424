"""The app as a person runs it: `make run` in a fresh data folder, and a browser-like client.

Used by the tests that need the real stack (waitress threads, the real database file or a
real PostgreSQL database, the start-up checks) rather than Django's test client: private
file modes, simultaneous check-ins, and what delete-all leaves on disk.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
STAMP = ".venv/.installed"
# How long the server may take to migrate a fresh database and answer (a wait, not a check).
START_WITHIN_SECONDS = 120


@dataclass(frozen=True)
class LiveApp:
    url: str
    data_dir: Path
    database_url: str | None  # None: the SQLite file in the data folder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def make_run(data_dir: Path, database_url: str | None = None) -> Iterator[LiveApp]:
    """`make run` under umask 022 (the usual default), stopped again afterwards."""
    port = free_port()
    inherited = ("PYTEST", "DJANGO", "MAKE", "MFLAGS")  # not the test run's, nor make test's
    env = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
    env.update(THERAPYCHECK_DATA_DIR=str(data_dir), THERAPYCHECK_MODE="personal")
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    # -o: the virtualenv is already set up; `make run` then only starts the server.
    command = f"umask 022 && exec make --no-print-directory -o {STAMP} run PORT={port}"
    server = subprocess.Popen(
        ["bash", "-c", command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    app = LiveApp(f"http://127.0.0.1:{port}", data_dir, database_url)
    try:
        _wait_until_serving(app, server)
        yield app
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        if server.stdout is not None:
            server.stdout.close()


def _wait_until_serving(app: LiveApp, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_WITHIN_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = server.stdout.read().decode() if server.stdout else ""
            raise RuntimeError(f"make run stopped with {server.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(app.url + "/", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)
    raise RuntimeError(f"make run did not answer within {START_WITHIN_SECONDS} s")


class Browser:
    """One browser (its own cookies): GET pages, POST forms with their CSRF token."""

    def __init__(self, app: LiveApp) -> None:
        self.app = app
        self.cookies = http.cookiejar.CookieJar()
        no_redirects = type(
            "NoRedirects",
            (urllib.request.HTTPRedirectHandler,),
            {"redirect_request": lambda *args, **kwargs: None},
        )
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), no_redirects
        )

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.app.url + path))

    def token(self, path: str) -> str:
        """The CSRF token of the form on `path` (the page also sets the cookie)."""
        _, page = self.get(path)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert found, f"no form on {path}"
        return found.group(1)

    def post(self, path: str, data: dict[str, Any], token: str) -> tuple[int, str]:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(self.app.url + path, data=body, method="POST")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        return self._open(request)

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx and 5xx
            with error:
                return error.code, error.read().decode(errors="replace")
