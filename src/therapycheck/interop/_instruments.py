"""The one door from the exchange formats to the instruments and the scoring engine.

Imports never trust a total found in a file: answers go back through `core.scoring`, so a
file cannot smuggle in a score, band or safety flag that the answers do not support.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from therapycheck.core.instruments import get_instrument
from therapycheck.core.scoring import score
from therapycheck.interop.records import ExchangeError, MeasurementRecord


@dataclass(frozen=True)
class InstrumentInfo:
    id: str
    name: str
    short_name: str
    item_count: int
    loinc_panel: str | None
    loinc_total: str | None


def instrument_info(instrument_id: str) -> InstrumentInfo:
    """Facts about a questionnaire, or ExchangeError when we do not know it."""
    try:
        inst = get_instrument(instrument_id)
    except (KeyError, LookupError, ValueError) as exc:
        raise ExchangeError(f"unknown questionnaire {instrument_id!r}") from exc
    panel, total = _loinc_codes(inst)
    return InstrumentInfo(
        id=str(getattr(inst, "id", instrument_id)),
        name=str(getattr(inst, "name", instrument_id)),
        short_name=str(getattr(inst, "short_name", "") or getattr(inst, "name", instrument_id)),
        item_count=len(inst.items),
        loinc_panel=panel,
        loinc_total=total,
    )


def _loinc_codes(inst: Any) -> tuple[str | None, str | None]:
    # The instrument exposes loinc_panel / loinc_total; older drafts used a `loinc` object.
    panel = getattr(inst, "loinc_panel", None)
    total = getattr(inst, "loinc_total", None)
    loinc = getattr(inst, "loinc", None)
    if loinc is not None and panel is None and total is None:
        panel = getattr(loinc, "panel", None)
        total = getattr(loinc, "total", None)
    return (str(panel) if panel else None, str(total) if total else None)


def scored_measurement(
    instrument_id: str,
    answers: tuple[int, ...],
    taken_on: Any,
    session_number: int | None,
) -> MeasurementRecord:
    """Build a measurement whose total, band and flags come from the scoring engine."""
    info = instrument_info(instrument_id)
    if len(answers) != info.item_count:
        raise ExchangeError(
            f"{info.short_name} has {info.item_count} questions "
            f"but {len(answers)} answers were given"
        )
    try:
        result = score(info.id, list(answers))
    except (ValueError, TypeError, KeyError) as exc:
        raise ExchangeError(f"the {info.short_name} answers are not valid: {exc}") from exc
    return MeasurementRecord(
        instrument=info.id,
        answers=answers,
        taken_on=taken_on,
        session_number=session_number,
        total=_field(result, "total"),
        band=_band_label(_field(result, "band")),
        flags=tuple(str(f) for f in (_field(result, "flags") or ())),
        subscales=dict(_field(result, "subscales") or {}),
    )


def _field(result: Any, name: str) -> Any:
    if isinstance(result, dict):
        return result.get(name)
    return getattr(result, name, None)


def _band_label(band: Any) -> str:
    if band is None:
        return ""
    return str(getattr(band, "label", band))
