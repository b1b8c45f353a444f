"""The demo seed every new sandbox starts with, and "Reset sandbox".

The seed is an estate template in the repo, ``portal/estates/demo.json``: a
small Contoso estate that exercises every branch of the VNet Integration
flow (the README lists it), and, unless ``VNETLAB_SEED_NETWORK`` is off, a
hub-and-spoke network with on-premises, PaaS targets and two AKS clusters.
It is deployed like any template (portal.arm.deploy): through each type's
``from_arm`` and services, quietly, so a new sandbox has no notification,
Activity log row or operation in progress.

The file was made by Export template from the seed the Python here used to
write, then edited by hand: the ``withNetwork`` parameter and the
``condition`` on contoso-network-rg's resources, the ``era`` parameter that
picks the AKS node size, and without what AKS or a private endpoint
generates (the cluster's FQDN and version, the endpoint's NIC).
"""

from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError

from portal import changes
from portal.arm import template as templates
from portal.arm.deploy import deploy
from portal.models import (
    ActivityLogEntry,
    Notification,
    Operation,
    ResourceGroup,
    ResourceLock,
    Sandbox,
    Subscription,
)
from portal.registry import registry

ESTATE = Path(__file__).resolve().parent / "estates" / "demo.json"


@cache
def estate() -> dict[str, Any]:
    """The seed's template, read and checked once per process."""
    return templates.parse(ESTATE.read_bytes())


def create_sandbox(era: str = "classic", *, created_from: str = "", seeded: bool = True) -> Sandbox:
    """A new sandbox with its subscription, holding the demo seed; without
    ``seeded``, empty (for a caller that deploys another estate at once, as
    a class's join starts the class's lab: the seed would go unseen)."""
    with transaction.atomic():
        sandbox = Sandbox.objects.create(era=era, created_from=created_from)
        Subscription.objects.create(sandbox=sandbox)
        if seeded:
            seed(sandbox)
    return sandbox


def reset_sandbox(sandbox: Sandbox) -> None:
    """Return the sandbox to the seed: same subscription ID, same era."""
    replace_estate(sandbox, estate(), seed_parameters(sandbox))


@changes.for_sandbox
def replace_estate(sandbox: Sandbox, document: dict[str, Any], parameters: dict[str, Any]) -> None:
    """Empty the sandbox (resources, locks, notifications, operations, the
    Activity log) and deploy ``document`` in its place, quietly: the seed's
    reset, and a lab's start. Keeps the subscription ID and the era."""
    with transaction.atomic():
        sandbox.subscriptions.select_for_update().get()
        empty(sandbox)
        deploy(sandbox, document, parameters=parameters)


def empty(sandbox: Sandbox) -> None:
    """Everything in the sandbox goes but the sandbox and its subscription:
    resources in an order their protections allow, locks (a fresh estate's
    resources may have the same IDs), notifications, operations, the
    Activity log, resource groups."""
    delete_resources(sandbox)
    for model in (ResourceLock, Notification, Operation, ActivityLogEntry):
        model.objects.filter(sandbox=sandbox).delete()
    ResourceGroup.objects.filter(subscription__sandbox=sandbox).delete()


@changes.for_sandbox
def delete_sandbox(sandbox: Sandbox) -> None:
    """SBX-03: the sandbox and everything in it. Deleting the row alone
    would stop at the resources' PROTECT links (a subnet's NICs, a plan's
    apps), so it is emptied first."""
    with transaction.atomic():
        empty(sandbox)
        sandbox.delete()


def seed_parameters(sandbox: Sandbox, **overrides: Any) -> dict[str, Any]:
    """The demo seed's parameters for ``sandbox`` (its era, the network part
    as the settings say), with ``overrides``."""
    return {"withNetwork": settings.VNETLAB_SEED_NETWORK, "era": sandbox.era, **overrides}


def seed(sandbox: Sandbox) -> None:
    deploy(sandbox, estate(), parameters=seed_parameters(sandbox))


def delete_resources(sandbox: Sandbox) -> None:
    """Every resource of the sandbox, whatever its type. What protects
    another resource (a subnet its NICs, a plan its apps) can only go after
    it: a type refused now is tried again once the others are gone. Every
    row of the listed types' models goes, the ones a type doesn't list too
    (a scale set instance's NIC)."""
    models = dict.fromkeys(t.get_model() for t in registry.listed())
    pending = [model.objects.filter(sandbox=sandbox) for model in models]
    while pending:
        refused = []
        for rows in pending:
            try:
                with transaction.atomic():
                    rows.delete()
            except ProtectedError:
                refused.append(rows)
        if len(refused) == len(pending):
            raise ProtectedError("Resources protect each other; the sandbox can't be reset.", set())
        pending = refused
