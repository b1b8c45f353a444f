"""Grading a lab both ways in tests: start it in a fresh sandbox, change the
estate with ARM operations (what a learner's clicks end up as), grade."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from labs import catalog, checks, engine
from labs import params as lab_params
from labs.schema import Lab, Operation
from portal.models import Sandbox, Subscription


@dataclass
class Run:
    """One learner's run of a lab: the sandbox, the lab and its values."""

    sandbox: Sandbox
    lab: Lab
    params: dict[str, Any]

    def apply(self, method: str, rid: str, body: dict[str, Any] | None = None) -> None:
        """One ARM operation, its ``${...}`` filled with this run's values."""
        engine.apply(self.sandbox, (Operation(method, rid, body),), self.params)

    def solve(self, *, skip: tuple[int, ...] = ()) -> None:
        """The reference solution, but for the steps at the ``skip`` indexes."""
        steps = tuple(s for i, s in enumerate(self.lab.solution) if i not in skip)
        engine.apply(self.sandbox, steps, self.params)

    def grade(self) -> checks.Grade:
        return checks.grade(self.sandbox, self.lab, self.params)

    def failed(self) -> list[str]:
        return [r.check.id for r in self.grade().results if not r.passed]

    @property
    def subscription_id(self) -> str:
        return str(self.sandbox.subscriptions.get().subscription_id)


def start(lab_id: str, era: str = "classic", seed: int = 7) -> Run:
    lab = catalog.get(lab_id)
    sandbox = Sandbox.objects.create(era=era)
    Subscription.objects.create(sandbox=sandbox)
    params = lab_params.draw(lab, random.Random(seed))
    engine.start(sandbox, lab, params)
    return Run(sandbox, lab, params)
