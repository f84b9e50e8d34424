"""Hypothesis strategies shared by the tests: valid check-up answer documents."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from therapycheck.core.checkup import question_bank
from therapycheck.core.checkup.bank import Question


def answer(question: Question) -> st.SearchStrategy[Any]:
    """A valid answer to one question, or a skip."""
    skip = st.sampled_from([None, "skip"])
    if question.type == "number":
        assert question.min is not None and question.max is not None
        value: st.SearchStrategy[Any] = st.integers(question.min, question.max)
    elif question.type == "multi":
        plain = [str(o.id) for o in question.options if not o.exclusive]
        exclusive = [[str(o.id)] for o in question.options if o.exclusive]
        value = st.one_of(
            st.lists(st.sampled_from(plain), unique=True), st.sampled_from(exclusive or [[]])
        )
    else:
        value = st.sampled_from([o.id for o in question.options])
    return st.one_of(value, skip)


def history(scores: list[int]) -> list[dict[str, int]]:
    """Scores at sessions 1, 2, 3, ..."""
    return [{"session": n, "score": s} for n, s in enumerate(scores, start=1)]


ANSWER_SETS = st.fixed_dictionaries(
    {},
    optional={q.id: answer(q) for q in question_bank().questions},
)
MEASURES = st.fixed_dictionaries(
    {},
    optional={
        "phq9": st.lists(st.integers(0, 3), min_size=9, max_size=9),
        "gad7": st.lists(st.integers(0, 3), min_size=7, max_size=7),
        "wai_sr": st.lists(st.integers(1, 5), min_size=12, max_size=12),
    },
)
HISTORIES = st.fixed_dictionaries(
    {},
    optional={"phq9": st.lists(st.integers(0, 27), min_size=1, max_size=10).map(history)},
)
