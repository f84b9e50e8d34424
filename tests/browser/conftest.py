"""Browser test tooling: Debian's Chromium driven by Playwright, axe-core, request recording.

- Chromium: /usr/lib/chromium/chromium (fallback /usr/bin/chromium). Missing -> skip, but
  under CI=true the tests fail instead: CI must never silently skip them.
- axe-core comes from npm (tests/browser/package.json + package-lock.json), installed by
  `npm ci` into tests/browser/node_modules the first time, and injected into each page as
  inline script. Nothing is fetched from outside during a test.
- The app's Content-Security-Policy forbids inline script (rightly), so the test context
  sets `bypass_csp` to let the injected axe run; the app's own pages are unaffected.
- Every request a page makes is recorded; the `visit`/`audit` helpers fail on any request
  that leaves the live server's origin, and on serious or critical axe violations.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

# Clinic-mode personas and settings for the clinic browser tests (see the module).
from tests.web.clinic_personas import (  # noqa: F401 (fixtures used by name)
    client_a,
    client_a_at_risk,
    client_b,
    clinic_admin,
    clinic_mode,
    clinician,
    clinics,
    other_clinic_admin,
    other_clinician,
    supervisor,
)

# Playwright's sync API runs an event loop in this thread; Django's ORM (used by test
# setup while the page is open) would otherwise refuse to run "inside async".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM_PATHS = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def skip_or_fail(reason: str) -> None:
    """Skip locally; in CI a missing tool is an error, never a silent skip."""
    if _in_ci():
        pytest.fail(f"{reason} (CI=true: browser tests must run, not skip)", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    for candidate in CHROMIUM_PATHS:
        if Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    skip_or_fail(f"Chromium not found at {' or '.join(CHROMIUM_PATHS)}")
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The axe-core script, installed from the committed lock file if not there yet."""
    script = HERE / "node_modules" / "axe-core" / "axe.min.js"
    # The suite runs in several processes (pytest -n): one installs while the others wait.
    # Without the lock, a second worker read a half-written axe.min.js during the first's
    # `npm ci` on a fresh clone, and every page then said "axe is not defined".
    with (HERE / "node_modules.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not script.is_file():
            _install_axe(script)
        return script.read_text(encoding="utf-8")


def _install_axe(script: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        skip_or_fail("npm is needed to install axe-core for the browser tests")
    command = "ci" if (HERE / "package-lock.json").is_file() else "install"
    done = subprocess.run(
        [str(npm), command, "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0 or not script.is_file():
        skip_or_fail(f"npm {command} failed in {HERE}: {done.stderr.strip()[-500:]}")


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        skip_or_fail("the playwright Python package is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@dataclass
class Session:
    """One browser tab on the live server, with everything it requested."""

    page: Any
    origin: str
    axe: str
    requests: list[str] = field(default_factory=list)
    audited: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.origin + path

    def goto(self, path: str) -> Any:
        response = self.page.goto(self.url(path))
        assert response is not None and response.status < 400, (
            f"{path}: {response and response.status}"
        )
        return response

    def outside_requests(self) -> list[str]:
        return [u for u in self.requests if not _same_origin(u, self.origin)]

    def audit(self, name: str, *, screenshots: bool = True) -> None:
        """axe (serious/critical = failure), no outside request, and screenshots."""
        violations = run_axe(self.page, self.axe)
        path = urlsplit(self.page.url).path
        assert not violations, f"axe on {path}:\n" + "\n".join(violations)
        assert not self.outside_requests(), f"requests left the server: {self.outside_requests()}"
        self.audited.append(path)
        if screenshots:
            save_screenshots(self.page, name)


def _same_origin(url: str, origin: str) -> bool:
    if url.startswith(("data:", "blob:", "about:")):
        return True
    parts, home = urlsplit(url), urlsplit(origin)
    return (parts.scheme, parts.netloc) == (home.scheme, home.netloc)


def run_axe(page: Any, axe: str) -> list[str]:
    """Serious and critical axe violations on the current page, one line per element."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    lines = []
    for violation in result["violations"]:
        if violation.get("impact") not in BLOCKING_IMPACTS:
            continue
        for node in violation["nodes"]:
            target = json.dumps(node.get("target"))
            html = node.get("html", "")[:160]
            lines.append(f"  {violation['id']} ({violation['impact']}): {target} {html}")
    return lines


def save_screenshots(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    if original:
        page.set_viewport_size(original)


def _tab(browser: Any, origin: str, axe_source: str) -> tuple[Any, Session]:
    """A fresh browser context (no cookies) on `origin`, recording every request."""
    context = browser.new_context(
        viewport=DESKTOP, bypass_csp=True, accept_downloads=True, service_workers="block"
    )
    # Belt and braces: an outside request is recorded (and fails the test) but never sent.
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if _same_origin(route.request.url, origin)
            else route.abort("blockedbyclient")
        ),
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    tab = Session(page=page, origin=origin, axe=axe_source)
    page.on("request", lambda request: tab.requests.append(request.url))
    return context, tab


def _wait_for_requests_in_flight(timeout: float = 10.0) -> None:
    """Let the live server finish the requests the closed tab left in flight.

    Its request threads are daemon threads that nothing waits for: one that ends after the
    test's teardown closes a database connection the test no longer shares with it (and a
    clinic server's `stop()` has just un-shared), which fails the next test in that worker.
    """
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and "process_request_thread" in thread.name:
            thread.join(max(0.0, deadline - time.monotonic()))


@pytest.fixture
def session(browser: Any, live_server: Any, axe_source: str) -> Iterator[Session]:
    """A fresh browser tab on the live server, recording every request."""
    context, tab = _tab(browser, live_server.url.rstrip("/"), axe_source)
    try:
        yield tab
    finally:
        context.close()
        _wait_for_requests_in_flight()
    assert not tab.outside_requests(), f"requests left the server: {tab.outside_requests()}"


@pytest.fixture
def clinic_session(
    browser: Any,
    axe_source: str,
    clinic_mode: None,  # noqa: F811 (the personas' fixture, imported above)
    transactional_db: Any,
) -> Iterator[Session]:
    """A browser tab on a live server started inside clinic mode.

    The shared `live_server` starts once per run, with the middleware of the mode the run
    began in; clinic mode needs its own (sign-in required, two-factor for staff), so this
    server starts after the clinic settings are in place. The cache (allauth's and
    django-axes' counters) starts and ends empty.
    """
    from django.core.cache import cache
    from pytest_django.live_server_helper import LiveServer

    cache.clear()
    server = LiveServer("localhost")
    context, tab = _tab(browser, server.url.rstrip("/"), axe_source)
    try:
        yield tab
    finally:
        context.close()
        _wait_for_requests_in_flight()
        server.stop()
        cache.clear()
    assert not tab.outside_requests(), f"requests left the server: {tab.outside_requests()}"


def check_both_widths(tab: Session, name: str) -> None:
    """axe at desktop width (with screenshots), then at phone width, with no sideways scroll."""
    tab.audit(name)
    tab.page.set_viewport_size(PHONE)
    try:
        violations = run_axe(tab.page, tab.axe)
        assert not violations, f"axe at phone width on {name}:\n" + "\n".join(violations)
        assert tab.page.evaluate(
            "() => document.documentElement.scrollWidth <= window.innerWidth + 1"
        ), f"{name} scrolls sideways at phone width"
    finally:
        tab.page.set_viewport_size(DESKTOP)
