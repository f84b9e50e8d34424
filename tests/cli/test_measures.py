"""`therapycheck instruments`, `therapycheck score` and `therapycheck docs instruments`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from therapycheck.cli import app, measures
from therapycheck.core.instruments import instrument_ids
from therapycheck.core.instruments.markdown import instruments_markdown

runner = CliRunner()

INSTRUMENT_KEYS = {"id", "name", "items", "min", "max", "higher_is_better", "licence", "source"}
SCORE_KEYS = {"instrument", "total", "band", "subscales", "flags"}


def test_instruments_json_lists_every_instrument_with_exactly_the_contract_keys() -> None:
    result = runner.invoke(app, ["instruments", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["id"] for row in rows] == list(instrument_ids())
    for row in rows:
        assert set(row) == INSTRUMENT_KEYS
    who5 = next(row for row in rows if row["id"] == "who5")
    assert (who5["items"], who5["min"], who5["max"], who5["higher_is_better"]) == (5, 0, 100, True)


def test_instruments_table_is_readable_text() -> None:
    result = runner.invoke(app, ["instruments"])
    assert result.exit_code == 0
    assert "phq9" in result.stdout and "wai_sr" in result.stdout


def test_score_json_has_the_contract_keys() -> None:
    result = runner.invoke(app, ["score", "phq9", "--answers", "1,0,2,3,1,1,1,1,0", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) >= SCORE_KEYS
    assert document["instrument"] == "phq9"
    assert document["total"] == 10
    assert document["band"] == "moderate"
    assert document["flags"] == ["case"]
    assert "safety" not in document


def test_score_json_adds_safety_details_when_item_nine_is_answered() -> None:
    answers = "0,0,0,0,0,0,0,0,2"
    result = runner.invoke(
        app, ["score", "phq9", "--answers", answers, "--country", "US", "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert "safety" in document["flags"]
    assert document["safety"]["crisis"] is True
    assert document["safety"]["resources"]


def test_score_table_shows_crisis_support_before_the_score() -> None:
    result = runner.invoke(app, ["score", "core10", "-a", "0,4,4,0,0,1,0,0,0,0", "--country", "GB"])
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "Your safety comes first" in text
    assert text.index("Your safety comes first") < text.index("Total")
    assert "116 123" in text  # Samaritans, the UK line in the crisis data


def test_score_table_without_risk_shows_no_crisis_message() -> None:
    result = runner.invoke(app, ["score", "gad7", "-a", "0,0,0,0,0,0,0"])
    assert result.exit_code == 0
    assert "safety comes first" not in result.stdout
    assert "minimal" in result.stdout


def test_score_subscales_and_sex_reach_the_json() -> None:
    result = runner.invoke(
        app, ["score", "audit-c", "-a", "1,1,1", "--sex", "female", "-f", "json"]
    )
    assert json.loads(result.stdout)["flags"] == ["positive_screen"]
    result = runner.invoke(app, ["score", "wai_sr", "-a", ",".join(["4"] * 12), "-f", "json"])
    assert json.loads(result.stdout)["subscales"] == {"task": 16, "bond": 16, "goal": 16}


def test_a_skipped_item_gives_no_total_and_says_why_on_stderr() -> None:
    result = runner.invoke(app, ["score", "gad7", "-a", "1,skip,1,1,1,1,1", "-f", "json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: GAD-7: item 2 skipped. A total needs every question")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_skipped_safety_item_is_never_read_as_safe() -> None:
    result = runner.invoke(app, ["score", "phq9", "-a", "1,1,1,1,1,1,1,1,skip"])
    assert result.exit_code == 2
    assert "A skipped answer does not tell us you are safe" in result.stderr


def test_a_risk_answer_with_a_skipped_item_still_shows_crisis_support_first() -> None:
    args = ["score", "phq9", "-a", "1,skip,1,1,1,1,1,1,2", "--country", "GB"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert text.index("Your safety comes first") < text.index("item 2 skipped")
    assert "116 123" in text
    doc = json.loads(runner.invoke(app, [*args, "-f", "json"]).stdout)
    assert doc["total"] is None and doc["band"] is None
    assert doc["flags"] == ["safety"]
    assert doc["missing_items"] == [2]
    assert doc["safety"]["crisis"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["score", "phq9", "-a", "1,0,2"], "error: PHQ-9 needs 9 answers, got 3"),
        (["score", "phq9", "-a", "0,0,4,0,0,0,0,0,0"], "error: PHQ-9 item 3: 4 is out of range"),
        (["score", "phq9", "-a", "0,x,0,0,0,0,0,0,0"], "error: PHQ-9 item 2: 'x' is not a number"),
        (["score", "bdi2", "-a", "1"], "error: unknown instrument 'bdi2'"),
    ],
)
def test_bad_input_exits_2_with_one_line_on_stderr(args: list[str], message: str) -> None:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1


def test_docs_instruments_prints_the_generated_page() -> None:
    result = runner.invoke(app, ["docs", "instruments"])
    assert result.exit_code == 0
    assert result.stdout.startswith("# Instruments")
    for instrument_id in instrument_ids():
        assert f"(`{instrument_id}`)" in result.stdout


def test_docs_instruments_json_uses_the_instruments_contract() -> None:
    result = runner.invoke(app, ["docs", "instruments", "--format", "json"])
    assert result.exit_code == 0
    assert {frozenset(row) for row in json.loads(result.stdout)} == {frozenset(INSTRUMENT_KEYS)}


def test_score_accepts_answers_separated_by_spaces() -> None:
    result = runner.invoke(app, ["score", "phq2", "-a", "1 2", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["total"] == 3


def test_docs_instruments_writes_the_page_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "instruments.md"
    result = runner.invoke(app, ["docs", "instruments", "--output", str(target)])
    assert result.exit_code == 0
    assert target.read_text(encoding="utf-8") == instruments_markdown()


def test_docs_instruments_reports_an_unwritable_path_in_one_line(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "instruments.md"
    result = runner.invoke(app, ["docs", "instruments", "--output", str(target)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot write")
    assert result.stderr.count("\n") == 1


def test_score_refuses_a_bad_country_setting_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THERAPYCHECK_COUNTRY", "not a country")
    result = runner.invoke(app, ["score", "phq9", "--answers", "0,0,0,0,0,0,0,0,1"])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "THERAPYCHECK_COUNTRY" in result.stderr


def test_score_reads_a_country_as_people_type_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THERAPYCHECK_COUNTRY", raising=False)
    args = ["score", "phq9", "--answers", "0,0,0,0,0,0,0,0,1", "--format", "json"]
    result = runner.invoke(app, [*args, "--country", " uk"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["safety"]["country"] == "GB"


def _with_saved_checkup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answers: dict[str, str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("THERAPYCHECK_DATA_DIR", str(data))
    doc = {"answers": {"sessions": 6, **answers}, "measures": {}}
    (data / "checkup-20261201-101010.json").write_text(json.dumps(doc), encoding="utf-8")


RISK = ["score", "phq9", "-a", "1,1,1,1,1,1,1,1,2", "--country", "GB"]


def test_without_a_misconduct_finding_the_crisis_step_may_suggest_the_therapist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _with_saved_checkup(tmp_path, monkeypatch, {"dual_relationship": "no"})
    doc = json.loads(runner.invoke(app, [*RISK, "-f", "json"]).stdout)
    assert any("like your therapist" in step for step in doc["safety"]["steps"])


def test_after_a_saved_check_up_found_misconduct_no_crisis_step_names_the_therapist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _with_saved_checkup(tmp_path, monkeypatch, {"dual_relationship": "yes"})
    doc = json.loads(runner.invoke(app, [*RISK, "-f", "json"]).stdout)
    assert doc["safety"]["steps"]
    assert not any("therapist" in step.lower() for step in doc["safety"]["steps"])
    text = runner.invoke(app, RISK).stdout
    assert "Your safety comes first" in text and "therapist" not in text.lower()


def test_an_unreadable_saved_check_up_never_stops_the_crisis_response(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _with_saved_checkup(tmp_path, monkeypatch, {})
    (tmp_path / "data" / "checkup-20261202-101010.json").write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, RISK)
    assert result.exit_code == 0
    assert "Your safety comes first" in result.stdout


def test_without_the_safety_module_the_fallback_still_comes_first_and_names_no_therapist(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The fallback cannot know of a misconduct finding, so it sends no one to the therapist.
    def unavailable(*_: object) -> None:
        raise ImportError("therapycheck.core.safety")

    monkeypatch.setattr(measures, "_crisis_response", unavailable)
    result = runner.invoke(app, ["score", "phq9", "--answers", "1,1,1,1,1,1,1,1,2"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index("Your safety comes first") < out.index("Total")
    assert "116 123" in out and "988" in out
    assert "therapist" not in out.lower()
