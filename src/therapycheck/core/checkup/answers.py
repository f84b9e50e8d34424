"""The answers document (`therapycheck checkup --answers FILE.json`), checked and normalized.

    {"answers":  {"trust": 2, "concerns": ["trauma"], "sessions": 6, "dual_relationship": "no"},
     "measures": {"phq9": [1, 2, 1, 0, 1, 2, 1, 0, 0], "gad7": [...], "wai_sr": [...]},
     "history":  {"phq9": [{"session": 1, "score": 14}, {"session": 4, "score": 12}]},
     "country":  "GB"}

`measured_at` (optional, {"phq9": 11}) names the session a questionnaire in `measures` was
answered at when it was not answered today: a recent check-in's answers used again. Its
score is then already in `history` at that session and is not added a second time.

A skipped question is absent, null or "skip"; so is a skipped questionnaire item (null in
its list). A questionnaire with more items skipped than its authors allow has no score:
its answers stay in `measures`, and `unscored` says why. Every problem raises `AnswersError` naming
the question (or `measures.<id>` / `history.<id>`), so nothing is silently dropped, except
answers to follow-up questions whose condition was not met: those are listed in
`ParsedAnswers.ignored`, the way a form would hide them.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from therapycheck.core.change import Point, SeriesStatus
from therapycheck.core.checkup import retired
from therapycheck.core.checkup.bank import AnswersError, QuestionBank, question_bank
from therapycheck.core.checkup.model import Context
from therapycheck.core.checkup.screening import screen_positive, screen_size
from therapycheck.core.instruments import Instrument, UnknownInstrument, get_instrument
from therapycheck.core.instruments.schema import Sex
from therapycheck.core.safety import parse_country
from therapycheck.core.scoring import IncompleteAnswers, Score, ScoringError, score
from therapycheck.core.trajectory import ExpectedResponseModel, series_progress

__all__ = ["AnswersError", "ParsedAnswers", "parse_answers"]

TOP_LEVEL_KEYS = frozenset(
    ("answers", "measures", "measured_at", "history", "country", "version", "meta")
)


@dataclass(frozen=True)
class ParsedAnswers:
    """A valid answers document: normalized answers, scored measures and series statuses."""

    answers: dict[str, Any]
    context: Context
    # One answer per item (None = skipped), for every questionnaire given.
    measures: dict[str, tuple[int | None, ...]] = field(default_factory=dict)
    # Only questionnaires with a total: complete, or prorated as their authors allow.
    scores: dict[str, Score] = field(default_factory=dict)
    history: dict[str, tuple[Point, ...]] = field(default_factory=dict)
    statuses: dict[str, SeriesStatus] = field(default_factory=dict)
    country: str | None = None
    # Answers to follow-up questions that were not shown (their condition was not met).
    ignored: tuple[str, ...] = ()
    # Questionnaires given with too many items skipped: instrument id -> why no total.
    unscored: dict[str, str] = field(default_factory=dict)

    @property
    def safety_items_skipped(self) -> dict[str, tuple[int, ...]]:
        """Safety items (PHQ-9 item 9, CORE-10 item 6) the person reached and skipped, with
        or without a total: a skipped answer never tells us someone is safe. Items after a
        negative short screen (PHQ-2) were not asked, unless some of them were answered."""
        out: dict[str, tuple[int, ...]] = {}
        for instrument_id, values in self.measures.items():
            items = get_instrument(instrument_id).safety_items
            skipped = tuple(n for n in items if n <= len(values) and values[n - 1] is None)
            after_screen = values[screen_size(instrument_id) or 0 :]
            asked = screen_positive(instrument_id, values) or any(
                v is not None for v in after_screen
            )
            if skipped and asked:
                out[instrument_id] = skipped
        return out


def parse_answers(
    doc: Mapping[str, Any],
    *,
    bank: QuestionBank | None = None,
    models: Mapping[str, ExpectedResponseModel] | None = None,
) -> ParsedAnswers:
    """Check an answers document; raise AnswersError naming the question at fault.

    `models`: expected-response models by instrument (core.trajectory). A series is then
    judged against the usual progress of similar clients, as the progress page judges it.
    """
    bank = bank or question_bank()
    if not isinstance(doc, Mapping):
        raise AnswersError("document", "expected a JSON object with an 'answers' key")
    unknown = [k for k in doc if k not in TOP_LEVEL_KEYS]
    if unknown:
        raise AnswersError("document", f"unknown key {unknown[0]!r}; use {sorted(TOP_LEVEL_KEYS)}")
    answers = _answers(doc.get("answers") or {}, bank)
    hidden = bank.hidden_ids(answers)
    ignored = tuple(qid for qid in hidden if qid in answers)
    for qid in ignored:
        del answers[qid]
    measures, scores, unscored = _measures(doc.get("measures") or {}, _screening_sex(answers))
    history = _history(doc.get("history") or {})
    measured_at = _measured_at(doc.get("measured_at") or {}, measures)
    country = _country(doc.get("country"))
    context = _context(answers, bank, country)
    _add_current_scores(history, scores, context.sessions, measured_at)
    statuses = _statuses(history, models or {})
    return ParsedAnswers(
        answers=answers,
        context=context,
        measures=measures,
        scores=scores,
        history=history,
        statuses=statuses,
        country=country,
        ignored=tuple(sorted(ignored)),
        unscored=unscored,
    )


def _answers(raw: Any, bank: QuestionBank) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise AnswersError("answers", "expected an object of question id -> answer")
    answers: dict[str, Any] = {}
    for qid, value in retired.upgrade(raw).items():
        question = bank.get(qid)
        if question is None:
            raise AnswersError(str(qid), "unknown question id (see `therapycheck questions`)")
        if value is None or value == "skip":
            if not question.skippable:
                raise AnswersError(qid, "this question cannot be skipped")
            continue
        answers[qid] = bank.checkers[qid](value)
    return answers


def _screening_sex(answers: Mapping[str, Any]) -> Sex | None:
    """The cut-off the person chose for AUDIT-C (question screening_sex); None for both."""
    chosen = answers.get("screening_sex")
    return "female" if chosen == "female" else "male" if chosen == "male" else None


def _measures(
    raw: Any, sex: Sex | None = None
) -> tuple[dict[str, tuple[int | None, ...]], dict[str, Score], dict[str, str]]:
    if not isinstance(raw, Mapping):
        raise AnswersError("measures", "expected an object of instrument id -> list of answers")
    items: dict[str, tuple[int | None, ...]] = {}
    scores: dict[str, Score] = {}
    unscored: dict[str, str] = {}
    for key, values in raw.items():
        where = f"measures.{key}"
        instrument = _instrument(str(key), where)
        instrument_id = instrument.id
        if values is None or values == "skip":
            continue
        if instrument_id in items:
            raise AnswersError(where, "this questionnaire is given twice")
        try:
            # Only AUDIT-C has cut-offs by sex (Bradley et al. 2007).
            result = score(instrument, values, sex=sex if instrument_id == "audit_c" else None)
        except IncompleteAnswers as exc:
            # No total (and no finding from a total), but the answers given still count:
            # a safety item answered above 0 must reach the safety rules.
            if all(value is None for value in exc.answers):
                continue
            items[instrument_id] = exc.answers
            unscored[instrument_id] = str(exc)
            continue
        except ScoringError as exc:
            raise AnswersError(where, str(exc)) from exc
        items[instrument_id] = result.answers
        scores[instrument_id] = result
    return items, scores, unscored


def _instrument(key: str, where: str) -> Instrument:
    try:
        return get_instrument(key)
    except UnknownInstrument as exc:
        raise AnswersError(where, f"unknown questionnaire {key!r}") from exc


def _history(raw: Any) -> dict[str, tuple[Point, ...]]:
    if not isinstance(raw, Mapping):
        raise AnswersError("history", "expected an object of instrument id -> list of scores")
    history: dict[str, tuple[Point, ...]] = {}
    for key, entries in raw.items():
        where = f"history.{key}"
        instrument_id = _instrument(str(key), where).id
        if not isinstance(entries, list) or not entries:
            raise AnswersError(where, 'expected a list like [{"session": 1, "score": 14}, ...]')
        history[instrument_id] = tuple(
            _point(entry, where, n) for n, entry in enumerate(entries, 1)
        )
    return history


def _point(entry: Any, where: str, n: int) -> Point:
    if not isinstance(entry, Mapping) or "session" not in entry or "score" not in entry:
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


def _measured_at(raw: Any, measures: Mapping[str, Any]) -> dict[str, int]:
    if not isinstance(raw, Mapping):
        raise AnswersError("measured_at", "expected an object of instrument id -> session")
    out: dict[str, int] = {}
    for key, session in raw.items():
        where = f"measured_at.{key}"
        instrument_id = _instrument(str(key), where).id
        if instrument_id not in measures:
            raise AnswersError(where, "this questionnaire is not in `measures`")
        if isinstance(session, bool) or not isinstance(session, int) or session < 0:
            raise AnswersError(where, f"expected a session number (0 or more), got {session!r}")
        out[instrument_id] = session
    return out


def _add_current_scores(
    history: dict[str, tuple[Point, ...]],
    scores: Mapping[str, Score],
    session: int | None,
    measured_at: Mapping[str, int],
) -> None:
    """Today's questionnaire joins its series when it is newer than the last stored score.

    One answered at an earlier session (`measured_at`, a check-in used again) is already
    in its series: adding it at today's session would count one answer twice and make a
    series look flatter than it is."""
    for instrument_id, points in history.items():
        current = scores.get(instrument_id)
        at = measured_at.get(instrument_id, session)
        if current is not None and at is not None and at > max(p.session for p in points):
            history[instrument_id] = (*points, Point(at, current.total))


def _statuses(
    history: Mapping[str, tuple[Point, ...]], models: Mapping[str, ExpectedResponseModel]
) -> dict[str, SeriesStatus]:
    statuses: dict[str, SeriesStatus] = {}
    for instrument_id, points in history.items():
        try:
            statuses[instrument_id], _ = series_progress(
                instrument_id, points, models.get(instrument_id)
            )
        except ValueError as exc:
            raise AnswersError(f"history.{instrument_id}", str(exc)) from exc
    return statuses


def _country(raw: Any) -> str | None:
    if raw is not None and not isinstance(raw, str):
        raise AnswersError("country", f"{raw!r} is not a country code such as GB or US")
    try:
        return parse_country(raw)
    except ValueError as exc:
        raise AnswersError("country", str(exc)) from None


def _context(answers: Mapping[str, Any], bank: QuestionBank, country: str | None) -> Context:
    described = {name: answers[qid] for qid, name in bank.context_fields.items() if qid in answers}
    return Context(country=country, **described)
