"""Shared by the troubleshooting scenarios' tests: start a scenario in a
fresh sandbox, grade it, and change the estate the way a learner would, by
ARM operations through the services."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from labs import catalog, checks, engine
from labs import params as lab_params
from labs.schema import Operation
from portal.models import Sandbox, Subscription


@dataclass
class Started:
    sandbox: Sandbox
    lab: Any
    params: dict[str, Any]

    def grade(self) -> checks.Grade:
        return checks.grade(self.sandbox, self.lab, self.params)

    def apply(self, method: str, resource: str, body: dict[str, Any] | None = None) -> None:
        """One ARM operation, with the lab's ``${...}`` parameters filled in."""
        engine.apply(self.sandbox, (Operation(method, resource, body),), self.params)

    def solve(self) -> None:
        engine.apply(self.sandbox, self.lab.solution, self.params)

    def failing(self) -> list[str]:
        return [r.check.id for r in self.grade().results if not r.passed]


def start(lab_id: str, era: str = "classic", seed: int = 7) -> Started:
    lab = catalog.get(lab_id)
    sandbox = Sandbox.objects.create(era=era)
    Subscription.objects.create(sandbox=sandbox)
    params = lab_params.draw(lab, random.Random(seed))
    engine.start(sandbox, lab, params)
    return Started(sandbox, lab, params)


def negatives(lab) -> list[str]:
    return [c.id for c in lab.checks if c.negative]


def positives(lab) -> list[str]:
    return [c.id for c in lab.checks if not c.negative]
