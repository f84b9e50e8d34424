"""docs/outcomes.md explains where the KPI rules simplify NHS Talking Therapies and cites
the PCL-5 reliable-change threshold the code uses (issue 12, item 9)."""

from __future__ import annotations

import re
from pathlib import Path

from therapycheck.core.instruments import get_instrument

PAGE = Path(__file__).resolve().parents[1] / "docs" / "outcomes.md"


def _section(title: str) -> str:
    text = PAGE.read_text(encoding="utf-8")
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_the_simplifications_name_the_anxiety_measure_and_what_finished_counts() -> None:
    section = " ".join(_section("Where these rules simplify NHS Talking Therapies").split())
    assert "GAD-7 stands in for every anxiety problem" in section
    assert "counts sessions with both measures, not attended sessions" in section
    assert "england.nhs.uk" in section


def test_the_pcl5_threshold_on_the_page_is_the_one_the_code_uses_with_real_citations() -> None:
    section = " ".join(_section("The PCL-5 reliable-change threshold").split())
    rc = get_instrument("pcl5").reliable_change
    assert rc is not None and rc.threshold is not None
    assert f"a change of **{rc.threshold:g} points** on the PCL-5" in section
    # Each source: who, title, year and a link.
    # The data file's own source is the page the doc cites first.
    assert rc.source.url is not None and rc.source.url in section
    for doi in ("10.1002/jts.22975", "10.1037/pas0001098"):
        assert f"https://doi.org/{doi}" in section
    assert "https://www.ptsd.va.gov/professional/assessment/adult-sr/ptsd-checklist.asp" in section
    assert len(re.findall(r"\b(19|20)\d\d\b", section)) >= 3
