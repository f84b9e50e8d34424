"""The shared answer documents (tests/corpus.py) are what they claim to be."""

from __future__ import annotations

import json

from tests.corpus import corpus, full_answers
from therapycheck.core.checkup import evaluate, parse_answers, question_bank


def test_the_corpus_answers_every_question_shown_and_fills_every_questionnaire_offered():
    bank = question_bank()
    for doc in corpus(40, seed=3):
        parsed = parse_answers(doc)
        shown = {q.id for q in bank.visible(doc["answers"])}
        assert set(doc["answers"]) == shown
        assert set(doc["measures"]) == set(bank.measures_offered(doc["answers"]))
        assert parsed.ignored == ()


def test_the_corpus_is_the_same_for_the_same_seed_and_varies_between_documents():
    first, again = corpus(20), corpus(20)
    assert first == again
    assert len({json.dumps(doc, sort_keys=True) for doc in first}) == 20


def test_the_full_answer_set_answers_every_question_shown_and_raises_several_findings():
    doc = full_answers()
    shown = {q.id for q in question_bank().visible(doc["answers"])}
    assert set(doc["answers"]) == shown
    result = evaluate(doc)
    assert len(result.findings) >= 5
    assert result.review_due  # 9 sessions of PHQ-9 without reliable change
