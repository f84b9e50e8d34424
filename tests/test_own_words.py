"""The product's text is written in our own words, not pasted from the source articles.

The seed articles sit in the shared folder beside the repository (../shared/seeds). Any
run of eight words shared with them in the product's code, data, templates or docs is
treated as copied text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
RUN = 8
TEXT_SUFFIXES = {".py", ".yaml", ".yml", ".html", ".md", ".txt", ".json"}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def _runs(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + RUN]) for i in range(len(words) - RUN + 1)}


# A bibliography quotes a work's title and link by nature; its notes must still be ours.
CITATION_FIELDS = re.compile(r"^\s*(title|url|doi):.*$", re.MULTILINE)


def _text(path: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="ignore")
    return CITATION_FIELDS.sub("", text) if path.name == "citations.yaml" else text


def _product_files() -> list[Path]:
    folders = [ROOT / "src", ROOT / "docs"]
    files = [p for folder in folders for p in folder.rglob("*") if p.suffix in TEXT_SUFFIXES]
    return [*files, ROOT / "README.md"]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the shared seed articles are not beside the repo")
def test_no_run_of_eight_words_from_the_seed_articles_appears_in_the_product():
    seed_runs: set[tuple[str, ...]] = set()
    for seed in SEEDS.glob("0*.txt"):
        seed_runs |= _runs(_words(seed.read_text(encoding="utf-8")))
    assert seed_runs, "the seed articles were found but read as empty"
    copied = {}
    for path in _product_files():
        shared = _runs(_words(_text(path))) & seed_runs
        if shared:
            copied[str(path.relative_to(ROOT))] = sorted(" ".join(run) for run in shared)[:3]
    assert not copied, f"text that matches the seed articles: {copied}"
