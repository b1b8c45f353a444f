"""The five writes a class makes (issue #12, "Fast for a class";
tests/bench/class_bench.py), each posted as the learner's form posts it:
their queries stay bounded. The push each write sends after commit is
counted too (its callbacks run). `python -m tests.bench.writes_bench`
measures the same writes' queries and CPU time."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appservice.models import AppSetting, VnetIntegration
from networking.models import NetworkSecurityGroup, SecurityRule, Subnet
from tests.helpers import HX, app_of, app_url, subnet_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner(carol, settings):
    """A learner with the demo seed's network, as in a class; restarts that
    don't end during the test, so no request finishes one on the side."""
    settings.VNETLAB_RESTART_SECONDS = 600
    return carol


def _post(client, url: str, data: dict, capture) -> list[str]:
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        response = client.post(url, data, **HX)
    assert response.status_code == 200, response.content[:500]
    return [q["sql"] for q in queries.captured_queries]


def _assert_at_most(queries: list[str], bound: int, what: str) -> None:
    listing = "\n".join(f"{i}. {sql[:160]}" for i, sql in enumerate(queries, 1))
    assert len(queries) <= bound, f"{what}: {len(queries)} queries, at most {bound} expected\n{listing}"


def _vnet_kwargs(subnet: Subnet) -> dict:
    rg = subnet.vnet.resource_group
    return {
        "subscription_id": rg.subscription.subscription_id,
        "rg": rg.name,
        "provider": "Microsoft.Network",
        "name": subnet.vnet.name,
    }


def test_adding_a_subnet_takes_a_bounded_number_of_queries(learner, django_capture_on_commit_callbacks):
    vnet_kwargs = _vnet_kwargs(subnet_of(learner, "contoso-vnet", "integration-subnet"))
    form = {"subnet_name": "class-1", "subnet_prefix": "10.0.200.0/27", "private_endpoint_network_policies": "Disabled"}
    url = reverse("networking:vnet_add_subnet", kwargs=vnet_kwargs)
    queries = _post(learner, url, form, django_capture_on_commit_callbacks)
    assert Subnet.objects.filter(vnet__sandbox=learner.sandbox, name="class-1").exists()
    _assert_at_most(queries, 18, "Add subnet (the VNet locked, the lock check, the insert, log, bell, push and grid)")


def test_adding_an_nsg_rule_takes_a_bounded_number_of_queries(learner, django_capture_on_commit_callbacks):
    nsg = NetworkSecurityGroup.objects.select_related("resource_group__subscription").filter(sandbox=learner.sandbox)[0]
    rg = nsg.resource_group
    kwargs = {
        "subscription_id": rg.subscription.subscription_id,
        "rg": rg.name,
        "name": nsg.name,
        "direction": "inbound",
    }
    form = {
        "source": "Any", "source_ports": "*", "destination": "Any", "service": "Custom",
        "destination_ports": "8080", "protocol": "Tcp", "access": "Allow",
        "priority": "1000", "name": "class-rule", "description": "",
    }  # fmt: skip
    queries = _post(
        learner, reverse("networking:nsg_rule_add", kwargs=kwargs), form, django_capture_on_commit_callbacks
    )
    assert SecurityRule.objects.filter(nsg=nsg, name="class-rule", priority=1000).exists()
    _assert_at_most(
        queries, 19, "Add NSG rule (the NSG locked, its rules read once, the insert, log, bell, push and grid)"
    )


def test_saving_an_app_setting_takes_a_bounded_number_of_queries(learner, django_capture_on_commit_callbacks):
    app = app_of(learner, "contoso-web")
    saved = list(app.settings.order_by("name").values_list("name", "value", "slot_setting"))
    form = {
        "setting_name": [n for n, _, _ in saved] + ["CLASS_RUN"],
        "setting_value": [v for _, v, _ in saved] + ["1"],
        "setting_slot": ["1" if s else "0" for _, _, s in saved] + ["0"],
        "base_version": str(app.settings_version),
        "show_values": "0",
        "confirmed": "1",
    }
    queries = _post(learner, app_url(app, "save_settings"), form, django_capture_on_commit_callbacks)
    assert AppSetting.objects.filter(app=app, name="CLASS_RUN", value="1").exists()
    _assert_at_most(
        queries, 30, "Save app settings (the saved rows read once before and once after, the restart, two pushes)"
    )


def test_integrating_and_disconnecting_take_a_bounded_number_of_queries(learner, django_capture_on_commit_callbacks):
    app = app_of(learner, "contoso-web")
    subnet = subnet_of(learner, "contoso-vnet", "integration-subnet")
    form = {"vnet": subnet.vnet_id, "subnet_mode": "existing", "subnet": subnet.pk}
    queries = _post(learner, app_url(app, "add_vnet"), form, django_capture_on_commit_callbacks)
    assert VnetIntegration.objects.filter(app=app, subnet=subnet).exists()
    _assert_at_most(
        queries,
        32,
        "Integrate (the posted network and its subnets read once, the subnet checked in the transaction, "
        "the restart, the push, the panel from one read of the app)",
    )
    queries = _post(learner, app_url(app, "disconnect"), {}, django_capture_on_commit_callbacks)
    assert not VnetIntegration.objects.filter(app=app).exists()
    _assert_at_most(
        queries, 22, "Disconnect (the locks of the app and subnet in one read, the restart, the push, the panel)"
    )
