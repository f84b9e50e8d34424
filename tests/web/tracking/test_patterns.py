"""Journal patterns said back in plain words (web/tracking/patterns.py)."""

from __future__ import annotations

from therapycheck.web.tracking.patterns import (
    MIN_ENTRIES,
    JournalFacts,
    journal_patterns,
    split_topics,
)


def ids(entries: list[JournalFacts]) -> list[str]:
    return [p.id for p in journal_patterns(entries)]


def feelings(*pairs: tuple[int, int]) -> list[JournalFacts]:
    return [
        JournalFacts(session=n, feeling_before=b, feeling_after=a)
        for n, (b, a) in enumerate(pairs, start=1)
    ]


def test_it_notices_relief_after_sessions_on_average() -> None:
    found = journal_patterns(feelings((3, 6), (4, 5), (2, 5)))
    assert found[0].id == "relief_after_sessions"
    assert "2.3 points better" in found[0].text
    assert "over 3 sessions" in found[0].text


def test_it_notices_feeling_worse_after_sessions_and_suggests_raising_it() -> None:
    found = journal_patterns(feelings((6, 4), (5, 3), (7, 6)))
    assert found[0].id == "worse_after_sessions"
    assert found[0].raise_it


def test_it_says_about_the_same_when_the_shift_is_small() -> None:
    assert ids(feelings((5, 5), (5, 6), (6, 5))) == ["same_after_sessions"]


def test_it_waits_for_enough_entries_before_naming_a_pattern() -> None:
    assert MIN_ENTRIES == 3
    assert ids(feelings((2, 8), (2, 8))) == []


def test_entries_without_both_feelings_are_left_out_of_the_average() -> None:
    entries = [*feelings((2, 5), (2, 5)), JournalFacts(session=3, feeling_before=4)]
    assert ids(entries) == []


def test_a_topic_avoided_again_and_again_is_named() -> None:
    entries = [
        JournalFacts(session=n, avoided=avoided)
        for n, avoided in enumerate([("money",), ("money", "dad"), ("dad",), ("money",)], 1)
    ]
    found = journal_patterns(entries)
    assert [p.id for p in found] == ["topic_avoided_repeatedly"]
    assert "“money” in 3 sessions" in found[0].text


def test_homework_rarely_done_is_named_gently() -> None:
    homework = ["not_done", "partly", "not_done", "none_set", "done", "not_done"]
    entries = [JournalFacts(session=n, homework=h) for n, h in enumerate(homework, 1)]
    found = journal_patterns(entries)
    assert [p.id for p in found] == ["homework_rarely_done"]
    # "none set" sessions do not count against the person.
    assert "fully done in 1 of 5 sessions" in found[0].text


def test_homework_mostly_done_is_acknowledged() -> None:
    entries = [JournalFacts(session=n, homework="done") for n in range(1, 4)]
    assert ids(entries) == ["homework_mostly_done"]


def test_a_topic_that_keeps_coming_up_is_noted() -> None:
    entries = [JournalFacts(session=n, topics=("work", "sleep")) for n in range(1, 4)]
    assert ids(entries) == ["frequent_topic"]


def test_no_entries_means_no_patterns() -> None:
    assert journal_patterns([]) == []


def test_split_topics_trims_lowercases_and_removes_repeats() -> None:
    assert split_topics("Work, sleep;\n  my Mum. \nwork,,") == ("work", "sleep", "my mum")
    assert split_topics("") == ()
