"""Deploying an estate template into a sandbox: every resource through its
type's ``from_arm``, hence through the services and their rules, in one
transaction. Any refusal rolls everything back: the sandbox stays as it was.

Deploying is quiet by default (portal.services.quietly): loading an estate
leaves no Activity log row, notification, unread badge or toast behind.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from portal import changes, locks, tags
from portal import services as portal_services
from portal.arm import template as templates
from portal.arm.context import DeployContext, refusal, refusals_at
from portal.arm.errors import ArmError
from portal.errors import AzureRuleError
from portal.models import REGIONS, ResourceGroup, Sandbox
from portal.registry import registry

FromArm = Callable[[DeployContext, ResourceGroup, dict], Any]


@dataclass
class Deployment:
    """What a deployment made: each resource's model instance by its ID, in
    the order deployed, and the resource groups it created."""

    resources: dict[str, Any] = field(default_factory=dict)
    created_groups: list[str] = field(default_factory=list)


@changes.for_sandbox
def deploy(
    sandbox: Sandbox,
    document: dict[str, Any] | str | bytes,
    *,
    resource_group: str = "",
    parameters: dict[str, Any] | None = None,
    quiet: bool = True,
    fallbacks: dict[str, FromArm] | None = None,
) -> Deployment:
    """Deploy ``document`` (a template, or its JSON text) into ``sandbox``.

    ``resource_group`` is the group deployed to (resources without their own
    ``resourceGroup`` go there; it must exist). ``fallbacks`` maps ARM types
    to a builder for types whose app has no ``from_arm`` yet (the seed's
    transitional builders). Raises ArmError, with nothing written."""
    if isinstance(document, str | bytes):
        document = templates.parse(document)
    subscription = sandbox.subscriptions.get()
    location = ""
    if resource_group:
        group = ResourceGroup.objects.filter(subscription=subscription, name__iexact=resource_group).first()
        if group is None:
            raise ArmError(f"Resource group '{resource_group}' could not be found.")
        resource_group, location = group.name, group.location
    planned = templates.plan(
        document,
        subscription_id=str(subscription.subscription_id),
        resource_group=resource_group,
        location=location,
        parameters=parameters,
    )
    context = DeployContext(sandbox=sandbox, subscription=subscription)
    deployment = Deployment()
    with transaction.atomic(), portal_services.quietly() if quiet else nullcontext():
        for resource in planned:
            if resource.is_group:
                group = _group(context, deployment, resource.name, resource.document.get("location"), resource)
                context.created[resource.key] = group
                continue
            group = _group(context, deployment, resource.resource_group, resource.document.get("location"), resource)
            builder = _builder(resource, fallbacks or {})
            try:
                # A read-only lock on the resource or above it refuses any write (LOCK-02).
                locks.check_change(resource.resource_id)
                instance = builder(context, group, resource.document)
                _apply_tags(instance, resource)
            except AzureRuleError as exc:
                raise refusal(exc, resource=resource.name) from None
            except ArmError as exc:
                if not exc.resource:
                    exc.resource = resource.name
                raise
            context.created[resource.key] = instance
            deployment.resources[resource.resource_id] = instance
    return deployment


def _apply_tags(instance: Any, resource: templates.PlannedResource) -> None:
    """A document's ``tags``, for every type alike, through portal.tags (TAG-01..05)."""
    if "tags" not in resource.document or not hasattr(instance, "tags"):
        return
    with refusals_at(resource.name, "tags", {}):
        wanted = tags.check_tags(resource.document["tags"])
        if wanted != instance.tags:
            tags.set_tags(instance, wanted)


def _builder(resource: templates.PlannedResource, fallbacks: dict[str, FromArm]) -> FromArm:
    found = registry.find(resource.arm_type)
    if found is not None and found.from_arm is not None:
        return found.from_arm
    fallback = next((f for t, f in fallbacks.items() if t.lower() == resource.arm_type.lower()), None)
    if fallback is not None:
        return fallback
    raise ArmError(
        f"Resources of type '{resource.arm_type}' can't be deployed from a template yet.",
        resource=resource.name,
        path="type",
    )


def _group(
    context: DeployContext,
    deployment: Deployment,
    name: str,
    location: Any,
    resource: templates.PlannedResource,
) -> ResourceGroup:
    """The resource group ``name``, created (at ``location``) when it doesn't exist yet."""
    group = ResourceGroup.objects.filter(subscription=context.subscription, name__iexact=name).first()
    if group is not None:
        return group
    if not isinstance(location, str) or location not in REGIONS:
        if resource.is_group:
            raise ArmError(
                f"'{location}' is not a region this lab offers: {', '.join(REGIONS)}.",
                resource=resource.name,
                path="location",
            )
        location = next(iter(REGIONS))
    try:
        group = portal_services.create_resource_group(context.sandbox, name=name, location=location)
    except AzureRuleError as exc:
        raise refusal(exc, resource=resource.name, path="name" if resource.is_group else "resourceGroup") from None
    deployment.created_groups.append(group.name)
    return group
