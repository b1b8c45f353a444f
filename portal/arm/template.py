"""An estate template: read, checked for shape, evaluated and put in deploy order.

The shape is ARM's deployment template: ``$schema``, ``contentVersion``,
``parameters``, ``variables`` and ``resources``, each resource with ``type``,
``apiVersion``, ``name``, ``location``, ``properties``, ``tags``,
``dependsOn`` and an optional ``condition``.

Resource groups (the one choice this module makes, see docs): a template
deploys into one resource group, the one it is deployed to, as a
resource-group deployment does. A template that spans groups (a sandbox's
whole estate, the demo seed) is a subscription deployment: it declares its
groups as ``Microsoft.Resources/resourceGroups`` resources (name and
location), and each other resource names its group in ``resourceGroup``, as
a nested deployment into that group would. A ``resourceGroup`` that no
resource declares is created at the resource's location when needed.

Nothing here touches the database: the registry tells which types exist.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from portal.arm import expressions, ids
from portal.arm.errors import ArmError
from portal.inputs import JsonRefused, json_loads
from portal.registry import registry

GROUP_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
SUBSCRIPTION_SCHEMA = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
CONTENT_VERSION = "1.0.0.0"
RESOURCE_GROUP_TYPE = "Microsoft.Resources/resourceGroups"
RESOURCE_GROUP_API = "2022-09-01"

_TOP_LEVEL = {"$schema", "contentVersion", "parameters", "variables", "resources", "outputs", "metadata", "functions"}
# (property, the JSON type it must have, its name in messages)
_RESOURCE_SHAPE = (
    ("type", str, "a string"),
    ("name", str, "a string"),
    ("apiVersion", str, "a string"),
    ("location", str, "a string"),
    ("resourceGroup", str, "a string"),
    ("properties", dict, "an object"),
    ("tags", dict, "an object"),
    ("dependsOn", list, "an array"),
    ("condition", bool, "a bool"),
)


@dataclass
class PlannedResource:
    """One resource of the template, evaluated: ``document`` is what a
    type's ``from_arm`` gets; ``resource_id`` its ID in the sandbox."""

    index: int
    name: str
    arm_type: str
    resource_group: str
    resource_id: str
    document: dict[str, Any]
    depends_on: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.resource_id.lower()

    @property
    def is_group(self) -> bool:
        return self.arm_type.lower() == RESOURCE_GROUP_TYPE.lower()


def parse(text: str | bytes) -> dict[str, Any]:
    """A template from JSON text; ArmError with the line and column when it isn't JSON."""
    try:
        document = json_loads(text)
    except json.JSONDecodeError as exc:
        raise ArmError(f"The template is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from None
    except UnicodeDecodeError:
        raise ArmError("The template is not valid JSON: it is not UTF-8 text.") from None
    except JsonRefused as exc:
        raise ArmError(f"The template can't be deployed: {exc}.") from None
    return check_shape(document)


def check_shape(document: Any) -> dict[str, Any]:
    """The top level and each resource's properties have the types ARM expects."""
    if not isinstance(document, dict):
        raise ArmError("The template must be a JSON object with 'resources'.")
    unknown = sorted(set(document) - _TOP_LEVEL)
    if unknown:
        raise ArmError(f"The template has an unknown top-level property '{unknown[0]}'.", path=unknown[0])
    for key, kind, label in (
        ("$schema", str, "a string"),
        ("contentVersion", str, "a string"),
        ("parameters", dict, "an object"),
        ("variables", dict, "an object"),
        ("resources", list, "an array"),
    ):
        if key in document and not isinstance(document[key], kind):
            raise ArmError(f"'{key}' must be {label}.", path=key)
    if "resources" not in document:
        raise ArmError("The template has no 'resources'.", path="resources")
    for index, resource in enumerate(document["resources"]):
        _check_resource_shape(index, resource)
    return document


def _label(index: int, resource: Any) -> str:
    """How a message names a resource: its name, or its place in ``resources``."""
    name = resource.get("name") if isinstance(resource, dict) else None
    return name if isinstance(name, str) and name else f"resources[{index}]"


def _check_resource_shape(index: int, resource: Any) -> None:
    label = _label(index, resource)
    if not isinstance(resource, dict):
        raise ArmError("A resource must be a JSON object.", resource=label)
    for key in ("type", "name"):
        if key not in resource:
            raise ArmError(f"The resource has no '{key}'.", resource=label, path=key)
    for key, kind, described in _RESOURCE_SHAPE:
        value = resource.get(key)
        if value is None or expressions.is_expression(value):
            continue
        if key == "condition" and isinstance(value, str):
            continue
        if not isinstance(value, kind):
            raise ArmError(f"'{key}' must be {described}.", resource=label, path=key)


def plan(
    document: dict[str, Any],
    *,
    subscription_id: str,
    resource_group: str = "",
    location: str = "",
    parameters: dict[str, Any] | None = None,
) -> list[PlannedResource]:
    """The template's resources, evaluated and in deploy order.

    ``resource_group`` is the group a resource without ``resourceGroup``
    goes to (the group deployed to); ``parameters`` the values given."""
    check_shape(document)
    scope = expressions.Scope(subscription_id=subscription_id, resource_group=resource_group, location=location)
    scope.parameters = expressions.resolve_parameters(document.get("parameters"), parameters, scope=scope)
    scope.variables = document.get("variables") or {}
    planned: list[PlannedResource] = []
    for index, raw in enumerate(document["resources"]):
        resource = _evaluate(index, raw, scope, resource_group)
        if resource is not None:
            planned.append(resource)
    return _ordered(planned, skipped=_skipped_names(document, planned))


def _evaluate(index: int, raw: dict[str, Any], scope: expressions.Scope, default_group: str) -> PlannedResource | None:
    label = _label(index, raw)

    def value(key: str, in_scope: expressions.Scope) -> Any:
        try:
            return expressions.evaluate(raw[key], in_scope, path=key)
        except ArmError as exc:
            raise ArmError(exc.message, resource=label, path=exc.path) from None

    if "condition" in raw:
        condition = value("condition", scope)
        if not isinstance(condition, bool):
            raise ArmError("'condition' must evaluate to a bool.", resource=label, path="condition")
        if not condition:
            return None
    name = value("name", scope)
    arm_type = value("type", scope)
    for key, got in (("name", name), ("type", arm_type)):
        if not isinstance(got, str) or not got.strip():
            raise ArmError(f"'{key}' must be a non-empty string.", resource=label, path=key)
    label = name
    group = value("resourceGroup", scope) if "resourceGroup" in raw else default_group
    if not isinstance(group, str):
        raise ArmError("'resourceGroup' must be a string.", resource=label, path="resourceGroup")
    is_group = arm_type.lower() == RESOURCE_GROUP_TYPE.lower()
    if is_group:
        group = name
    elif registry.find(arm_type) is None:
        raise ArmError(f"The resource type '{arm_type}' is not known here.", resource=label, path="type")
    elif not group:
        raise ArmError(
            "The resource has no resource group: deploy the template to a resource group, or give the resource "
            "a 'resourceGroup'.",
            resource=label,
            path="resourceGroup",
        )
    in_group = scope.in_group(group)
    document = {"name": name, "type": arm_type}
    for key in raw:
        if key not in ("name", "type", "condition", "resourceGroup", "copy", "comments"):
            document[key] = value(key, in_group)
    _check_resource_shape(index, document)
    resource_id = _resource_id(scope.subscription_id, group, arm_type, name, label)
    depends = [_dependency(d, label, i) for i, d in enumerate(document.get("dependsOn") or [])]
    return PlannedResource(index, name, arm_type, group, resource_id, document, depends)


def _resource_id(subscription_id: str, group: str, arm_type: str, name: str, label: str) -> str:
    if arm_type.lower() == RESOURCE_GROUP_TYPE.lower():
        return f"/subscriptions/{subscription_id}/resourceGroups/{name}"
    namespace, *types = arm_type.split("/")
    names = name.split("/")
    if not types or len(names) != len(types) or not all(names):
        raise ArmError(
            f"The name of a '{arm_type}' resource has {len(types)} segment(s) separated by '/', "
            f"one per level of its type; '{name}' has {len(names)}.",
            resource=label,
            path="name",
        )
    return str(ids.ResourceId(subscription_id, group, arm_type, tuple(names)))


def _dependency(value: Any, label: str, index: int) -> str:
    if not isinstance(value, str) or not value:
        raise ArmError(
            "Each 'dependsOn' entry must be a resource ID or name.", resource=label, path=f"dependsOn[{index}]"
        )
    return value


def _skipped_names(document: dict[str, Any], planned: list[PlannedResource]) -> set[str]:
    """Resources whose condition is false: a dependency on them is dropped, as ARM does."""
    kept = {p.index for p in planned}
    names = set()
    for index, raw in enumerate(document["resources"]):
        if index not in kept and isinstance(raw, dict) and isinstance(raw.get("name"), str):
            names.add(raw["name"].lower())
    return names


def _ordered(planned: list[PlannedResource], *, skipped: set[str]) -> list[PlannedResource]:
    """Resource groups first, then each resource after what it depends on
    (its ``dependsOn`` and its parent's), in template order otherwise."""
    by_key = {p.key: p for p in planned}
    by_name: dict[str, list[PlannedResource]] = {}
    for p in planned:
        by_name.setdefault(p.name.lower(), []).append(p)
    needs: dict[str, set[str]] = {}
    for p in planned:
        wanted: set[str] = set()
        for i, ref in enumerate(p.depends_on):
            target = _find(ref, by_key, by_name)
            if target is None:
                if _short_name(ref) in skipped or ref.lower() in skipped:
                    continue
                raise ArmError(
                    f"The resource '{ref}' it depends on is not defined in the template.",
                    resource=p.name,
                    path=f"dependsOn[{i}]",
                )
            if target.key != p.key:
                wanted.add(target.key)
        parent = p.key.rsplit("/", 2)[0] if "/" in p.name else ""
        if parent in by_key:
            wanted.add(parent)
        group_key = f"/subscriptions/{_subscription(p)}/resourcegroups/{p.resource_group}".lower()
        if not p.is_group and group_key in by_key:
            wanted.add(group_key)
        needs[p.key] = wanted
    order: list[PlannedResource] = []
    done: set[str] = set()
    pending = sorted(planned, key=lambda p: (not p.is_group, p.index))
    while pending:
        ready = [p for p in pending if needs[p.key] <= done]
        if not ready:
            cycle = ", ".join(f"'{p.name}'" for p in pending)
            raise ArmError(
                f"Circular dependency: {cycle} depend on each other.", resource=pending[0].name, path="dependsOn"
            )
        for p in ready:
            order.append(p)
            done.add(p.key)
        pending = [p for p in pending if p.key not in done]
    return order


def _subscription(p: PlannedResource) -> str:
    return p.resource_id.split("/")[2]


def _short_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1].lower()


def _find(
    ref: str, by_key: dict[str, PlannedResource], by_name: dict[str, list[PlannedResource]]
) -> PlannedResource | None:
    """A dependsOn entry: a resource ID, or a resource's name (with or
    without its type in front, as ARM allows)."""
    found = by_key.get(ref.lower())
    if found is not None:
        return found
    candidates = by_name.get(ref.lower()) or by_name.get(_short_name(ref)) or []
    if "/" in ref and not ref.startswith("/"):
        # "Microsoft.Network/virtualNetworks/name"
        candidates = [c for c in candidates if ref.lower().startswith(c.arm_type.lower() + "/")] or candidates
    return candidates[0] if len(candidates) == 1 else None
