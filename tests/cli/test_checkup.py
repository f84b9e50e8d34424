"""`therapycheck questions` and `therapycheck checkup`: contract, safety first, interview.

The JSON shape is DESIGN.md's "contract — CLI"; safety first is FACTORS.md principle 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from therapycheck.cli import app
from therapycheck.core.checkup import question_bank
from therapycheck.core.checkup.model import ACTION_IDS, FACTOR_IDS

runner = CliRunner()

CALM = {
    "answers": {
        "sessions": 12,
        "frequency": "weekly",
        "safe_now": "safe",
        "harm_worry": "no",
        "trust": 2,
        "heard": 2,
    },
    "measures": {"phq9": [1, 1, 1, 1, 1, 1, 1, 1, 0], "gad7": [1, 1, 1, 1, 1, 1, 1]},
}
# PHQ-9 item 9 above 0 must trigger the safety response (REFERENCES.md §1).
ITEM_NINE = {
    "answers": {"sessions": 12, "trust": 2},
    "measures": {"phq9": [1, 1, 1, 1, 1, 1, 1, 1, 1]},
}
MISCONDUCT = {"answers": {"sessions": 6, "dual_relationship": "yes", "trust": 1}}


def write(tmp_path: Path, doc: Any, name: str = "answers.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def run_file(tmp_path: Path, doc: Any, *args: str) -> Any:
    return runner.invoke(app, ["checkup", "--answers", str(write(tmp_path, doc)), *args])


# --------------------------------------------------------------------------- questions


def test_questions_json_is_the_question_bank() -> None:
    result = runner.invoke(app, ["questions", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    expected = json.loads(json.dumps(question_bank().to_dict()))  # tuples become lists
    assert json.loads(result.stdout) == expected


def test_questions_table_lists_the_questions() -> None:
    result = runner.invoke(app, ["questions"])
    assert result.exit_code == 0
    assert "safe_now" in result.stdout


# --------------------------------------------------------------------------- --answers


def test_checkup_json_has_exactly_the_contract_shape(tmp_path: Path) -> None:
    result = run_file(tmp_path, CALM, "--format", "json", "--country", "GB")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {"findings", "actions", "safety"} <= set(doc)
    assert doc["findings"], "low trust and not feeling heard should be found"
    for finding in doc["findings"]:
        assert {"factor", "severity", "why"} <= set(finding)
        assert finding["factor"] in FACTOR_IDS
        assert isinstance(finding["why"], list) and finding["why"]
    for action in doc["actions"]:
        assert {"action", "when", "steps"} <= set(action)
        assert action["action"] in ACTION_IDS
    assert doc["safety"]["crisis"] is False
    assert doc["safety"]["resources"][0]["contact"] == "116 123"


def test_item_nine_puts_safety_first_in_json(tmp_path: Path) -> None:
    result = run_file(tmp_path, ITEM_NINE, "--format", "json", "--country", "US")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["safety"]["crisis"] is True
    assert doc["findings"][0]["factor"] == "safety_crisis"
    assert doc["actions"][0]["action"] == "crisis_support_now"
    assert any("988" in step for step in doc["actions"][0]["steps"])


def test_findings_are_ordered_most_important_first(tmp_path: Path) -> None:
    doc = json.loads(run_file(tmp_path, ITEM_NINE, "-f", "json").stdout)
    ranks = {"urgent": 0, "high": 1, "medium": 2, "low": 3}
    severities = [ranks[f["severity"]] for f in doc["findings"][1:]]
    assert severities == sorted(severities)


def test_misconduct_gets_reporting_and_no_talking_it_through(tmp_path: Path) -> None:
    doc = json.loads(run_file(tmp_path, MISCONDUCT, "-f", "json").stdout)
    ids = [a["action"] for a in doc["actions"]]
    assert "boundary_violation" in [f["factor"] for f in doc["findings"]]
    assert ids[0] == "report_misconduct"
    assert "talk_to_therapist" not in ids
    assert doc["switching"]["closure_advised"] is False


def test_markdown_starts_with_safety_in_a_crisis(tmp_path: Path) -> None:
    text = run_file(tmp_path, ITEM_NINE, "--format", "markdown").stdout
    assert text.index("## Your safety comes first") < text.index("## What we found")
    assert text.index("## Your safety comes first") < text.index("## What you can do next")


def test_markdown_without_a_crisis_keeps_resources_at_the_end(tmp_path: Path) -> None:
    text = run_file(tmp_path, CALM, "--format", "markdown").stdout
    assert "Your safety comes first" not in text
    assert text.index("## What we found") < text.index("## If you ever need help fast")


def test_table_output_shows_the_safety_panel_first_in_a_crisis(tmp_path: Path) -> None:
    result = run_file(tmp_path, ITEM_NINE, "--country", "AU")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.index("Your safety comes first") < out.index("What we found")
    assert "13 11 14" in out


def test_the_country_in_the_answers_file_is_used(tmp_path: Path) -> None:
    doc = json.loads(run_file(tmp_path, {**ITEM_NINE, "country": "NZ"}, "-f", "json").stdout)
    assert doc["safety"]["country"] == "NZ"


def test_the_country_setting_applies_when_the_file_names_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THERAPYCHECK_COUNTRY", "DE")
    doc = json.loads(run_file(tmp_path, ITEM_NINE, "-f", "json").stdout)
    assert doc["safety"]["country"] == "DE"
    doc = json.loads(run_file(tmp_path, {**ITEM_NINE, "country": "NZ"}, "-f", "json").stdout)
    assert doc["safety"]["country"] == "NZ"
    doc = json.loads(run_file(tmp_path, ITEM_NINE, "-f", "json", "--country", "FR").stdout)
    assert doc["safety"]["country"] == "FR"


# --------------------------------------------------------------------------- bad input


def test_a_missing_file_is_one_line_on_stderr(tmp_path: Path) -> None:
    result = runner.invoke(app, ["checkup", "--answers", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "not found" in result.stderr


def test_a_file_that_is_not_json_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["checkup", "--answers", str(path), "-f", "json"])
    assert result.exit_code == 2
    assert "not valid JSON" in result.stderr
    assert result.stdout == ""


def test_json_that_is_not_an_object_is_a_clear_error(tmp_path: Path) -> None:
    result = run_file(tmp_path, [1, 2, 3], "-f", "json")
    assert result.exit_code == 2
    assert "JSON object" in result.stderr


def test_an_invalid_answer_names_the_question(tmp_path: Path) -> None:
    result = run_file(tmp_path, {"answers": {"trust": 9}}, "-f", "json")
    assert result.exit_code == 2
    assert "trust" in result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_a_bad_country_setting_is_one_line_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THERAPYCHECK_COUNTRY", "Narnia")
    result = run_file(tmp_path, CALM, "-f", "json")
    assert result.exit_code == 2
    assert "THERAPYCHECK_COUNTRY" in result.stderr and result.stdout == ""


def test_a_country_that_is_not_a_code_is_refused(tmp_path: Path) -> None:
    result = run_file(tmp_path, CALM, "--country", "United Kingdom!")
    assert result.exit_code == 2
    assert "country" in result.stderr


# --------------------------------------------------------------------------- interview


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "data"
    monkeypatch.setenv("THERAPYCHECK_DATA_DIR", str(target))
    monkeypatch.delenv("THERAPYCHECK_COUNTRY", raising=False)
    return target


def interview(lines: list[str], *args: str) -> Any:
    return runner.invoke(app, ["checkup", *args], input="\n".join(lines) + "\n")


def saved(data_dir: Path) -> dict[str, Any]:
    return json.loads((data_dir / "checkup-in-progress.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def question_ids() -> list[str]:
    """The order questions are asked in when every question is skipped."""
    return [q.id for q in question_bank().visible({})]


def third_option(question_id: str) -> object:
    """What typing 3 answers to this question: a number, or its third option."""
    question = question_bank().get(question_id)
    assert question is not None
    return question.options[2].id if question.options else 3


def test_the_interview_shows_progress_and_saves_each_answer(data_dir: Path) -> None:
    result = interview(["4", "3", "q"])
    assert result.exit_code == 0, result.stderr
    assert "Question 1 of" in result.stdout
    assert "About your therapy" in result.stdout
    state = saved(data_dir)
    first, second = question_ids()[:2]
    assert state["answers"] == {first: 4, second: third_option(second)}


def test_back_lets_you_change_the_previous_answer(data_dir: Path) -> None:
    interview(["4", "b", "7", "q"])
    first = question_ids()[0]
    assert saved(data_dir)["answers"][first] == 7


def test_skip_records_prefer_not_to_say(data_dir: Path) -> None:
    interview(["s", "q"])
    assert saved(data_dir)["answers"][question_ids()[0]] == "skip"


def test_a_bad_answer_is_explained_and_asked_again(data_dir: Path) -> None:
    result = interview(["lots", "4", "q"])
    assert "whole number" in result.stdout
    assert saved(data_dir)["answers"][question_ids()[0]] == 4


def test_quit_and_resume_continues_where_you_stopped(data_dir: Path) -> None:
    interview(["4", "q"])
    result = interview(["3", "q"])
    assert "Welcome back" in result.stdout
    first, second = question_ids()[:2]
    assert saved(data_dir)["answers"] == {first: 4, second: third_option(second)}
    assert "Question 2 of" in result.stdout


def test_restart_forgets_saved_answers(data_dir: Path) -> None:
    interview(["4", "q"])
    interview(["9", "q"], "--restart")
    assert saved(data_dir)["answers"] == {question_ids()[0]: 9}


def test_resume_file_option_is_used(tmp_path: Path, data_dir: Path) -> None:
    target = tmp_path / "elsewhere" / "mine.json"
    interview(["4", "q"], "--resume-file", str(target))
    assert json.loads(target.read_text(encoding="utf-8"))["answers"] == {question_ids()[0]: 4}


def test_saying_you_are_not_safe_shows_crisis_resources_at_once(data_dir: Path) -> None:
    ids = question_ids()
    index = ids.index("safe_now")
    not_safe = [o.id for o in question_bank().get("safe_now").options].index("not_safe") + 1  # type: ignore[union-attr]
    result = interview(["s"] * index + [str(not_safe), "q"], "--country", "GB")
    out = result.stdout
    assert "Your safety comes first" in out
    assert "116 123" in out
    # Shown straight after the answer, before the next question...
    assert out.index("Your safety comes first") < out.index(f"Question {index + 2} of")
    # ...and the check-up then carries on.
    assert f"Question {index + 2} of" in out


def test_phq9_item_nine_shows_crisis_resources_at_once(data_dir: Path) -> None:
    skips = ["s"] * len(question_ids())
    # A positive PHQ-2 screen (2 + 2) opens the rest of the PHQ-9, item 9 included.
    result = interview([*skips, "2", "2", *["0"] * 6, "1", "q"], "--country", "US")
    out = result.stdout
    assert "Your safety comes first" in out
    assert "988" in out
    assert out.index("Your safety comes first") > out.index("9. Thoughts")


def test_questionnaire_items_are_skipped_one_at_a_time(data_dir: Path) -> None:
    # Was: skipping one item skipped the whole questionnaire. Issue 14 item 2: items can be
    # skipped one by one, and the core says what a missing item does to the total.
    result = interview([*["s"] * len(question_ids()), "s", "q"])
    assert result.exit_code == 0, result.stderr
    first = next(iter(saved(data_dir)["measures"]))
    assert saved(data_dir)["measures"][first][0] == "skip"
    assert first not in saved(data_dir)["skipped_measures"]


def test_finishing_prints_the_report_and_keeps_the_answers(data_dir: Path) -> None:
    lines = ["s"] * (len(question_ids()) + 20)
    result = interview(lines)
    assert result.exit_code == 0, result.stderr
    assert "What you can do next" in result.stdout
    assert not (data_dir / "checkup-in-progress.json").exists()
    archived = list(data_dir.glob("checkup-*.json"))
    assert len(archived) == 1
    again = runner.invoke(app, ["checkup", "--answers", str(archived[0]), "-f", "json"])
    assert again.exit_code == 0, again.stderr


def test_a_finished_interview_in_json_mode_prints_only_json_on_stdout(data_dir: Path) -> None:
    index = question_ids().index("safe_now")
    lines = ["s"] * index + ["3"] + ["s"] * (len(question_ids()) + 20)
    result = interview(lines, "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["safety"]["crisis"] is True
    assert doc["actions"][0]["action"] == "crisis_support_now"
    assert "Question 1 of" in result.stderr


def test_one_skipped_phq9_item_gives_no_total_and_says_why(data_dir: Path) -> None:
    # PHQ-9: item 1 skipped, item 2 "Nearly every day" (3: a positive screen on its own),
    # the other seven "Several days" (1). No questionnaire has a confirmed prorating rule.
    lines = [*["s"] * len(question_ids()), "s", "3", *["1"] * 7, *["s"] * 80]
    result = interview(lines, "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert "phq9" not in doc["measures"]
    assert doc["unscored"]["phq9"].startswith("PHQ-9: item 1 skipped.")
    assert doc["safety_items_skipped"] == {}


def test_a_risk_answer_after_reported_misconduct_never_sends_the_person_back_to_the_therapist(
    data_dir: Path,
) -> None:
    # The boundaries section comes before the questionnaires: a PHQ-9 item 9 above 0
    # after "my therapist has another role in my life" shows the crisis panel at once,
    # and its step names a doctor, never the therapist.
    index = question_ids().index("dual_relationship")
    asked = [q.id for q in question_bank().visible({"dual_relationship": "yes"})]
    before_phq9 = ["s"] * index + ["y"] + ["s"] * (len(asked) - index - 1)
    phq9 = ["3", "3", *["0"] * 6, "2"]
    result = interview([*before_phq9, *phq9, "q"])
    assert result.exit_code == 0, result.stderr
    panel = result.stdout.split("Your safety comes first")[1].split("the check-up continues")[0]
    assert "Tell a doctor you trust" in panel
    assert "therapist" not in panel.lower()


def test_the_interview_starts_the_phq9_with_its_two_item_screen(data_dir: Path) -> None:
    # Issue 14: a negative PHQ-2 (0 + 1) ends the PHQ-9 there, as on the web; the next
    # questionnaire follows.
    result = interview([*["s"] * len(question_ids()), "0", "1", "q"])
    assert result.exit_code == 0, result.stderr
    assert saved(data_dir)["measures"]["phq9"][:3] == [0, 1, None]
    assert "3. " not in result.stdout.split("PHQ-9")[-1].split("GAD-7")[0]


def test_a_negative_screen_is_scored_as_the_phq2_not_as_a_missing_phq9(data_dir: Path) -> None:
    lines = [*["s"] * len(question_ids()), "0", "1", *["s"] * 80]
    result = interview(lines, "--format", "json")
    assert result.exit_code == 0, result.stderr
    measures = json.loads(result.stdout)["measures"]
    assert measures["phq2"]["total"] == 1
    assert "phq9" not in measures
