"""Shape bank questions, questionnaire items and frozen results for the templates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from therapycheck.core import safety as core_safety
from therapycheck.core.checkup.bank import question_bank
from therapycheck.core.instruments import UnknownInstrument, get_instrument
from therapycheck.core.result import StoredAction, StoredFinding, StoredResult
from therapycheck.web.checkups import labels, services, wizard
from therapycheck.web.checkups.models import Checkup

YES_NO = (("yes", "Yes"), ("no", "No"))
# Labels for a 5-point agreement scale, stored as 1..5.
AGREE5 = (
    (1, "Strongly disagree"),
    (2, "Disagree"),
    (3, "Neither agree nor disagree"),
    (4, "Agree"),
    (5, "Strongly agree"),
)
PREFER_NOT = "Prefer not to say"


# --- a section screen ------------------------------------------------------------------


def _choices(question: Any) -> list[tuple[str, str]]:
    options = [(str(o.id), str(o.label)) for o in (question.options or ())]
    if options:
        return options
    if question.type == "yes_no":
        return list(YES_NO)
    if question.type == "agree5":
        return [(str(v), label) for v, label in AGREE5]
    return []


def section_fields(
    doc: Mapping[str, Any],
    section_id: str,
    raw: Mapping[str, Any],
    errors: Mapping[str, str],
    added: list[str] | tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    fields = []
    for q in wizard.section_questions(doc, section_id):
        field = question_field(q, raw, errors)
        field["added"] = q.id in added
        fields.append(field)
    return fields


def question_field(
    question: Any, raw: Mapping[str, Any], errors: Mapping[str, str]
) -> dict[str, Any]:
    name = wizard.Q_PREFIX + question.id
    field_id = f"f-{question.id}"
    value = raw.get(name)
    selected = set(value) if isinstance(value, list) else {value} if value else set()
    help_text = getattr(question, "help", None) or ""
    error = errors.get(name, "")
    described = [
        i for i, on in ((f"{field_id}-help", help_text), (f"{field_id}-error", error)) if on
    ]
    choices = _choices(question)
    options = [
        {"value": v, "label": label, "id": f"{field_id}-{i}", "checked": v in selected}
        for i, (v, label) in enumerate(choices)
    ]
    skippable = bool(getattr(question, "skippable", True))
    return {
        "id": field_id,
        "name": name,
        "type": question.type,
        "text": question.text,
        "help": help_text,
        "error": error,
        "describedby": " ".join(described),
        "options": options,
        "skippable": skippable,
        "skip_id": f"{field_id}-skip",
        "skip_checked": wizard.SKIP in selected or raw.get(name + "-skip") == wizard.SKIP,
        "value": "" if isinstance(value, list) or value == wizard.SKIP else (value or ""),
        "min": getattr(question, "min", None),
        "max": getattr(question, "max", None),
        "first_control": options[0]["id"] if options else f"{field_id}-input",
        # A list with its own "None of these" needs no hint about leaving it blank.
        "has_none": any(getattr(o, "exclusive", False) for o in getattr(question, "options", ())),
    }


# --- a questionnaire screen -------------------------------------------------------------


def measure_fields(
    instrument_id: str, raw: Mapping[str, Any], errors: Mapping[str, str]
) -> list[dict[str, Any]]:
    fields = []
    for item in wizard.measure_items(instrument_id):
        field_id = f"f-{instrument_id}-{item['number']}"
        chosen = raw.get(item["name"], "")
        error = errors.get(item["name"], "")
        fields.append(
            {
                "id": field_id,
                "name": item["name"],
                "number": item["number"],
                "text": item["text"],
                "error": error,
                "describedby": f"{field_id}-error" if error else "",
                "options": [
                    {
                        "value": o["value"],
                        "label": o["label"],
                        "id": f"{field_id}-{i}",
                        "checked": str(o["value"]) == chosen,
                    }
                    for i, o in enumerate(item["options"])
                ],
                "first_control": f"{field_id}-0",
            }
        )
    return fields


def instrument_info(instrument_id: str) -> dict[str, Any]:
    inst = get_instrument(instrument_id)
    return {
        "id": inst.id,
        "name": inst.name,
        "short_name": inst.short_name,
        "prompt": getattr(inst, "prompt", None) or getattr(inst, "instructions", None) or "",
        "why": _why_offered(instrument_id),
        "attribution": _attribution(inst),
    }


def _why_offered(instrument_id: str) -> str:
    bank = question_bank()
    for measure in getattr(bank, "measures", ()) or ():
        inst = getattr(measure, "instrument", None)
        if inst is None and isinstance(measure, Mapping):
            inst = measure.get("instrument")
        if inst == instrument_id:
            why = getattr(measure, "why_offered", None)
            if why is None and isinstance(measure, Mapping):
                why = measure.get("why_offered")
            return str(why or "")
    return ""


def _attribution(inst: Any) -> str:
    source = getattr(inst, "source", None)
    return str(getattr(source, "citation", "") or "")


# --- errors ---------------------------------------------------------------------------


def error_list(
    errors: Mapping[str, str], doc: Mapping[str, Any], step: wizard.Step
) -> list[dict[str, str]]:
    """The error summary: each error names its question and links to its first control."""
    if not errors:
        return []
    out = []
    if step.kind == "section":
        for q in wizard.section_questions(doc, step.ref):
            name = wizard.Q_PREFIX + q.id
            if name in errors:
                field = question_field(q, {}, errors)
                out.append(
                    {"href": f"#{field['first_control']}", "text": q.text, "message": errors[name]}
                )
    else:
        for f in measure_fields(step.ref, {}, errors):
            if f["error"]:
                out.append(
                    {
                        "href": f"#{f['first_control']}",
                        "text": f"Question {f['number']}: {f['text']}",
                        "message": f["error"],
                    }
                )
    return out


# --- results ------------------------------------------------------------------------------


def summary(checkup: Checkup) -> dict[str, Any]:
    """One line about a finished check-up, for lists (an unreadable result lists no points)."""
    result = checkup.stored_result()
    factors = result.factors() if result is not None else ()
    return {
        "checkup": checkup,
        "when": checkup.completed_at,
        "top": [labels.factor_title(f) for f in factors[:3]],
        "crisis": result is not None and result.crisis,
    }


def result_view(
    result: StoredResult,
    answers: Mapping[str, Any],
    safety: core_safety.SafetyResponse | None = None,
    from_check_in: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The frozen result, laid out for the results and print pages.

    `safety`: the response made again for the person's current country (`current_safety`);
    the crisis step then shows its steps, not the ones stored with the result.
    `from_check_in`: questionnaires whose answers came from a check-in -> its session.
    """
    actions = [_action(a) for a in result.actions]
    if safety is not None and safety.crisis:
        for action in actions:
            if action["action"] == "crisis_support_now":
                action["steps"] = list(safety.steps)
    return {
        "safety": result.safety,
        "crisis": result.crisis,
        "findings": [_finding(f, answers) for f in result.findings],
        # In the plan's own order (it follows the findings); nothing here re-sorts it.
        "actions": actions,
        "later_actions": [_action(a) for a in result.later_actions],
        "guide": guide_blocks(result),
        "switching": result.switching,
        "consultation_questions": list(result.consultation_questions),
        "scores": scores(result, from_check_in or {}),
        "safety_item_skipped": bool(result.safety_items_skipped) and not result.crisis,
        "misconduct": "boundary_violation" in result.factors(),
    }


def _finding(finding: StoredFinding, answers: Mapping[str, Any]) -> dict[str, Any]:
    learn = labels.learn_link(finding.factor, answers)
    return {
        "factor": finding.factor,
        "title": labels.finding_title(finding),
        "severity": finding.severity,
        "severity_title": labels.SEVERITY_TITLES.get(finding.severity, finding.severity),
        "why": list(finding.why),
        "learn_url": learn[0] if learn else "",
        "learn_text": learn[1] if learn else "",
    }


def _action(action: StoredAction) -> dict[str, Any]:
    return {
        "action": action.action,
        "title": labels.action_title(action),
        "when": labels.WHEN_TITLES.get(action.when, action.when),
        "steps": list(action.steps),
        "explained": labels.explain_terms(action.steps),
        "sessions": action.sessions,
        "recheck_on": action.recheck_on,
    }


# The conversation guide's parts (core.plan.ConversationGuide), in reading order.
GUIDE_PARTS = (
    ("opening", "How to start"),
    ("noticed", "What I have noticed"),
    ("wants", "What I would like"),
    ("questions", "Questions I want to ask"),
    ("if_defensive", "If it gets difficult"),
    ("closing", "To close"),
)


def guide_blocks(result: StoredResult) -> list[dict[str, Any]]:
    """The guide, shown only when the plan says to talk it over with the therapist.

    For safety and misconduct the plan leaves `talk_to_therapist` out on purpose, and
    then a script for talking it through would send the wrong message.
    """
    guide = result.guide
    if guide is None or "talk_to_therapist" not in result.action_ids():
        return []
    out: list[dict[str, Any]] = []
    for key, heading in GUIDE_PARTS:
        part: str | tuple[str, ...] = getattr(guide, key)
        if isinstance(part, str):
            if part:
                out.append({"heading": heading, "paragraphs": [part], "items": []})
        elif part:
            out.append({"heading": heading, "paragraphs": [], "items": list(part)})
    return out


def scores(
    result: StoredResult, from_check_in: Mapping[str, int] | None = None
) -> list[dict[str, Any]]:
    """The questionnaires answered inside the check-up, with the score they had then; one
    whose answers came from a recent check-in says so (`from_check_in`: id -> session)."""
    out = []
    for inst_id, score in result.measures.items():
        try:
            inst = get_instrument(inst_id)
        except UnknownInstrument:  # removed since then: still show the stored score
            out.append(_score_row(inst_id, inst_id, score.total, score.band, None))
            continue
        span = (inst.min, inst.max, inst.higher_is_better)
        row = _score_row(inst_id, inst.name, score.total, score.band, span)
        session = (from_check_in or {}).get(inst_id)
        if session is not None:
            row["source"] = f"Your answers from your check-in after session {session}."
        out.append(row)
    for inst_id, why in result.unscored.items():
        try:
            name = get_instrument(inst_id).name
        except UnknownInstrument:
            name = inst_id
        row = {"name": name, "total": None, "band": "", "score_text": "no total"}
        out.append({**row, "meaning": _why(why)})
    return out


def _why(reason: str) -> str:
    """The core's reason without its questionnaire prefix ("PHQ-9: item 5 skipped. ..."),
    since the row already names the questionnaire."""
    _, _, rest = reason.partition(": ")
    rest = rest or reason
    return rest[:1].upper() + rest[1:]


def _score_row(
    inst_id: str,
    name: str,
    total: float | None,
    band: str | None,
    span: tuple[int, int, bool] | None,
) -> dict[str, Any]:
    """One row of the scores table: the score on its scale and what it means in words."""
    shown = "not scored" if total is None else f"{total:g}"
    meaning = labels.score_meaning(inst_id, band)
    if span is not None and total is not None:
        low, high, higher_is_better = span
        scale = f"out of {high}" if low == 0 else f"on a scale from {low} to {high}"
        shown = f"{shown} {scale}"
        if not meaning.endswith("better."):
            better = "Higher" if higher_is_better else "Lower"
            meaning = f"{meaning} {better} is better.".strip()
    return {
        "name": name,
        "total": total,
        "band": band or "",
        "score_text": shown,
        "meaning": meaning,
    }


def current_safety(checkup: Checkup, country: str | None) -> core_safety.SafetyResponse:
    """The check-up's safety response, made again from its stored reasons and dangers.

    A check-up finished before the person chose a country stored the generic text; every
    page shows the crisis lines and the emergency number of the country chosen now.
    """
    result = checkup.stored_result()
    if result is None:
        return core_safety.safety_response(country=country)
    dangers = result.safety.dangers
    crisis = result.crisis
    reasons = result.safety.reasons if crisis else ()
    return core_safety.safety_response(
        # A crisis stored without its reasons still is one.
        flags=[core_safety.SAFETY_FLAG] if crisis and not reasons else [],
        reasons=reasons,
        dangers=dangers,
        country=country,
        misconduct="boundary_violation" in result.factors(),
    )


def comparison_view(comp: services.Comparison) -> dict[str, Any] | None:
    if comp.previous is None:
        return None
    return {
        "previous": comp.previous,
        "new": [labels.factor_title(f) for f in comp.new],
        "gone": [labels.factor_title(f) for f in comp.gone],
        "still": [labels.factor_title(f) for f in comp.still],
    }
