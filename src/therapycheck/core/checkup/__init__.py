"""The check-up: a question bank, factor rules and one evaluator, all driven by data.

    from therapycheck.core.checkup import evaluate, question_bank, parse_answers, modalities

    bank = question_bank()                    # questions.yaml, validated once
    result = evaluate({"answers": {...}, "measures": {...}}, country="GB")
    result.findings[0].factor                 # most important first; safety always first

See docs/checkup.md for the answers format, the rule language and the factor list.
"""

from therapycheck.core.checkup.answers import ParsedAnswers, parse_answers
from therapycheck.core.checkup.bank import (
    AnswersError,
    MeasureOffer,
    Option,
    Question,
    QuestionBank,
    Section,
    question_bank,
)
from therapycheck.core.checkup.evaluate import evaluate
from therapycheck.core.checkup.modalities import Approach, ConcernFit, Modalities, modalities
from therapycheck.core.checkup.model import (
    ACTION_IDS,
    FACTOR_IDS,
    SEVERITY_RANK,
    Context,
    Evaluation,
    Finding,
)
from therapycheck.core.checkup.rules import Rule, RuleSet, rule_set

__all__ = [
    "ACTION_IDS",
    "FACTOR_IDS",
    "SEVERITY_RANK",
    "AnswersError",
    "Approach",
    "ConcernFit",
    "Context",
    "Evaluation",
    "Finding",
    "MeasureOffer",
    "Modalities",
    "Option",
    "ParsedAnswers",
    "Question",
    "QuestionBank",
    "Rule",
    "RuleSet",
    "Section",
    "evaluate",
    "modalities",
    "parse_answers",
    "question_bank",
    "rule_set",
]
