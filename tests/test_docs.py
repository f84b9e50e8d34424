"""The docs state the contracts, and these tests keep them true.

- docs/instruments.md is generated: it must equal the generator's output and cover everything.
- docs/cli.md lists every key of every reporting command's `--format json` output, with its
  type; the commands are run on small inputs and compared with the tables both ways.
- docs/outcomes.md states the KPI rules, keys and bad-row handling the CLI follows.
- docs/factors.md lists exactly the factor and action ids the code uses.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from therapycheck.core.instruments import all_instruments
from therapycheck.core.instruments.markdown import instruments_markdown

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGE = DOCS / "instruments.md"
CLI_PAGE = DOCS / "cli.md"
OUTCOMES_PAGE = DOCS / "outcomes.md"
FACTORS_PAGE = DOCS / "factors.md"

runner = CliRunner()


# --------------------------------------------------------------------------- instruments.md


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


# --------------------------------------------------------------------------- reading Markdown


def _sections(path: Path) -> dict[str, str]:
    """Heading text (without the #s) -> the text up to the next heading of any level."""
    sections: dict[str, str] = {}
    heading, lines = "", []
    in_code = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        match = None if in_code else re.match(r"^#{1,4} (.+)$", line)
        if match:
            sections[heading] = "\n".join(lines)
            heading, lines = match.group(1).strip(), []
        else:
            lines.append(line)
    sections[heading] = "\n".join(lines)
    return sections


def _table(text: str) -> list[list[str]]:
    """The rows (cells stripped) of the first Markdown table in `text`, without its header."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif rows:
            break
    assert len(rows) >= 2, f"no table in:\n{text[:200]}"
    return rows[2:]


def _code(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def _code_block(text: str, language: str) -> str:
    match = re.search(rf"```{language}\n(.*?)```", text, re.S)
    assert match, f"no ```{language} block"
    return match.group(1)


def _ids(section: str) -> list[str]:
    """The code span in the first column of each row of the section's table."""
    ids = []
    for row in _table(section):
        spans = _code(row[0])
        assert len(spans) == 1, f"a row should name one id: {row}"
        ids.append(spans[0])
    return ids


# --------------------------------------------------------------------------- cli.md: key tables

JSON_TYPES = {"string", "integer", "number", "boolean", "null", "list", "object"}


@dataclass(frozen=True)
class Key:
    """One row of a key table: a jq-style path, the allowed JSON types, an optional shape."""

    path: str
    types: frozenset[str]
    shape: str | None = None
    shape_in_list: bool = False
    opaque: bool = False  # a condition tree: its inside is not listed


def _parse_type(cell: str) -> tuple[frozenset[str], str | None, bool, bool]:
    shape = re.search(r"shape `(\w+)`", cell)
    words = re.sub(r"\([^)]*\)", "", cell).split(",")[0]
    types, in_list, opaque = set(), False, False
    for alternative in words.split(" or "):
        word = alternative.split()[0]
        if word == "shape":
            types.add("object")
        elif word == "condition":
            types.add("object")
            opaque = True
        elif word in JSON_TYPES:
            types.add(word)
            in_list = in_list or (word == "list" and "shape" in alternative)
        else:
            raise AssertionError(f"unknown type {word!r} in cell {cell!r}")
    return frozenset(types), shape.group(1) if shape else None, in_list, opaque


def _key_rows(section: str) -> list[Key]:
    keys = []
    for row in _table(section):
        assert len(row) == 3, f"a key table row has key, type and meaning: {row}"
        (path,) = _code(row[0])
        assert path.startswith("."), f"a key path starts with '.': {path!r}"
        types, shape, in_list, opaque = _parse_type(row[1])
        keys.append(Key(path, types, shape, in_list, opaque))
    return keys


def _join(prefix: str, path: str) -> str:
    if prefix == ".":
        return path
    return prefix if path == "." else prefix + path


def _items(path: str) -> str:
    return ".[]" if path == "." else path + "[]"


@dataclass(frozen=True)
class CliDoc:
    commands: dict[str, dict[str, Key]]  # command -> full path -> row (shapes expanded)
    overview: list[str]  # the command column of the first table

    @classmethod
    def read(cls) -> CliDoc:
        sections = _sections(CLI_PAGE)
        shapes = {
            match.group(1): _key_rows(text)
            for heading, text in sections.items()
            if (match := re.fullmatch(r"Shape `(\w+)`", heading))
        }
        commands = {}
        for heading, text in sections.items():
            match = re.fullmatch(r"`therapycheck ([^`]+)`", heading)
            if match:
                name = " ".join(_command_words(match.group(1)))
                assert name not in commands, f"{name} is documented twice"
                commands[name] = _expand(_key_rows(text), shapes, ".")
        overview = [_code(row[0])[0] for row in _table(sections["The `therapycheck` command"])]
        return cls(commands, overview)


def _command_words(text: str) -> Iterator[str]:
    for word in text.split():
        if not re.fullmatch(r"[a-z]+", word):
            return
        yield word


def _expand(rows: list[Key], shapes: dict[str, list[Key]], prefix: str) -> dict[str, Key]:
    expanded = {}
    for row in rows:
        full = _join(prefix, row.path)
        expanded[full] = Key(full, row.types, row.shape, row.shape_in_list, row.opaque)
        if row.shape is not None:
            assert row.shape in shapes, f"shape `{row.shape}` is not described"
            inner = _items(full) if row.shape_in_list else full
            expanded.update(_expand(shapes[row.shape], shapes, inner))
    return expanded


def _is_key(path: str) -> bool:
    """Paths that name a key (not the whole document, not the elements of a list)."""
    return path != "." and not path.endswith("[]")


def _walk(value: Any, doc: dict[str, Key], path: str = ".") -> Iterator[tuple[str, Any]]:
    """Every (path, value) of a JSON document, with id keys named as the doc names them."""
    yield path, value
    if isinstance(value, dict):
        if path in doc and doc[path].opaque:
            return
        base = "" if path == "." else path
        # `.measures.<instrument>` in the doc: this object's keys are ids, named <instrument>.
        ids = [p[len(base) :].split(".")[1] for p in doc if p.startswith(base + ".<")]
        placeholder = ids[0] if ids else None
        for key, child in value.items():
            yield from _walk(child, doc, _join(path, "." + (placeholder or key)))
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child, doc, _items(path))


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "list" if isinstance(value, list) else "object"


def _type_allowed(value: Any, types: frozenset[str]) -> bool:
    kind = _json_type(value)
    return kind in types or (kind == "integer" and "number" in types)


# A check-up that raises a crisis, misconduct (so the switching checklist appears), scores
# questionnaires and has a history: every optional part of the check-up document.
RICH_ANSWERS = {
    "answers": {
        "sessions": 12,
        "safe_now": "safe",
        "dual_relationship": "yes",
        "dual_kind": ["friend"],
        "trust": 1,
    },
    "measures": {
        "phq9": [2, 2, 2, 2, 2, 2, 2, 2, 1],
        "gad7": [1, 1, 2, 1, 0, 1, 1],
        "wai_sr": [2] * 12,
    },
    "history": {"phq9": [{"session": 1, "score": 14}, {"session": 4, "score": 12}]},
    "country": "GB",
}


# Items skipped: no total, and a skipped safety item (CORE-10 item 6), never read as safe.
SKIPPED_ANSWERS = {
    "answers": {"sessions": 5},
    "measures": {"core10": [0, 4, 4, 0, 0, None, 0, 0, 0, 0]},
}


def invoke(*args: str) -> Any:
    return runner.invoke(_app(), list(args))


def _app() -> Any:
    from therapycheck.cli import app

    return app


def json_of(*args: str) -> Any:
    result = invoke(*args, "--format", "json")
    assert result.exit_code == 0, f"{args}: {result.stderr}"
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The score file of cli.md's examples, a synthetic set, a model and answers files."""
    folder = tmp_path_factory.mktemp("cli")
    scores = folder / "scores.csv"
    scores.write_text(_code_block(CLI_PAGE.read_text(encoding="utf-8"), "csv"), encoding="utf-8")
    rich = folder / "rich.json"
    rich.write_text(json.dumps(RICH_ANSWERS), encoding="utf-8")
    skipped = folder / "skipped.json"
    skipped.write_text(json.dumps(SKIPPED_ANSWERS), encoding="utf-8")
    synth, model = folder / "synth.csv", folder / "model.json"
    json_of("model", "synth", "--output", str(synth), "--clients", "200")
    json_of("model", "fit", str(synth), "--instrument", "phq9", "--output", str(model))
    return {
        "dir": str(folder),
        "scores": str(scores),
        "rich": str(rich),
        "skipped": str(skipped),
        "example": str(DOCS / "examples" / "checkup-answers.json"),
        "synth": str(synth),
        "model": str(model),
    }


# Each reporting command, run so that every optional key appears at least once.
SAMPLE_RUNS: dict[str, list[list[str]]] = {
    "instruments": [["instruments"]],
    "score": [
        ["score", "phq9", "--answers", "2,1,2,1,1,2,1,1,1", "--country", "GB"],
        ["score", "wai_sr", "--answers", "4,4,3,4,4,3,4,4,3,4,4,4"],
        ["score", "phq9", "--answers", "1,skip,1,1,1,1,1,1,2", "--country", "GB"],
    ],
    "outcomes": [["outcomes", "{scores}"]],
    "progress": [["progress", "{scores}", "--client", "c1", "--model", "{model}"]],
    "questions": [["questions"]],
    "checkup": [
        ["checkup", "--answers", "{example}"],
        ["checkup", "--answers", "{rich}"],
        ["checkup", "--answers", "{skipped}"],
    ],
    "model synth": [["model", "synth", "--output", "{dir}/again.csv", "--clients", "20"]],
    "model fit": [
        ["model", "fit", "{synth}", "--instrument", "phq9", "--output", "{dir}/again.json"]
    ],
    "docs instruments": [["docs", "instruments"]],
}


def _observed(command: str, inputs: dict[str, str], doc: dict[str, Key]) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []
    for args in SAMPLE_RUNS[command]:
        seen += _walk(json_of(*(arg.format(**inputs) for arg in args)), doc)
    return seen


def _cli_commands() -> dict[str, bool]:
    """Every command of the CLI -> whether it takes --format (reports)."""
    app = _app()
    names = [c.name for c in app.registered_commands]
    for group in app.registered_groups:
        names += [f"{group.name} {c.name}" for c in group.typer_instance.registered_commands]
    return {name: "--format" in invoke(*name.split(), "--help").stdout for name in names}


def test_cli_md_describes_every_command_and_the_json_of_every_reporting_command() -> None:
    commands = _cli_commands()
    doc = CliDoc.read()
    assert sorted(doc.overview) == sorted(commands)
    assert sorted(doc.commands) == sorted(name for name, reports in commands.items() if reports)
    assert sorted(SAMPLE_RUNS) == sorted(doc.commands)


@pytest.mark.parametrize("command", sorted(SAMPLE_RUNS))
def test_every_json_key_of_each_command_is_documented_and_every_documented_key_appears(
    command: str, inputs: dict[str, str]
) -> None:
    doc = CliDoc.read().commands[command]
    printed = {path for path, _ in _observed(command, inputs, doc) if _is_key(path)}
    documented = {path for path in doc if _is_key(path)}
    assert sorted(printed - documented) == [], "printed but not in docs/cli.md"
    assert sorted(documented - printed) == [], "in docs/cli.md but never printed"


@pytest.mark.parametrize("command", sorted(SAMPLE_RUNS))
def test_every_json_value_has_a_type_its_table_allows(command: str, inputs: dict[str, str]) -> None:
    doc = CliDoc.read().commands[command]
    wrong = {
        f"{path}: {_json_type(value)} (documented: {' or '.join(sorted(doc[path].types))})"
        for path, value in _observed(command, inputs, doc)
        if path in doc and not _type_allowed(value, doc[path].types)
    }
    assert sorted(wrong) == []


def test_the_key_table_reader_notices_a_missing_or_extra_key() -> None:
    doc = _expand(
        [Key(".a", frozenset({"object"})), Key(".a.<id>", frozenset({"list"}))],
        {},
        ".",
    )
    paths = {p for p, _ in _walk({"a": {"x": [1], "y": []}, "b": 2}, doc) if _is_key(p)}
    assert paths == {".a", ".a.<id>", ".b"}
    assert _parse_type("number or null (a fraction)")[0] == {"number", "null"}
    assert _parse_type("list of shape `point`")[1:3] == ("point", True)
    with pytest.raises(AssertionError):
        _parse_type("text")


def test_every_example_in_cli_md_runs_and_prints_one_json_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = CLI_PAGE.read_text(encoding="utf-8")
    examples = _sections(CLI_PAGE)["Examples"]
    (tmp_path / "scores.csv").write_text(_code_block(page, "csv"), encoding="utf-8")
    (tmp_path / "docs").symlink_to(DOCS)
    monkeypatch.chdir(tmp_path)
    lines = [line for line in _code_block(examples, "sh").splitlines() if line.strip()]
    assert len(lines) >= len(SAMPLE_RUNS)
    ran = set()
    for line in lines:
        words = shlex.split(line)
        assert words[0] == "therapycheck" and words[-2:] == ["--format", "json"], line
        result = runner.invoke(_app(), words[1:])
        assert result.exit_code == 0, f"{line}: {result.stderr}"
        json.loads(result.stdout)
        ran.add(" ".join(_command_words(" ".join(words[1:]))))
    assert ran == set(SAMPLE_RUNS), "every reporting command has an example"


def test_the_error_shown_in_cli_md_is_what_the_command_prints() -> None:
    rules = _sections(CLI_PAGE)["Rules every reporting command keeps"]
    block = _code_block(rules, "")
    command, message, _, code = (line.strip() for line in block.strip().splitlines())
    result = invoke(*shlex.split(command.removeprefix("$ therapycheck ")))
    assert result.stderr == message + "\n"
    assert result.exit_code == int(code)
    assert result.stdout == ""


FAILING_RUNS = {
    "score, unknown instrument": ["score", "nope", "--answers", "1"],
    "score, too few answers": ["score", "phq9", "--answers", "1,2"],
    "outcomes, no such file": ["outcomes", "{dir}/missing.csv"],
    "outcomes, a bad row": ["outcomes", "{dir}/bad.csv"],
    "progress, unknown client": ["progress", "{scores}", "--client", "nobody"],
    "checkup, no such file": ["checkup", "--answers", "{dir}/missing.json"],
    "checkup, an answer out of range": ["checkup", "--answers", "{dir}/bad.json"],
    "model fit, unknown instrument": ["model", "fit", "{synth}", "--instrument", "nope", "-o", "x"],
    "model synth, unwritable output": ["model", "synth", "--output", "{dir}/no/such/dir/x.csv"],
}


@pytest.mark.parametrize("case", sorted(FAILING_RUNS))
def test_a_failing_command_prints_one_error_line_on_stderr_and_exits_with_2(
    case: str, inputs: dict[str, str]
) -> None:
    folder = Path(inputs["dir"])
    (folder / "bad.csv").write_text("client_id,session,instrument,score\na,1,phq9,99\n")
    (folder / "bad.json").write_text(json.dumps({"answers": {"trust": 9}}))
    args = [arg.format(**inputs) for arg in FAILING_RUNS[case]]
    result = invoke(*args, "--format", "json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, result.stderr


# --------------------------------------------------------------------------- outcomes.md


def _outcome_rows() -> list[list[str]]:
    return _table(_sections(OUTCOMES_PAGE)["The numbers reported"])


def _outcomes(tmp_path: Path, rows: list[tuple[str, int, int, int]], *args: str) -> Any:
    """Run `outcomes` on (client, session, PHQ-9, GAD-7) rows."""
    lines = ["client_id,session,instrument,score"]
    for client, session, phq, gad in rows:
        lines += [f"{client},{session},phq9,{phq}", f"{client},{session},gad7,{gad}"]
    path = tmp_path / "scores.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return json_of("outcomes", str(path), *args)


@dataclass(frozen=True)
class Thresholds:
    phq_case: int
    gad_case: int
    phq_change: int
    gad_change: int

    @classmethod
    def from_page(cls) -> Thresholds:
        formulas = _code_block(OUTCOMES_PAGE.read_text(encoding="utf-8"), "text")
        case = re.search(r"PHQ-9\(s\) >= (\d+) or GAD-7\(s\) >= (\d+)", formulas)
        better = re.search(r"improved\s+= dPHQ <= -(\d+) or dGAD <= -(\d+)", formulas)
        worse = re.search(r"worse\s+= dPHQ >= (\d+) or dGAD >= (\d+)", formulas)
        assert case and better and worse, "the formulas in outcomes.md changed form"
        assert better.groups() == worse.groups(), "improved and worse use the same thresholds"
        return cls(*map(int, case.groups()), *map(int, better.groups()))


def test_outcomes_md_lists_the_json_keys_in_the_order_they_are_printed(tmp_path: Path) -> None:
    documented = [_code(row[0])[0] for row in _outcome_rows()]
    printed = _outcomes(tmp_path, [("a", 1, 12, 9), ("a", 2, 5, 4)])
    assert documented == list(printed)


def test_each_rate_in_outcomes_md_is_the_count_over_the_denominator_it_names(
    tmp_path: Path,
) -> None:
    t = Thresholds.from_page()
    # Four finished clients, two of them a case at the start: every denominator differs.
    rows = [
        ("case_better", 1, t.phq_case + 5, t.gad_case + 5),
        ("case_better", 2, 0, 0),
        ("case_same", 1, t.phq_case, 0),
        ("case_same", 2, t.phq_case, 0),
        ("well_worse", 1, 0, 0),
        ("well_worse", 2, t.phq_change, 0),
        ("well_same", 1, 0, 0),
        ("well_same", 3, 0, 0),
        ("one_session", 1, t.phq_case, t.gad_case),
    ]
    printed = _outcomes(tmp_path, rows)
    assert printed["finished_treatment"] != printed["case_at_start"] > 0
    rates = 0
    for row in _outcome_rows():
        (key,) = _code(row[0])
        ratio = re.fullmatch(r"`(\w+)` / `(\w+)`", row[1])
        if ratio:
            part, whole = ratio.groups()
            assert printed[key] == pytest.approx(printed[part] / printed[whole]), key
            rates += 1
    assert rates == 4


def test_a_rate_with_nobody_in_its_denominator_is_null(tmp_path: Path) -> None:
    printed = _outcomes(tmp_path, [("once", 1, 20, 15)])
    rate_keys = [_code(row[0])[0] for row in _outcome_rows() if " / " in row[1]]
    assert rate_keys and all(printed[key] is None for key in rate_keys)


def test_the_thresholds_in_outcomes_md_are_the_ones_the_code_uses() -> None:
    from therapycheck.analytics.outcomes import KpiRules

    rules = KpiRules.from_registry()
    documented = Thresholds.from_page()
    assert documented == Thresholds(
        int(rules.phq9_case), int(rules.gad7_case), int(rules.phq9_change), int(rules.gad7_change)
    )


def test_scores_exactly_at_a_threshold_in_outcomes_md_count_as_it_says(tmp_path: Path) -> None:
    t = Thresholds.from_page()
    low = 1  # a score that is neither a case nor near a threshold
    rows = [
        # A case by PHQ-9 exactly at its cutoff, down by exactly the change threshold.
        ("phq_edge", 1, t.phq_case, low),
        ("phq_edge", 2, t.phq_case - t.phq_change, low),
        # A case by GAD-7 exactly at its cutoff, down by exactly the change threshold.
        ("gad_edge", 1, low, t.gad_case),
        ("gad_edge", 2, low, t.gad_case - t.gad_change),
        # Just under both cutoffs, and changes one point short of reliable.
        ("short", 1, t.phq_case - 1, t.gad_case - 1),
        ("short", 2, t.phq_case - t.phq_change, t.gad_case - t.gad_change),
        # Up by exactly the PHQ-9 threshold: reliably worse.
        ("worse", 1, low, low),
        ("worse", 2, low + t.phq_change, low),
        # Better on PHQ-9 and worse on GAD-7 at once: neither.
        ("mixed", 1, t.phq_case + t.phq_change, low),
        ("mixed", 2, t.phq_case, low + t.gad_change),
    ]
    printed = _outcomes(tmp_path, rows)
    assert printed["finished_treatment"] == 5
    assert printed["case_at_start"] == 3  # phq_edge, gad_edge, mixed
    assert printed["recovered"] == 2  # mixed is still a case at the end
    assert printed["reliable_improvement"] == 2
    assert printed["reliable_deterioration"] == 1
    assert printed["reliable_recovery"] == 2


def test_the_first_and_last_sessions_are_the_lowest_and_highest_paired_ones(
    tmp_path: Path,
) -> None:
    # Rows out of order, and PHQ-9 alone at sessions 0 and 9: those sessions do not count.
    path = tmp_path / "scores.csv"
    path.write_text(
        "client_id,session,instrument,score\n"
        "a,5,phq9,4\na,5,gad7,3\na,0,phq9,27\na,9,phq9,27\na,2,phq9,15\na,2,gad7,12\n",
        encoding="utf-8",
    )
    printed = json_of("outcomes", str(path))
    assert printed["reliable_recovery"] == 1


def test_bad_rows_are_skipped_counted_and_reported_as_outcomes_md_says(tmp_path: Path) -> None:
    bad_rows = _sections(OUTCOMES_PAGE)["Bad rows"]
    columns = re.search(r"with the columns\s+`([^`]+)`", bad_rows)
    assert columns, "outcomes.md names the columns of the bad-row report"
    assert "--skip-bad-rows" in bad_rows and "skipped_rows" in bad_rows
    path, report = tmp_path / "scores.csv", tmp_path / "bad.csv"
    path.write_text(
        "client_id,session,instrument,score\na,1,phq9,12\na,1,gad7,9\na,2,phq9,99\n",
        encoding="utf-8",
    )
    stopped = invoke("outcomes", str(path), "--format", "json")
    assert stopped.exit_code == 2 and "--skip-bad-rows" in stopped.stderr
    printed = json_of("outcomes", str(path), "--skip-bad-rows", "--report-bad-rows", str(report))
    assert printed["skipped_rows"] == 1
    header, *lines = report.read_text(encoding="utf-8").splitlines()
    assert header.split(",") == [c.strip() for c in columns.group(1).split(",")]
    assert len(lines) == 1 and lines[0].startswith("4,a,")  # line 4 of the file


def test_outcomes_md_lists_the_per_client_columns_the_code_writes() -> None:
    from therapycheck.analytics.outcomes import PER_CLIENT_COLUMNS

    section = " ".join(_sections(OUTCOMES_PAGE)["Per-client table"].split())
    listed = re.search(r"one row per client \(sorted by `client_id`\): `([^`]+)`", section)
    assert listed, "outcomes.md lists the per-client columns in one code span"
    assert [c.strip() for c in listed.group(1).split(",")] == list(PER_CLIENT_COLUMNS)


# --------------------------------------------------------------------------- factors.md


def test_factors_md_lists_exactly_the_factor_ids_of_the_code() -> None:
    from therapycheck.core.checkup.model import FACTOR_IDS

    documented = _ids(_sections(FACTORS_PAGE)["Factors"])
    assert len(documented) == len(set(documented)), "an id is listed twice"
    assert sorted(documented) == sorted(FACTOR_IDS)


def test_factors_md_lists_exactly_the_action_ids_of_the_code() -> None:
    from therapycheck.core.checkup.model import ACTION_IDS

    documented = _ids(_sections(FACTORS_PAGE)["Actions"])
    assert len(documented) == len(set(documented)), "an id is listed twice"
    assert sorted(documented) == sorted(ACTION_IDS)


def test_a_checkup_names_its_findings_and_steps_only_with_documented_ids(
    inputs: dict[str, str],
) -> None:
    sections = _sections(FACTORS_PAGE)
    factors, actions = set(_ids(sections["Factors"])), set(_ids(sections["Actions"]))
    for answers in (inputs["example"], inputs["rich"]):
        report = json_of("checkup", "--answers", answers)
        assert report["findings"] and report["actions"]
        assert {f["factor"] for f in report["findings"]} <= factors
        assert {a["action"] for a in report["actions"]} <= actions
        assert {f for a in report["actions"] for f in a["because"]} <= factors
