"""Files in, report out: reading CSV and Parquet, bad rows, skipping and the per-client table."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.analytics.kpis import compute_kpis
from therapycheck.analytics.pipeline import STEPS, analyse_file
from therapycheck.analytics.readers import BadRowsError, InputError

HEADER = "client_id,session,instrument,score"
# Two clients who both finished: "a" recovered reliably, "b" got reliably worse.
CLEAN = [
    "a,1,phq9,18",
    "a,1,gad7,12",
    "a,2,phq9,6",
    "a,2,gad7,4",
    "b,1,phq9,5",
    "b,1,gad7,3",
    "b,2,phq9,12",
    "b,2,gad7,9",
]


def write_csv(tmp_path: Path, lines: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "scores.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def bad_row_message(tmp_path: Path, extra: str, position: int = 3) -> str:
    lines = CLEAN[:]
    lines.insert(position, extra)
    with pytest.raises(BadRowsError) as caught:
        analyse_file(write_csv(tmp_path, lines))
    return str(caught.value)


def test_a_clean_file_gives_the_contract_kpis_and_no_skipped_rows(tmp_path: Path) -> None:
    report = analyse_file(write_csv(tmp_path, CLEAN))
    result = report.as_dict()
    assert result["clients"] == 2
    assert result["finished_treatment"] == 2
    assert (result["recovered"], result["reliable_recovery"]) == (1, 1)
    assert result["reliable_deterioration"] == 1
    assert result["reliable_improvement_rate"] == 0.5
    assert result["skipped_rows"] == 0
    assert report.bad_rows.is_empty()


def test_an_unknown_instrument_stops_the_run_naming_the_line(tmp_path: Path) -> None:
    # The header is line 1, so the 4th data row is line 5.
    message = bad_row_message(tmp_path, "a,3,bdi2,20")
    assert message.startswith("line 5: unknown instrument 'bdi2'")


def test_a_score_out_of_range_names_the_line_and_the_range(tmp_path: Path) -> None:
    message = bad_row_message(tmp_path, "a,3,phq9,30")
    assert message.startswith("line 5: score 30 is out of range for phq9 (0-27)")


def test_a_negative_score_is_out_of_range(tmp_path: Path) -> None:
    assert "score -1 is out of range for gad7 (0-21)" in bad_row_message(tmp_path, "a,3,gad7,-1")


def test_a_non_integer_session_is_a_bad_row(tmp_path: Path) -> None:
    message = bad_row_message(tmp_path, "a,2.5,phq9,10")
    assert message.startswith("line 5: session 2.5 is not a whole number")


def test_a_session_that_is_not_a_number_is_a_bad_row(tmp_path: Path) -> None:
    assert "line 5: session 'two' is not a number" in bad_row_message(tmp_path, "a,two,phq9,10")


def test_a_score_that_is_not_a_number_is_a_bad_row(tmp_path: Path) -> None:
    assert "line 5: score 'high' is not a number" in bad_row_message(tmp_path, "a,3,phq9,high")


def test_missing_values_are_bad_rows(tmp_path: Path) -> None:
    assert "line 5: score is missing" in bad_row_message(tmp_path, "a,3,phq9,")
    assert "line 5: client_id is missing" in bad_row_message(tmp_path, ",3,phq9,4")
    assert "line 5: session is missing" in bad_row_message(tmp_path, "a,,phq9,4")
    assert "line 5: instrument is missing" in bad_row_message(tmp_path, "a,3,,4")


def test_a_fractional_phq9_total_is_a_bad_row(tmp_path: Path) -> None:
    assert "score 7.5 is not a whole number" in bad_row_message(tmp_path, "a,3,phq9,7.5")


def test_a_duplicate_with_a_different_score_names_both_lines(tmp_path: Path) -> None:
    # "a,2,phq9,6" is line 4; the clashing copy is the last line (10).
    message = bad_row_message(tmp_path, "a,2,phq9,7", position=len(CLEAN))
    assert message.startswith("line 4: session 2 has different phq9 scores for this client")
    assert "lines 4, 10" in message
    assert "(2 bad rows in all)" in message


def test_an_exact_duplicate_is_not_an_error(tmp_path: Path) -> None:
    report = analyse_file(write_csv(tmp_path, [*CLEAN, "a,2,phq9,6", "b,1,gad7,3"]))
    assert report.skipped_rows == 0
    assert report.kpis == analyse_file(write_csv(tmp_path, CLEAN)).kpis


def test_skip_bad_rows_counts_them_and_lists_each_with_its_reason(tmp_path: Path) -> None:
    lines = [*CLEAN, "c,1,phq9,99", "c,x,gad7,3", "a,2,gad7,5", "d,1,nope,3"]
    report = analyse_file(write_csv(tmp_path, lines), skip_bad_rows=True)
    assert report.skipped_rows == 5
    bad = report.bad_rows
    assert bad.columns == ["line", "client_id", "reason"]
    assert bad["line"].to_list() == [5, 10, 11, 12, 13]
    assert bad["client_id"].to_list() == ["a", "c", "c", "a", "d"]
    assert "different gad7 scores" in bad["reason"][0]
    assert "out of range" in bad["reason"][1]
    # Client "a" lost its session-2 GAD-7 (both clashing copies), so it is not finished;
    # "c" and "d" have no usable rows at all.
    assert report.kpis.clients == 2
    assert report.kpis.finished_treatment == 1


def test_other_registry_instruments_are_checked_for_range_and_otherwise_ignored(
    tmp_path: Path,
) -> None:
    clean = analyse_file(write_csv(tmp_path, [*CLEAN, "a,1,core10,20", "e,1,who5,40"]))
    assert clean.kpis == analyse_file(write_csv(tmp_path, CLEAN)).kpis
    assert "out of range for core10 (0-40)" in bad_row_message(tmp_path, "a,1,core10,41")


def test_a_clash_on_another_instrument_is_a_bad_row_too(tmp_path: Path) -> None:
    lines = [*CLEAN, "a,1,core10,20", "a,1,core10,21"]
    report = analyse_file(write_csv(tmp_path, lines), skip_bad_rows=True)
    assert report.bad_rows["line"].to_list() == [10, 11]
    assert report.skipped_rows == 2


def test_instrument_names_are_matched_the_way_the_registry_matches_them(tmp_path: Path) -> None:
    lines = [line.replace("phq9", "PHQ-9").replace("gad7", "GAD-7") for line in CLEAN]
    assert (
        analyse_file(write_csv(tmp_path, lines)).kpis
        == analyse_file(write_csv(tmp_path, CLEAN)).kpis
    )


def test_an_optional_date_column_is_accepted_and_ignored(tmp_path: Path) -> None:
    lines = [f"{line},2025-01-0{i % 9 + 1}" for i, line in enumerate(CLEAN)]
    report = analyse_file(write_csv(tmp_path, lines, header=f"{HEADER},date"))
    assert report.kpis == analyse_file(write_csv(tmp_path, CLEAN)).kpis


def test_columns_may_come_in_any_order(tmp_path: Path) -> None:
    lines = [",".join(reversed(line.split(","))) for line in CLEAN]
    report = analyse_file(write_csv(tmp_path, lines, header="score,instrument,session,client_id"))
    assert report.kpis.reliable_recovery == 1


def test_a_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path, ["a,1,phq9"], header="client_id,session,instrument")
    with pytest.raises(InputError, match="no column score"):
        analyse_file(path)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        analyse_file(tmp_path / "nope.csv")


def test_an_unsupported_file_type_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "scores.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(InputError, match=r"\.csv or \.parquet"):
        analyse_file(path)


def test_a_corrupt_parquet_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "scores.parquet"
    path.write_bytes(b"this is not parquet")
    with pytest.raises(InputError, match="cannot read"):
        analyse_file(path)


def parquet_of(tmp_path: Path, lines: list[str]) -> Path:
    csv = pl.read_csv(write_csv(tmp_path, lines), infer_schema=False)
    path = tmp_path / "scores.parquet"
    csv.with_columns(pl.col("session").cast(pl.Int64, strict=False)).write_parquet(path)
    return path


def test_parquet_input_gives_the_same_kpis_as_csv(tmp_path: Path) -> None:
    report = analyse_file(parquet_of(tmp_path, CLEAN))
    assert report.kpis == analyse_file(write_csv(tmp_path, CLEAN)).kpis
    assert report.unit == "row"


def test_parquet_bad_rows_are_named_by_row_counting_from_one(tmp_path: Path) -> None:
    with pytest.raises(BadRowsError, match=r"^row 2: score 'x' is not a number"):
        analyse_file(parquet_of(tmp_path, ["a,1,phq9,3", "a,1,gad7,x"]))


def test_the_per_client_table_is_built_when_asked(tmp_path: Path) -> None:
    report = analyse_file(write_csv(tmp_path, CLEAN), with_per_client=True)
    assert report.per_client is not None
    assert report.per_client["client_id"].to_list() == ["a", "b"]
    assert report.per_client["reliable_recovery"].to_list() == [True, False]
    assert analyse_file(write_csv(tmp_path, CLEAN)).per_client is None


def test_progress_steps_are_reported_in_order(tmp_path: Path) -> None:
    seen: list[str] = []
    analyse_file(write_csv(tmp_path, CLEAN), on_step=seen.append)
    assert tuple(seen) == STEPS


def test_a_blank_line_is_a_bad_row_and_later_lines_keep_their_numbers(tmp_path: Path) -> None:
    lines = [*CLEAN[:2], "", *CLEAN[2:], "c,1,phq9,28"]
    report = analyse_file(write_csv(tmp_path, lines), skip_bad_rows=True)
    assert report.bad_rows["line"].to_list() == [4, 11]
    assert report.bad_rows["reason"].to_list()[0] == "empty row"
    assert report.kpis == analyse_file(write_csv(tmp_path, CLEAN)).kpis


def test_a_quoted_comma_inside_a_client_id_is_fine(tmp_path: Path) -> None:
    lines = [line.replace("a,", '"Smith, A",', 1) for line in CLEAN]
    report = analyse_file(write_csv(tmp_path, lines), with_per_client=True)
    assert report.per_client is not None
    assert report.per_client["client_id"].to_list() == ["Smith, A", "b"]


def test_a_row_with_too_many_values_names_its_line(tmp_path: Path) -> None:
    lines = [*CLEAN[:3], "a,3,phq9,4,extra", *CLEAN[3:]]
    with pytest.raises(InputError, match=r"^line 5: 5 values but the header has 4"):
        analyse_file(write_csv(tmp_path, lines))


def test_a_row_with_too_few_values_is_a_bad_row(tmp_path: Path) -> None:
    with pytest.raises(BadRowsError, match=r"^line 5: score is missing"):
        analyse_file(write_csv(tmp_path, [*CLEAN[:3], "a,3,phq9", *CLEAN[3:]]))


def test_a_file_with_only_a_header_gives_zero_clients(tmp_path: Path) -> None:
    result = analyse_file(write_csv(tmp_path, [])).as_dict()
    assert result["clients"] == 0
    assert result["recovery_rate"] is None


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from("abcd"), st.integers(1, 5), st.sampled_from(["phq9", "gad7"])),
        st.integers(0, 21),
        max_size=40,
    )
)
def test_reading_a_clean_csv_gives_the_same_kpis_as_the_rules_on_the_rows(
    tmp_path: Path, cells: dict[tuple[str, int, str], int]
) -> None:
    rows = [(client, session, inst, score) for (client, session, inst), score in cells.items()]
    lines = [f"{client},{session},{inst},{score}" for client, session, inst, score in rows]
    schema = {
        "client_id": pl.String,
        "session": pl.Int64,
        "instrument": pl.String,
        "score": pl.Int64,
    }
    expected = compute_kpis(pl.DataFrame(rows, schema=schema, orient="row"))
    assert analyse_file(write_csv(tmp_path, lines)).kpis == expected
