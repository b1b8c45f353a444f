"""`cycle_bench` measures the class's learner as the class has them: joined
through the join page, their lab regraded after each change, every step
answered 200 (a refusal would stop it), each step's queries counted."""

from types import SimpleNamespace

import pytest

from labs.models import LabRun
from tests.bench import cycle_bench

pytestmark = pytest.mark.django_db


def test_one_cycle_measures_every_step_of_a_learner_in_the_lab(settings):
    settings.VNETLAB_RESTART_SECONDS = 0
    result = cycle_bench.run(SimpleNamespace(warmup=0, repeat=1))
    steps = result["steps"]
    assert set(steps) == {
        "save app setting (Configuration read, save, regrade)",
        "the restart's end (and its regrade)",
        "board row",
        "page: all_resources",
        "page: networking",
        "page: vnet_subnets",
        "add subnet (and its regrade)",
    }
    assert steps["board row"]["count"] == 2 and steps["page: all_resources"]["count"] == 4
    assert all(s["queries"] > 0 for s in steps.values())
    assert result["cycle_median_ms"] == pytest.approx(sum(s["mean_ms"] * s["count"] for s in steps.values()))
    run = LabRun.objects.get(finished_at__isnull=True)  # the class's lab, regraded after the changes
    assert run.lab_id == "integrate-same-region" and run.graded_at is not None
