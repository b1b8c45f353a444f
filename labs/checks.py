"""Grading a sandbox against a lab's checks: on what the learner built, not
on the clicks that built it.

- A **state** check reads one resource's document, as Export template
  writes it, at a path (``properties.delegations[*].properties.serviceName``,
  ``properties.siteConfig.appSettings[name=WEBSITE_DNS_SERVER].value``).
- A **trace** check asks the connectivity engine where a packet goes: the
  verdict, whether the destination and the source address it sees are
  private or public (or in a range), and what the path passes through.
- An **any_of** group passes when one of its alternatives does, so every
  correct solution passes.

A failed check says why in the learner's words (the lab's ``why``), with
the rule IDs, where to look, and what the lab found.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from labs.params import fill, fill_lab
from labs.schema import Check, Lab
from networking import snapshot
from networking.engine.trace.delivery import DEFAULT_OUTBOUND_IP
from portal.arm import ids, operations
from portal.arm.errors import ArmError
from portal.models import Sandbox

# What a failed check found when the resource it reads is gone.
MISSING = "doesn't exist (was it deleted or renamed?)."


@dataclass(frozen=True)
class Outcome:
    """What one check found: passed or not, and what the lab saw."""

    passed: bool
    found: str = ""


@dataclass(frozen=True)
class Result:
    check: Check
    passed: bool
    earned: int
    found: str

    @property
    def message(self) -> str:
        """The learner-facing reason a check failed (empty when it passed)."""
        if self.passed:
            return ""
        # A negative check's ``why`` tells what the fix broke ("X has a rule
        # that allows any..."): untrue of a resource that is gone, so the
        # learner reads what was found instead.
        gone = self.check.negative and self.found.endswith(MISSING)
        parts = [] if gone else [self.check.why]
        if self.found:
            parts.append(f"Found: {self.found}")
        if self.check.look_at:
            parts.append(f"Look at: {self.check.look_at}")
        return " ".join(part if part.endswith((".", "?", "!")) else f"{part}." for part in parts)


@dataclass(frozen=True)
class Grade:
    results: tuple[Result, ...]
    max_points: int

    @property
    def points(self) -> int:
        return sum(r.earned for r in self.results)

    @property
    def percent(self) -> int:
        return round(100 * self.points / self.max_points) if self.max_points else 0

    def result(self, check_id: str) -> Result:
        return next(r for r in self.results if r.check.id == check_id)


def grade(sandbox: Sandbox, lab: Lab, params: dict[str, Any]) -> Grade:
    """Every check of ``lab`` on ``sandbox`` as it is now. One snapshot of
    the network serves every trace check."""
    context = _Context(sandbox, {**params, "subscriptionId": str(sandbox.subscription.subscription_id)})
    lab = fill_lab(lab, context.params)
    results = []
    for check in lab.checks:
        # ``lab`` is filled in: the check reads as the learner sees it.
        outcome = evaluate(context, check)
        results.append(Result(check, outcome.passed, check.points if outcome.passed else 0, outcome.found))
    return Grade(tuple(results), lab.max_points)


class _Context:
    def __init__(self, sandbox: Sandbox, params: dict[str, Any]):
        self.sandbox, self.params = sandbox, params
        self.subscription_id = params["subscriptionId"]
        # One grade reads each resource once, however many checks read it,
        # and builds the network's snapshot once for all its trace checks.
        self.documents: dict[str, dict[str, Any] | None] = {}
        self._topology = None

    def document(self, rid: str) -> dict[str, Any] | None:
        """The resource's current document, or None if it doesn't exist."""
        key = rid.lower()
        if key not in self.documents:
            try:
                self.documents[key] = operations.current_document(self.sandbox, ids.parse(rid))
            except ArmError:
                self.documents[key] = None
        return self.documents[key]

    @property
    def topology(self):
        """The network's snapshot, built once for every trace check of a grading."""
        if self._topology is None:
            self._topology = snapshot.current(self.sandbox)
        return self._topology


def evaluate(context: _Context, check: Check) -> Outcome:
    spec = fill(check.spec, context.params)
    if check.kind == "any_of":
        found = []
        for alternative in check.alternatives:
            outcome = evaluate(context, alternative)
            if outcome.passed:
                return outcome
            found.append(outcome.found)
        return Outcome(False, "; ".join(f for f in found if f))
    if check.kind == "trace":
        return _trace(context, spec)
    return _state(context, spec)


# --- State checks -----------------------------------------------------------------------------


def resource_id(text: str, subscription_id: str) -> str:
    """A full resource ID from ``<group>/<Namespace>/<type>/<name>[/<type>/<name>...]``
    (or a full ID as it is)."""
    if text.startswith("/subscriptions/"):
        return text
    group, _, rest = text.partition("/")
    return f"/subscriptions/{subscription_id}/resourceGroups/{group}/providers/{rest}"


def _state(context: _Context, spec: dict[str, Any]) -> Outcome:
    rid = resource_id(spec["resource"], context.subscription_id)
    document = context.document(rid)
    if document is None:
        parsed = ids.parse(rid)
        return Outcome(False, f"'{'/'.join(parsed.names)}' {MISSING}")
    if "follow" in spec:
        document = _follow(context, document, spec["follow"])
        if isinstance(document, Outcome):
            return document
    values = select(document, spec["path"])
    test = next(k for k in ("equals", "contains", "exists", "any", "none", "one_of", "at_least") if k in spec)
    expected = spec[test]
    shown = _show(values)
    if test == "exists":
        present = any(v not in (None, "", [], {}) for v in values)
        return Outcome(present == bool(expected), f"{spec['path']} is {shown}")
    if test == "equals":
        return Outcome(any(_same(v, expected) for v in values), f"{spec['path']} is {shown}")
    if test == "one_of":
        return Outcome(any(_same(v, e) for v in values for e in expected), f"{spec['path']} is {shown}")
    if test == "contains":
        return Outcome(any(_contains(v, expected) for v in values), f"{spec['path']} is {shown}")
    if test == "at_least":
        return Outcome(any(_at_least(v, expected) for v in values), f"{spec['path']} is {shown}")
    items = [item for v in values for item in (v if isinstance(v, list) else [v])]
    matching = [item for item in items if _matches(item, expected)]
    if test == "any":
        return Outcome(bool(matching), "" if matching else f"nothing in {spec['path']} matches")
    names = ", ".join(str(i.get("name", "?")) if isinstance(i, dict) else str(i) for i in matching)
    return Outcome(not matching, f"{spec['path']} has {names}" if matching else "")


def _follow(context: _Context, document: Any, path: str) -> Any:
    """The document of the resource the ID at ``path`` names (a check's
    ``follow``), or the failed Outcome saying why there is none."""
    target = next((v for v in select(document, path) if isinstance(v, str) and v), None)
    if target is None:
        return Outcome(False, f"{path} is not set")
    try:
        return operations.current_document(context.sandbox, ids.parse(target))
    except ArmError:
        return Outcome(False, f"'{target.rsplit('/', 1)[-1]}' ({path}) {MISSING}")


_STEP = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")


def select(document: Any, path: str) -> list[Any]:
    """The values at ``path``: ``a.b`` keys, ``[0]`` an index, ``[*]`` every
    item, ``[name=x]`` the items whose ``name`` (or ``service``...) is x,
    case-insensitively as ARM compares names."""
    current = [document]
    for key, selector in _STEP.findall(path):
        following = []
        for value in current:
            if key:
                if isinstance(value, dict):
                    match = next((k for k in value if k.lower() == key.lower()), None)
                    if match is not None:
                        following.append(value[match])
            elif isinstance(value, list):
                following += _select_items(value, selector)
        current = following
    return current


def _select_items(items: list[Any], selector: str) -> list[Any]:
    if selector == "*":
        return list(items)
    if selector.isdigit():
        index = int(selector)
        return [items[index]] if index < len(items) else []
    field, _, wanted = selector.partition("=")
    return [i for i in items if isinstance(i, dict) and _same(select(i, field.strip())[:1] or [None], [wanted.strip()])]


def _same(value: Any, expected: Any) -> bool:
    if isinstance(value, list) and isinstance(expected, list):
        return len(value) == len(expected) and all(_same(a, b) for a, b in zip(value, expected, strict=True))
    if isinstance(value, str) and isinstance(expected, str):
        return value.casefold() == expected.casefold()
    if isinstance(value, bool) or isinstance(expected, bool):
        return value is expected or str(value).casefold() == str(expected).casefold()
    return value == expected or str(value).casefold() == str(expected).casefold()


def _contains(value: Any, expected: Any) -> bool:
    if isinstance(value, list):
        return any(_same(item, expected) or _contains(item, expected) for item in value)
    if isinstance(value, str) and isinstance(expected, str):
        return expected.casefold() in value.casefold()
    if isinstance(value, dict):
        return any(_same(v, expected) for v in value.values())
    return False


def _at_least(value: Any, expected: Any) -> bool:
    """A range at least as large as ``expected`` ("/26")."""
    try:
        return ipaddress.ip_network(str(value), strict=False).prefixlen <= int(str(expected).lstrip("/"))
    except ValueError:
        return False


def _matches(item: Any, wanted: dict[str, Any]) -> bool:
    return all(any(_same(v, expected) for v in select(item, path)) for path, expected in wanted.items())


def _show(values: list[Any]) -> str:
    if not values:
        return "not set"
    shown = ", ".join(str(v) if not isinstance(v, str) else f"'{_short(v)}'" for v in values[:3])
    return shown if len(shown) <= 120 else shown[:117] + "..."


def _short(text: str) -> str:
    """A resource ID as its names (``contoso-vnet/integration-subnet``): the
    part the learner knows, which a long ID's cut would hide."""
    if not text.lower().startswith("/subscriptions/"):
        return text
    try:
        return "/".join(ids.parse(text).names)
    except ArmError:
        return text


# --- Trace checks -----------------------------------------------------------------------------


def _trace(context: _Context, spec: dict[str, Any]) -> Outcome:
    ((kind, name),) = spec["from"].items()
    try:
        name = _expand_source(context, kind, _source_name(context, kind, str(name)))
        trace = snapshot.trace_from(
            context.sandbox,
            kind,
            str(name),
            str(spec["to"]),
            int(spec.get("port", 443)),
            spec.get("protocol", "Tcp"),
            topo=context.topology,
        )
    except LookupError as error:
        return Outcome(False, str(error))
    expect = spec["expect"]
    said = f"the trace says {trace.verdict}"
    if trace.deciding_step:
        said += f" at {trace.deciding_step}"
    # The step that stopped or handed off the packet (an appliance's: Forwarded) says where it went.
    blocking = next((s for s in reversed(trace.steps) if s.outcome in ("Blocked", "No answer", "Forwarded")), None)
    if blocking is not None:
        said += f": {blocking.detail}"
        if blocking.rule_ids:
            said += f" ({', '.join(blocking.rule_ids)})"
    if "verdict" in expect and trace.verdict != expect["verdict"]:
        return Outcome(False, said)
    if "deciding_step" in expect and trace.deciding_step != expect["deciding_step"]:
        return Outcome(False, said)
    for key, address in (("destination", trace.destination_ip), ("source", trace.source_ip)):
        if key in expect and not _address_is(address, str(expect[key])):
            found = f"the {key} address is {address or 'unknown'}, not {expect[key]}"
            if key == "destination":
                found += _resolution(trace)
            return Outcome(False, found)
    path = " ".join(f"{h.kind} {h.label} {h.detail}" for h in trace.hops).casefold()
    if "via" in expect and str(expect["via"]).casefold() not in path:
        return Outcome(False, f"the path doesn't pass {expect['via']}: {' -> '.join(h.label for h in trace.hops)}")
    if "not_via" in expect and str(expect["not_via"]).casefold() in path:
        return Outcome(False, f"the path still passes {expect['not_via']}")
    return Outcome(True, said)


def _resolution(trace) -> str:
    """What decided the name's answer: the last name-resolution step and the
    rules every step cited (SEED-24 for a Classic app without the settings)."""
    steps = [s for s in trace.steps if s.name == "Name resolution" and s.outcome != "Resolved"]
    if not steps:
        return ""
    cited = list(dict.fromkeys(rule for s in steps for rule in s.rule_ids))
    told = next((s.detail for s in reversed(steps) if s.outcome != "Info"), steps[-1].detail)
    rules = f" Rules: {', '.join(cited)}." if cited else ""
    return f" (name resolution: {told}{rules})"


def _expand_source(context: _Context, kind: str, name: str) -> str:
    """A source with ``*`` in it (``pod: contoso-aks-kubenet/aks-userpool-*/*``:
    a node whose random name the lab can't know) is the first of the kind's
    picker choices that matches it; LookupError when none does."""
    if "*" not in name:
        return name
    pattern = "/".join(part.strip() for part in name.split("/")).casefold()
    for registered in snapshot.trace_sources():
        if registered.option == kind and registered.choices is not None:
            for value, _label in registered.choices(context.sandbox):
                if fnmatch.fnmatchcase("/".join(p.strip() for p in value.split("/")).casefold(), pattern):
                    return value
    raise LookupError(f"No {kind} matches {name!r} in the sandbox.")


_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)


def _source_name(context: _Context, kind: str, name: str) -> str:
    """A pod may be named ``CLUSTER/IP``: the node is the one whose pods
    hold that address (a node's name carries digits AKS draws per cluster,
    so a lab can't write it). LookupError when no node of the cluster does."""
    cluster, _, address = (part.strip() for part in name.partition("/"))
    if kind != "pod" or name.count("/") != 1:
        return name
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise LookupError(f"{address!r} isn't an IPv4 address.") from None
    topology = context.topology
    clusters = {c.id for c in topology.aks_clusters.values() if c.name.casefold() == cluster.casefold()}
    node = next((n for n in topology.aks_nodes if n.cluster_id in clusters and n.holds(ip)), None)
    if node is None:
        raise LookupError(f"No node of cluster {cluster!r} holds the pod address {address}.")
    return f"{cluster}/{node.name}/{address}"


def _address_is(address: str, wanted: str) -> bool:
    if address == DEFAULT_OUTBOUND_IP:
        # DOA-01: Azure's default outbound access IP is a public address the lab doesn't name.
        return wanted == "public"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if wanted in ("private", "public"):
        # VNET-01: the addresses a VNet uses (RFC 1918, shared 100.64/10) are
        # private; anything else is public here, the documentation ranges the
        # lab allots public IPs from (PIP-05) included.
        private = any(ip in network for network in _PRIVATE)
        return private == (wanted == "private")
    try:
        return ip in ipaddress.ip_network(wanted, strict=False)
    except ValueError:
        return False
