"""Every error of the `therapycheck` command is one line on stderr with exit code 2.

The command is run the way the installed script runs it (`therapycheck.cli.run`), so the
usage errors the argument parser finds (a bad option value, an unknown option, a missing
argument) are checked too, not only the commands' own. A fuzz test throws random command
lines and random files at every command that reads input: no traceback, no crash, and
either a clean result or one error line.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from therapycheck.cli import run


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


def therapycheck(*args: str, stdin: str = "") -> Outcome:
    """Run one command line in this process, as the installed `therapycheck` would."""
    with CliRunner().isolation(input=stdin) as (stdout, stderr, _):
        code = run(list(args))
        return Outcome(code, stdout.getvalue().decode(), stderr.getvalue().decode())


def assert_one_error_line(outcome: Outcome) -> str:
    assert outcome.code == 2, outcome
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("error: ")
    assert "unexpected problem" not in lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("score", "phq9", "--answers", "0,0,0,0,0,0,0,0,0", "--format", "xml"), "--format"),
        (("score", "phq9", "--answers", "1", "--sex", "other"), "--sex"),
        (("score", "phq9"), "--answers"),
        (("score",), "instrument"),
        (("serve", "--port", "70000"), "--port"),
        (("serve", "--threads", "many"), "--threads"),
        (("model", "synth", "-o", "x.csv", "--clients", "0"), "--clients"),
        (("model", "synth", "-o", "x.csv", "--clients", "1000000000"), "--clients"),
        (("model", "synth", "-o", "x.csv", "--max-sessions", "99999999"), "--max-sessions"),
        (("instruments", "--bogus"), "--bogus"),
        (("nonsense",), "nonsense"),
        (("model",), "command"),
        ((), "command"),
    ],
)
def test_it_reports_a_usage_error_in_one_line_with_exit_code_2(
    args: tuple[str, ...], words: str
) -> None:
    line = assert_one_error_line(therapycheck(*args))
    assert words in line
    assert "╭" not in line and "Usage:" not in line


def test_it_ends_an_interactive_check_up_calmly_when_the_input_ends(tmp_path: Path) -> None:
    outcome = therapycheck("checkup", "--resume-file", str(tmp_path / "answers.json"))
    assert outcome.code in (0, 2)
    assert "Traceback" not in outcome.stderr + outcome.stdout


def test_it_refuses_an_answers_file_nested_too_deeply_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert "answers file" in assert_one_error_line(therapycheck("checkup", "--answers", str(path)))


def test_it_refuses_a_model_file_nested_too_deeply_in_one_line(tmp_path: Path) -> None:
    scores = tmp_path / "scores.csv"
    scores.write_text("client_id,session,instrument,score\nc1,1,phq9,10\n", encoding="utf-8")
    model = tmp_path / "model.json"
    model.write_text('{"a":' * 100_000 + "1" + "}" * 100_000, encoding="utf-8")
    outcome = therapycheck("progress", str(scores), "--client", "c1", "--model", str(model))
    assert "model.json" in assert_one_error_line(outcome)


# --- fuzz --------------------------------------------------------------------------------

COMMANDS = ("instruments", "score", "outcomes", "progress", "questions", "checkup", "model")
WORDS = (
    "phq9", "gad7", "PHQ-9", "wai_sr", "bdi", "--answers", "-a", "--format", "-f", "json",
    "table", "markdown", "--sex", "female", "--country", "GB", "ZZ", "--client", "c1", "c2",
    "--instrument", "--model", "--skip-bad-rows", "--report-bad-rows", "--per-client",
    "synth", "fit", "--clients", "--seed", "--max-sessions", "-o", "1,2,3", "0,0,0,0,0,0,0",
    "3,3,3,3,3,3,3,3,3", "-1", "2", "1e9", "nan", "", "--", "--help",
)  # fmt: skip
CELLS = st.one_of(
    st.sampled_from(["c1", "c2", "phq9", "gad7", "PHQ-9", "1", "2", "10", "27", "-1", "2.5"]),
    st.sampled_from(["nan", "inf", "4611686018427387904", "²", "١٢", "", " ", '"x,y"', "true"]),
    st.text(alphabet=string.printable, max_size=6),
)
ROWS = st.lists(st.lists(CELLS, min_size=0, max_size=6), max_size=8)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


def _csv(rows: list[list[str]]) -> bytes:
    header = "client_id,session,instrument,score,date"
    return ("\n".join([header, *(",".join(row) for row in rows)]) + "\n").encode()


@st.composite
def command_lines(draw: st.DrawFn, folder: Path) -> list[str]:
    scores = folder / "scores.csv"
    content = draw(st.one_of(ROWS.map(_csv), st.binary(max_size=64)))
    if draw(st.booleans()):
        content += b"\nc1,1,phq9,10,\xff\xfe"  # bytes that are not UTF-8, late in the file
    scores.write_bytes(content)
    answers = folder / "answers.json"
    document = draw(st.one_of(JSON, st.fixed_dictionaries({"answers": JSON, "measures": JSON})))
    answers.write_text(json.dumps(document), encoding="utf-8")
    command = draw(st.sampled_from(COMMANDS))
    files = {
        "outcomes": [str(scores)],
        "progress": [str(scores)],
        "checkup": ["--answers", str(answers)],
        "model": [draw(st.sampled_from(["synth", "fit"])), "-o", str(folder / "out.csv")],
    }
    extra = draw(st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=6))
    if command == "model":
        extra = [word for word in extra if word not in ("--clients", "--max-sessions")]
        extra += ["--clients", "3"] if files["model"][0] == "synth" else [str(scores)]
    return [command, *files.get(command, []), *extra]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_no_command_line_or_file_gives_a_traceback(tmp_path: Path, data: st.DataObject) -> None:
    args = data.draw(command_lines(tmp_path))
    outcome = therapycheck(*args)
    assert outcome.code in (0, 2), outcome
    if outcome.code == 2:
        assert_one_error_line(outcome)
    else:
        assert "Traceback" not in outcome.stderr
    if outcome.code == 0 and "json" in args and "--help" not in args:
        json.loads(outcome.stdout)  # one JSON document and nothing else
