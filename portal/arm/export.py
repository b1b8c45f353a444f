"""Export template: a sandbox, a resource group or one resource as an ARM
template that deploys it again.

Each type gives its documents (the registry's ``export``, else ``to_arm``);
everything else is generic:

- read-only properties go (``id``, ``etag``, ``provisioningState``,
  ``resourceGuid``, an inline child's own ``id``);
- every name becomes a parameter, as the portal does
  (``virtualNetworks_contoso_vnet_name``); a child's name is its parent's
  parameter and its own name (``[concat(parameters('...'), '/hub-to-spoke')]``);
- any property value equal to an exported resource's ID (or to an ID under
  it, such as a subnet's) becomes a ``[resourceId(...)]`` expression and the
  referring resource ``dependsOn`` it; so does an ID of a resource of the
  same subscription that isn't exported (without the dependency), and a
  child resource depends on its parent; an ID in another subscription
  becomes an ``..._externalid`` parameter;
- resources in a group another resource owns (an AKS cluster's node
  resource group) are left out, with the references to them: the owner
  makes them again.

A sandbox spans groups: its template is a subscription deployment whose
groups are ``Microsoft.Resources/resourceGroups`` resources and whose
resources name their ``resourceGroup`` (see portal.arm.template).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from portal.arm import ids
from portal.arm.errors import ArmError
from portal.arm.template import (
    CONTENT_VERSION,
    GROUP_SCHEMA,
    RESOURCE_GROUP_API,
    RESOURCE_GROUP_TYPE,
    SUBSCRIPTION_SCHEMA,
)
from portal.models import ResourceGroup, Sandbox
from portal.registry import registry

READ_ONLY = frozenset({"provisioningState", "resourceGuid", "etag"})
_DROP = object()
_TOP_ORDER = ("type", "apiVersion", "name", "resourceGroup", "location", "dependsOn", "tags", "sku", "kind")


@dataclass
class _Entry:
    """One exported document and where it lives."""

    resource_id: ids.ResourceId
    document: dict[str, Any]
    api_version: str
    parameter: str = ""
    depends_on: set[str] = field(default_factory=set)
    exported: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return str(self.resource_id).lower()


def documents_of(resource: Any) -> list[dict[str, Any]]:
    """What Export template writes for ``resource`` (before parameters and references)."""
    found = registry.find(resource.arm_type)
    if found is not None and found.export is not None:
        return found.export(resource)
    if found is not None and found.to_arm is not None:
        return [found.to_arm(resource)]
    return [resource.arm_json()]


def sandbox_resources(sandbox: Sandbox) -> list[Any]:
    """Every listed resource of the sandbox, in the registry's order."""
    found: list[Any] = []
    for resource_type in registry.listed():
        found += list(resource_type.rows(sandbox).select_related("resource_group__subscription"))
    return found


def export_sandbox(sandbox: Sandbox) -> dict[str, Any]:
    groups = list(ResourceGroup.objects.filter(subscription__sandbox=sandbox).select_related("subscription"))
    return build(sandbox_resources(sandbox), groups=groups)


def export_group(group: ResourceGroup) -> dict[str, Any]:
    resources = [r for r in sandbox_resources(group.subscription.sandbox) if r.resource_group_id == group.pk]
    return build(resources)


def export_resource(resource: Any) -> dict[str, Any]:
    return build([resource])


def build(resources: list[Any], *, groups: list[ResourceGroup] | None = None) -> dict[str, Any]:
    """The template of ``resources``: a resource-group template, or with
    ``groups`` a subscription template that creates them."""
    managed = {name.lower() for r in resources for name in _managed_groups(r)}
    entries: list[_Entry] = []
    for resource in resources:
        if resource.resource_group.name.lower() in managed:
            continue
        found = registry.find(resource.arm_type)
        api_version = found.api_version if found is not None else ""
        for document in documents_of(resource):
            resource_id = ids.parse(document["id"])
            child_type = registry.find(resource_id.arm_type)
            entries.append(_Entry(resource_id, document, child_type.api_version if child_type else api_version))
    by_key = {e.key: e for e in entries}
    parameters = _name_parameters(entries)
    for entry in entries:
        _export(entry, by_key, managed, parameters, subscription_scope=groups is not None)
    template: dict[str, Any] = {
        "$schema": SUBSCRIPTION_SCHEMA if groups is not None else GROUP_SCHEMA,
        "contentVersion": CONTENT_VERSION,
        "parameters": {name: {"defaultValue": value, "type": "String"} for name, value in sorted(parameters.items())},
        "variables": {},
        "resources": [],
    }
    if groups is not None:
        template["resources"] = [
            {"type": RESOURCE_GROUP_TYPE, "apiVersion": RESOURCE_GROUP_API, "name": g.name, "location": g.location}
            for g in groups
            if g.name.lower() not in managed
        ]
    template["resources"] += [e.exported for e in _in_dependency_order(entries)]
    return template


def _managed_groups(resource: Any) -> list[str]:
    found = registry.find(resource.arm_type)
    return found.managed_groups(resource) if found is not None and found.managed_groups is not None else []


# --- names as parameters -------------------------------------------------------------


def _parameter_name(resource_id: ids.ResourceId, suffix: str, group: str = "") -> str:
    kind = resource_id.arm_type.split("/")[1]
    words = [kind, group, resource_id.names[0], suffix] if group else [kind, resource_id.names[0], suffix]
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join(words))


def _name_parameters(entries: list[_Entry]) -> dict[str, str]:
    """One parameter per top-level resource (its children use it too); a
    name two resources would share (the same name in two groups) gets the
    group in it, then a number."""
    parameters: dict[str, str] = {}
    holders: dict[str, str] = {}
    for entry in entries:
        top = ids.ResourceId(
            entry.resource_id.subscription_id,
            entry.resource_id.resource_group,
            "/".join(entry.resource_id.arm_type.split("/")[:2]),
            entry.resource_id.names[:1],
        )
        key = str(top).lower()
        candidates = [_parameter_name(top, "name"), _parameter_name(top, "name", group=top.resource_group)]
        candidates += [f"{candidates[1]}{n}" for n in range(2, len(entries) + 2)]
        name = next(c for c in candidates if holders.get(c, key) == key)
        holders[name] = key
        parameters[name] = top.name
        entry.parameter = name
    return parameters


def _name_expression(entry: _Entry) -> str:
    rest = entry.resource_id.names[1:]
    if not rest:
        return f"[parameters('{entry.parameter}')]"
    tail = "/" + "/".join(rest)
    return f"[concat(parameters('{entry.parameter}'), {_quote(tail)})]"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- references -----------------------------------------------------------------------


@dataclass
class _Reference:
    """What a referring document needs: the expression and the resource it depends on."""

    expression: str
    depends_on: str
    key: str


def _reference(
    value: str, by_key: dict[str, _Entry], *, from_group: str, subscription_scope: bool
) -> _Reference | None:
    lowered = value.lower().rstrip("/")
    target, extra = by_key.get(lowered), ()
    if target is None:
        for key, entry in by_key.items():
            if lowered.startswith(key + "/"):
                parts = value.rstrip("/")[len(key) + 1 :].split("/")
                if len(parts) % 2 == 0 and (target is None or len(key) > len(target.key)):
                    target, extra = entry, tuple(parts)
        if target is None:
            return None
    expression = _resource_id_expression(target, extra, from_group=from_group, subscription_scope=subscription_scope)
    depends = _resource_id_expression(target, (), from_group=from_group, subscription_scope=subscription_scope)
    return _Reference(f"[{expression}]", f"[{depends}]", target.key)


def _resource_id_expression(entry: _Entry, extra: tuple[str, ...], *, from_group: str, subscription_scope: bool) -> str:
    types = entry.resource_id.arm_type + "".join(f"/{t}" for t in extra[0::2])
    names = [f"parameters('{entry.parameter}')", *(_quote(n) for n in entry.resource_id.names[1:])]
    names += [_quote(n) for n in extra[1::2]]
    group = entry.resource_id.resource_group
    prefix = f"{_quote(group)}, " if subscription_scope and group.lower() != from_group.lower() else ""
    return f"resourceId({prefix}{_quote(types)}, {', '.join(names)})"


def _external_expression(resource_id: ids.ResourceId, *, from_group: str) -> str:
    names = ", ".join(_quote(n) for n in resource_id.names)
    group = resource_id.resource_group
    prefix = "" if group.lower() == from_group.lower() else f"{_quote(group)}, "
    return f"resourceId({prefix}{_quote(resource_id.arm_type)}, {names})"


def _export(
    entry: _Entry,
    by_key: dict[str, _Entry],
    managed: set[str],
    parameters: dict[str, str],
    *,
    subscription_scope: bool,
) -> dict[str, Any]:
    own_id = entry.key
    group = entry.resource_id.resource_group
    depends: list[str] = []

    def convert(value: Any, top: bool = False) -> Any:
        if isinstance(value, dict):
            if _in_managed_group(value, managed):
                return _DROP
            out = {}
            for key, item in value.items():
                if key in READ_ONLY or (key == "id" and (top or _own_child(item, own_id))):
                    continue
                if top and key in ("name", "type", "dependsOn"):
                    continue
                converted = convert(item)
                if converted is not _DROP:
                    out[key] = converted
            return out
        if isinstance(value, list):
            return [c for c in (convert(v) for v in value) if c is not _DROP]
        if isinstance(value, str) and value.startswith("/subscriptions/"):
            return _id_value(value)
        if isinstance(value, str) and value.startswith("["):
            return "[" + value  # a literal that looks like an expression
        return value

    def _id_value(value: str) -> Any:
        found = _reference(value, by_key, from_group=group, subscription_scope=subscription_scope)
        if found is not None:
            if found.key != own_id and found.depends_on not in depends:
                depends.append(found.depends_on)
                entry.depends_on.add(found.key)
            return found.expression
        try:
            external = ids.parse(value)
        except ArmError:
            return value
        if external.subscription_id.lower() == entry.resource_id.subscription_id.lower():
            # Not exported but in this subscription (a VM the lab doesn't
            # simulate, a gateway's public IP): its ID, without the
            # subscription a copy of the estate doesn't share.
            return f"[{_external_expression(external, from_group=group)}]"
        name = _parameter_name(external, "externalid")
        parameters[name] = value
        return f"[parameters('{name}')]"

    body = convert(entry.document, top=True)
    parent = own_id.rsplit("/", 2)[0]
    if len(entry.resource_id.names) > 1 and parent in by_key:
        depends.append(
            f"[{_resource_id_expression(by_key[parent], (), from_group=group, subscription_scope=subscription_scope)}]"
        )
        entry.depends_on.add(parent)
    for needed in entry.document.get("dependsOn", []):
        found = _reference(needed, by_key, from_group=group, subscription_scope=subscription_scope)
        if found is not None and found.depends_on not in depends and found.key != own_id:
            depends.append(found.depends_on)
            entry.depends_on.add(found.key)
    document: dict[str, Any] = {
        "type": entry.resource_id.arm_type,
        "apiVersion": entry.api_version,
        "name": _name_expression(entry),
    }
    if subscription_scope:
        document["resourceGroup"] = group
    if depends:
        document["dependsOn"] = sorted(depends)
    document.update(body)
    entry.exported = {key: document[key] for key in sorted(document, key=_order)}
    return entry.exported


def _order(key: str) -> tuple[int, str]:
    return (_TOP_ORDER.index(key), "") if key in _TOP_ORDER else (len(_TOP_ORDER) + (key == "properties"), key)


def _own_child(value: Any, own_id: str) -> bool:
    """An inline child's ``id`` (a VNet's subnet's): ARM derives it."""
    return isinstance(value, str) and value.lower().startswith(own_id + "/")


def _in_managed_group(value: dict[str, Any], managed: set[str]) -> bool:
    """``{"id": ...}`` of a resource an owner makes itself (a kubenet
    cluster's route table on its subnet)."""
    if set(value) != {"id"} or not isinstance(value["id"], str) or not managed:
        return False
    try:
        return ids.parse(value["id"]).resource_group.lower() in managed
    except ArmError:
        return False


def _in_dependency_order(entries: list[_Entry]) -> list[_Entry]:
    """Each resource after what it depends on; otherwise by type, group and
    name, so two exports of the same estate are identical."""
    pending = sorted(
        entries,
        key=lambda e: (e.resource_id.arm_type.lower(), e.resource_id.resource_group.lower(), e.key),
    )
    done: set[str] = set()
    ordered: list[_Entry] = []
    while pending:
        ready = next((e for e in pending if e.depends_on <= done), None)
        if ready is None:
            # A cycle in what the types exported: deploying it names the cycle.
            return ordered + pending
        ordered.append(ready)
        done.add(ready.key)
        pending.remove(ready)
    return ordered
