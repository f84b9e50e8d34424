"""The instrument registry and schema, checked against the published figures.

Sources named per test: Kroenke et al. 2001 (PHQ-9), Spitzer et al. 2006 (GAD-7), NHS Talking
Therapies manual (caseness, reliable change), Topp et al. 2015 and the WHO Collaborating
Centre (WHO-5), Barkham et al. 2013 and the CORE-10 manual (CORE-10), National Center for
PTSD and Bovin et al. 2016 (PCL-5), Skinner 1982 / Yudko et al. 2007 (DAST-10), Kessler et
al. 2005 (ASRS), Hatcher & Gillaspy 2006 (WAI-SR), REFERENCES.md for LOINC codes.
"""

from __future__ import annotations

import copy
import math
from importlib import resources
from typing import Any

import pytest
import yaml

from therapycheck.core.instruments import (
    InstrumentDataError,
    UnknownInstrument,
    _load_file,
    all_instruments,
    get_instrument,
    instrument_from_dict,
    instrument_ids,
)

EXPECTED_IDS = {
    "phq9", "gad7", "phq2", "gad2", "who5", "pcl5",
    "audit_c", "dast10", "asrs6", "core10", "wai_sr",
}  # fmt: skip


def raw_data(instrument_id: str) -> dict[str, Any]:
    text = (
        resources.files("therapycheck.core.instruments")
        .joinpath(f"{instrument_id}.yaml")
        .read_text(encoding="utf-8")
    )
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return copy.deepcopy(data)


# --- registry --------------------------------------------------------------------------


def test_it_registers_every_instrument_of_the_brief() -> None:
    assert set(instrument_ids()) == EXPECTED_IDS


def test_it_loads_each_instrument_once() -> None:
    assert all_instruments() is all_instruments()


@pytest.mark.parametrize(
    ("name", "expected"),
    [("PHQ-9", "phq9"), ("AUDIT-C", "audit_c"), ("wai-sr", "wai_sr"), (" gad7 ", "gad7")],
)
def test_it_finds_an_instrument_by_its_display_name(name: str, expected: str) -> None:
    assert get_instrument(name).id == expected


def test_an_unknown_instrument_is_a_value_error_listing_the_known_ones() -> None:
    with pytest.raises(UnknownInstrument, match=r"unknown instrument 'bdi2'.*phq9") as info:
        get_instrument("bdi2")
    assert isinstance(info.value, ValueError)


# --- ranges, bands and cutoffs ---------------------------------------------------------


@pytest.mark.parametrize(
    ("instrument_id", "items", "low", "high", "higher_is_better"),
    [
        ("phq9", 9, 0, 27, False),  # Kroenke et al. 2001
        ("gad7", 7, 0, 21, False),  # Spitzer et al. 2006
        ("phq2", 2, 0, 6, False),  # Kroenke et al. 2003
        ("gad2", 2, 0, 6, False),  # Kroenke et al. 2007
        ("who5", 5, 0, 100, True),  # Topp et al. 2015: raw 0-25 x 4
        ("pcl5", 20, 0, 80, False),  # National Center for PTSD
        ("audit_c", 3, 0, 12, False),  # Bush et al. 1998
        ("dast10", 10, 0, 10, False),  # Skinner 1982
        ("asrs6", 6, 0, 6, False),  # Kessler et al. 2005: count of shaded answers
        ("core10", 10, 0, 40, False),  # Barkham et al. 2013
        ("wai_sr", 12, 12, 60, True),  # Hatcher & Gillaspy 2006: 12 items scored 1-5
    ],
)
def test_each_instrument_reports_its_published_range(
    instrument_id: str, items: int, low: int, high: int, higher_is_better: bool
) -> None:
    inst = get_instrument(instrument_id)
    assert (len(inst.items), inst.min, inst.max) == (items, low, high)
    assert inst.higher_is_better is higher_is_better


# (instrument, total, band label): both edges of every published band.
BAND_EDGES = [
    # PHQ-9, Kroenke et al. 2001
    ("phq9", 0, "none or minimal"), ("phq9", 4, "none or minimal"),
    ("phq9", 5, "mild"), ("phq9", 9, "mild"),
    ("phq9", 10, "moderate"), ("phq9", 14, "moderate"),
    ("phq9", 15, "moderately severe"), ("phq9", 19, "moderately severe"),
    ("phq9", 20, "severe"), ("phq9", 27, "severe"),
    # GAD-7, Spitzer et al. 2006
    ("gad7", 0, "minimal"), ("gad7", 4, "minimal"), ("gad7", 5, "mild"), ("gad7", 9, "mild"),
    ("gad7", 10, "moderate"), ("gad7", 14, "moderate"),
    ("gad7", 15, "severe"), ("gad7", 21, "severe"),
    # WHO-5, Topp et al. 2015 (<= 28) and WHO CC (raw < 13, i.e. <= 48)
    ("who5", 0, "very low well-being"), ("who5", 28, "very low well-being"),
    ("who5", 32, "low well-being"), ("who5", 48, "low well-being"),
    ("who5", 52, "not in the low range"), ("who5", 100, "not in the low range"),
    # CORE-10, Barkham et al. 2013
    ("core10", 0, "healthy or low level"), ("core10", 10, "healthy or low level"),
    ("core10", 11, "mild"), ("core10", 14, "mild"),
    ("core10", 15, "moderate"), ("core10", 19, "moderate"),
    ("core10", 20, "moderate to severe"), ("core10", 24, "moderate to severe"),
    ("core10", 25, "severe"), ("core10", 40, "severe"),
    # DAST-10, Skinner 1982 as summarised by Yudko et al. 2007
    ("dast10", 0, "no problems reported"), ("dast10", 1, "low level"), ("dast10", 2, "low level"),
    ("dast10", 3, "moderate level"), ("dast10", 5, "moderate level"),
    ("dast10", 6, "substantial level"), ("dast10", 8, "substantial level"),
    ("dast10", 9, "severe level"), ("dast10", 10, "severe level"),
]  # fmt: skip


@pytest.mark.parametrize(("instrument_id", "total", "label"), BAND_EDGES)
def test_band_edges_match_the_published_bands(instrument_id: str, total: int, label: str) -> None:
    band = get_instrument(instrument_id).band_for(total)
    assert band is not None
    assert band.label == label


def test_every_band_of_every_instrument_has_both_edges_tested() -> None:
    tested = {(i, t) for i, t, _ in BAND_EDGES}
    for inst in all_instruments():
        for band in inst.bands:
            assert (inst.id, band.min) in tested and (inst.id, band.max) in tested, inst.id


@pytest.mark.parametrize("instrument_id", ["phq2", "gad2", "pcl5", "audit_c", "asrs6", "wai_sr"])
def test_instruments_without_published_bands_report_no_band(instrument_id: str) -> None:
    inst = get_instrument(instrument_id)
    assert inst.bands == ()
    assert inst.band_for(inst.max) is None


def test_a_total_outside_the_scale_has_no_band() -> None:
    phq9 = get_instrument("phq9")
    assert phq9.band_for(-1) is None
    assert phq9.band_for(28) is None


def test_a_total_between_bands_belongs_to_the_lower_band() -> None:
    # WHO-5 moves in steps of 4; an average such as 30 sits between 28 and 32.
    band = get_instrument("who5").band_for(30)
    assert band is not None and band.label == "very low well-being"


@pytest.mark.parametrize(
    ("instrument_id", "below", "at"),
    [
        ("phq9", 9, 10),  # NHS Talking Therapies caseness
        ("gad7", 7, 8),  # NHS Talking Therapies caseness
        ("core10", 10, 11),  # Barkham et al. 2013
        ("pcl5", 32, 33),  # Bovin et al. 2016
    ],
)
def test_caseness_starts_exactly_at_the_published_cutoff(
    instrument_id: str, below: int, at: int
) -> None:
    inst = get_instrument(instrument_id)
    assert inst.is_case(below) is False
    assert inst.is_case(at) is True


def test_who5_poor_well_being_is_a_raw_score_below_13() -> None:
    # WHO Collaborating Centre: raw < 13 is poor well-being; x 4 gives 48 and below.
    who5 = get_instrument("who5")
    assert who5.is_case(12 * 4) is True
    assert who5.is_case(13 * 4) is False


def test_instruments_without_a_cutoff_answer_none() -> None:
    assert get_instrument("wai_sr").is_case(12) is None


# --- reliable change and norms ---------------------------------------------------------


@pytest.mark.parametrize(
    ("instrument_id", "points"),
    [
        ("phq9", 6),  # NHS Talking Therapies
        ("gad7", 4),  # NHS Talking Therapies
        ("who5", 10),  # Topp et al. 2015: 10 percentage points
        ("pcl5", 10),  # National Center for PTSD: clinically meaningful change
    ],
)
def test_published_reliable_change_thresholds(instrument_id: str, points: float) -> None:
    assert get_instrument(instrument_id).reliable_change_points() == points


def test_core10_reliable_change_follows_the_jacobson_truax_worked_example() -> None:
    # Jacobson & Truax 1991 with CORE-10 SD 7.7 and alpha .90 (Barkham et al. 2013):
    # 1.96 * sqrt(2) * 7.7 * sqrt(0.1) = 6.75, "about 6.7" in REFERENCES.md.
    points = get_instrument("core10").reliable_change_points()
    assert points is not None
    assert points == pytest.approx(1.96 * math.sqrt(2) * 7.7 * math.sqrt(0.1))
    assert 6.7 <= points < 6.8


def test_core10_norms_put_the_jacobson_truax_cutoff_next_to_the_published_11() -> None:
    # CORE-10 manual norms (general population 4.7 / 4.8; counselling 19.7 / 7.7) give
    # c = (SD0*M1 + SD1*M0) / (SD0 + SD1), which should agree with the clinical cutoff 11.
    norms = get_instrument("core10").norms
    assert norms is not None
    c = (norms.functional_sd * norms.clinical_mean + norms.clinical_sd * norms.functional_mean) / (
        norms.functional_sd + norms.clinical_sd
    )
    assert 10 < c <= 11


@pytest.mark.parametrize("instrument_id", ["phq2", "gad2", "audit_c", "dast10", "asrs6", "wai_sr"])
def test_instruments_without_a_published_change_figure_answer_none(instrument_id: str) -> None:
    assert get_instrument(instrument_id).reliable_change_points() is None


# --- safety, subscales, LOINC, licences ------------------------------------------------


def test_only_phq9_item_9_and_core10_item_6_are_safety_items() -> None:
    found = {inst.id: inst.safety_items for inst in all_instruments() if inst.safety_items}
    assert found == {"phq9": (9,), "core10": (6,)}


def test_pcl5_clusters_follow_dsm5() -> None:
    pcl5 = get_instrument("pcl5")
    clusters = {s.id: s.items for s in pcl5.subscales}
    assert clusters == {
        "B": (1, 2, 3, 4, 5),
        "C": (6, 7),
        "D": (8, 9, 10, 11, 12, 13, 14),
        "E": (15, 16, 17, 18, 19, 20),
    }


def test_wai_sr_subscales_follow_hatcher_and_gillaspy() -> None:
    subscales = {s.id: s.items for s in get_instrument("wai_sr").subscales}
    assert subscales == {"task": (1, 2, 10, 12), "bond": (3, 5, 7, 9), "goal": (4, 6, 8, 11)}


@pytest.mark.parametrize(
    ("instrument_id", "panel", "total"),
    [
        ("phq9", "44249-1", "44261-6"),
        ("gad7", "69737-5", "70274-6"),
        ("phq2", "55757-9", "55758-7"),
        ("pcl5", "101697-1", "101698-9"),
        ("audit_c", "72109-2", "75626-2"),
        ("dast10", "82666-9", "82667-7"),
    ],
)
def test_loinc_codes_match_references(instrument_id: str, panel: str, total: str) -> None:
    inst = get_instrument(instrument_id)
    assert (inst.loinc_panel, inst.loinc_total) == (panel, total)


def test_unverified_loinc_codes_are_left_out_and_say_why() -> None:
    for instrument_id in ("who5", "asrs6", "gad2"):
        inst = get_instrument(instrument_id)
        assert inst.loinc_panel is None and inst.loinc_total is None
        assert any("LOINC" in note for note in inst.notes)


@pytest.mark.parametrize(
    ("instrument_id", "verbatim"),
    [
        ("phq9", True), ("gad7", True), ("phq2", True), ("gad2", True), ("who5", True),
        ("pcl5", True), ("audit_c", True),
        ("dast10", False), ("asrs6", False), ("core10", False), ("wai_sr", False),
    ],
)  # fmt: skip
def test_items_are_verbatim_only_where_the_licence_allows(
    instrument_id: str, verbatim: bool
) -> None:
    inst = get_instrument(instrument_id)
    assert inst.licence.verbatim_items is verbatim
    if not verbatim:
        assert "paraphrase" in inst.licence.notes
        assert "paraphrased" in inst.version


def test_short_forms_repeat_the_first_items_of_their_parent() -> None:
    for short_id in ("phq2", "gad2"):
        short = get_instrument(short_id)
        assert short.parent is not None
        parent = get_instrument(short.parent)
        assert [i.text for i in short.items] == [i.text for i in parent.items[:2]]


def test_every_instrument_names_a_citation_and_a_source_url() -> None:
    for inst in all_instruments():
        assert inst.source.citation and inst.source.url, inst.id
        assert inst.licence.source.citation, inst.id


# --- the schema refuses bad data -------------------------------------------------------


def test_the_shipped_data_file_is_valid_as_a_dict() -> None:
    assert instrument_from_dict(raw_data("phq9")).id == "phq9"


@pytest.mark.parametrize(
    "path",
    [
        ("bands", 0, "source"),
        ("caseness", "source"),
        ("reliable_change", "source"),
        ("scoring", "source"),
        ("safety", "source"),
    ],
)
def test_a_number_without_a_source_does_not_load(path: tuple[Any, ...]) -> None:
    data = raw_data("phq9")
    parent: Any = data
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    with pytest.raises(InstrumentDataError, match="source"):
        instrument_from_dict(data, "phq9.yaml")


def test_norms_without_a_source_do_not_load() -> None:
    data = raw_data("core10")
    del data["norms"]["source"]
    with pytest.raises(InstrumentDataError, match="source"):
        instrument_from_dict(data)


def test_a_subscale_without_a_source_does_not_load() -> None:
    data = raw_data("wai_sr")
    del data["subscales"][0]["source"]
    with pytest.raises(InstrumentDataError, match="source"):
        instrument_from_dict(data)


def test_a_gap_between_bands_does_not_load() -> None:
    data = raw_data("phq9")
    data["bands"][1]["min"] = 6  # nothing covers a total of 5
    with pytest.raises(InstrumentDataError, match="falls in no band"):
        instrument_from_dict(data)


def test_bands_that_miss_the_top_of_the_scale_do_not_load() -> None:
    data = raw_data("phq9")
    data["bands"][-1]["max"] = 26
    with pytest.raises(InstrumentDataError, match="whole scale"):
        instrument_from_dict(data)


def test_a_safety_item_that_does_not_exist_does_not_load() -> None:
    data = raw_data("phq9")
    data["safety"]["items"] = [10]
    with pytest.raises(InstrumentDataError, match="do not exist"):
        instrument_from_dict(data)


def test_a_cutoff_pointing_the_wrong_way_does_not_load() -> None:
    data = raw_data("who5")
    data["caseness"] = {**data["caseness"], "at_or_below": None, "at_or_above": 52}
    with pytest.raises(InstrumentDataError, match="direction"):
        instrument_from_dict(data)


def test_an_unknown_field_does_not_load() -> None:
    data = raw_data("phq9")
    data["cutoff"] = 10
    with pytest.raises(InstrumentDataError, match="cutoff"):
        instrument_from_dict(data)


def test_reliable_change_needs_a_threshold_or_sd_and_reliability() -> None:
    data = raw_data("core10")
    del data["reliable_change"]["reliability"]
    with pytest.raises(InstrumentDataError, match="sd and reliability"):
        instrument_from_dict(data)


def test_a_data_file_must_be_named_after_its_id() -> None:
    text = yaml.safe_dump(raw_data("phq9"))
    with pytest.raises(InstrumentDataError, match="file name"):
        _load_file("depression.yaml", text)


def test_an_item_answer_is_named_in_the_words_of_its_option() -> None:
    phq9 = get_instrument("phq9")
    assert phq9.item_label(9, 0) == "Not at all"
    assert phq9.item_label(9, 3) == "Nearly every day"
    # A value no option has is shown as the number itself.
    assert phq9.item_label(9, 7) == "7"
