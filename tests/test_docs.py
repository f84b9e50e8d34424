"""docs/instruments.md is generated: it must equal the generator's output and cover everything."""

from __future__ import annotations

from pathlib import Path

from therapycheck.core.instruments import all_instruments
from therapycheck.core.instruments.markdown import instruments_markdown

PAGE = Path(__file__).resolve().parents[1] / "docs" / "instruments.md"


def test_the_instruments_page_is_up_to_date() -> None:
    # If this fails, run: .venv/bin/therapycheck docs instruments -o docs/instruments.md
    assert PAGE.read_text(encoding="utf-8") == instruments_markdown()


def test_the_instruments_page_covers_every_instrument_with_its_licence_and_source() -> None:
    page = instruments_markdown()
    for inst in all_instruments():
        section = page.split(f"(`{inst.id}`)\n", 1)[1].split("\n## ", 1)[0]
        assert f"**Items:** {len(inst.items)}," in section
        assert f"**Range:** {inst.min}-{inst.max}" in section
        assert inst.licence.name in section
        assert ("reproduced verbatim" if inst.licence.verbatim_items else "paraphrased") in section
        assert inst.source.url is not None and inst.source.url in section
        assert "**LOINC:**" in section and "**Reliable change:**" in section
        for band in inst.bands:
            assert band.label in section
