"""Answers to retired questions, read in today's words.

When the sections about why became tick lists (issue 14), 24 questions asked one by one
were folded into five new lists of statements and the barriers list. Answers saved before
(a check-up in progress, a saved answers file, an export brought back in) keep their
meaning: the answer the rules used to read ticks the statement that replaced the question.
The rules only ever read one clear answer there (a clear "agree", 4 or 5; a clear
"disagree", 1 or 2; or one particular choice), so nothing they used is lost.

Only ticks are carried over: when none of a list's old answers ticks a statement, the list
stays unanswered rather than "None of these", because the person never saw the whole list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from therapycheck.core.checkup.bank import question_bank

Test = Callable[[Any], bool]


def _agree(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 4


def _disagree(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value <= 2


def _one_of(*options: str) -> Test:
    return lambda value: value in options


# old question id -> (list question now, statement it ticks, when the old answer ticks it)
RETIRED: dict[str, tuple[str, str, Test]] = {
    "can_name_goal": ("expecting", "no_clear_goal", _disagree),
    "expect_fast": ("expecting", "fast", _agree),
    "expect_advice": ("expecting", "advice", _agree),
    "expect_feel_good": ("expecting", "feel_good", _agree),
    "expect_all_gone": ("expecting", "all_gone", _agree),
    "just_looking": ("expecting", "just_looking", _agree),
    "agreement_made": ("working_together", "no_agreement", _one_of("no", "not_sure")),
    "progress_reviews": ("working_together", "never_reviewed", _one_of("never")),
    "holding_back": ("in_therapy", "holding_back", _agree),
    "avoided_topic": ("in_therapy", "avoided_topic", _agree),
    "too_comfortable": ("in_therapy", "too_comfortable", _agree),
    "ambivalent": ("in_therapy", "ambivalent", _agree),
    "crisis_mode": ("in_therapy", "crisis_mode", _agree),
    "support_outside": ("in_therapy", "little_support", _disagree),
    "schedule_fit": ("barriers", "schedule", _disagree),
    "approach_suits": ("fit_doubts", "methods_not_suited", _disagree),
    "therapist_adapts": ("fit_doubts", "rigid", _disagree),
    "symptoms_severe": ("health_signs", "severe", _agree),
    "tried_before": ("health_signs", "tried_several", _one_of("several")),
    "substance_hint": ("health_signs", "substance", _one_of("yes")),
    "trauma_hint": ("health_signs", "trauma", _one_of("yes")),
    "focus_hint": ("health_signs", "focus", _one_of("yes")),
    "never_asked": ("health_signs", "never_asked", _agree),
}

# Old questions whose options became two statements each.
_SPLIT: dict[str, dict[str, tuple[str, str]]] = {
    "agreement_made": {"partly": ("working_together", "partial_agreement")},
    "homework": {
        "skip_them": ("working_together", "homework_skipped"),
        "unclear": ("working_together", "homework_unclear"),
    },
}


def upgrade(answers: Mapping[str, Any]) -> dict[str, Any]:
    """`answers` with retired questions replaced by the statements they tick.

    A list the person answered today wins over old answers for it; "None of these" is
    dropped when an old answer adds a statement to the same list.
    """
    if not any(qid in RETIRED or qid in _SPLIT for qid in answers):
        return dict(answers)
    kept = {k: v for k, v in answers.items() if k not in RETIRED and k not in _SPLIT}
    ticks: dict[str, list[str]] = {}
    for qid, value in answers.items():
        for target, statement in _ticks(qid, value):
            ticks.setdefault(target, []).append(statement)
    for target, statements in ticks.items():
        now = kept.get(target)
        if target != "barriers" and target in kept:
            continue
        existing = [o for o in now if o != "none"] if isinstance(now, list) else []
        added = [s for s in statements if s not in existing]
        # In the list's own order: stored answers may come back in any key order
        # (PostgreSQL's jsonb sorts keys), and the same answers must read the same.
        kept[target] = existing + sorted(added, key=_position(target))
    return kept


def _position(target: str) -> Callable[[str], int]:
    question = question_bank().get(target)
    order = [str(o.id) for o in question.options] if question is not None else []
    return lambda statement: order.index(statement) if statement in order else len(order)


def _ticks(qid: str, value: Any) -> list[tuple[str, str]]:
    found = []
    if qid in RETIRED:
        target, statement, test = RETIRED[qid]
        if test(value):
            found.append((target, statement))
    split = _SPLIT.get(qid, {})
    if isinstance(value, str) and value in split:
        found.append(split[value])
    return found
