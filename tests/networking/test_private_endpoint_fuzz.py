"""Fuzz the "Create a private endpoint" and "Create a virtual machine"
wizards: never a 500, nothing written unless it was created."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from networking.models import NetworkInterface, PrivateDnsZone, PrivateEndpoint, SqlServer, Subnet, VirtualMachine
from networking.services import paas as paas_services
from portal.models import ResourceGroup

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ids = st.one_of(st.text(max_size=10), st.integers(-5, 10**9).map(str), st.just("own"))
names = st.one_of(st.text(max_size=90), st.sampled_from(["pe", "a", "pe.", "p" * 81, "ünï"]))


def _counts(client):
    return (
        PrivateEndpoint.objects.filter(sandbox=client.sandbox).count(),
        NetworkInterface.objects.filter(sandbox=client.sandbox).count(),
        PrivateDnsZone.objects.filter(sandbox=client.sandbox).count(),
        VirtualMachine.objects.filter(sandbox=client.sandbox).count(),
    )


@FUZZ
@given(name=names, target=ids, subnet=ids, vnet=ids, method=st.sampled_from(["directory", "resourceid", "x"]),
       resource_id=st.text(max_size=40), group=st.sampled_from(["sqlServer", "blob", "", "x"]),
       dns=st.sampled_from(["yes", "no", "x"]), action=st.sampled_from(["review", "create", "stay", "next"]))
def test_private_endpoint_wizard_never_errors(alice, name, target, subnet, vnet, method, resource_id, group, dns, action):
    rg = ResourceGroup.objects.select_related("subscription__sandbox").get(subscription__sandbox=alice.sandbox)
    sql = SqlServer.objects.filter(sandbox=alice.sandbox).first() or paas_services.create_target(SqlServer, rg, name="contoso-sql", location="eastus")
    own = Subnet.objects.get(vnet__sandbox=alice.sandbox, vnet__name="contoso-vnet", name="vm-subnet")
    url = reverse("networking:private_endpoint_create", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name})
    before = _counts(alice)
    response = alice.post(url, {
        "subscription": str(rg.subscription.subscription_id), "resource_group": rg.name, "name": name, "region": "eastus",
        "connection_method": method, "resource_type": "Microsoft.Sql/servers", "resource_id": resource_id,
        "target": str(sql.pk) if target == "own" else target, "group_id": group,
        "vnet": str(own.vnet_id) if vnet == "own" else vnet, "subnet": str(own.pk) if subnet == "own" else subnet,
        "integrate_dns": dns, "action": action, "reviewed": "1",
    })
    assert response.status_code in (200, 302, 422)
    if response.status_code != 302:
        assert _counts(alice) == before


@FUZZ
@given(name=names, subnet=ids, vnet=ids, image=st.sampled_from(["Linux", "Windows", "Mac"]), size=st.sampled_from(["Standard_B2s", "huge"]),
       nsg=ids, public_ip=st.sampled_from(["none", "new", "x"]), region=st.sampled_from(["eastus", "westus", "mars"]))
def test_vm_wizard_never_errors(alice, name, subnet, vnet, image, size, nsg, public_ip, region):
    rg = ResourceGroup.objects.select_related("subscription").get(subscription__sandbox=alice.sandbox)
    own = Subnet.objects.get(vnet__sandbox=alice.sandbox, vnet__name="contoso-vnet", name="vm-subnet")
    url = reverse("networking:vm_create", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name})
    before = _counts(alice)
    response = alice.post(url, {
        "subscription": str(rg.subscription.subscription_id), "resource_group": rg.name, "name": name, "region": region,
        "image": image, "size": size, "vnet": str(own.vnet_id) if vnet == "own" else vnet,
        "subnet": str(own.pk) if subnet == "own" else subnet, "nsg": nsg, "public_ip": public_ip, "action": "create", "reviewed": "1",
    })
    assert response.status_code in (302, 422)
    if response.status_code == 422:
        assert _counts(alice) == before
