"""The GOV.UK Frontend build the app serves (docs/design.md): checked in, licensed, no
restricted font, nothing fetched from elsewhere, and every page links it before site.css."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[3]
STATIC = ROOT / "src" / "therapycheck" / "web" / "static" / "therapycheck"
DESIGN = ROOT / "tools" / "design"
CSS = STATIC / "govuk-frontend.min.css"


def _pinned_version() -> str:
    lock = json.loads((DESIGN / "package-lock.json").read_text(encoding="utf-8"))
    return str(lock["packages"]["node_modules/govuk-frontend"]["version"])


def test_the_built_css_is_the_pinned_govuk_frontend_version() -> None:
    package = json.loads((DESIGN / "package.json").read_text(encoding="utf-8"))
    version = _pinned_version()
    assert package["devDependencies"]["govuk-frontend"] == version
    assert f"GOV.UK Frontend {version} " in CSS.read_text(encoding="utf-8")[:300]
    assert f"`govuk-frontend` version {version}" in (ROOT / "docs" / "design.md").read_text(
        encoding="utf-8"
    )


def test_the_built_css_loads_no_font_and_no_other_file() -> None:
    css = CSS.read_text(encoding="utf-8")
    assert "@font-face" not in css
    assert "GDS Transport" not in css
    assert "url(" not in css
    assert "@import" not in css
    assert "system-ui" in css


def test_the_licence_is_served_next_to_the_css() -> None:
    licence = (STATIC / "govuk-frontend-LICENSE.txt").read_text(encoding="utf-8")
    assert licence.startswith("The MIT License (MIT)")
    assert "Crown Copyright (Government Digital Service)" in licence
    assert "govuk-frontend-LICENSE.txt" in CSS.read_text(encoding="utf-8")[:300]


def test_the_components_the_app_uses_are_in_the_build() -> None:
    css = CSS.read_text(encoding="utf-8")
    for selector in (
        ".govuk-radios__input",
        ".govuk-checkboxes__input",
        ".govuk-error-summary",
        ".govuk-summary-list",
        ".govuk-panel--confirmation",
        ".govuk-tag--red",
        ".govuk-button--secondary",
        ".govuk-input--error",
        # the app's own names, mapped onto the components by tools/design/src/_bridge.scss
        "label.option",
        ".error-summary",
        ".has-error",
        ".tc-tag-urgent",
    ):
        assert selector in css, selector


@pytest.mark.django_db
def test_every_page_links_the_govuk_css_before_the_apps_own(client: Client) -> None:
    html = client.get("/").content.decode()
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert sheets[:2] == [
        "/static/therapycheck/govuk-frontend.min.css",
        "/static/therapycheck/site.css",
    ]


@pytest.mark.django_db
def test_radios_keep_their_label_and_get_the_govuk_classes(client: Client) -> None:
    html = client.get("/measures/phq9/new/").content.decode()
    radio = re.search(r'<label class="option" for="id_item_1_0">(.*?)</label>', html, re.S)
    assert radio is not None
    inside = radio.group(1)
    control = re.search(r"<input [^>]*>", inside)
    assert control is not None
    for attribute in ('type="radio"', 'name="item_1"', 'value="0"', 'id="id_item_1_0"'):
        assert attribute in control.group(0), attribute
    assert 'class="govuk-radios__input"' in control.group(0)
    assert '<span class="govuk-label govuk-radios__label">Not at all</span>' in inside


@pytest.mark.django_db
def test_a_chosen_radio_stays_chosen_when_the_form_comes_back_with_errors(client: Client) -> None:
    html = client.post("/measures/phq9/new/", {"item_1": "2"}).content.decode()
    control = re.search(r'<input [^>]*id="id_item_1_2"[^>]*>', html)
    assert control is not None and "checked" in control.group(0)
    assert 'class="govuk-radios__input"' in control.group(0)
