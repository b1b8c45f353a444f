"""What the troubleshooting scenarios' tests share: a learner's sandbox
started at a lab's broken estate, graded, and changed by ARM operations."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import pytest

from labs import catalog, checks, engine
from labs import params as lab_params
from labs.checks import resource_id
from labs.schema import Lab, Operation
from portal.arm import ids, operations
from portal.models import Sandbox, Subscription


@dataclass
class Run:
    """One learner's run of a lab: the sandbox, the lab and the values drawn."""

    sandbox: Sandbox
    lab: Lab
    params: dict[str, Any]

    def grade(self) -> checks.Grade:
        return checks.grade(self.sandbox, self.lab, self.params)

    def result(self, check_id: str) -> checks.Result:
        return self.grade().result(check_id)

    def failing(self) -> list[str]:
        return [r.check.id for r in self.grade().results if not r.passed]

    def solve(self) -> None:
        engine.apply(self.sandbox, self.lab.solution, self.params)

    def apply(self, method: str, rid: str, body: dict | None = None) -> None:
        """One ARM operation, its ID and body written with the lab's ``${...}``."""
        engine.apply(self.sandbox, (Operation(method, rid, body),), self.params)

    def document(self, rid: str) -> dict[str, Any]:
        values = engine.with_builtins(self.sandbox, self.params)
        full = resource_id(lab_params.fill(rid, values), values["subscriptionId"])
        return operations.current_document(self.sandbox, ids.parse(full))


def start(lab_id: str, era: str = "classic", seed: int = 7) -> Run:
    lab = catalog.get(lab_id)
    sandbox = Sandbox.objects.create(era=era)
    Subscription.objects.create(sandbox=sandbox)
    params = lab_params.draw(lab, random.Random(seed))
    engine.start(sandbox, lab, params)
    return Run(sandbox, lab, params)


def run_fixture(lab_id: str):
    """A ``run`` fixture for a test module: the lab started in each era it allows."""

    @pytest.fixture(params=catalog.get(lab_id).eras)
    def run(request) -> Run:
        return start(lab_id, era=request.param)

    return run
