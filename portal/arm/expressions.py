"""The template language an estate needs, evaluated in pure Python.

A string value ``"[...]"`` is an expression; ``"[[..."`` is the literal text
``"[..."``. The functions are the ones an estate and a lab's per-learner
parameters use: ``parameters``, ``variables``, ``resourceId``, ``concat``,
``format``, ``resourceGroup``, ``subscription``, a few string and logic
helpers, with ``.property`` and ``[index]`` access on their results. Anything
else is an ArmError naming the function, so a later template-deploy step
extends :data:`FUNCTIONS` instead of guessing.

No Django here: a scope is plain values (the subscription ID, the resource
group's name and location, the parameters and the variables).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from portal.arm.errors import ArmError

PARAMETER_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "securestring": (str,),
    "int": (int,),
    "bool": (bool,),
    "array": (list,),
    "object": (dict,),
    "secureobject": (dict,),
}


@dataclass
class Scope:
    """What an expression can see. ``variables`` holds the raw declarations,
    evaluated on first use (they may refer to parameters and each other)."""

    subscription_id: str = "00000000-0000-0000-0000-000000000000"
    resource_group: str = ""
    location: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    _evaluated: dict[str, Any] = field(default_factory=dict, repr=False)
    _evaluating: set[str] = field(default_factory=set, repr=False)

    def in_group(self, name: str, location: str = "") -> Scope:
        """The same template seen from another resource group (a resource's
        ``resourceGroup``); evaluated variables are shared."""
        return Scope(
            self.subscription_id,
            name,
            location or self.location,
            self.parameters,
            self.variables,
            self._evaluated,
            self._evaluating,
        )

    def variable(self, name: str) -> Any:
        key = _key(self.variables, name)
        if key is None:
            raise ArmError(f"The template variable '{name}' is not found.", path=f"variables('{name}')")
        if key not in self._evaluated:
            if key in self._evaluating:
                raise ArmError(f"The template variable '{key}' refers to itself.")
            self._evaluating.add(key)
            try:
                self._evaluated[key] = evaluate(self.variables[key], self, path=f"variables.{key}")
            finally:
                self._evaluating.discard(key)
        return self._evaluated[key]

    def parameter(self, name: str) -> Any:
        key = _key(self.parameters, name)
        if key is None:
            raise ArmError(f"The template parameter '{name}' is not found.", path=f"parameters('{name}')")
        return self.parameters[key]


def _key(mapping: dict[str, Any], name: str) -> str | None:
    """ARM names are case-insensitive."""
    if name in mapping:
        return name
    lowered = name.lower()
    return next((k for k in mapping if k.lower() == lowered), None)


# --- parameters ---------------------------------------------------------------------


def resolve_parameters(declared: Any, given: dict[str, Any] | None = None, *, scope: Scope | None = None) -> dict:
    """The parameters' values: given, or their ``defaultValue`` (which may be
    an expression over earlier parameters), checked against ``type`` and
    ``allowedValues``. ``given`` values may be wrapped as ``{"value": ...}``
    (a parameters file)."""
    if declared is None:
        declared = {}
    if not isinstance(declared, dict):
        raise ArmError("'parameters' must be an object.", path="parameters")
    given = dict(given or {})
    unknown = [name for name in given if _key(declared, name) is None]
    if unknown:
        raise ArmError(f"The template has no parameter '{unknown[0]}'.", path=f"parameters.{unknown[0]}")
    scope = scope or Scope()
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        path = f"parameters.{name}"
        if not isinstance(spec, dict):
            raise ArmError(f"Parameter '{name}' must be an object with a 'type'.", path=path)
        kind = str(spec.get("type", "")).lower()
        if kind not in PARAMETER_TYPES:
            raise ArmError(
                f"Parameter '{name}' has type '{spec.get('type')}'; use one of string, int, bool, array, object.",
                path=f"{path}.type",
            )
        given_key = _key(given, name)
        if given_key is not None:
            value = given[given_key]
            if isinstance(value, dict) and set(value) == {"value"}:
                value = value["value"]
        elif "defaultValue" in spec:
            scope.parameters = values
            value = evaluate(spec["defaultValue"], scope, path=f"{path}.defaultValue")
        else:
            raise ArmError(f"Parameter '{name}' has no value and no default value.", path=path)
        if not _is_type(value, kind):
            raise ArmError(f"Parameter '{name}' must be of type {spec['type']}, not {_type_name(value)}.", path=path)
        allowed = spec.get("allowedValues")
        if allowed is not None:
            if not isinstance(allowed, list):
                raise ArmError(f"'allowedValues' of parameter '{name}' must be an array.", path=f"{path}.allowedValues")
            if value not in allowed:
                shown = ", ".join(repr(v) for v in allowed)
                raise ArmError(f"Parameter '{name}' is {value!r}; the allowed values are {shown}.", path=path)
        values[name] = value
    return values


def _is_type(value: Any, kind: str) -> bool:
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, PARAMETER_TYPES[kind])


def _type_name(value: Any) -> str:
    return {bool: "bool", int: "int", str: "string", list: "array", dict: "object"}.get(type(value), "null")


# --- evaluation -----------------------------------------------------------------------


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("[") and value.endswith("]") and not value.startswith("[[")


def evaluate(value: Any, scope: Scope, *, path: str = "") -> Any:
    """``value`` with every expression in it evaluated (objects and arrays
    recursively). ArmError carries ``path`` to the failing value."""
    if isinstance(value, dict):
        return {k: evaluate(v, scope, path=f"{path}.{k}" if path else k) for k, v in value.items()}
    if isinstance(value, list):
        return [evaluate(v, scope, path=f"{path}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value
    if value.startswith("[["):
        return value[1:]
    if not is_expression(value):
        return value
    try:
        return _Parser(value[1:-1], scope).parse()
    except ArmError as exc:
        if exc.path and not exc.path.startswith(("variables", "parameters")):
            raise
        where = f"{path} ({exc.path})" if exc.path and path else path or exc.path
        raise ArmError(exc.message, path=where) from None


_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[(),.\[\]]))"
)


class _Parser:
    """Recursive descent over ``call(args)``, ``'string'``, numbers,
    ``.property`` and ``[index]``."""

    def __init__(self, text: str, scope: Scope) -> None:
        self.text = text
        self.scope = scope
        self.tokens = self._tokenize(text)
        self.pos = 0

    def _tokenize(self, text: str) -> list[tuple[str, str]]:
        tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            match = _TOKEN.match(text, pos)
            if match is None:
                raise ArmError(f"The expression '[{text}]' is not valid: unexpected '{text[pos:].strip()[:10]}'.")
            kind = match.lastgroup or ""
            raw = match.group(kind)
            tokens.append((kind, raw))
            pos = match.end()
        return tokens

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self, punct: str | None = None) -> tuple[str, str]:
        token = self._peek()
        if token is None or (punct is not None and token != ("punct", punct)):
            found = f"'{token[1]}'" if token else "the end"
            wanted = f"'{punct}'" if punct else "more"
            raise ArmError(f"The expression '[{self.text}]' is not valid: expected {wanted}, found {found}.")
        self.pos += 1
        return token

    def parse(self) -> Any:
        if not self.tokens:
            raise ArmError("The expression '[]' is empty.")
        value = self._expression()
        if self._peek() is not None:
            raise ArmError(f"The expression '[{self.text}]' is not valid: unexpected '{self._peek()[1]}'.")
        return value

    def _expression(self) -> Any:
        kind, raw = self._take()
        if kind == "string":
            value: Any = raw[1:-1].replace("''", "'")
        elif kind == "number":
            value = int(raw)
        elif kind == "name":
            self._take("(")
            args: list[Any] = []
            if self._peek() != ("punct", ")"):
                args.append(self._expression())
                while self._peek() == ("punct", ","):
                    self._take(",")
                    args.append(self._expression())
            self._take(")")
            value = call(raw, args, self.scope)
        else:
            raise ArmError(f"The expression '[{self.text}]' is not valid: unexpected '{raw}'.")
        while self._peek() in (("punct", "."), ("punct", "[")):
            if self._take()[1] == ".":
                kind, prop = self._take()
                if kind != "name":
                    raise ArmError(f"The expression '[{self.text}]' is not valid: a property name must follow '.'.")
                value = _member(value, prop)
            else:
                index = self._expression()
                self._take("]")
                value = _member(value, index)
        return value


def _member(value: Any, key: Any) -> Any:
    if isinstance(value, dict) and isinstance(key, str):
        found = _key(value, key)
        if found is not None:
            return value[found]
        raise ArmError(f"The object has no property '{key}'.")
    if isinstance(value, list) and isinstance(key, int) and not isinstance(key, bool):
        if 0 <= key < len(value):
            return value[key]
        raise ArmError(f"The index {key} is out of range (the array has {len(value)} items).")
    raise ArmError(f"Can't take '{key}' of a value of type {_type_name(value)}.")


# --- functions ------------------------------------------------------------------------


def _string(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _arity(name: str, args: list[Any], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not (low <= len(args) <= high):
        wanted = str(low) if low == high else f"{low} to {high}" if high < 99 else f"at least {low}"
        raise ArmError(f"The function '{name}' takes {wanted} argument(s), not {len(args)}.")


def _strings(name: str, args: list[Any]) -> list[str]:
    if not all(isinstance(a, str) for a in args):
        raise ArmError(f"The arguments of '{name}' must be strings.")
    return args


def _concat(args: list[Any]) -> Any:
    if args and all(isinstance(a, list) for a in args):
        return [item for a in args for item in a]
    if any(isinstance(a, list | dict) for a in args):
        raise ArmError("The function 'concat' joins strings or arrays, not a mix.")
    return "".join(_string(a) for a in args)


_FORMAT_ITEM = re.compile(r"\{\{|\}\}|\{(\d+)(?::([^}]*))?\}|[{}]")


def _format(args: list[Any]) -> str:
    if not args or not isinstance(args[0], str):
        raise ArmError("The function 'format' takes a format string first.")
    text, values = args[0], args[1:]

    def item(match: re.Match[str]) -> str:
        whole = match.group(0)
        if whole in ("{{", "}}"):
            return whole[0]
        if match.group(1) is None:
            raise ArmError(f"The format string '{text}' has an unmatched '{whole}'.")
        index = int(match.group(1))
        if index >= len(values):
            raise ArmError(f"The format string '{text}' refers to argument {index}, but only {len(values)} are given.")
        value, spec = values[index], match.group(2)
        if spec:
            if re.fullmatch(r"[Dd]\d*", spec) and isinstance(value, int):
                return str(value).zfill(int(spec[1:] or 0))
            raise ArmError(f"The format specifier '{spec}' is not supported here.")
        return _string(value)

    return _FORMAT_ITEM.sub(item, text)


def _resource_id(args: list[Any], scope: Scope) -> str:
    """``resourceId([subscriptionId], [resourceGroupName], type, name1, name2...)``:
    the type's segments (after the namespace) say how many names follow."""
    _strings("resourceId", args)
    type_at = next((i for i, a in enumerate(args) if "/" in a), None)
    if type_at is None or type_at > 2:
        raise ArmError("The function 'resourceId' needs a resource type such as 'Microsoft.Network/virtualNetworks'.")
    namespace, *types = args[type_at].split("/")
    names = args[type_at + 1 :]
    if not types or len(names) != len(types) or not all(names):
        raise ArmError(
            f"The function 'resourceId' needs {len(types)} name(s) for type '{args[type_at]}', not {len(names)}."
        )
    prefix = args[:type_at]
    subscription = prefix[0] if len(prefix) == 2 else scope.subscription_id
    group = prefix[-1] if prefix else scope.resource_group
    path = "/".join(f"{t}/{n}" for t, n in zip(types, names, strict=True))
    if namespace.lower() == "microsoft.resources" and types[0].lower() == "resourcegroups":
        return f"/subscriptions/{subscription}/resourceGroups/{names[0]}"
    if not group:
        raise ArmError("The function 'resourceId' needs a resource group here: give it as the first argument.")
    return f"/subscriptions/{subscription}/resourceGroups/{group}/providers/{namespace}/{path}"


def _if(args: list[Any]) -> Any:
    _arity("if", args, 3)
    if not isinstance(args[0], bool):
        raise ArmError("The first argument of 'if' must be a bool.")
    return args[1] if args[0] else args[2]


def _bools(name: str, args: list[Any]) -> list[bool]:
    if not all(isinstance(a, bool) for a in args):
        raise ArmError(f"The arguments of '{name}' must be bools.")
    return args


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ArmError(f"'{value}' can't be converted to an int.") from None


Function = Callable[[list[Any], Scope], Any]

FUNCTIONS: dict[str, tuple[int, int, Function]] = {
    # name: (fewest arguments, most arguments, implementation)
    "parameters": (1, 1, lambda a, s: s.parameter(_strings("parameters", a)[0])),
    "variables": (1, 1, lambda a, s: s.variable(_strings("variables", a)[0])),
    "resourceid": (2, 99, _resource_id),
    "concat": (1, 99, lambda a, s: _concat(a)),
    "format": (1, 99, lambda a, s: _format(a)),
    "resourcegroup": (
        0,
        0,
        lambda a, s: {
            "id": f"/subscriptions/{s.subscription_id}/resourceGroups/{s.resource_group}",
            "name": s.resource_group,
            "location": s.location,
        },
    ),
    "subscription": (
        0,
        0,
        lambda a, s: {"id": f"/subscriptions/{s.subscription_id}", "subscriptionId": s.subscription_id},
    ),
    "tolower": (1, 1, lambda a, s: _strings("toLower", a)[0].lower()),
    "toupper": (1, 1, lambda a, s: _strings("toUpper", a)[0].upper()),
    "string": (1, 1, lambda a, s: _string(a[0])),
    "int": (1, 1, lambda a, s: _int(a[0])),
    "if": (3, 3, lambda a, s: _if(a)),
    "equals": (2, 2, lambda a, s: a[0] == a[1] and type(a[0]) is type(a[1])),
    "not": (1, 1, lambda a, s: not _bools("not", a)[0]),
    "and": (2, 99, lambda a, s: all(_bools("and", a))),
    "or": (2, 99, lambda a, s: any(_bools("or", a))),
    "true": (0, 0, lambda a, s: True),
    "false": (0, 0, lambda a, s: False),
    "createarray": (0, 99, lambda a, s: list(a)),
    "length": (1, 1, lambda a, s: _length(a[0])),
}


def _length(value: Any) -> int:
    if isinstance(value, str | list | dict):
        return len(value)
    raise ArmError("The function 'length' takes a string, an array or an object.")


def call(name: str, args: list[Any], scope: Scope) -> Any:
    found = FUNCTIONS.get(name.lower())
    if found is None:
        raise ArmError(f"The template function '{name}' is not known here.")
    low, high, implementation = found
    _arity(name, args, low, high)
    return implementation(args, scope)
