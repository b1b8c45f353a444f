"""Reading one resource's document in a ``from_arm``: typed look-ups by
property path, each failure an ArmError naming the resource and the path.

    doc = Document(document)
    space = doc.strings("properties.addressSpace.addressPrefixes")
    for i, subnet in doc.items("properties.subnets"):
        prefix = subnet.get("properties.addressPrefix", str)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from portal.arm.errors import ArmError

_MISSING: Any = object()
_NAMES = {str: "a string", int: "an int", bool: "a bool", list: "an array", dict: "an object"}


class Document:
    """A JSON object inside resource ``resource``, found at ``base``."""

    def __init__(self, value: dict[str, Any], *, resource: str = "", base: str = "") -> None:
        self.value = value
        self.resource = resource or str(value.get("name", ""))
        self.base = base

    def path(self, path: str) -> str:
        return f"{self.base}.{path}" if self.base and path else self.base or path

    def error(self, message: str, path: str = "") -> ArmError:
        return ArmError(message, resource=self.resource, path=self.path(path))

    def get(self, path: str, kind: type | tuple[type, ...] = object, default: Any = _MISSING) -> Any:
        """The value at dotted ``path``, of type ``kind``; ``default`` when it
        is absent or null (required when no default is given)."""
        value: Any = self.value
        for part in path.split("."):
            if not isinstance(value, dict):
                raise self.error(f"'{part}' is expected inside an object.", path)
            value = value.get(part)
            if value is None:
                if default is _MISSING:
                    raise self.error("The property is required.", path)
                return default
        if kind is int and isinstance(value, bool):
            raise self.error("The property must be an int.", path)
        if not isinstance(value, kind):
            wanted = _NAMES.get(kind, getattr(kind, "__name__", "another type")) if isinstance(kind, type) else "valid"
            raise self.error(f"The property must be {wanted}, not {_type_name(value)}.", path)
        return value

    def strings(self, path: str, default: Any = _MISSING) -> list[str]:
        values = self.get(path, list, default)
        for i, item in enumerate(values):
            if not isinstance(item, str):
                raise self.error(f"Item {i} must be a string, not {_type_name(item)}.", path)
        return values

    def reference(self, path: str, default: Any = _MISSING) -> str | None:
        """The ``id`` of a ``{"id": ...}`` reference at ``path``."""
        found = self.get(path, dict, None)
        if found is None:
            if default is _MISSING:
                raise self.error("The property is required.", path)
            return default
        return self.child(path).get("id", str)

    def child(self, path: str) -> Document:
        return Document(self.get(path, dict), resource=self.resource, base=self.path(path))

    def items(self, path: str) -> Iterator[tuple[int, Document]]:
        """Each object of the array at ``path`` (an absent array has none)."""
        for i, item in enumerate(self.get(path, list, [])):
            if not isinstance(item, dict):
                raise self.error(f"Item {i} must be an object, not {_type_name(item)}.", path)
            yield i, Document(item, resource=self.resource, base=f"{self.path(path)}[{i}]")


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a bool", int: "an int", float: "a number", str: "a string", list: "an array", dict: "an object"}.get(
        type(value), type(value).__name__
    )
