"""Building frozen dataclasses on the check-up's hot path.

The generated __init__ of a frozen dataclass sets each field through
object.__setattr__; one check-up builds dozens of these (scores, changes, findings),
and that was a third of the cost of scoring. `build` fills the instance directly,
and refuses a call that does not give exactly the class's fields, so a field added
later cannot be silently left unset.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
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


def constructor(cls: type[_T]) -> Callable[..., _T]:
    """A fast constructor for a frozen dataclass that takes every field by keyword.

    Python itself then refuses a missing or unknown field (TypeError), as `build` does,
    without comparing key sets on every call. No __init__ or __post_init__ runs, so use
    it only where the values are already checked.
    """
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    fields = ", ".join(f"{name!r}: {name}" for name in names)
    source = (
        f"def new(*, {', '.join(names)}):\n"
        "    obj = new_object(cls)\n"
        f"    obj.__dict__.update({{{fields}}})\n"
        "    return obj\n"
    )
    namespace: dict[str, Any] = {"new_object": object.__new__, "cls": cls}
    exec(compile(source, f"<constructor {cls.__name__}>", "exec"), namespace)
    new: Callable[..., _T] = namespace["new"]
    return new
