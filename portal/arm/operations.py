"""ARM operations on one resource: ``PUT``, ``PATCH`` and ``DELETE`` by
resource ID, through the same services as the portal.

What a lab's reference solution and a scenario's fault are made of, and
what an ARM API will answer later:

- ``PUT`` deploys the body as a one-resource template (create or update,
  through the type's ``from_arm``, hence its rules);
- ``PATCH`` merges the body into the resource's current document (objects
  merge key by key, anything else replaces, as a JSON merge patch does;
  ``null`` removes a key) and puts the result;
- ``DELETE`` goes through the type's registered ``delete`` service.

A child that lives inline in its parent's document and has no ``from_arm``
of its own (an NSG's ``securityRules``, a route table's ``routes``) is
written through its parent: the parent's list gains or replaces the child
by name, and the parent is put. Deleting one goes through its own delete
service, as any other.

Every failure is an ArmError naming the resource, the property and, for a
refusal of Azure's rules, the rule IDs; nothing is written then.
"""

from __future__ import annotations

import copy
from contextlib import nullcontext
from typing import Any

from django.db import transaction

from portal import changes
from portal.arm import ids
from portal.arm.deploy import deploy
from portal.arm.errors import ArmError
from portal.arm.export import READ_ONLY, documents_of
from portal.arm.template import CONTENT_VERSION, GROUP_SCHEMA
from portal.errors import AzureRuleError
from portal.models import Sandbox
from portal.registry import registry

METHODS = ("PUT", "PATCH", "DELETE")
_IDENTITY = ("id", "type", "name")


@changes.for_sandbox
def apply(sandbox: Sandbox, method: str, resource_id: str, body: dict[str, Any] | None = None, *, quiet: bool = True):
    """Apply one operation to ``sandbox``; returns the resource written (None for DELETE)."""
    method = method.upper()
    if method not in METHODS:
        raise ArmError(f"The method '{method}' is not one of {', '.join(METHODS)}.", path="method")
    rid = ids.parse(resource_id, path="id")
    if rid.subscription_id.lower() != str(sandbox.subscription.subscription_id).lower():
        raise ArmError(f"The subscription '{rid.subscription_id}' could not be found.", path="id")
    if body is not None and not isinstance(body, dict):
        raise ArmError("The body must be a JSON object.", resource=rid.name, path="body")
    with transaction.atomic():
        if method == "DELETE":
            _delete(sandbox, rid, quiet=quiet)
            return None
        if method == "PATCH":
            body = merge(current_document(sandbox, rid), body or {})
        return _put(sandbox, rid, body or {}, quiet=quiet)


def find(sandbox: Sandbox, rid: ids.ResourceId) -> Any:
    """The resource ``rid`` names in ``sandbox``, or None (an unknown type too)."""
    resource_type = registry.find(rid.arm_type)
    if resource_type is None:
        return None
    return resource_type.lookup(sandbox, rid)


def current_document(sandbox: Sandbox, rid: ids.ResourceId) -> dict[str, Any]:
    """The resource's document as Export template writes it, without what
    ARM computes (``id``, ``provisioningState``...). ArmError if it doesn't exist."""
    parent = _inline_parent(rid)
    if parent is not None:
        for child in _children(current_document(sandbox, parent), rid):
            if child.get("name", "").lower() == rid.name.lower():
                return strip_read_only(child)
        raise _not_found(rid)
    resource = find(sandbox, rid)
    if resource is None:
        raise _not_found(rid)
    for document in _documents(resource, rid):
        if document.get("type", "").lower() == rid.arm_type.lower() and _same_name(document.get("name", ""), rid):
            return strip_read_only(document)
    raise _not_found(rid)


def _documents(resource: Any, rid: ids.ResourceId) -> list[dict[str, Any]]:
    """What Export template writes for ``resource``, found by the ID's type:
    a child without an ``arm_type`` of its own (a private DNS zone's
    virtualNetworkLinks) is read through its registered type too."""
    resource_type = registry.find(rid.arm_type)
    if resource_type is not None and resource_type.export is not None:
        return resource_type.export(resource)
    if resource_type is not None and resource_type.to_arm is not None:
        return [resource_type.to_arm(resource)]
    return documents_of(resource)


def merge(target: Any, patch: Any) -> Any:
    """A JSON merge patch (RFC 7396): objects merge, ``None`` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    merged = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge(merged.get(key), value)
    return merged


def strip_read_only(document: Any, *, top: bool = True) -> Any:
    """``document`` without its own ``id`` (and its inline children's),
    ``etag`` and the properties ARM computes. A reference keeps its ``id``
    (``properties.networkSecurityGroup.id``), as Export template does, so a
    PATCH doesn't drop the associations it doesn't name."""
    if isinstance(document, list):
        return [strip_read_only(item, top=False) for item in document]
    if not isinstance(document, dict):
        return document
    return {
        k: strip_read_only(v, top=False)
        for k, v in document.items()
        if k not in READ_ONLY and not (k == "id" and (top or _own_id(document)))
    }


def _own_id(item: dict[str, Any]) -> bool:
    """An inline child's own ID (a subnet's in its VNet's document), not a reference."""
    own = item.get("id")
    return isinstance(own, str) and bool(item.get("name")) and own.lower().endswith("/" + str(item["name"]).lower())


def _put(sandbox: Sandbox, rid: ids.ResourceId, body: dict[str, Any], *, quiet: bool) -> Any:
    parent = _inline_parent(rid)
    if parent is not None:
        document = current_document(sandbox, parent)
        children = [c for c in _children(document, rid) if c.get("name", "").lower() != rid.name.lower()]
        child = {k: v for k, v in body.items() if k not in _IDENTITY}
        document.setdefault("properties", {})[_collection(rid)] = [*children, {"name": rid.name, **child}]
        _put(sandbox, parent, document, quiet=quiet)
        return find(sandbox, parent)
    resource_type = registry.find(rid.arm_type)
    if resource_type is None or resource_type.from_arm is None:
        raise ArmError(f"Resources of type '{rid.arm_type}' can't be written by an operation yet.", path="id")
    resource = {k: v for k, v in body.items() if k not in _IDENTITY}
    template = {
        "$schema": GROUP_SCHEMA,
        "contentVersion": CONTENT_VERSION,
        "resources": [{"type": rid.arm_type, "name": "/".join(rid.names), **resource}],
    }
    deployment = deploy(sandbox, template, resource_group=rid.resource_group, quiet=quiet)
    return next(iter(deployment.resources.values()), None)


def _delete(sandbox: Sandbox, rid: ids.ResourceId, *, quiet: bool) -> None:
    resource_type = registry.find(rid.arm_type)
    if resource_type is None or resource_type.delete is None:
        raise ArmError(f"Resources of type '{rid.arm_type}' can't be deleted by an operation yet.", path="id")
    resource = find(sandbox, rid)
    if resource is None:
        raise _not_found(rid)
    from portal import services

    try:
        with services.quietly() if quiet else nullcontext():
            resource_type.delete(resource)
    except AzureRuleError as exc:
        raise ArmError(exc.message, resource=rid.name, rule_ids=exc.rule_ids) from None


def _inline_parent(rid: ids.ResourceId) -> ids.ResourceId | None:
    """The parent a child is written through: a child type without a
    ``from_arm`` of its own whose parent has one."""
    if len(rid.names) < 2:
        return None
    own = registry.find(rid.arm_type)
    if own is not None and own.from_arm is not None:
        return None
    parent_type = rid.arm_type.rsplit("/", 1)[0]
    parent = registry.find(parent_type)
    if parent is None or parent.from_arm is None:
        return None
    return ids.ResourceId(rid.subscription_id, rid.resource_group, parent_type, rid.names[:-1])


def _collection(rid: ids.ResourceId) -> str:
    """The parent's property that lists the child (``securityRules``)."""
    return rid.arm_type.rsplit("/", 1)[1]


def _children(parent_document: dict[str, Any], rid: ids.ResourceId) -> list[dict[str, Any]]:
    children = parent_document.get("properties", {}).get(_collection(rid), [])
    return [c for c in children if isinstance(c, dict)] if isinstance(children, list) else []


def _same_name(name: str, rid: ids.ResourceId) -> bool:
    return name.lower() in (rid.name.lower(), "/".join(rid.names).lower())


def _not_found(rid: ids.ResourceId) -> ArmError:
    kind = rid.arm_type.rsplit("/", 1)[-1]
    return ArmError(
        f"The resource '{'/'.join(rid.names)}' ({kind}) under resource group '{rid.resource_group}' was not found.",
        resource=rid.name,
        path="id",
    )
