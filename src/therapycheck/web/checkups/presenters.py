"""Shape bank questions, questionnaire items and frozen results for the templates."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from therapycheck.core.checkup.bank import question_bank
from therapycheck.core.instruments import get_instrument
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
        field = _question_field(q, raw, errors)
        field["added"] = q.id in added
        fields.append(field)
    return fields


def _question_field(
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
                field = _question_field(q, {}, errors)
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
    """One line about a finished check-up, for lists."""
    factors = checkup.factors()
    return {
        "checkup": checkup,
        "when": checkup.completed_at,
        "top": [labels.factor_title(f) for f in factors[:3]],
        "crisis": bool(_as_map(checkup.result_doc.get("safety")).get("crisis")),
    }


def _as_map(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def result_view(checkup: Checkup) -> dict[str, Any]:
    """The frozen result, laid out; anything of an unexpected shape is left out."""
    result = checkup.result_doc
    answers = wizard.answers_of(checkup.answers or {})
    safety = _as_map(result.get("safety"))
    findings = [f for f in _as_list(result.get("findings")) if isinstance(f, Mapping)]
    actions = _as_list(result.get("actions"))
    return {
        "safety": safety,
        "crisis": bool(safety.get("crisis")),
        "findings": [_finding(f, answers) for f in findings],
        "action_groups": _action_groups(actions),
        "guide": guide_blocks(result.get("guide"), actions),
        "switching": switching_view(result.get("switching")),
        "consultation_questions": [str(q) for q in _as_list(result.get("consultation_questions"))],
        "scores": scores(result.get("measures")),
        "misconduct": any(f.get("factor") == "boundary_violation" for f in findings),
    }


def _finding(finding: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    factor = str(finding.get("factor", ""))
    severity = str(finding.get("severity", ""))
    learn = labels.learn_link(factor, answers)
    return {
        "factor": factor,
        "title": labels.finding_title(finding),
        "severity": severity,
        "severity_title": labels.SEVERITY_TITLES.get(severity, severity.capitalize()),
        "why": [str(w) for w in _as_list(finding.get("why"))],
        "learn_url": learn[0] if learn else "",
        "learn_text": learn[1] if learn else "",
    }


def _action_groups(actions: list[Any]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for action in actions:
        if not isinstance(action, Mapping):
            continue
        when = str(action.get("when") or "over_next_sessions")
        groups.setdefault(when, []).append(
            {
                "action": action.get("action"),
                "title": labels.action_title(action),
                "steps": [str(s) for s in _as_list(action.get("steps"))],
                "sessions": action.get("sessions"),
                "recheck_on": _date(action.get("recheck_on")),
            }
        )
    order = [w for w in labels.WHEN_ORDER if w in groups] + [
        w for w in groups if w not in labels.WHEN_ORDER
    ]
    return [
        {
            "when": w,
            "title": labels.WHEN_TITLES.get(w, w.replace("_", " ").capitalize()),
            "actions": groups[w],
        }
        for w in order
    ]


# The conversation guide's parts (core.plan.ConversationGuide), in reading order.
GUIDE_PARTS = (
    ("opening", "How to start"),
    ("noticed", "What I have noticed"),
    ("wants", "What I would like"),
    ("questions", "Questions I want to ask"),
    ("if_defensive", "If it gets difficult"),
    ("closing", "To close"),
)


def guide_blocks(guide: Any, actions: list[Any]) -> list[dict[str, Any]]:
    """The guide, shown only when the plan says to talk it over with the therapist.

    For safety and misconduct the plan leaves `talk_to_therapist` out on purpose, and
    then a script for talking it through would send the wrong message.
    """
    wanted = any(isinstance(a, Mapping) and a.get("action") == "talk_to_therapist" for a in actions)
    if not wanted or not isinstance(guide, Mapping):
        return []
    out = []
    for key, heading in GUIDE_PARTS:
        out.extend(blocks(guide.get(key), heading))
    known = {k for k, _ in GUIDE_PARTS}
    for key, value in guide.items():
        if key not in known:
            out.extend(blocks(value, _tidy_key(key)))
    return out


def switching_view(switching: Any) -> dict[str, Any] | None:
    if not isinstance(switching, Mapping):
        return None
    sections = [
        {"heading": str(s.get("heading", "")), "items": [str(i) for i in _as_list(s.get("items"))]}
        for s in _as_list(switching.get("sections"))
        if isinstance(s, Mapping)
    ]
    return {
        "title": str(switching.get("title") or "If you decide to change therapist"),
        "note": str(switching.get("note") or ""),
        "closure_advised": bool(switching.get("closure_advised", True)),
        "sections": sections,
    }


def _date(value: Any) -> datetime.date | str | None:
    """An ISO date as a date (templates format it); anything else as it came."""
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return value
    return value if isinstance(value, datetime.date) else None


def blocks(value: Any, heading: str = "") -> list[dict[str, Any]]:
    """Any nested text structure as [{"heading", "paragraphs", "items"}] blocks, in order.

    The guide and the switching checklist come from the core as plain data (strings,
    lists and dicts); this keeps their order and wording and only lays them out.
    """
    if value is None or value == "" or value == [] or value == {}:
        return []
    if isinstance(value, str):
        return [{"heading": heading, "paragraphs": [value], "items": []}]
    if isinstance(value, list | tuple):
        if all(isinstance(v, str) for v in value):
            return [{"heading": heading, "paragraphs": [], "items": [str(v) for v in value]}]
        out: list[dict[str, Any]] = []
        for v in value:
            out.extend(blocks(v, heading))
        return out
    if isinstance(value, Mapping):
        out = []
        for key, inner in value.items():
            if key in {"id", "applies", "kind"} or isinstance(inner, bool):
                continue
            if key in {"title", "heading"} and isinstance(inner, str):
                out.append({"heading": inner, "paragraphs": [], "items": []})
                continue
            out.extend(blocks(inner, _tidy_key(key)))
        return _merge(out)
    return [{"heading": heading, "paragraphs": [str(value)], "items": []}]


def _merge(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fold a bare heading into the block that follows it."""
    out: list[dict[str, Any]] = []
    for block in items:
        if out and not out[-1]["paragraphs"] and not out[-1]["items"] and not block["heading"]:
            out[-1] = {**block, "heading": out[-1]["heading"]}
        else:
            out.append(block)
    return out


def _tidy_key(key: str) -> str:
    text = str(key).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def scores(measures: Any) -> list[dict[str, Any]]:
    if not isinstance(measures, Mapping):
        return []
    out = []
    for inst_id, data in measures.items():
        if not isinstance(data, Mapping):
            continue
        try:
            name = get_instrument(str(inst_id)).name
        except Exception:  # an instrument removed since: still show the stored score
            name = str(inst_id)
        out.append({"name": name, "total": data.get("total"), "band": data.get("band") or ""})
    return out


def comparison_view(comp: services.Comparison) -> dict[str, Any] | None:
    if comp.previous is None:
        return None
    return {
        "previous": comp.previous,
        "new": [labels.factor_title(f) for f in comp.new],
        "gone": [labels.factor_title(f) for f in comp.gone],
        "still": [labels.factor_title(f) for f in comp.still],
    }
