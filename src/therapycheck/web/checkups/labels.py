"""Names for factor and action ids on screen, and where to learn more.

The names themselves are the core's (`core.plan`, from its actions.yaml), so the web,
the CLI and the Markdown report say the same thing. An id the core does not know falls
back to a tidied id, so a page never breaks on a new factor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from therapycheck.core import plan as core_plan
from therapycheck.core.checkup.model import SEVERITY_LABELS
from therapycheck.core.result import StoredAction, StoredFinding
from therapycheck.web.pages.learn import APPROACH_ANCHORS

# The core's tables, so every output uses the same words and order.
WHEN_TITLES = core_plan.WHEN_LABELS
WHEN_ORDER = core_plan.WHEN_ORDER
SEVERITY_TITLES = SEVERITY_LABELS

_LEARN_APPROACHES = ("/learn/approaches/", "Kinds of therapy")
# Factor -> (page#section, link text) on the learn pages (web/pages/templates/pages/learn).
_LEARN: dict[str, tuple[str, str]] = {
    "boundary_violation": ("/learn/credentials/#boundaries", "Lines a therapist must never cross"),
    "therapist_scope": (
        "/learn/credentials/#scope",
        "When a problem may be outside their training",
    ),
    "alliance": ("/learn/normal/#relationship", "Why the relationship matters"),
    "feeling_worse_unaddressed": ("/learn/normal/#feeling-worse", "Feeling worse for a while"),
    "too_early": ("/learn/normal/#how-long", "How long change takes"),
    "expectations": ("/learn/normal/#how-long", "How long change takes"),
    "unrecognized_progress": ("/learn/normal/#measuring", "Measuring progress"),
    "readiness": ("/learn/normal/", "What is normal in therapy"),
}
# Approach answers (ids like "person_centred") that have their own section on the
# approaches page, whose anchors use hyphens ("#person-centred").
_APPROACH_ANCHORS = frozenset(anchor.replace("-", "_") for anchor in APPROACH_ANCHORS)


# What each questionnaire's score is about, in our own words (not a diagnosis).
_SCORE_ABOUT: dict[str, str] = {
    "phq9": "for low mood and loss of interest",
    "gad7": "for worry and anxiety",
}
# For a questionnaire with no published bands, a plain explanation instead of a bare number.
_SCORE_MEANING: dict[str, str] = {
    "wai_sr": (
        "How well you and your therapist work together: agreeing on goals, agreeing on "
        "what you do in sessions, and feeling you get on. There is no official cut-off, "
        "so what matters most is a drop over time, which is worth talking about. "
        "Higher is better."
    ),
}


def score_meaning(instrument_id: str, band: str | None) -> str:
    """What a questionnaire score means, in plain words: its band, or our explanation."""
    if instrument_id in _SCORE_MEANING:
        return _SCORE_MEANING[instrument_id]
    if band:
        about = _SCORE_ABOUT.get(instrument_id, "")
        return f"{_tidy(band)} {about}".strip() + "."
    return ""


# Terms a plan step may use, explained in a line, so nobody has to look them up.
GLOSSARY: dict[str, str] = {
    "collaborative care": (
        "Collaborative care means your therapist and your doctor share one plan and "
        "keep each other up to date about your care."
    ),
}


def explain_terms(texts: list[str] | tuple[str, ...]) -> list[str]:
    """Plain explanations of the glossary terms that appear in these texts."""
    joined = " ".join(texts).lower()
    return [meaning for term, meaning in GLOSSARY.items() if term in joined]


def factor_title(factor: str) -> str:
    return _tidy(core_plan.factor_label(factor))


def finding_title(finding: StoredFinding) -> str:
    """The core's own label for a finding when it gives one; ours otherwise."""
    return _tidy(finding.label) if finding.label else factor_title(finding.factor)


def action_title(action: StoredAction) -> str:
    if action.title:
        return action.title
    try:
        return core_plan.action_title(action.action)
    except KeyError:
        return _tidy(action.action)


def learn_link(factor: str, answers: Mapping[str, Any]) -> tuple[str, str] | None:
    """(url, link text) of the learn page section that explains this factor, if one fits."""
    if factor == "modality_fit":
        approach = answers.get("approach")
        if isinstance(approach, str) and approach in _APPROACH_ANCHORS:
            anchor = approach.replace("_", "-")
            return (f"{_LEARN_APPROACHES[0]}#{anchor}", _LEARN_APPROACHES[1])
        return _LEARN_APPROACHES
    return _LEARN.get(factor)


def _tidy(identifier: str) -> str:
    text = identifier.replace("_", " ").strip()
    return text[:1].upper() + text[1:]
