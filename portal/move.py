"""Move resources: a resource (and what lives under its ID) to another
resource group, as Essentials' "Resource group (change)" does.

The frame knows no app: the rules of a type come from the registry's move
checks (AKS's MOVE-02, networking's MOVE-04, App Service's ASVI-64); the
rules every resource meets are here.

Rules (docs/fidelity.md "Lab-defined rule IDs"):
MOVE-01 the target is another resource group of the same subscription;
MOVE-03 what an AKS-managed group (``managedBy``) holds stays there, and nothing moves into one;
MOVE-05 the target group has no resource of the same type and name;
MOVE-06 the sandbox has one subscription: a move to another is refused;
MOVE-07 a lock refuses it: any lock on the resource, under it or above it in
the source (the move deletes it there: LOCK-01, LOCK-02), a read-only lock on
the target group (LOCK-02).

A resource's ID changes with its group; what the lab keeps by ID string is
made to follow: notifications' links and unfinished operations are
rewritten, locks can't be on it (MOVE-07), the Activity log keeps its
history under the old ID (as Azure's does) and the move is logged on the
source group and on the resource's new ID.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models.functions import Lower

from portal import locks, services
from portal.errors import AzureRuleError, rule_error
from portal.models import LockLevel, Notification, NotificationLevel, Operation, ResourceGroup, ResourceLock, Sandbox
from portal.registry import registry
from portal.resources import resource_url

OPERATION_NAME = "Move Resources"
"""The Activity log's name of Microsoft.Resources/subscriptions/resourceGroups/moveResources/action."""


@dataclass(frozen=True)
class MovedItem:
    """A row of "Resources to move": a resource or a child under its ID."""

    name: str
    type_label: str
    arm_id: str


def items_to_move(resource) -> list[MovedItem]:
    """The resource and every child resource whose ID lies under its ID
    (a VNet's subnets and peerings, a route table's routes): they move with it.
    Found through the registry's unlisted types, generically."""
    prefix = resource.arm_id.lower() + "/"
    found = [MovedItem(resource.name, resource.type_label or resource.arm_type, resource.arm_id)]
    seen = {resource.arm_id.lower()}
    model = type(resource)
    for child_type in registry:
        # Only the types ARM nests under this one's (routeTables/routes).
        if child_type.listed or not child_type.arm_type.lower().startswith(resource.arm_type.lower() + "/"):
            continue
        segment = child_type.arm_type.rsplit("/", 1)[-1]
        child_model = child_type.get_model()
        for field in child_model._meta.get_fields():
            if not ((field.many_to_one or field.one_to_one) and field.concrete and field.related_model is model):
                continue
            for child in child_model.objects.filter(**{field.name: resource}):
                name = getattr(child, "name", "")
                arm_id = getattr(child, "arm_id", "") or (f"{resource.arm_id}/{segment}/{name}" if name else "")
                if arm_id and arm_id.lower().startswith(prefix) and arm_id.lower() not in seen:
                    seen.add(arm_id.lower())
                    found.append(MovedItem(arm_id.rsplit("/", 1)[-1], child_type.label, arm_id))
    return found


def target_groups(resource) -> list[ResourceGroup]:
    """The groups the target picker offers: the subscription's others, not
    an AKS-managed one (MOVE-03)."""
    source = resource.resource_group
    return list(
        ResourceGroup.objects.filter(subscription=source.subscription, managed_by="")
        .exclude(pk=source.pk)
        .order_by(Lower("name"))
    )


def _lock_refusal(resource, target: ResourceGroup) -> AzureRuleError | None:
    arm_id = resource.arm_id
    below = ResourceLock.objects.filter(sandbox_id=resource.sandbox_id, resource_id__istartswith=arm_id + "/")
    source_locks = locks.covering(arm_id) + list(below)
    if source_locks:
        levels = {lock.level for lock in source_locks}
        rules = tuple(
            rule
            for rule, level in (("LOCK-01", LockLevel.CAN_NOT_DELETE), ("LOCK-02", LockLevel.READ_ONLY))
            if level in levels
        )
        scopes = ",".join(sorted({lock.resource_id for lock in source_locks}))
        return rule_error(
            f"The scope '{arm_id}' cannot perform move operation because following scope(s) are locked: "
            f"'{scopes}'. Please remove the lock and try again. (Code: ScopeLocked)",
            "MOVE-07",
            *rules,
        )
    refusal = locks.change_refusal(target.arm_id)
    if refusal is not None:
        return rule_error(refusal.message, "MOVE-07", *refusal.rule_ids, field="target")
    return None


def move_refusal(
    sandbox: Sandbox, resource, target: ResourceGroup | None, subscription_id: str = ""
) -> AzureRuleError | None:
    """Why ``resource`` can't move to ``target`` (in ``subscription_id``,
    default its own), or None. Pure reads: the pane's validation step
    ("Checking whether these resources can be moved") and the move itself
    ask it."""
    source = resource.resource_group
    own = str(source.subscription.subscription_id)
    if subscription_id and subscription_id.lower() != own.lower():
        # The type's own rules first: they are what the learner should meet
        # (ASVI-64), whatever the sandbox has.
        refusal = registry.move_refusal(resource.arm_type, resource, target, True)
        if refusal is not None:
            return refusal
        return rule_error(
            "The sandbox has one subscription ('Azure subscription 1'): resources can move only between "
            "its resource groups.",
            "MOVE-06",
            field="subscription",
        )
    if (
        target is None
        or target.subscription_id != source.subscription_id
        or target.subscription.sandbox_id != sandbox.pk
    ):
        return rule_error("Select a target resource group.", "MOVE-01", field="target")
    if target.pk == source.pk:
        return rule_error(
            f"The target resource group must differ from the source resource group '{source.name}'.",
            "MOVE-01",
            field="target",
        )
    if source.managed_by or target.managed_by:
        managed = source if source.managed_by else target
        return rule_error(
            f"Resource group '{managed.name}' is managed by '{managed.managed_by.rsplit('/', 1)[-1]}': "
            "its resources can't be moved out of it and nothing can be moved into it.",
            "MOVE-03",
            field=None if source.managed_by else "target",
        )
    refusal = registry.move_refusal(resource.arm_type, resource, target, False)
    if refusal is not None:
        return refusal
    taken = type(resource).objects.filter(resource_group=target, name__iexact=resource.name)
    if taken.exists():
        return rule_error(
            f"Resource group '{target.name}' already has a {resource.type_label or resource.arm_type} named "
            f"'{resource.name}'.",
            "MOVE-05",
            field="target",
        )
    return _lock_refusal(resource, target)


def _rewrite(old_id: str, new_id: str, sandbox: Sandbox) -> None:
    """Point what the lab stores by ID string at the new ID."""
    old_link, new_link = "/resource" + old_id, "/resource" + new_id
    for note in Notification.objects.filter(sandbox=sandbox, link__istartswith=old_link + "/"):
        note.link = new_link + note.link[len(old_link) :]
        note.save(update_fields=["link"])
    for operation in Operation.objects.unfinished().filter(sandbox=sandbox, resource_id__istartswith=old_id):
        rest = operation.resource_id[len(old_id) :]
        if rest == "" or rest.startswith("/"):
            operation.resource_id = new_id + rest
            operation.save(update_fields=["resource_id"])


def move_resource(sandbox: Sandbox, resource, target: ResourceGroup | None, subscription_id: str = ""):
    """Move ``resource`` and its children to ``target``: its ID changes,
    everything that refers to it by key keeps working (a subnet's route
    table is a key, not an ID). Raises the refusal of :func:`move_refusal`."""
    with transaction.atomic():
        refusal = move_refusal(sandbox, resource, target, subscription_id)
        if refusal is not None:
            raise refusal
        source = resource.resource_group
        old_id = resource.arm_id
        moved = type(resource).objects.filter(pk=resource.pk, resource_group=source).update(resource_group=target)
        if not moved:
            raise rule_error("The resource was moved or deleted meanwhile; refresh and try again.", "MOVE-01")
        resource.resource_group = target
        _rewrite(old_id, resource.arm_id, sandbox)
        services.log_activity(sandbox, source, OPERATION_NAME, "Succeeded")
        services.log_activity(sandbox, resource, OPERATION_NAME, "Succeeded")
        services.notify(
            sandbox,
            "Moving resources complete",
            f"Successfully moved 1 resource from resource group '{source.name}' to resource group '{target.name}'.",
            NotificationLevel.SUCCESS,
            resource_url(resource),
        )
    return resource
