"""CSV export of everything, and import of the measurements CSV."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from therapycheck.cli import app
from therapycheck.interop.csv_io import (
    CsvImportError,
    export_csv,
    import_measurements_csv,
)
from therapycheck.interop.records import ExchangeError, ExchangeRecords

HEADER = "client_id,session,instrument,score,date," + ",".join(f"item_{n}" for n in range(1, 10))


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_export_writes_one_csv_per_kind(records: ExchangeRecords) -> None:
    files = export_csv(records)
    assert set(files) == {"measurements.csv", "journal.csv", "checkups.csv", "report_note.txt"}
    assert len(_rows(files["measurements.csv"])) == 5
    assert len(_rows(files["journal.csv"])) == 2
    assert len(_rows(files["checkups.csv"])) == 2


def test_the_measurements_csv_starts_with_the_outcomes_columns(records: ExchangeRecords) -> None:
    header = export_csv(records)["measurements.csv"].splitlines()[0].split(",")
    assert header[:5] == ["client_id", "session", "instrument", "score", "date"]
    assert header[-1] == "item_9"  # the widest instrument here is the PHQ-9


def test_a_safety_flagged_measurement_keeps_its_answers_and_flag(records: ExchangeRecords) -> None:
    rows = _rows(export_csv(records)["measurements.csv"])
    flagged = [r for r in rows if "safety" in r["flags"].split(";")]
    assert len(flagged) == 1
    assert flagged[0]["item_9"] == "2" and flagged[0]["date"] == "2025-01-13"


def test_measurements_round_trip_through_csv(records: ExchangeRecords) -> None:
    text = export_csv(records)["measurements.csv"]
    assert import_measurements_csv(text.encode("utf-8")) == records.measurements


def test_journal_text_cannot_run_as_a_spreadsheet_formula(records: ExchangeRecords) -> None:
    rows = _rows(export_csv(records)["journal.csv"])
    assert rows[0]["notes"].startswith("'=not a formula")
    assert rows[0]["topics"] == "Work stress, sleep"


def test_an_export_with_no_measurements_still_has_a_header() -> None:
    text = export_csv(ExchangeRecords())["measurements.csv"]
    assert text.startswith("client_id,session,instrument,score,date")
    assert import_measurements_csv(text) == ()


def test_a_csv_without_score_or_session_still_imports() -> None:
    text = "instrument,date,item_1,item_2\ngad2,2025-02-01,1,2\n"
    (only,) = import_measurements_csv(text)
    assert (only.instrument, only.total, only.session_number) == ("gad2", 3, None)


def test_every_bad_row_is_named_with_its_line_and_reason() -> None:
    text = "\n".join(
        [
            HEADER,
            "me,1,phq9,5,2025-01-06,1,1,1,1,1,0,0,0,0",  # good
            "me,2,phq9,5,2025-13-45,1,1,1,1,1,0,0,0,0",  # bad date
            "me,3,nope,5,2025-01-20,1,1,1,1,1,0,0,0,0",  # unknown instrument
            "me,x,phq9,5,2025-01-27,1,1,1,1,1,0,0,0,0",  # session not a number
            "me,5,phq9,9,2025-02-03,1,1,1,1,1,0,0,0,0",  # score disagrees with answers
            "me,6,phq9,,2025-02-10,1,1,1,1,1,0,0,0,",  # missing item 9
            "me,7,phq9,,2025-02-17,1,1,1,1,4,0,0,0,0",  # answer out of range
        ]
    )
    with pytest.raises(CsvImportError) as caught:
        import_measurements_csv(text)
    problems = {p.line: p.reason for p in caught.value.problems}
    assert sorted(problems) == [3, 4, 5, 6, 7, 8]
    assert "not year-month-day" in problems[3]
    assert "unknown questionnaire 'nope'" in problems[4]
    assert "session 'x' is not a whole number" in problems[5]
    assert "score 9 does not match the answers (they give 5)" in problems[6]
    assert "item_9 is empty" in problems[7]
    assert "answers are not valid" in problems[8]
    assert str(caught.value).startswith("6 bad rows, nothing was imported: line 3:")


def test_a_quoted_multiline_cell_does_not_shift_the_line_numbers() -> None:
    text = 'instrument,date,item_1,item_2,note\ngad2,2025-02-01,1,2,"two\nlines"\ngad2,bad,1,2,x\n'
    with pytest.raises(CsvImportError) as caught:
        import_measurements_csv(text)
    assert [p.line for p in caught.value.problems] == [4]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "the file is empty"),
        (b"\x00\x01\x02binary\xff", "looks binary"),
        (b"name,age\nSam,3\n", "no instrument or date column"),
        ("instrument,date,item_1\ncafé,x,1\n".encode("latin-1"), "not UTF-8"),
        (
            b"client_id,session,instrument,score,date\nme,1,phq9,5,2025-01-06\n",
            "no item answers",
        ),
    ],
)
def test_a_file_that_is_not_a_measurements_csv_is_named(data: bytes, words: str) -> None:
    with pytest.raises(ExchangeError, match=words):
        import_measurements_csv(data)


def test_a_file_with_several_clients_is_refused() -> None:
    text = "client_id,instrument,date,item_1,item_2\na,gad2,2025-02-01,1,2\nb,gad2,2025-02-01,1,2\n"
    with pytest.raises(ExchangeError, match="2 different client_id values"):
        import_measurements_csv(text)


def test_the_exported_measurements_feed_therapycheck_outcomes(
    records: ExchangeRecords, tmp_path: Path
) -> None:
    """The extra columns (band, flags, item_N) must not stop the outcomes CLI reading it."""
    # Stored measurements always have a session number (the fixture's WHO-5 has none).
    with_sessions = replace(records, measurements=records.measurements[:4])
    path = tmp_path / "measurements.csv"
    path.write_text(export_csv(with_sessions)["measurements.csv"], encoding="utf-8")
    result = CliRunner().invoke(app, ["outcomes", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    kpis = json.loads(result.stdout)
    # Sessions 1 and 2 both have PHQ-9 and GAD-7: one client who finished treatment.
    assert (kpis["clients"], kpis["finished_treatment"]) == (1, 1)
