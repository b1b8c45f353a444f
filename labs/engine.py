"""Putting a lab's estate in a sandbox and applying ARM operations to it:
the start (the estate, then a scenario's faults) and the reference solution.
Everything goes through portal.seed and portal.arm, hence the services."""

from __future__ import annotations

from typing import Any

from labs import catalog
from labs.checks import resource_id
from labs.params import fill
from labs.schema import Lab, Operation
from portal import seed
from portal.arm import operations
from portal.models import Sandbox


def with_builtins(sandbox: Sandbox, params: dict[str, Any]) -> dict[str, Any]:
    return {**params, "subscriptionId": str(sandbox.subscription.subscription_id)}


def start(sandbox: Sandbox, lab: Lab, params: dict[str, Any]) -> None:
    """Replace the sandbox's estate with the lab's start."""
    values = with_builtins(sandbox, params)
    estate_parameters = fill(lab.estate_parameters, values)
    if lab.estate == "demo":
        estate_parameters = seed.seed_parameters(sandbox, **estate_parameters)
    seed.replace_estate(sandbox, catalog.estate(lab.estate), estate_parameters)
    apply(sandbox, lab.faults, params)


def apply(sandbox: Sandbox, steps: tuple[Operation, ...], params: dict[str, Any], *, quiet: bool = True) -> None:
    """Apply ARM operations in order (ArmError on the first refused)."""
    values = with_builtins(sandbox, params)
    subscription_id = values["subscriptionId"]
    for step in steps:
        target = resource_id(fill(step.id, values), subscription_id)
        operations.apply(sandbox, step.method, target, fill(step.body, values), quiet=quiet)
