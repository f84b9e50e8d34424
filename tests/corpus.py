"""Realistic check-up answer documents: one fixed full set and a seeded, varied corpus.

Used by the tests and by `benchmarks/` (which import it from here); no I/O, no network.

Each document answers every question the person would see (follow-ups included), fills
every questionnaire the bank offers for those answers, and sometimes carries a history of
earlier scores, so evaluating the corpus does the work a real full check-up does. Varied
documents keep any per-input cache from flattering a benchmark that repeats one document.
"""

from __future__ import annotations

import random
from typing import Any

from therapycheck.core.checkup import question_bank
from therapycheck.core.instruments import get_instrument

COUNTRIES = ("GB", "US", "IE", "AU", "CA", "DE", None)


def corpus(size: int, seed: int = 20261122) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [_document(rng) for _ in range(size)]


def _document(rng: random.Random) -> dict[str, Any]:
    bank = question_bank()
    answers: dict[str, Any] = {}
    for _ in range(3):  # follow-ups appear as earlier answers are given
        for question in bank.visible(answers):
            if question.id not in answers:
                answers[question.id] = _answer(rng, question)
    answers = _shown_only(bank, answers)
    measures: dict[str, Any] = {}
    for inst_id in bank.measures_offered(answers):
        inst = get_instrument(inst_id)
        measures[inst_id] = [
            rng.choice([o.value for o in inst.item_options(n)])
            for n in range(1, len(inst.items) + 1)
        ]
    history: dict[str, Any] = {}
    sessions = answers.get("sessions")
    if isinstance(sessions, int) and sessions > 1 and rng.random() < 0.7:
        for inst_id in ("phq9", "gad7"):
            inst = get_instrument(inst_id)
            start = rng.randint(int(inst.min), int(inst.max))
            drift = rng.choice((-2, -1, 0, 0, 1))
            points = []
            for n in range(1, min(sessions, 20)):
                value = start + drift * n + rng.randint(-2, 2)
                value = max(int(inst.min), min(int(inst.max), value))
                points.append({"session": n, "score": value})
            history[inst_id] = points
    doc: dict[str, Any] = {"answers": answers, "measures": measures, "history": history}
    country = rng.choice(COUNTRIES)
    if country is not None:
        doc["country"] = country
    return doc


def _answer(rng: random.Random, question: Any) -> Any:
    if question.skippable and rng.random() < 0.05:
        return "skip"
    if question.type == "number":
        low = question.min or 0
        high = min(question.max or 60, low + 60)
        return rng.randint(low, high)
    options = [o.id for o in question.options if not o.exclusive]
    exclusive = [o.id for o in question.options if o.exclusive]
    if question.type == "multi":
        if exclusive and rng.random() < 0.1:
            return [rng.choice(exclusive)]
        return rng.sample(options, k=rng.randint(1, min(3, len(options))))
    return rng.choice([o.id for o in question.options])


def full_answers() -> dict[str, Any]:
    """Every visible question answered (a mixed, realistic picture), plus questionnaires.

    Chosen so that several rules fire: trust is low, goals unclear, therapy was someone
    else's idea, alcohol and trauma come up (so AUDIT-C and PCL-5 are asked too), and the
    PHQ-9 series has 9 sessions without reliable change.
    """
    bank = question_bank()
    preferred: dict[str, Any] = {
        "sessions": 9,
        "weeks": 12,
        "frequency": "weekly",
        "safe_now": "safe",
        "harm_worry": "no",
        "concerns": ["depression", "trauma", "substance_use"],
        "chosen": "partner",
        "dual_relationship": "no",
    }
    answers: dict[str, Any] = {}
    for _ in range(3):  # follow-up questions appear as earlier answers are given
        for question in bank.visible(answers):
            if question.id in answers:
                continue
            answers[question.id] = preferred.get(question.id, _middle(question))
    answers = _shown_only(bank, answers)
    measures = {
        "phq9": [2, 1, 2, 1, 1, 1, 1, 1, 0],
        "gad7": [1, 1, 2, 1, 1, 0, 1],
        "wai_sr": [2, 3, 2, 3, 2, 3, 2, 2, 3, 2, 3, 2],
        "audit_c": [2, 1, 0],
        "pcl5": [1] * 20,
    }
    offered = set(bank.measures_offered(answers))
    history = {
        "phq9": [
            {"session": n, "score": s}
            for n, s in zip(range(1, 9), (13, 14, 12, 13, 12, 13, 12, 13), strict=True)
        ]
    }
    return {
        "answers": answers,
        "measures": {k: v for k, v in measures.items() if k in offered},
        "history": history,
        "country": "GB",
    }


def _middle(question: Any) -> Any:
    if question.type == "number":
        return question.min or 1
    if question.type == "agree5":
        return 2
    if question.type == "yes_no":
        return "no"
    options = [o for o in question.options if not o.exclusive]
    if question.type == "multi":
        return [options[0].id]
    return options[len(options) // 2].id


def _shown_only(bank: Any, answers: dict[str, Any]) -> dict[str, Any]:
    """Drop answers to follow-ups that a later answer hid again, as a form would."""
    shown = {q.id for q in bank.visible(answers)}
    return {qid: value for qid, value in answers.items() if qid in shown}
