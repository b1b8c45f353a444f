"""The "Associate subnet" pane a NAT gateway, a route table and an NSG share
(networking/forms/associate.py): the sandbox's virtual networks, the chosen
one's subnets with what each is already associated with, and bad input as
a field error under the field it concerns."""

import pytest

from networking.models import Subnet
from networking.services import nat as nat_services
from networking.services import nsgs, routes
from tests.helpers import HX, subnet_of
from tests.helpers.nsgs import blade_url, make_nsg, make_table, rg_of

pytestmark = pytest.mark.django_db


def _nat(client):
    return nat_services.create_nat_gateway(
        rg_of(client), nat_services.NatGatewaySpec(name="contoso-nat", location="eastus")
    )


OWNERS = {
    "nat_gateway_associate": (_nat, "NAT gateway"),
    "route_table_associate": (make_table, "route table"),
    "nsg_subnet_associate": (make_nsg, "NSG"),
}


@pytest.mark.parametrize("page", OWNERS)
def test_the_pane_lists_the_subnets_of_the_chosen_vnet_with_their_holder(alice, page):
    make, short = OWNERS[page]
    owner = make(alice)
    subnet = subnet_of(alice, "contoso-vnet", "vm-subnet")
    url = blade_url(owner, page)
    empty = alice.get(url, **HX).content.decode()
    assert '<select name="subnet" disabled id="subnet-select">' in empty and "vm-subnet" not in empty
    assert alice.post(url, {"vnet": subnet.vnet_id, "subnet": subnet.pk}, **HX).status_code == 200
    pane = alice.get(url, {"vnet": f" {subnet.vnet_id} "}, **HX).content.decode()
    assert f'<option value="{subnet.vnet_id}" selected>contoso-vnet (contoso-rg)</option>' in pane
    assert f"vm-subnet (10.0.1.0/24) - {short}: {owner.name}" in pane


@pytest.mark.parametrize("page", OWNERS)
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select a virtual network."),
        ({"vnet": "x\x00"}, "Select a virtual network."),
        ({"vnet": "9" * 30}, "Select a virtual network."),
        ({"vnet": "VNET", "subnet": "abc"}, "Select a subnet."),
        ({"vnet": "VNET", "subnet": "99999999"}, "Select a subnet."),
    ],
)
def test_bad_input_is_a_field_error_not_a_500(alice, page, data, message):
    owner = OWNERS[page][0](alice)
    vnet = subnet_of(alice, "contoso-vnet", "vm-subnet").vnet_id
    data = {k: str(vnet) if v == "VNET" else v for k, v in data.items()}
    response = alice.post(blade_url(owner, page), data, **HX)
    html = response.content.decode()
    assert response.status_code == 422 and html.count('class="az-field-error"') == 1 and message in html


@pytest.mark.parametrize("page", OWNERS)
def test_another_sandboxs_vnet_and_subnet_are_not_offered_nor_taken(alice, bob, page):
    owner = OWNERS[page][0](alice)
    bobs = subnet_of(bob, "contoso-vnet", "vm-subnet")
    assert f'value="{bobs.vnet_id}"' not in alice.get(blade_url(owner, page), **HX).content.decode()
    response = alice.post(blade_url(owner, page), {"vnet": bobs.vnet_id, "subnet": bobs.pk}, **HX)
    assert response.status_code == 422 and "Select a virtual network." in response.content.decode()
    theirs = Subnet.objects.get(pk=bobs.pk)
    assert theirs.nat_gateway is None and theirs.route_table is None and theirs.nsg is None


def test_a_subnet_of_another_vnet_is_not_taken(alice):
    table = make_table(alice)
    subnet = subnet_of(alice, "contoso-vnet", "vm-subnet")
    other = Subnet.objects.filter(vnet__sandbox=alice.sandbox).exclude(vnet=subnet.vnet).first()
    response = alice.post(blade_url(table, "route_table_associate"), {"vnet": subnet.vnet_id, "subnet": other.pk}, **HX)
    assert response.status_code == 422 and "Select a subnet." in response.content.decode()
    assert routes.associate_subnet and Subnet.objects.get(pk=other.pk).route_table is None


def test_the_nsg_nic_pane_refuses_a_mangled_choice(alice):
    nsg = make_nsg(alice)
    response = alice.post(blade_url(nsg, "nsg_nic_associate"), {"nic": "1; drop"}, **HX)
    assert response.status_code == 422 and "Select a network interface." in response.content.decode()
    assert nsgs.associate_nic
