"""What the tests of the VNet integration labs share: a started lab in a
sandbox of the given era, ARM operations on it (through the same services
as the portal), and its grade."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from labs import catalog, checks, engine
from labs import params as lab_params
from labs.schema import Lab, Operation
from portal.models import Sandbox, Subscription


@dataclass
class Started:
    sandbox: Sandbox
    lab: Lab
    params: dict[str, Any]

    @property
    def providers(self) -> str:
        """``/subscriptions/<id>/resourceGroups/contoso-rg/providers``, for IDs in bodies."""
        subscription_id = self.sandbox.subscriptions.get().subscription_id
        return f"/subscriptions/{subscription_id}/resourceGroups/contoso-rg/providers"

    def apply(self, method: str, resource: str, body: dict[str, Any] | None = None) -> None:
        """One operation (``${...}`` filled from the learner's parameters); ArmError if refused."""
        engine.apply(self.sandbox, (Operation(method, resource, body),), self.params)

    def solve(self) -> None:
        engine.apply(self.sandbox, self.lab.solution, self.params)

    def grade(self) -> checks.Grade:
        return checks.grade(self.sandbox, self.lab, self.params)

    def failing(self) -> list[str]:
        return [r.check.id for r in self.grade().results if not r.passed]


def start(lab_id: str, era: str = "classic", seed: int = 7, **chosen: Any) -> Started:
    """The lab started in a new sandbox; ``chosen`` fixes some parameters
    (one of the lab's own choices) instead of drawing them."""
    lab = catalog.get(lab_id)
    sandbox = Sandbox.objects.create(era=era)
    Subscription.objects.create(sandbox=sandbox)
    params = {**lab_params.draw(lab, random.Random(seed)), **chosen}
    for name, value in chosen.items():
        assert value in lab.parameters[name]["choices"], f"{value!r} isn't a choice of {name}"
    engine.start(sandbox, lab, params)
    return Started(sandbox, lab, params)
