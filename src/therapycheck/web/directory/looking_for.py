"""The web side of the "what I'm looking for" summary (the file format is core.looking_for).

The personal page turns its form into a `LookingFor` and a file; the clinic's match page
reads an uploaded file and turns it back into the match form's initial values. Both use the
same vocabulary of known ids, read from the same lists the form's choices come from.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from therapycheck.core import looking_for as core
from therapycheck.core.instruments import get_instrument, instrument_ids
from therapycheck.core.result import StoredResult
from therapycheck.web.checkups.models import Checkup
from therapycheck.web.directory import choices as c


@cache
def time_zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


@cache
def vocabulary() -> core.Vocabulary:
    return core.Vocabulary(
        concerns=frozenset(k for k, _ in c.concern_choices()),
        approaches=frozenset(k for k, _ in c.approach_choices()),
        languages=frozenset(k for k, _ in c.LANGUAGE_CHOICES),
        currencies=frozenset(k for k, _ in c.CURRENCY_CHOICES),
        instruments=frozenset(instrument_ids()),
        time_zones=frozenset(time_zones()),
        identities=frozenset(k for k, _ in c.IDENTITY_PHRASES),
    )


def scores_of(result: StoredResult | None) -> tuple[tuple[str, float], ...]:
    """The check-up's questionnaire totals (only those it could score)."""
    if result is None:
        return ()
    known = vocabulary().instruments
    return tuple(
        (key, score.total)
        for key, score in result.measures.items()
        if score.total is not None and key in known
    )


def summary_of(
    prefs: dict[str, Any], checkup: Checkup | None, *, include_scores: bool
) -> core.LookingFor:
    """The summary from the personal page's cleaned form. No name; scores only if asked."""
    result = checkup.stored_result() if checkup is not None else None
    completed = checkup.completed_at if checkup is not None else None
    return core.LookingFor(
        concerns=tuple(prefs.get("concerns") or ()),
        findings=tuple(prefs.get("findings") or ()),
        approach=prefs.get("approach") or None,
        style=prefs.get("style") or None,
        language=prefs.get("language") or None,
        format=prefs.get("format") or None,
        budget=prefs.get("budget"),
        currency=prefs.get("currency") or "GBP",
        times=tuple(prefs.get("times") or ()),
        time_zone=prefs.get("time_zone") or None,
        identity=prefs.get("identity") or "",
        identity_wishes=tuple(prefs.get("identity_wishes") or ()),
        scores=scores_of(result) if include_scores else None,
        checkup_completed_on=completed.date() if completed is not None else None,
    )


def form_values(summary: core.LookingFor) -> dict[str, Any]:
    """The match form's values for a summary (the same keys as the form's fields)."""
    return {
        "concerns": list(summary.concerns),
        "findings": list(summary.findings),
        "approach": summary.approach or "",
        "style": summary.style or "",
        "language": summary.language or "",
        "format": summary.format or "",
        "budget": summary.budget,
        "currency": summary.currency,
        "times": list(summary.times),
        "time_zone": summary.time_zone or "",
        "identity": summary.identity,
        "identity_wishes": list(summary.identity_wishes),
    }


def score_names(summary: core.LookingFor | None) -> list[str]:
    """ "PHQ-9: 16" for each score a summary holds (shown back, never used for ranking)."""
    if summary is None or not summary.scores:
        return []
    return [f"{get_instrument(key).short_name}: {total:g}" for key, total in summary.scores]


def dumps(summary: core.LookingFor) -> str:
    return core.dumps(summary, vocabulary())


def read_upload(upload: UploadedFile[bytes]) -> core.LookingFor:
    """An uploaded file's summary. The size is checked before anything is read, and the
    file is read into memory only (never saved): SummaryError for anything wrong."""
    size = upload.size or 0
    if size > core.MAX_BYTES:
        raise core.SummaryError(
            [f"The file is too big ({size} bytes). A summary is at most {core.MAX_BYTES} bytes."]
        )
    return core.loads(upload.read(core.MAX_BYTES + 1), vocabulary())
