"""The citations table (core/data/citations.yaml), and every source shown refers to it.

FACTORS.md principle 5: every source shown to a person is a real citation (author or
organisation, title, year, link), never an internal file name. The rule, action and
modality files are read directly here, so a source that is not a citation id fails.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
from pydantic import ValidationError

from therapycheck.core.citations import (
    _CitationFile,
    all_citations,
    citation,
    citations,
    reviewed_on,
)
from therapycheck.core.datafile import load_mapping, load_yaml


def _read(package: str, name: str) -> Any:
    return load_yaml(resources.files(package).joinpath(name).read_text(encoding="utf-8"))


def _rules() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = _read("therapycheck.core.checkup", "rules.yaml")["rules"]
    return rules


def _actions() -> dict[str, dict[str, Any]]:
    actions: dict[str, dict[str, Any]] = _read("therapycheck.core.data", "actions.yaml")["actions"]
    return actions


def _concerns() -> dict[str, dict[str, Any]]:
    concerns: dict[str, dict[str, Any]] = _read("therapycheck.core.checkup", "modalities.yaml")[
        "concerns"
    ]
    return concerns


def _cited_ids() -> list[str]:
    """Every citation id the rule, action and modality files give as a source."""
    ids = [i for rule in _rules() for i in rule["sources"]]
    ids += [i for action in _actions().values() for i in action["sources"]]
    ids += [i for concern in _concerns().values() for i in concern["sources"]]
    return ids


# ------------------------------------------------------------------ the data file


def test_every_entry_in_the_data_file_loads_as_a_citation() -> None:
    raw = load_mapping("therapycheck.core.data", "citations.yaml")["citations"]
    loaded = all_citations()
    assert len(loaded) == len(raw) > 0
    assert [c.id for c in loaded] == [entry["id"] for entry in raw]


def test_citation_ids_are_unique() -> None:
    ids = [c.id for c in all_citations()]
    assert len(ids) == len(set(ids))


def test_every_link_is_https() -> None:
    for c in all_citations():
        assert c.url.startswith("https://"), c.id


def test_a_doi_is_always_the_link_to_the_work() -> None:
    for c in all_citations():
        if c.doi is not None:
            assert c.url == f"https://doi.org/{c.doi}", c.id


def test_years_are_plausible_and_none_lies_after_the_review() -> None:
    latest = int(reviewed_on()[:4])
    for c in all_citations():
        if c.year is not None:
            assert 1900 <= c.year <= latest, c.id


def test_every_citation_names_its_authors_or_its_organisation_but_not_both() -> None:
    for c in all_citations():
        assert bool(c.authors) != bool(c.organisation), c.id


def test_an_unverified_entry_says_what_is_unconfirmed() -> None:
    for c in all_citations():
        if not c.verified:
            assert c.note, c.id


def test_an_entry_without_a_confirmed_year_is_never_marked_verified() -> None:
    for c in all_citations():
        if c.year is None:
            assert not c.verified, c.id


def test_no_entry_points_at_an_internal_file() -> None:
    for c in all_citations():
        shown = c.text()
        for internal in ("REFERENCES.md", "FACTORS.md", "seed 0", "shared/"):
            assert internal not in shown, (c.id, internal)


# ------------------------------------------------------------------ the API


def test_the_one_line_text_reads_authors_year_title_journal_link() -> None:
    assert citation("fluckiger2018").text() == (
        "Flückiger C, Del Re AC, Wampold BE, Horvath AO (2018). The alliance in adult "
        "psychotherapy: a meta-analytic synthesis. Psychotherapy. "
        "https://doi.org/10.1037/pst0000172"
    )


def test_an_organisation_stands_in_for_authors_in_the_text() -> None:
    line = citation("nice_ng222").text()
    assert line.startswith("National Institute for Health and Care Excellence (NICE) (2022). ")
    assert line.endswith("https://www.nice.org.uk/guidance/ng222")


def test_a_long_author_list_stops_after_six_names_with_et_al() -> None:
    hannan = citation("hannan2005")
    assert len(hannan.authors) == 7
    assert hannan.by == "Hannan C, Lambert MJ, Harmon C, Nielsen SL, Smart DW, Shimokawa K, et al."


def test_a_work_without_a_confirmed_year_reads_no_date() -> None:
    undated = [c for c in all_citations() if c.year is None]
    assert undated
    for c in undated:
        assert "(n.d.)" in c.text()


def test_a_title_ending_in_a_question_mark_gets_no_extra_full_stop() -> None:
    line = citation("deeper_therapy").text()
    assert "helping? https://" in line


def test_an_unknown_id_raises_a_key_error_that_names_it() -> None:
    with pytest.raises(KeyError, match="no_such_work"):
        citation("no_such_work")
    with pytest.raises(KeyError, match="no_such_work"):
        citations(["fluckiger2018", "no_such_work"])


def test_citations_keeps_the_order_given_and_lists_each_work_once() -> None:
    found = citations(["howard1986", "fluckiger2018", "howard1986"])
    assert [c.id for c in found] == ["howard1986", "fluckiger2018"]


def test_to_dict_is_plain_json_with_the_text_line() -> None:
    data = citation("kroenke2001").to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["text"] == citation("kroenke2001").text()
    assert data["year"] == 2001
    assert data["doi"] == "10.1046/j.1525-1497.2001.016009606.x"


def _entry(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": "example2020",
        "authors": ["Example A"],
        "title": "An example",
        "year": 2020,
        "journal": "Journal",
        "doi": "10.1000/example",
        "url": "https://doi.org/10.1000/example",
        "kind": "research",
        "verified": True,
    }
    entry.update(changes)
    return entry


@pytest.mark.parametrize(
    "bad",
    [
        _entry(organisation="Some Body"),
        _entry(authors=[]),
        _entry(url="http://doi.org/10.1000/example"),
        _entry(url="https://example.org/elsewhere"),
        _entry(year=None),
        _entry(verified=False),
        _entry(year=2031),
        _entry(year=1850),
        _entry(kind="blog"),
        _entry(id="Has Spaces"),
    ],
)
def test_a_malformed_entry_is_refused_on_load(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        _CitationFile.model_validate({"reviewed": "2026-12-05", "citations": [bad]})


def test_a_repeated_id_is_refused_on_load() -> None:
    with pytest.raises(ValidationError, match="twice"):
        _CitationFile.model_validate({"reviewed": "2026-12-05", "citations": [_entry(), _entry()]})


# ------------------------------------------------------------------ the migration map


def test_every_source_in_the_rules_actions_and_modalities_is_a_known_citation() -> None:
    known = {c.id for c in all_citations()}
    unknown = sorted(set(_cited_ids()) - known)
    assert not unknown, unknown


def test_no_rule_action_or_concern_cites_a_work_whose_year_is_unconfirmed() -> None:
    undated = {c.id for c in all_citations() if c.year is None}
    assert not (set(_cited_ids()) & undated)


def test_a_check_up_shows_real_citations_never_internal_file_names() -> None:
    from therapycheck.core.report import checkup_report

    answers = {"trust": 1, "safe_now": "not_safe", "conduct": ["followed"], "sessions": 9}
    doc = checkup_report({"answers": answers}).to_dict()
    shown = [s for f in doc["findings"] for s in f["sources"]]
    shown += [s for a in [*doc["actions"], *doc["later_actions"]] for s in a["sources"]]
    assert shown
    for text in shown:
        assert "https://" in text and "seed" not in text.lower(), text
        assert ".md" not in text and "§" not in text, text
