"""Patterns in a person's journal, said back in plain words. Pure Python, no Django.

These are observations, not judgements: they give the person something concrete to bring
to their therapist (FACTORS.md: `avoidance` — topics held back, homework not done; and the
"nonlinear is normal" principle — feeling worse after a hard session can be part of work).
Each rule needs a few entries before it speaks, so one bad week does not become a pattern.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# How many entries a pattern needs before it is mentioned. A product choice: three is the
# smallest number that can show "again and again" rather than a one-off.
MIN_ENTRIES = 3
# Mean change (after minus before, 0-10 scale) that counts as a noticeable difference.
NOTICEABLE_SHIFT = 1.0
# Share of homework done (done = 1, partly = 0.5) below which it is "rarely" done.
RARELY_DONE = 0.34
MOSTLY_DONE = 0.75

_SPLIT = re.compile(r"[,;\n]+")


@dataclass(frozen=True)
class JournalFacts:
    """The parts of one journal entry the patterns look at."""

    session: int
    feeling_before: int | None = None
    feeling_after: int | None = None
    topics: tuple[str, ...] = ()
    avoided: tuple[str, ...] = ()
    # "done", "partly", "not_done", "none_set" or "" (not noted)
    homework: str = ""


@dataclass(frozen=True)
class Pattern:
    id: str
    text: str
    # Whether this is worth raising with the therapist (shown with a gentle prompt).
    raise_it: bool = False


def split_topics(text: str) -> tuple[str, ...]:
    """'Work, sleep;\nmy mum' -> ('work', 'sleep', 'my mum'): lower case, trimmed, unique."""
    seen: dict[str, None] = {}
    for part in _SPLIT.split(text or ""):
        topic = " ".join(part.split()).strip(" .").lower()
        if topic:
            seen.setdefault(topic, None)
    return tuple(seen)


def journal_patterns(entries: Sequence[JournalFacts]) -> list[Pattern]:
    """Every pattern that the entries show, most useful first."""
    found = [
        _feeling_shift(entries),
        *_repeated_avoidance(entries),
        _homework(entries),
        _frequent_topic(entries),
    ]
    return [pattern for pattern in found if pattern is not None]


def _feeling_shift(entries: Iterable[JournalFacts]) -> Pattern | None:
    shifts = [
        e.feeling_after - e.feeling_before
        for e in entries
        if e.feeling_before is not None and e.feeling_after is not None
    ]
    if len(shifts) < MIN_ENTRIES:
        return None
    mean = sum(shifts) / len(shifts)
    over = f"over {len(shifts)} sessions"
    if mean >= NOTICEABLE_SHIFT:
        return Pattern(
            "relief_after_sessions",
            f"On average you feel {_points(mean)} better after a session than before it ({over}).",
        )
    if mean <= -NOTICEABLE_SHIFT:
        return Pattern(
            "worse_after_sessions",
            f"On average you feel {_points(-mean)} worse after a session than before it "
            f"({over}). Hard sessions can be part of the work, but it is worth telling your "
            "therapist how you leave the room.",
            raise_it=True,
        )
    return Pattern(
        "same_after_sessions",
        f"On average you feel about the same after a session as before it ({over}).",
    )


def _repeated_avoidance(entries: Sequence[JournalFacts]) -> list[Pattern]:
    counts = Counter(topic for e in entries for topic in set(e.avoided))
    repeated = [(topic, n) for topic, n in counts.most_common() if n >= MIN_ENTRIES]
    return [
        Pattern(
            "topic_avoided_repeatedly",
            f"You held back from talking about “{topic}” in {n} sessions. Topics that keep "
            "getting put off are often important. You could tell your therapist that this "
            "one is hard to bring up.",
            raise_it=True,
        )
        for topic, n in repeated
    ]


def _homework(entries: Iterable[JournalFacts]) -> Pattern | None:
    credit = {"done": 1.0, "partly": 0.5, "not_done": 0.0}
    noted = [credit[e.homework] for e in entries if e.homework in credit]
    if len(noted) < MIN_ENTRIES:
        return None
    share = sum(noted) / len(noted)
    fully = sum(1 for value in noted if value == 1.0)
    if share < RARELY_DONE:
        return Pattern(
            "homework_rarely_done",
            f"Homework was rarely done: fully done in {fully} of {len(noted)} sessions where "
            "some was set. That is common. It may help to ask your therapist for tasks that "
            "fit your week better, or to talk about what gets in the way.",
            raise_it=True,
        )
    if share >= MOSTLY_DONE:
        return Pattern(
            "homework_mostly_done",
            f"You did most of your homework: fully done in {fully} of {len(noted)} sessions "
            "where some was set.",
        )
    return None


def _frequent_topic(entries: Sequence[JournalFacts]) -> Pattern | None:
    counts = Counter(topic for e in entries for topic in set(e.topics))
    if not counts:
        return None
    topic, n = counts.most_common(1)[0]
    if n < MIN_ENTRIES:
        return None
    return Pattern("frequent_topic", f"You talked about “{topic}” in {n} sessions.")


def _points(value: float) -> str:
    rounded = round(value, 1)
    text = f"{rounded:g}"
    return f"{text} point" if rounded == 1 else f"{text} points"
