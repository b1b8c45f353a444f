"""A lab file: YAML read with the line of every key, checked against the lab
format (docs/labs.md), and turned into plain dataclasses.

Every error names the file and the line: ``labs/catalog/x.yaml:12: ...``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

KINDS = ("lab", "scenario")
LEVELS = ("Beginner", "Intermediate", "Advanced")
ERAS = ("classic", "current")
EXAMS = ("AZ-104", "AZ-700", "AZ-204")
METHODS = ("PUT", "PATCH", "DELETE")
SOURCES = ("app", "vm", "nic", "subnet", "pod")
# Forwarded: handed to a virtual appliance, whose own forwarding the engine leaves open (ROUTE-21).
VERDICTS = ("Reachable", "Blocked", "No answer", "Forwarded")
STATE_TESTS = ("equals", "contains", "exists", "any", "none", "one_of", "at_least")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


class LabError(Exception):
    """A lab file that can't be used: ``where`` is ``file:line``."""

    def __init__(self, where: str, message: str):
        self.where, self.message = where, message
        super().__init__(f"{where}: {message}")


class Located(dict):
    """A YAML mapping that remembers the line of itself and of each key."""

    line: int = 0
    lines: dict[str, int]


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> Located:
    loader.flatten_mapping(node)
    result = Located()
    result.line, result.lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str):
            raise LabError(f"{loader.name}:{line}", f"the key {key!r} must be text")
        if key in result:
            raise LabError(f"{loader.name}:{line}", f"'{key}' is given twice")
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = line
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


# --- What a lab is ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """An ARM operation: a reference solution's step or a scenario's fault.
    ``id`` is a full resource ID, or ``<group>/<provider type>/<name>...``."""

    method: str
    id: str
    body: dict[str, Any] | None = None


@dataclass(frozen=True)
class Check:
    """One thing graded: a state or trace test, or ``any_of`` alternatives.
    ``spec`` keeps the test's own keys (resource, path, equals...; from,
    to, port, expect...)."""

    id: str
    title: str
    points: int
    kind: str  # "state", "trace" or "any_of"
    spec: dict[str, Any]
    explain: str
    why: str  # what a failure says, in the learner's words
    rules: tuple[str, ...]
    look_at: str = ""
    negative: bool = False
    alternatives: tuple[Check, ...] = ()


@dataclass(frozen=True)
class Hint:
    text: str
    cost: int


@dataclass(frozen=True)
class Task:
    title: str
    instructions: str
    checks: tuple[Check, ...]
    hints: tuple[Hint, ...] = ()


@dataclass(frozen=True)
class Lab:
    id: str
    kind: str
    title: str
    summary: str
    level: str
    duration: int
    eras: tuple[str, ...]
    objectives: tuple[tuple[str, str], ...]  # (exam, skill area)
    topics: tuple[str, ...]
    parameters: dict[str, Any]
    estate: str
    estate_parameters: dict[str, Any]
    faults: tuple[Operation, ...]
    tasks: tuple[Task, ...]
    solution: tuple[Operation, ...]
    pass_mark: int
    start_score: int
    symptom: str = ""
    read_next: tuple[str, ...] = ()
    path: str = ""

    @property
    def checks(self) -> list[Check]:
        return [check for task in self.tasks for check in task.checks]

    @property
    def max_points(self) -> int:
        return sum(check.points for check in self.checks)


# --- Reading and checking ---------------------------------------------------------------------


class _Reader:
    """Walks one file's mapping, raising LabError at the right line."""

    def __init__(self, path: str):
        self.path = path

    def fail(self, node: Any, key: str | None, message: str) -> LabError:
        line = getattr(node, "line", 0)
        if key is not None and isinstance(node, Located):
            line = node.lines.get(key, line)
        return LabError(f"{self.path}:{line}", message)

    def mapping(self, node: Any, where: str, parent: Any = None, key: str | None = None) -> Located:
        if not isinstance(node, Located):
            raise self.fail(parent if parent is not None else node, key, f"{where} must be a mapping")
        return node

    def keys(self, node: Located, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
        for key in node:
            if key not in required and key not in optional:
                allowed = ", ".join((*required, *optional))
                raise self.fail(node, key, f"{where} has an unknown key '{key}' (allowed: {allowed})")
        for key in required:
            if key not in node:
                raise self.fail(node, None, f"{where} needs '{key}'")

    def text(self, node: Located, key: str, where: str, default: str | None = None) -> str:
        if key not in node:
            if default is None:
                raise self.fail(node, None, f"{where} needs '{key}'")
            return default
        value = node[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(node, key, f"{where}: '{key}' must be non-empty text")
        return value.strip()

    def integer(self, node: Located, key: str, where: str, low: int, high: int, default: int | None = None) -> int:
        if key not in node and default is not None:
            return default
        value = node.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self.fail(node, key, f"{where}: '{key}' must be a whole number from {low} to {high}")
        return value

    def choice(self, node: Located, key: str, where: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        if key not in node and default is not None:
            return default
        value = node.get(key)
        if value not in allowed:
            raise self.fail(node, key, f"{where}: '{key}' must be one of {', '.join(allowed)} (not {value!r})")
        return value

    def items(self, node: Located, key: str, where: str, *, required: bool = True) -> list[Any]:
        if key not in node:
            if required:
                raise self.fail(node, None, f"{where} needs '{key}'")
            return []
        value = node[key]
        if not isinstance(value, list) or (required and not value):
            raise self.fail(node, key, f"{where}: '{key}' must be a non-empty list")
        return value

    def texts(self, node: Located, key: str, where: str, *, required: bool = True) -> tuple[str, ...]:
        values = self.items(node, key, where, required=required)
        for value in values:
            if not isinstance(value, str) or not value.strip():
                raise self.fail(node, key, f"{where}: every item of '{key}' must be non-empty text")
        return tuple(v.strip() for v in values)


def load(path: Path, *, root: Path | None = None) -> Lab:
    """Read and check one lab file."""
    shown = str(path.relative_to(root)) if root is not None and path.is_relative_to(root) else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabError(f"{shown}:0", f"can't be read: {exc}") from None
    return parse(text, shown, expected_id=path.stem)


def parse(text: str, shown: str, *, expected_id: str | None = None) -> Lab:
    loader = _Loader(text)
    loader.name = shown
    try:
        document = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise LabError(f"{shown}:{line}", f"is not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise LabError(f"{shown}:0", f"is not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    return _lab(_Reader(shown), document, expected_id)


LAB_KEYS = ("id", "kind", "title", "summary", "level", "duration", "eras", "objectives", "start", "tasks", "solution")
LAB_OPTIONAL = ("topics", "parameters", "pass_mark", "start_score", "symptom", "read_next")


def _lab(r: _Reader, node: Any, expected_id: str | None) -> Lab:
    if not isinstance(node, Located):
        raise LabError(f"{r.path}:1", "a lab file must be a mapping (id, title, tasks...)")
    r.keys(node, "The lab", LAB_KEYS, LAB_OPTIONAL)
    lab_id = r.text(node, "id", "The lab")
    if not ID_PATTERN.match(lab_id):
        raise r.fail(node, "id", "The lab's 'id' must be 2-63 lowercase letters, digits and hyphens")
    if expected_id is not None and lab_id != expected_id:
        raise r.fail(node, "id", f"The lab's 'id' must be its file name ('{expected_id}')")
    kind = r.choice(node, "kind", "The lab", KINDS)
    eras = r.texts(node, "eras", "The lab")
    for era in eras:
        if era not in ERAS:
            raise r.fail(node, "eras", f"The lab: 'eras' takes {', '.join(ERAS)} (not {era!r})")
    objectives = []
    for item in r.items(node, "objectives", "The lab"):
        item = r.mapping(item, "An objective", node, "objectives")
        r.keys(item, "An objective", ("exam", "skill"))
        objectives.append((r.choice(item, "exam", "An objective", EXAMS), r.text(item, "skill", "An objective")))
    parameters = node.get("parameters", {})
    if parameters:
        parameters = r.mapping(parameters, "'parameters'", node, "parameters")
        for name, spec in parameters.items():
            _parameter(r, parameters, name, spec)
    estate, estate_parameters, faults = _start(r, r.mapping(node["start"], "'start'", node, "start"))
    tasks = tuple(_task(r, item, node) for item in r.items(node, "tasks", "The lab"))
    lab = Lab(
        id=lab_id,
        kind=kind,
        title=r.text(node, "title", "The lab"),
        summary=r.text(node, "summary", "The lab"),
        level=r.choice(node, "level", "The lab", LEVELS),
        duration=r.integer(node, "duration", "The lab", 5, 240),
        eras=eras,
        objectives=tuple(objectives),
        topics=r.texts(node, "topics", "The lab", required=False),
        parameters=dict(parameters),
        estate=estate,
        estate_parameters=estate_parameters,
        faults=faults,
        tasks=tasks,
        solution=tuple(_operations(r, node, "solution")),
        pass_mark=r.integer(node, "pass_mark", "The lab", 1, 100, default=70),
        start_score=r.integer(node, "start_score", "The lab", 0, 100, default=0),
        symptom=r.text(node, "symptom", "The lab", default=""),
        read_next=r.texts(node, "read_next", "The lab", required=False),
        path=r.path,
    )
    if kind == "scenario" and not lab.symptom:
        raise r.fail(node, None, "A scenario needs a 'symptom' (what the learner is told is wrong)")
    if kind == "scenario" and not faults:
        raise r.fail(node, "start", "A scenario's 'start' needs 'faults' (what breaks the estate)")
    seen: set[str] = set()
    for check in lab.checks:
        if check.id in seen:
            raise r.fail(node, "tasks", f"Two checks have the id '{check.id}'")
        seen.add(check.id)
    if not any(_has_trace(check) for check in lab.checks):
        raise r.fail(node, "tasks", "A lab needs at least one behaviour check (kind: trace) through the engine")
    return lab


def _has_trace(check: Check) -> bool:
    return check.kind == "trace" or any(_has_trace(a) for a in check.alternatives)


PARAMETER_KINDS = ("choice", "name")


def _parameter(r: _Reader, parent: Located, name: Any, spec: Any) -> None:
    if not re.match(r"^[A-Za-z][A-Za-z0-9]*$", str(name)):
        raise r.fail(parent, name, f"The parameter '{name}': a name is letters and digits")
    spec = r.mapping(spec, f"The parameter '{name}'", parent, name)
    if "choices" in spec:
        r.keys(spec, f"The parameter '{name}'", ("choices",))
        r.items(spec, "choices", f"The parameter '{name}'")
    else:
        r.keys(spec, f"The parameter '{name}'", ("prefix",), ("length",))
        r.text(spec, "prefix", f"The parameter '{name}'")
        r.integer(spec, "length", f"The parameter '{name}'", 2, 8, default=4)


def _start(r: _Reader, node: Located) -> tuple[str, dict[str, Any], tuple[Operation, ...]]:
    r.keys(node, "'start'", ("estate",), ("parameters", "faults"))
    estate = r.text(node, "estate", "'start'")
    parameters = node.get("parameters", {})
    if not isinstance(parameters, dict):
        raise r.fail(node, "parameters", "'start': 'parameters' must be a mapping of the estate's parameters")
    return estate, dict(parameters), tuple(_operations(r, node, "faults", required=False))


def _operations(r: _Reader, node: Located, key: str, *, required: bool = True) -> list[Operation]:
    found = []
    for item in r.items(node, key, f"'{key}'", required=required):
        item = r.mapping(item, f"An operation of '{key}'", node, key)
        r.keys(item, f"An operation of '{key}'", ("method", "id"), ("body",))
        method = r.choice(item, "method", "An operation", METHODS)
        body = item.get("body")
        if method == "DELETE" and body is not None:
            raise r.fail(item, "body", "A DELETE takes no 'body'")
        if method != "DELETE" and not isinstance(body, dict):
            raise r.fail(item, None, f"A {method} needs a 'body' mapping")
        found.append(Operation(method, r.text(item, "id", "An operation"), body))
    return found


def _task(r: _Reader, node: Any, parent: Located) -> Task:
    node = r.mapping(node, "A task", parent, "tasks")
    r.keys(node, "A task", ("title", "instructions", "checks"), ("hints",))
    hints = []
    for item in r.items(node, "hints", "A task", required=False):
        item = r.mapping(item, "A hint", node, "hints")
        r.keys(item, "A hint", ("text", "cost"))
        hints.append(Hint(r.text(item, "text", "A hint"), r.integer(item, "cost", "A hint", 0, 50)))
    return Task(
        title=r.text(node, "title", "A task"),
        instructions=r.text(node, "instructions", "A task"),
        checks=tuple(_check(r, item, node) for item in r.items(node, "checks", "A task")),
        hints=tuple(hints),
    )


CHECK_COMMON = ("id", "title", "points", "explain", "why", "rules")
CHECK_OPTIONAL = ("look_at", "negative")
STATE_KEYS = ("resource", "path")
# ``follow: <path>``: read the resource the ID at that path names (the app's
# integration subnet from its ``properties.virtualNetworkSubnetId``).
STATE_OPTIONAL = ("follow",)
TRACE_KEYS = ("from", "to", "expect")


def _check(r: _Reader, node: Any, parent: Located, *, alternative: bool = False) -> Check:
    node = r.mapping(node, "A check", parent, "checks")
    if "any_of" in node:
        kind = "any_of"
        specific: tuple[str, ...] = ("any_of",)
    elif "resource" in node:
        kind, specific = "state", STATE_KEYS
    elif "from" in node:
        kind, specific = "trace", TRACE_KEYS
    else:
        raise r.fail(node, None, "A check needs 'resource' (a state check), 'from' (a trace) or 'any_of'")
    where = f"The check '{node.get('id', '?')}'"
    if alternative:
        # An alternative is graded as its group: it says only what it tests.
        r.keys(
            node,
            f"An alternative of {where}",
            specific,
            (*STATE_TESTS, *STATE_OPTIONAL, "port", "protocol", "title", "why", "rules"),
        )
    else:
        r.keys(
            node, where, (*CHECK_COMMON, *specific), (*CHECK_OPTIONAL, *STATE_TESTS, *STATE_OPTIONAL, "port", "protocol")
        )
    spec = {k: v for k, v in node.items() if k not in CHECK_COMMON and k not in CHECK_OPTIONAL}
    if kind == "state":
        tests = [k for k in STATE_TESTS if k in node]
        if len(tests) != 1:
            raise r.fail(node, None, f"{where} needs exactly one of {', '.join(STATE_TESTS)}")
        r.text(node, "resource", where)
        if not isinstance(node["path"], str):
            raise r.fail(node, "path", f"{where}: 'path' must be text (e.g. properties.addressPrefix)")
        if "follow" in node and not isinstance(node["follow"], str):
            raise r.fail(node, "follow", f"{where}: 'follow' must be text (e.g. properties.virtualNetworkSubnetId)")
    elif kind == "trace":
        _trace_spec(r, node, where)
    alternatives: tuple[Check, ...] = ()
    if kind == "any_of":
        alternatives = tuple(_check(r, item, node, alternative=True) for item in r.items(node, "any_of", where))
        if len(alternatives) < 2:
            raise r.fail(node, "any_of", f"{where}: 'any_of' needs at least two alternatives")
    rules = r.texts(node, "rules", where, required=not alternative)
    for rule in rules:
        if not re.match(r"^[A-Z][A-Z0-9]*-\d+[a-z]?$", rule):
            raise r.fail(node, "rules", f"{where}: '{rule}' is not a rule ID (e.g. ASVI-24)")
    return Check(
        id=r.text(node, "id", where) if not alternative else f"alt-{node.line}",
        title=r.text(node, "title", where, default="" if alternative else None),
        points=r.integer(node, "points", where, 1, 100) if not alternative else 0,
        kind=kind,
        spec=spec,
        explain=r.text(node, "explain", where) if not alternative else "",
        why=r.text(node, "why", where, default="" if alternative else None),
        rules=rules,
        look_at=r.text(node, "look_at", where, default=""),
        negative=bool(node.get("negative", False)),
        alternatives=alternatives,
    )


def _trace_spec(r: _Reader, node: Located, where: str) -> None:
    source = r.mapping(node["from"], f"{where}: 'from'", node, "from")
    if len(source) != 1 or next(iter(source)) not in SOURCES:
        raise r.fail(node, "from", f"{where}: 'from' names one source: {', '.join(SOURCES)} (e.g. app: contoso-web)")
    r.text(node, "to", where)
    r.integer(node, "port", where, 0, 65535, default=443)
    r.choice(node, "protocol", where, ("Tcp", "Udp", "Icmp"), default="Tcp")
    expect = r.mapping(node["expect"], f"{where}: 'expect'", node, "expect")
    # Without a verdict, a trace check grades the name resolution or the path
    # whatever happens to the packet ("the name resolves to a private address").
    r.keys(expect, f"{where}: 'expect'", (), ("verdict", "destination", "source", "via", "not_via", "deciding_step"))
    if not expect:
        raise r.fail(node, "expect", f"{where}: 'expect' needs a verdict or what the trace must find")
    if "verdict" in expect:
        r.choice(expect, "verdict", f"{where}: 'expect'", VERDICTS)


@dataclass
class Catalog:
    labs: dict[str, Lab] = field(default_factory=dict)

    def __iter__(self):
        return iter(self.labs.values())
