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
