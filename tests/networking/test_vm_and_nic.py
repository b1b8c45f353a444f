"""Virtual machines (networking side) and network interfaces."""

import pytest
from django.urls import reverse

from networking.models import NetworkInterface, NetworkSecurityGroup, Subnet, VirtualMachine
from networking.services import compute as compute_services
from portal.errors import AzureRuleError
from portal.models import ResourceGroup
from tests.helpers import HX

pytestmark = pytest.mark.django_db


def _rg(client):
    return ResourceGroup.objects.select_related("subscription__sandbox").get(subscription__sandbox=client.sandbox)


def _subnet(client, name="vm-subnet", vnet="contoso-vnet"):
    return Subnet.objects.select_related("vnet").get(vnet__sandbox=client.sandbox, vnet__name=vnet, name=name)


def _vm(client, name="web01", **kwargs):
    values = {"location": "eastus", "size": "Standard_B2s", "os_type": "Linux", "subnet": _subnet(client)}
    values.update(kwargs)
    return compute_services.create_vm(_rg(client), name=name, **values)


def _url(resource, page):
    rg = resource.resource_group
    prefix = "vm" if isinstance(resource, VirtualMachine) else "nic"
    return reverse(
        f"networking:{prefix}_{page}",
        kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": resource.name},
    )


def test_a_vm_gets_a_nic_with_the_next_free_ip(alice):
    vm = _vm(alice, public_ip=True)
    nic = vm.nics.get()
    assert nic.private_ip == "10.0.1.5" and nic.public_ip.startswith("20.")
    html = alice.get(_url(vm, "networking")).content.decode()
    assert "10.0.1.5" in html and nic.name in html and "NIC Public IP" in html


def test_a_vm_can_take_a_nic_nsg(alice):
    rg = _rg(alice)
    nsg = NetworkSecurityGroup.objects.create(
        sandbox=alice.sandbox, resource_group=rg, name="web-nsg", location="eastus"
    )
    vm = _vm(alice, nsg=nsg)
    assert vm.nics.get().nsg == nsg
    assert "web-nsg" in alice.get(_url(vm, "networking")).content.decode()


@pytest.mark.parametrize(
    "subnet, vnet, rule",
    [
        ("sqlmi-subnet", "contoso-vnet", "SUBNET-10"),
        ("apps-subnet", "contoso-westus-vnet", "VNET-03"),
        ("GatewaySubnet", "contoso-westus-vnet", "VNET-03"),
    ],
)
def test_it_refuses_subnets_a_vm_cannot_use(alice, subnet, vnet, rule):
    with pytest.raises(AzureRuleError) as exc:
        _vm(alice, subnet=_subnet(alice, subnet, vnet))
    assert rule in exc.value.rule_ids
    assert not VirtualMachine.objects.filter(sandbox=alice.sandbox).exists()


@pytest.mark.parametrize(
    "name, os_type", [("a" * 16, "Windows"), ("-web", "Linux"), ("web.", "Linux"), ("12345", "Linux"), ("wéb", "Linux")]
)
def test_vm_names_naming_23(alice, name, os_type):
    with pytest.raises(AzureRuleError) as exc:
        _vm(alice, name=name, os_type=os_type)
    assert "NAMING-23" in exc.value.rule_ids


def test_the_create_wizard_builds_a_vm(alice):
    rg = _rg(alice)
    url = reverse("networking:vm_create", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name})
    assert "Create a virtual machine" in alice.get(url).content.decode()
    subnet = _subnet(alice)
    data = {
        "subscription": str(rg.subscription.subscription_id),
        "resource_group": rg.name,
        "name": "app01",
        "region": "eastus",
        "image": "Windows",
        "size": "Standard_B2s",
        "vnet": str(subnet.vnet_id),
        "subnet": str(subnet.pk),
        "public_ip": "new",
    }
    assert "Validation passed" in alice.post(url, {**data, "action": "review"}).content.decode()
    assert alice.post(url, {**data, "action": "create", "reviewed": "1"}).status_code == 302
    vm = VirtualMachine.objects.get(sandbox=alice.sandbox, name="app01")
    assert vm.os_type == "Windows" and vm.nics.get().public_ip
    bad = alice.post(
        url, {**data, "name": "app02", "subnet": str(_subnet(alice, "sqlmi-subnet").pk), "action": "review"}
    )
    assert bad.status_code == 422 and "SUBNET-10" in bad.content.decode()


def test_vm_blade_pages_outsider_and_method(alice, bob):
    vm = _vm(alice)
    for page in ("overview", "networking", "activity", "json", "delete"):
        assert alice.get(_url(vm, page)).status_code == 200, page
        assert bob.get(_url(vm, page)).status_code == 404, page
    assert alice.post(_url(vm, "overview")).status_code == 405
    assert "Subscription ID" in alice.get(_url(vm, "overview")).content.decode()


def test_deleting_a_vm_deletes_its_nics(alice):
    vm = _vm(alice)
    nic_pk = vm.nics.get().pk
    response = alice.post(_url(vm, "delete"), **HX)
    assert response.status_code == 200 and "HX-Location" in response
    assert not NetworkInterface.objects.filter(pk=nic_pk).exists()


def test_the_seed_nic_without_a_vm_row_displays(alice):
    nic = NetworkInterface.objects.select_related("resource_group__subscription").get(
        sandbox=alice.sandbox, name="contoso-vm01-nic"
    )
    html = alice.get(_url(nic, "overview")).content.decode()
    assert "10.0.1.4" in html and "contoso-vm01 (virtual machine, not simulated)" in html and "vm-subnet" in html
    assert "ipconfig1" in alice.get(_url(nic, "ipconfigs")).content.decode()
    assert "privateIPAddress" in alice.get(_url(nic, "json")).content.decode()
    response = alice.post(_url(nic, "delete"), **HX)
    assert response.status_code == 422 and "contoso-vm01" in response.content.decode()


def test_nic_pages_outsider_404(alice, bob):
    nic = NetworkInterface.objects.select_related("resource_group__subscription").get(
        sandbox=alice.sandbox, name="contoso-vm01-nic"
    )
    for page in ("overview", "ipconfigs", "activity", "json", "delete"):
        assert bob.get(_url(nic, page)).status_code == 404


def test_vm_pages_query_count_does_not_grow(alice, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    vm = _vm(alice)
    for i in range(2):
        _vm(alice, name=f"grow{i}")
    smalls = {}
    for page in ("overview", "networking"):
        with CaptureQueriesContext(connection) as ctx:
            alice.get(_url(vm, page))
        smalls[page] = len(ctx.captured_queries)
    for i in range(2, 10):
        _vm(alice, name=f"grow{i}")
    for page, small in smalls.items():
        with django_assert_num_queries(small):
            alice.get(_url(vm, page))


@pytest.mark.parametrize(
    "limit, rule",
    [
        ("MAX_PRIVATE_IPS_PER_VNET", "LIMIT-07"),
        ("MAX_PRIVATE_IPS_PER_PEERED_GROUP", "LIMIT-08"),
        ("MAX_NICS_PER_REGION", "LIMIT-13"),
    ],
)
def test_a_new_nic_respects_the_private_ip_and_nic_limits(alice, monkeypatch, limit, rule):
    """LIMIT-07, LIMIT-08, LIMIT-13: with the limit at the seed's one NIC, a
    new NIC in contoso-vnet is refused with the rule, and nothing is written."""
    from networking.models import NetworkInterface, Subnet
    from networking.services import compute
    from portal.errors import AzureRuleError

    monkeypatch.setattr(compute, limit, 1)
    subnet = Subnet.objects.select_related("vnet__sandbox").get(vnet__sandbox=alice.sandbox, name="integration-subnet")
    before = NetworkInterface.objects.count()
    with pytest.raises(AzureRuleError) as exc:
        compute.allocate_ip(subnet)
    assert rule in exc.value.rule_ids
    assert NetworkInterface.objects.count() == before


def test_the_networking_tab_lists_the_regions_vnets_and_the_chosen_ones_subnets(alice):
    rg = _rg(alice)
    url = reverse("networking:vm_create", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name})
    subnet = _subnet(alice)
    base = {"subscription": str(rg.subscription.subscription_id), "resource_group": rg.name, "name": "app01"}
    empty = alice.post(url, {**base, "region": "australiaeast", "action": "stay"}, **HX).content.decode()
    assert '<option value="" disabled>No virtual networks in (Asia Pacific) Australia East</option>' in empty
    page = alice.post(url, {**base, "region": "eastus", "vnet": str(subnet.vnet_id), "action": "stay"}, **HX)
    html = page.content.decode()
    assert f'<option value="{subnet.vnet_id}" selected>contoso-vnet (contoso-rg)</option>' in html
    assert f'<option value="{subnet.pk}">vm-subnet (10.0.1.0/24)</option>' in html
    assert "is delegated to" in html and '<option value="new">(new) app01-ip</option>' in html
