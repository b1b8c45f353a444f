"""Helpers for the network labs' tests (udr-to-nva, bgp-vpn-routes,
peering-gateway-transit, aks-network-models, watcher-effective-routes):
start a lab for one learner in an era, apply wrong or other-correct
operations through the lab engine (hence the services), grade."""

from __future__ import annotations

import random
from typing import Any

from labs import catalog, checks, engine
from labs import params as lab_params
from labs.schema import Operation
from portal.models import Sandbox, Subscription

NET = "contoso-network-rg/Microsoft.Network"
# A full resource ID in contoso-network-rg; ${subscriptionId} is filled when applied.
NET_ID = "/subscriptions/${subscriptionId}/resourceGroups/contoso-network-rg/providers/Microsoft.Network"


def start(lab_id: str, era: str = "classic", seed: int = 5):
    lab = catalog.get(lab_id)
    sandbox = Sandbox.objects.create(era=era)
    Subscription.objects.create(sandbox=sandbox)
    params = lab_params.draw(lab, random.Random(seed))
    engine.start(sandbox, lab, params)
    return sandbox, lab, params


def run(sandbox, params: dict[str, Any], *operations: tuple[str, str, dict | None]) -> None:
    """Apply (method, id, body) operations in order; ArmError on a refusal."""
    engine.apply(sandbox, tuple(Operation(method, rid, body) for method, rid, body in operations), params)


def solve(sandbox, lab, params) -> None:
    engine.apply(sandbox, lab.solution, params)


def grade(sandbox, lab, params) -> checks.Grade:
    return checks.grade(sandbox, lab, params)


def failed(g: checks.Grade) -> dict[str, checks.Result]:
    return {r.check.id: r for r in g.results if not r.passed}
