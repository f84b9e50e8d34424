"""The answers document (`therapycheck checkup --answers FILE.json`), checked and normalized.

    {"answers":  {"trust": 2, "concerns": ["trauma"], "sessions": 6, "dual_relationship": "no"},
     "measures": {"phq9": [1, 2, 1, 0, 1, 2, 1, 0, 0], "gad7": [...], "wai_sr": [...]},
     "history":  {"phq9": [{"session": 1, "score": 14}, {"session": 4, "score": 12}]},
     "country":  "GB"}

A skipped question is absent, null or "skip". Every problem raises `AnswersError` naming
the question (or `measures.<id>` / `history.<id>`), so nothing is silently dropped, except
answers to follow-up questions whose condition was not met: those are listed in
`ParsedAnswers.ignored`, the way a form would hide them.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from therapycheck.core._build import build
from therapycheck.core.change import Point, SeriesStatus, series_status
from therapycheck.core.checkup.bank import AnswersError, QuestionBank, question_bank
from therapycheck.core.checkup.model import Context
from therapycheck.core.instruments import Instrument, UnknownInstrument, get_instrument
from therapycheck.core.scoring import Score, ScoringError, score

__all__ = ["AnswersError", "ParsedAnswers", "parse_answers"]

_SESSION = attrgetter("session")
TOP_LEVEL_KEYS = frozenset(("answers", "measures", "history", "country", "version", "meta"))


@dataclass(frozen=True)
class ParsedAnswers:
    """A valid answers document: normalized answers, scored measures and series statuses."""

    answers: dict[str, Any]
    context: Context
    measures: dict[str, tuple[int, ...]] = field(default_factory=dict)
    scores: dict[str, Score] = field(default_factory=dict)
    history: dict[str, tuple[Point, ...]] = field(default_factory=dict)
    statuses: dict[str, SeriesStatus] = field(default_factory=dict)
    country: str | None = None
    # Answers to follow-up questions that were not shown (their condition was not met).
    ignored: tuple[str, ...] = ()


def parse_answers(doc: Mapping[str, Any], *, bank: QuestionBank | None = None) -> ParsedAnswers:
    """Check an answers document; raise AnswersError naming the question at fault."""
    bank = bank or question_bank()
    if doc.__class__ is not dict and not isinstance(doc, Mapping):
        raise AnswersError("document", "expected a JSON object with an 'answers' key")
    unknown = [k for k in doc if k not in TOP_LEVEL_KEYS]
    if unknown:
        raise AnswersError("document", f"unknown key {unknown[0]!r}; use {sorted(TOP_LEVEL_KEYS)}")
    answers = _answers(doc.get("answers") or {}, bank)
    hidden = bank.hidden_ids(answers)
    ignored = tuple(qid for qid in hidden if qid in answers)
    for qid in ignored:
        del answers[qid]
    measures, scores = _measures(doc.get("measures") or {})
    history = _history(doc.get("history") or {})
    country = _country(doc.get("country"))
    context = _context(answers, bank, country)
    _add_current_scores(history, scores, context.sessions)
    statuses = _statuses(history)
    return build(
        ParsedAnswers,
        answers=answers,
        context=context,
        measures=measures,
        scores=scores,
        history=history,
        statuses=statuses,
        country=country,
        ignored=tuple(sorted(ignored)),
    )


def _answers(raw: Any, bank: QuestionBank) -> dict[str, Any]:
    if raw.__class__ is not dict and not isinstance(raw, Mapping):
        raise AnswersError("answers", "expected an object of question id -> answer")
    checkers = bank.checkers
    choices = bank.choices
    ranges = bank.number_ranges
    answers: dict[str, Any] = {}
    for qid, value in raw.items():
        # Fast paths for valid answers of the common shapes; anything else (skips, odd
        # types, errors) goes to the question's checker below.
        allowed = choices.get(qid)
        if allowed is not None:
            try:
                normalized = allowed.get(value)
            except TypeError:  # unhashable: the checker names the problem
                normalized = None
            # bool is an int: True must not pass as the agree5 answer 1.
            if normalized is not None and value.__class__ is not bool:
                answers[qid] = normalized
                continue
        elif value.__class__ is int:
            bounds = ranges.get(qid)
            if bounds is not None and bounds[0] <= value <= bounds[1]:
                answers[qid] = value
                continue
        check = checkers.get(qid)
        if check is None:
            raise AnswersError(str(qid), "unknown question id (see `therapycheck questions`)")
        if value is None or value == "skip":
            question = bank.get(qid)
            if question is not None and not question.skippable:
                raise AnswersError(qid, "this question cannot be skipped")
            continue
        answers[qid] = check(value)
    return answers


def _measures(raw: Any) -> tuple[dict[str, tuple[int, ...]], dict[str, Score]]:
    if raw.__class__ is not dict and not isinstance(raw, Mapping):
        raise AnswersError("measures", "expected an object of instrument id -> list of answers")
    items: dict[str, tuple[int, ...]] = {}
    scores: dict[str, Score] = {}
    for key, values in raw.items():
        where = f"measures.{key}"
        instrument = _instrument(str(key), where)
        instrument_id = instrument.id
        if values is None or values == "skip":
            continue
        try:
            result = score(instrument, values)
        except ScoringError as exc:
            raise AnswersError(where, str(exc)) from exc
        if instrument_id in scores:
            raise AnswersError(where, "this questionnaire is given twice")
        items[instrument_id] = result.answers
        scores[instrument_id] = result
    return items, scores


def _instrument(key: str, where: str) -> Instrument:
    try:
        return get_instrument(key)
    except UnknownInstrument as exc:
        raise AnswersError(where, f"unknown questionnaire {key!r}") from exc


def _history(raw: Any) -> dict[str, tuple[Point, ...]]:
    if raw.__class__ is not dict and not isinstance(raw, Mapping):
        raise AnswersError("history", "expected an object of instrument id -> list of scores")
    history: dict[str, tuple[Point, ...]] = {}
    for key, entries in raw.items():
        where = f"history.{key}"
        instrument_id = _instrument(str(key), where).id
        if not isinstance(entries, list) or not entries:
            raise AnswersError(where, 'expected a list like [{"session": 1, "score": 14}, ...]')
        points: list[Point] = []
        for n, entry in enumerate(entries, 1):
            # Fast path: {"session": int, "score": int}, which Point accepts without a check.
            if entry.__class__ is dict and len(entry) == 2:
                session = entry.get("session")
                value = entry.get("score")
                if session.__class__ is int and value.__class__ is int:
                    points.append(Point(session, value))
                    continue
            points.append(_point(entry, where, n))
        history[instrument_id] = tuple(points)
    return history


def _point(entry: Any, where: str, n: int) -> Point:
    if (
        (entry.__class__ is not dict and not isinstance(entry, Mapping))
        or "session" not in entry
        or "score" not in entry
    ):
        raise AnswersError(where, f'entry {n} needs "session" and "score"')
    extra = set(entry) - {"session", "score", "date"}
    if extra:
        raise AnswersError(where, f"entry {n}: unknown key {sorted(extra)[0]!r}")
    try:
        return Point(entry["session"], entry["score"], _date(entry.get("date")))
    except ValueError as exc:
        raise AnswersError(where, f"entry {n}: {exc}") from exc


def _date(raw: Any) -> datetime.date | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise ValueError(f"date must be text like 2025-01-31, got {raw!r}")
    return datetime.date.fromisoformat(raw)


def _add_current_scores(
    history: dict[str, tuple[Point, ...]], scores: Mapping[str, Score], session: int | None
) -> None:
    """Today's questionnaire joins its series when it is newer than the last stored score."""
    if session is None:
        return
    for instrument_id, points in history.items():
        current = scores.get(instrument_id)
        if current is not None and session > max(map(_SESSION, points)):
            history[instrument_id] = (*points, Point(session, current.total))


def _statuses(history: Mapping[str, tuple[Point, ...]]) -> dict[str, SeriesStatus]:
    statuses: dict[str, SeriesStatus] = {}
    for instrument_id, points in history.items():
        try:
            statuses[instrument_id] = series_status(instrument_id, points)
        except ValueError as exc:
            raise AnswersError(f"history.{instrument_id}", str(exc)) from exc
    return statuses


def _country(raw: Any) -> str | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or not raw.strip().isalpha() or len(raw.strip()) > 20:
        raise AnswersError("country", f"{raw!r} is not a country code like 'GB' or 'US'")
    return raw.strip().upper()


def _context(answers: Mapping[str, Any], bank: QuestionBank, country: str | None) -> Context:
    values: dict[str, Any] = {**_CONTEXT_DEFAULTS, "country": country}
    for qid, name in bank.context_fields.items():
        if qid in answers:
            values[name] = answers[qid]
    return build(Context, **values)


def _context_defaults() -> dict[str, Any]:
    """Every Context field with its default, so `build` can fill all of them."""
    fields = dataclasses.fields(Context)
    if any(f.default is dataclasses.MISSING for f in fields):
        raise TypeError("every Context field needs a plain default (see answers._context)")
    return {f.name: f.default for f in fields}


_CONTEXT_DEFAULTS = _context_defaults()
