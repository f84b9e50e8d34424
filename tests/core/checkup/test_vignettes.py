"""Vignettes: short stories, their answers, and what the check-up should put first.

Each JSON file in vignettes/ holds a "story" (what happened, in plain words), an
"input" answers document, and an "expect" block:
  first               the factor that must come first
  first_severity_in   allowed severities of that first finding
  top3                factors that must all be among the first three
  includes/excludes   factors that must (not) appear anywhere
  severity            factor -> exact severity
  order_prefix        the findings must start with exactly these factors
  review_due          the expected Evaluation.review_due
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from therapycheck.core.checkup import FACTOR_IDS, evaluate

VIGNETTES = sorted((Path(__file__).parent / "vignettes").glob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_there_are_at_least_fifteen_vignettes() -> None:
    assert len(VIGNETTES) >= 15


def test_the_vignettes_together_cover_every_factor() -> None:
    seen: set[str] = set()
    for path in VIGNETTES:
        seen.update(evaluate(_load(path)["input"]).factors())
    assert seen == set(FACTOR_IDS)


def test_every_factor_comes_first_in_at_least_one_vignette() -> None:
    firsts = {_load(p)["expect"].get("first") for p in VIGNETTES}
    assert set(FACTOR_IDS) - firsts == set()


@pytest.mark.parametrize("path", VIGNETTES, ids=lambda p: p.stem)
def test_vignette(path: Path) -> None:
    vignette = _load(path)
    assert len(vignette["story"]) > 40
    expect = vignette["expect"]
    result = evaluate(vignette["input"])
    factors = list(result.factors())
    severities = {f.factor: f.severity for f in result.findings}
    if "first" in expect:
        assert factors and factors[0] == expect["first"], factors
    if "first_severity_in" in expect:
        assert result.findings[0].severity in expect["first_severity_in"]
    for factor in expect.get("top3", []):
        assert factor in factors[:3], factors
    for factor in expect.get("includes", []):
        assert factor in factors, factors
    for factor in expect.get("excludes", []):
        assert factor not in factors, factors
    for factor, severity in expect.get("severity", {}).items():
        assert severities.get(factor) == severity, severities
    if "order_prefix" in expect:
        assert factors[: len(expect["order_prefix"])] == expect["order_prefix"]
    if "review_due" in expect:
        assert result.review_due is expect["review_due"]
