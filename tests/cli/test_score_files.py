"""`outcomes` and `progress` read score files through one validation, and write privately.

The same file is refused by both commands for the same reason (a total no questionnaire
can give, a session below 0 or far above the last, bytes that are not UTF-8 anywhere in
the file), and every file the CLI writes is readable by its owner only.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_errors import assert_one_error_line, therapycheck

HEADER = "client_id,session,instrument,score\n"
GOOD = "c1,1,phq9,18\nc1,1,gad7,12\nc1,2,phq9,6\nc1,2,gad7,4\n"


def scores(tmp_path: Path, body: bytes) -> Path:
    path = tmp_path / "scores.csv"
    path.write_bytes(HEADER.encode() + body)
    return path


def both_commands(path: Path) -> tuple[str, str]:
    """The one error line of `outcomes` and of `progress` for the same file."""
    outcomes = assert_one_error_line(therapycheck("outcomes", str(path), "-f", "json"))
    progress = assert_one_error_line(therapycheck("progress", str(path), "--client", "c1"))
    return outcomes, progress


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("c1,3,phq9,12.5", "score 12.5 is not a whole number"),
        ("c1,-1,phq9,10", "session -1 is out of range"),
        ("c1,4611686018427387904,phq9,10", "is out of range"),
        ("c1,3,phq9,nan", "score 'nan' is not a number"),
        ("c1,3,phq9,28", "score 28 is out of range for phq9"),
        ("c1,2.5,gad7,3", "session 2.5 is not a whole number"),
    ],
)
def test_it_refuses_the_same_bad_row_in_outcomes_and_in_progress(
    tmp_path: Path, row: str, reason: str
) -> None:
    path = scores(tmp_path, (GOOD + row + "\n").encode())
    for line in both_commands(path):
        assert "line 6" in line and reason in line


def test_it_refuses_a_file_whose_bytes_stop_being_utf8_late_in_it(tmp_path: Path) -> None:
    # 20,000 good rows (far past the first 8 KB a reader might sample), then one bad byte.
    body = GOOD.encode() * 5000 + b"c\xe9,3,phq9,10\n"
    path = scores(tmp_path, body)
    for line in both_commands(path):
        assert "line 20002" in line and "not UTF-8" in line


def test_it_refuses_random_bytes_as_not_utf8_text(tmp_path: Path) -> None:
    path = tmp_path / "random.csv"
    path.write_bytes(b"client_id,session,instrument,score\n" + bytes(range(128, 256)) * 64)
    for line in both_commands(path):
        assert "not UTF-8" in line


def test_it_names_the_first_bad_row_and_counts_them_all_without_describing_each(
    tmp_path: Path,
) -> None:
    path = scores(tmp_path, (GOOD + "c2,1,phq9,99\n" * 3000).encode())
    line = assert_one_error_line(therapycheck("outcomes", str(path)))
    assert "line 6: score 99 is out of range for phq9" in line
    assert "(3000 bad rows in all)" in line


def test_it_lists_at_most_a_thousand_bad_rows_but_counts_every_skipped_one(
    tmp_path: Path,
) -> None:
    path = scores(tmp_path, (GOOD + "c2,1,phq9,99\n" * 1500).encode())
    report = tmp_path / "bad.csv"
    outcome = therapycheck(
        "outcomes", str(path), "--skip-bad-rows", "--report-bad-rows", str(report), "-f", "json"
    )
    assert outcome.code == 0, outcome
    assert '"skipped_rows": 1500' in outcome.stdout
    assert len(report.read_text().splitlines()) == 1 + 1000


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("umask_022")
def test_every_file_the_cli_writes_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = scores(tmp_path, (GOOD + "c2,1,phq9,99\n").encode())
    bad, clients = tmp_path / "bad.csv", tmp_path / "clients.csv"
    clients.write_text("an older copy, once readable by all\n")
    clients.chmod(0o644)
    therapycheck(
        "outcomes", str(path), "--skip-bad-rows", "--report-bad-rows", str(bad),
        "--per-client", str(clients),
    )  # fmt: skip
    synth, model = tmp_path / "synth.parquet", tmp_path / "model.json"
    assert therapycheck("model", "synth", "--clients", "40", "-o", str(synth)).code == 0
    assert (
        therapycheck("model", "fit", str(synth), "--instrument", "phq9", "-o", str(model)).code == 0
    )
    for written in (bad, clients, synth, model):
        assert mode(written) == 0o600, written


@pytest.mark.usefixtures("umask_022")
def test_the_interactive_check_up_keeps_its_answers_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("THERAPYCHECK_DATA_DIR", str(data))
    therapycheck("checkup", stdin="1\nq\n")
    saved = data / "checkup-in-progress.json"
    assert saved.exists()
    assert (mode(data), mode(saved)) == (0o700, 0o600)


@pytest.mark.parametrize("block", [1, 2, 3, 5, 64])
def test_the_utf8_check_reads_characters_split_between_blocks_and_names_the_bad_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    from therapycheck.analytics import readers

    monkeypatch.setattr(readers, "_UTF8_BLOCK", block)
    good = "client_id,session,instrument,score\nZoë,1,phq9,3\n李,2,phq9,4\n😀,3,phq9,5\n"
    path = tmp_path / "scores.csv"
    path.write_bytes(good.encode())
    readers.check_utf8(readers.source_file(path))  # valid throughout: no error
    path.write_bytes(good.encode() + b"c\xc3,4,phq9,6\n")  # a character cut short
    with pytest.raises(readers.InputError, match=r"^line 5 of scores.csv is not UTF-8"):
        readers.check_utf8(readers.source_file(path))
