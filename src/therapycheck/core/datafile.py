"""Reading the clinical data files: YAML that refuses duplicate keys.

PyYAML silently keeps the last of two equal keys, so a copy-paste slip in a data file
would quietly replace a reviewed value. Clinical data must fail loudly instead.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

# libyaml's loader is about ten times faster than the pure-Python one where it exists.
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DuplicateKeyError(ValueError):
    """A mapping in a data file names the same key twice."""


class _StrictLoader(_Base):  # type: ignore[misc]
    pass


def _construct_mapping(loader: Any, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # `<<: *anchor` entries may be overridden by explicit keys
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            line = key_node.start_mark.line + 1
            raise DuplicateKeyError(f"line {line}: the key {key!r} appears twice")
        seen.add(key)
    loader.flatten_mapping(node)
    return dict(loader.construct_pairs(node, deep=deep))


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def load_yaml(text: str) -> Any:
    """Parse YAML safely; a mapping with a repeated key raises DuplicateKeyError."""
    return yaml.load(text, Loader=_StrictLoader)


def load_mapping(package: str, name: str) -> dict[str, Any]:
    """Read a YAML data file shipped in `package` whose top level must be a mapping.

    Errors name the file, so a bad edit to clinical data says where it is.
    """
    return parse_mapping(resources.files(package).joinpath(name).read_text(encoding="utf-8"), name)


def parse_mapping(text: str, name: str) -> dict[str, Any]:
    """YAML text whose top level must be a mapping; a ValueError names `name`."""
    try:
        data = load_yaml(text)
    except (yaml.YAMLError, DuplicateKeyError) as exc:
        raise ValueError(f"{name}: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{name}: expected a mapping at the top level")
    return data
