"""Drive the check-up wizard through the test client, one screen at a time.

Form data is built from the same question bank the pages render, so the tests follow
the bank as it grows instead of hard-coding question ids that may move.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.test import Client

from therapycheck.web.checkups import wizard
from therapycheck.web.checkups.models import Checkup

STEP_URL = re.compile(r"^/checkup/(?P<pk>\d+)/(?P<kind>section|measure)/(?P<ref>[\w-]+)/")
RESULTS_URL = re.compile(r"^/checkup/(?P<pk>\d+)/$")


def default_answer(question: Any) -> Any:
    """A calm, middle-of-the-road answer that raises nothing on its own."""
    if question.type == "number":
        return 6
    if question.type == "multi":
        return []
    if question.type == "agree5":
        return 3
    if question.type == "yes_no":
        return "no"
    return str(question.options[0].id)


def section_form(
    checkup: Checkup, section: str, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    overrides = overrides or {}
    data: dict[str, Any] = {"version": str(checkup.version), "nav": "next"}
    for q in wizard.section_questions(checkup.answers, section):
        value = overrides.get(q.id, default_answer(q))
        name = wizard.Q_PREFIX + q.id
        if value == wizard.SKIP and q.type == "number":
            data[name + "-skip"] = wizard.SKIP
        elif isinstance(value, list):
            data[name] = [str(v) for v in value]
        else:
            data[name] = str(value)
    return data


def measure_form(
    checkup: Checkup, instrument: str, values: list[int] | None = None
) -> dict[str, Any]:
    items = wizard.measure_items(instrument)
    if values is None:
        values = [item["options"][0]["value"] for item in items]
    data: dict[str, Any] = {"version": str(checkup.version), "nav": "next"}
    for item, value in zip(items, values, strict=True):
        data[item["name"]] = str(value)
    return data


def step_form(
    checkup: Checkup,
    kind: str,
    ref: str,
    answers: Mapping[str, Any] | None = None,
    measures: Mapping[str, list[int]] | None = None,
) -> dict[str, Any]:
    if kind == "section":
        return section_form(checkup, ref, answers)
    return measure_form(checkup, ref, (measures or {}).get(ref))


def walk(
    client: Client,
    answers: Mapping[str, Any] | None = None,
    measures: Mapping[str, list[int]] | None = None,
    *,
    stop_at: str | None = None,
    max_steps: int = 60,
) -> tuple[Checkup, str]:
    """Start (or resume) and answer every screen. Returns (check-up, last URL).

    With `stop_at` ("section:safety", "measure:phq9"), stops when that screen comes up.
    """
    response = client.post("/checkup/", {"action": "start"})
    url = response["Location"]
    for _ in range(max_steps):
        if RESULTS_URL.match(url):
            pk = int(RESULTS_URL.match(url).group("pk"))  # type: ignore[union-attr]
            return Checkup.objects.get(pk=pk), url
        match = STEP_URL.match(url)
        assert match, f"unexpected redirect to {url}"
        checkup = Checkup.objects.get(pk=int(match.group("pk")))
        key = f"{match.group('kind')}:{match.group('ref')}"
        if key == stop_at:
            return checkup, url
        data = step_form(checkup, match.group("kind"), match.group("ref"), answers, measures)
        response = client.post(url.split("?")[0], data)
        assert response.status_code == 302, (url, response.status_code, _errors(response))
        url = response["Location"]
    raise AssertionError("the wizard did not finish")


def _errors(response: Any) -> Any:
    context = getattr(response, "context", None)
    return context.get("errors") if context else None
