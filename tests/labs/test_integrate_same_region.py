"""The lab "Integrate a web app with a virtual network in its region",
graded both ways: its start fails every check, each saying why; the
reference solution passes them all; and other correct or wrong estates are
told apart (ASVI-24, SEED-10, ASRT-01)."""

import random

import pytest

from appservice import services as app_services
from labs import catalog, checks, engine
from labs import params as lab_params
from networking import services as net_services
from networking.models import Subnet, VirtualNetwork
from portal.models import Sandbox, Subscription

pytestmark = pytest.mark.django_db

LAB = "integrate-same-region"


@pytest.fixture
def started():
    lab = catalog.get(LAB)
    sandbox = Sandbox.objects.create(era="classic")
    Subscription.objects.create(sandbox=sandbox)
    params = lab_params.draw(lab, random.Random(7))
    engine.start(sandbox, lab, params)
    return sandbox, lab, params


def test_each_learner_gets_their_own_names(started):
    sandbox, lab, params = started
    assert params["appName"].startswith("contoso-web-") and len(params["appName"]) == len("contoso-web-") + 4
    assert sandbox.webapps.filter(name=params["appName"]).exists() if hasattr(sandbox, "webapps") else True
    others = {lab_params.draw(lab, random.Random(seed))["appName"] for seed in range(20)}
    assert len(others) > 15


def test_the_start_fails_every_check_saying_why(started):
    sandbox, lab, params = started
    grade = checks.grade(sandbox, lab, params)
    assert grade.percent == 0
    delegated = grade.result("subnet-delegated")
    assert not delegated.passed and "doesn't exist" in delegated.message
    reach = grade.result("app-reaches-vm")
    assert not reach.passed and "the trace says" in reach.message


def test_the_reference_solution_passes_every_check(started):
    sandbox, lab, params = started
    engine.apply(sandbox, lab.solution, params)
    grade = checks.grade(sandbox, lab, params)
    assert [r.check.id for r in grade.results if not r.passed] == []
    assert grade.percent == 100


def test_the_portals_own_path_passes_too_seed_10(started):
    """The learner's way: the pane's "Create New Subnet" (a different
    service call from the solution's) is graded the same."""
    sandbox, lab, params = started
    app = sandbox.webapp_set.get(name=params["appName"]) if hasattr(sandbox, "webapp_set") else None
    from appservice.models import WebApp

    app = WebApp.objects.get(sandbox=sandbox, name=params["appName"])
    vnet = VirtualNetwork.objects.get(sandbox=sandbox, name="contoso-vnet")
    app_services.add_regional_integration(
        app, vnet, new_subnet_name=params["subnet"]["name"], new_subnet_prefix=params["subnet"]["prefix"]
    )
    assert checks.grade(sandbox, lab, params).percent == 100


def test_an_undelegated_subnet_fails_the_delegation_check_asvi_24(started):
    sandbox, lab, params = started
    vnet = VirtualNetwork.objects.get(sandbox=sandbox, name="contoso-vnet")
    net_services.create_subnet(vnet, name=params["subnet"]["name"], prefix=params["subnet"]["prefix"])
    grade = checks.grade(sandbox, lab, params)
    result = grade.result("subnet-delegated")
    assert not result.passed and "isn't delegated" in result.message and "not set" in result.found
    assert grade.points == 0


def test_integrating_another_subnet_passes_nothing_but_the_trace_source_says_where(started):
    sandbox, lab, params = started
    from appservice.models import WebApp

    app = WebApp.objects.get(sandbox=sandbox, name=params["appName"])
    vnet = VirtualNetwork.objects.get(sandbox=sandbox, name="contoso-vnet")
    app_services.add_regional_integration(app, vnet, subnet=Subnet.objects.get(vnet=vnet, name="integration-subnet"))
    grade = checks.grade(sandbox, lab, params)
    assert not grade.result("app-integrated").passed
    reach = grade.result("app-reaches-vm")
    assert not reach.passed and "source address is 10.0.2." in reach.message


def test_a_deleted_resource_says_not_done_with_why(started):
    sandbox, lab, params = started
    engine.apply(sandbox, lab.solution, params)
    from appservice.models import WebApp

    app_services.delete_webapp(WebApp.objects.get(sandbox=sandbox, name=params["appName"]))
    grade = checks.grade(sandbox, lab, params)
    assert not grade.result("app-integrated").passed
    assert "doesn't exist" in grade.result("app-integrated").message
    assert not grade.result("app-reaches-vm").passed
