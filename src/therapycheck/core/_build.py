"""Building frozen dataclasses on the check-up's hot path.

The generated __init__ of a frozen dataclass sets each field through
object.__setattr__; one check-up builds dozens of these (scores, changes, findings),
and that was a third of the cost of scoring. `build` fills the instance directly,
and refuses a call that does not give exactly the class's fields, so a field added
later cannot be silently left unset.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

_T = TypeVar("_T")
_FIELDS: dict[type[Any], frozenset[str]] = {}


def build(cls: type[_T], **values: Any) -> _T:
    """A frozen dataclass instance from every one of its fields, skipping __init__."""
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = frozenset(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    if values.keys() != names:
        missing = sorted(names - values.keys())
        extra = sorted(values.keys() - names)
        raise TypeError(f"{cls.__name__}: missing fields {missing}, unknown fields {extra}")
    obj = object.__new__(cls)
    obj.__dict__.update(values)
    return obj
