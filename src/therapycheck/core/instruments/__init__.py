"""The instrument registry: every questionnaire, loaded from its YAML file and validated once.

    inst = get_instrument("phq9")      # also accepts "PHQ-9", "AUDIT-C", "wai-sr"
    all_instruments()                  # every instrument, in a stable order

Each `<id>.yaml` next to this module is one instrument; the schema (`schema.py`) refuses a
file with a missing source, an unknown item number, a gap in the bands and so on, so a bad
data file stops the program at start-up instead of producing a wrong score.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from pydantic import ValidationError

from therapycheck.core.datafile import parse_mapping
from therapycheck.core.instruments.schema import (
    Band,
    Caseness,
    Instrument,
    Item,
    Licence,
    Loinc,
    Norms,
    PatternRule,
    ReliableChange,
    ResponseOption,
    SafetyItems,
    Scoring,
    Screen,
    Sex,
    Source,
    Subscale,
)

__all__ = [
    "Band",
    "Caseness",
    "Instrument",
    "InstrumentDataError",
    "Item",
    "Licence",
    "Loinc",
    "Norms",
    "PatternRule",
    "ReliableChange",
    "ResponseOption",
    "SafetyItems",
    "Scoring",
    "Screen",
    "Sex",
    "Source",
    "Subscale",
    "UnknownInstrument",
    "all_instruments",
    "get_instrument",
    "instrument_from_dict",
    "instrument_ids",
]

# The order instruments are listed in (docs, CLI): the common outcome measures first.
_ORDER = (
    "phq9",
    "gad7",
    "phq2",
    "gad2",
    "who5",
    "core10",
    "pcl5",
    "audit_c",
    "dast10",
    "asrs6",
    "wai_sr",
)


class UnknownInstrument(ValueError):
    """Raised for an instrument id that is not in the registry."""


class InstrumentDataError(ValueError):
    """Raised when an instrument data file does not pass the schema."""


def instrument_from_dict(data: dict[str, Any], origin: str = "<dict>") -> Instrument:
    """Validate one instrument's data; the error names the file and the failing field."""
    try:
        return Instrument.model_validate(data)
    except ValidationError as exc:
        raise InstrumentDataError(f"{origin}: {exc}") from exc


def _load_file(name: str, text: str) -> Instrument:
    try:
        data = parse_mapping(text, name)
    except ValueError as exc:
        raise InstrumentDataError(str(exc)) from exc
    instrument = instrument_from_dict(data, name)
    if f"{instrument.id}.yaml" != name:
        raise InstrumentDataError(f"{name}: the file name must be the id ({instrument.id})")
    return instrument


def _sort_key(instrument: Instrument) -> tuple[int, str]:
    known = instrument.id in _ORDER
    return (_ORDER.index(instrument.id) if known else len(_ORDER), instrument.id)


@cache
def all_instruments() -> tuple[Instrument, ...]:
    """Every instrument, loaded and validated once."""
    folder = resources.files(__name__)
    loaded = [
        _load_file(entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    ]
    for instrument in loaded:
        if instrument.parent is not None and instrument.parent not in {i.id for i in loaded}:
            raise InstrumentDataError(f"{instrument.id}: unknown parent {instrument.parent}")
    return tuple(sorted(loaded, key=_sort_key))


def instrument_ids() -> tuple[str, ...]:
    return tuple(instrument.id for instrument in all_instruments())


@cache
def _by_id() -> dict[str, Instrument]:
    # Built once from the cached registry; callers must not change it.
    return {instrument.id: instrument for instrument in all_instruments()}


def get_instrument(instrument_id: str) -> Instrument:
    """Look an instrument up by id; "PHQ-9", "audit-c" and "WAI-SR" work too."""
    registry = _by_id()
    # An exact id (the common case) needs no normalizing.
    found = registry.get(instrument_id) if instrument_id.__class__ is str else None
    if found is not None:
        return found
    key = str(instrument_id).strip().lower().replace(" ", "")
    for candidate in (key, key.replace("-", ""), key.replace("-", "_")):
        if candidate in registry:
            return registry[candidate]
    known = ", ".join(registry)
    raise UnknownInstrument(f"unknown instrument {instrument_id!r}; known: {known}")
