"""A lab's parameters: drawn once per learner (each learner's names and
ranges differ), stored with the run so a reload keeps them, and put into
every text of the lab as ``${name}`` or ``${name.key}``."""

from __future__ import annotations

import dataclasses
import random
import re
import string
from typing import Any

from labs.schema import Lab

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9]*)(?:\.([A-Za-z][A-Za-z0-9]*))?\}")
_SUFFIX = string.ascii_lowercase + string.digits


def draw(lab: Lab, rng: random.Random) -> dict[str, Any]:
    """One learner's values: a choice from each list, a name with a random suffix."""
    values: dict[str, Any] = {}
    for name, spec in lab.parameters.items():
        if "choices" in spec:
            values[name] = rng.choice(list(spec["choices"]))
        else:
            values[name] = spec["prefix"] + "".join(rng.choice(_SUFFIX) for _ in range(spec.get("length", 4)))
    return values


def fill(value: Any, params: dict[str, Any]) -> Any:
    """``value`` with every ``${name}`` replaced, in strings at any depth. A
    string that is one placeholder takes the parameter's value as it is
    (a number, a list); an unknown name is a KeyError naming it."""
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole:
            return _lookup(params, *whole.groups())
        return _PLACEHOLDER.sub(lambda m: str(_lookup(params, *m.groups())), value)
    if isinstance(value, list):
        return [fill(item, params) for item in value]
    if isinstance(value, dict):
        return {fill(k, params): fill(v, params) for k, v in value.items()}
    return value


def fill_lab(lab: Lab, params: dict[str, Any]) -> Lab:
    """The lab with every text filled in for one learner: titles,
    instructions, hints, checks and their messages, operations."""
    return _fill_any(lab, params)


def _fill_any(value: Any, params: dict[str, Any]) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _fill_any(getattr(value, f.name), params) for f in dataclasses.fields(value)}
        changes.pop("parameters", None)
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(_fill_any(item, params) for item in value)
    return fill(value, params)


def names_used(value: Any) -> set[str]:
    """The parameter names ``value`` refers to, at any depth."""
    if isinstance(value, str):
        return {m.group(1) for m in _PLACEHOLDER.finditer(value)}
    if isinstance(value, list | tuple):
        return set().union(*(names_used(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*(names_used(k) | names_used(v) for k, v in value.items())) if value else set()
    return set()


def _lookup(params: dict[str, Any], name: str, key: str | None) -> Any:
    if name not in params:
        raise KeyError(f"${{{name}}} is not a parameter of this lab")
    value = params[name]
    if key is None:
        return value
    if not isinstance(value, dict) or key not in value:
        raise KeyError(f"${{{name}.{key}}}: the parameter '{name}' has no '{key}'")
    return value[key]
