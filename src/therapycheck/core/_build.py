"""Building frozen dataclasses on the check-up's hot path.

The generated __init__ of a frozen dataclass sets each field through
object.__setattr__; one check-up builds dozens of these (scores, changes, findings),
and that was a third of the cost of scoring. `build` fills the instance directly,
and refuses a call that does not give exactly the class's fields, so a field added
later cannot be silently left unset.

Both work for classes with an instance dict and for slotted classes
(`@dataclass(slots=True)`), whose fields are filled through their slot descriptors.
The result classes the compiled check-up builds in bulk (findings, points) are slotted:
an instance without a dict is several times cheaper to make and to free.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

_T = TypeVar("_T")
_FIELDS: dict[type[Any], frozenset[str]] = {}
_SETTERS: dict[type[Any], dict[str, Callable[[Any, Any], None]]] = {}


def field_setters(cls: type[Any]) -> dict[str, Callable[[Any, Any], None]]:
    """Field name -> the function that sets it on a slotted class (bypassing frozen)."""
    found = _SETTERS.get(cls)
    if found is None:
        found = _SETTERS[cls] = {
            f.name: cls.__dict__[f.name].__set__ for f in dataclasses.fields(cls)
        }
    return found


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
    if "__slots__" in cls.__dict__:
        setters = field_setters(cls)
        for name, value in values.items():
            setters[name](obj, value)
    else:
        obj.__dict__.update(values)
    return obj


def constructor(cls: type[_T]) -> Callable[..., _T]:
    """A fast constructor for a frozen dataclass that takes every field by keyword.

    Python itself then refuses a missing or unknown field (TypeError), as `build` does,
    without comparing key sets on every call. No __init__ or __post_init__ runs, so use
    it only where the values are already checked.
    """
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    namespace: dict[str, Any] = {"new_object": object.__new__, "cls": cls}
    if "__slots__" in cls.__dict__:
        setters = field_setters(cls)
        namespace.update({f"set_{name}": setters[name] for name in names})
        body = "".join(f"    set_{name}(obj, {name})\n" for name in names)
    else:
        fields = ", ".join(f"{name!r}: {name}" for name in names)
        body = f"    obj.__dict__.update({{{fields}}})\n"
    source = f"def new(*, {', '.join(names)}):\n    obj = new_object(cls)\n{body}    return obj\n"
    exec(compile(source, f"<constructor {cls.__name__}>", "exec"), namespace)
    new: Callable[..., _T] = namespace["new"]
    return new
