"""A subnet's private subnet setting, ARM's defaultOutboundAccess (lab-defined
DOA-03): the Current era's "Enable private subnet (no default outbound
access)" checkbox on the subnet pane (portal-ui §3.3), on for a new subnet
(new VNets have private subnets since 31 March 2026, DOA-02); Classic has no
checkbox and its API versions ignore the property. The services, the pane,
JSON View, Export template and deployments write and show the same value,
and the trace follows it."""

import copy
import json

import pytest

from networking import snapshot
from networking.engine.trace import BLOCKED, DEFAULT_OUTBOUND_IP, REACHABLE, trace_nic
from networking.models import NetworkInterface, Subnet
from networking.services import vnets as services
from portal import services as portal_services
from portal.arm.deploy import deploy
from portal.arm.export import export_group
from tests.helpers import HX, subnet_of, vnet_of
from tests.helpers.vnets import post_add_subnet as _add
from tests.helpers.vnets import post_edit_subnet as _edit
from tests.helpers.vnets import subnet_url, vnet_url

pytestmark = pytest.mark.django_db

LABEL = "Enable private subnet (no default outbound access)"
CHECKED = 'id="subnet-private" value="on" checked'


def _current(client) -> None:
    client.post("/sandbox/era/", {"era": "current"})


# --- the pane -----------------------------------------------------------------------------


def test_current_pane_shows_the_checkbox_on_for_a_new_subnet_doa_03(alice):
    _current(alice)
    pane = alice.get(vnet_url(alice, "vnet_add_subnet"), **HX).content.decode()
    assert LABEL in pane and CHECKED in pane and 'name="private_subnet_box" value="1"' in pane
    assert "DOA-02, DOA-03" in pane


@pytest.mark.parametrize(("checked", "stored"), [(True, False), (False, True)])
def test_current_pane_saves_the_checkbox_as_default_outbound_access_doa_03(alice, checked, stored):
    _current(alice)
    box = {"private_subnet": "on"} if checked else {}
    assert _add(alice, private_subnet_box="1", **box).status_code == 200
    assert subnet_of(alice, "contoso-vnet", "app-subnet").default_outbound_access is stored
    pane = alice.get(subnet_url(alice, "app-subnet"), **HX).content.decode()
    assert (CHECKED in pane) is checked


def test_current_edit_pane_turns_private_subnet_off_and_on_doa_03(alice):
    _current(alice)
    pane = alice.get(subnet_url(alice, "vm-subnet"), **HX).content.decode()
    assert CHECKED in pane  # unset: Current's default is a private subnet
    assert _edit(alice, "vm-subnet", private_subnet_box="1").status_code == 200
    assert subnet_of(alice, "contoso-vnet", "vm-subnet").default_outbound_access is True
    assert _edit(alice, "vm-subnet", private_subnet_box="1", private_subnet="on").status_code == 200
    assert subnet_of(alice, "contoso-vnet", "vm-subnet").default_outbound_access is False


def test_classic_pane_has_no_checkbox_and_ignores_a_posted_one_doa_03(alice):
    pane = alice.get(vnet_url(alice, "vnet_add_subnet"), **HX).content.decode()
    assert LABEL not in pane and 'id="subnet-private"' not in pane
    assert _add(alice, private_subnet_box="1", private_subnet="on").status_code == 200
    assert subnet_of(alice, "contoso-vnet", "app-subnet").default_outbound_access is None


def test_a_pane_without_the_checkbox_keeps_the_subnets_setting(alice):
    _current(alice)
    _edit(alice, "vm-subnet", private_subnet_box="1")
    alice.post("/sandbox/era/", {"era": "classic"})
    assert _edit(alice, "vm-subnet").status_code == 200
    assert subnet_of(alice, "contoso-vnet", "vm-subnet").default_outbound_access is True


# --- the services -------------------------------------------------------------------------


def test_classic_services_ignore_the_property_as_its_api_versions_did_doa_03(alice):
    vnet = vnet_of(alice, "contoso-vnet")
    subnet = services.create_subnet(vnet, name="app-subnet", prefix="10.0.5.0/24", default_outbound_access=False)
    assert subnet.default_outbound_access is None
    services.update_subnet(subnet, prefix="10.0.5.0/24", default_outbound_access=True)
    subnet.refresh_from_db()
    assert subnet.default_outbound_access is None


def test_current_services_write_it_and_none_keeps_it_doa_03(alice):
    _current(alice)
    vnet = vnet_of(alice, "contoso-vnet")
    subnet = services.create_subnet(vnet, name="app-subnet", prefix="10.0.5.0/24", default_outbound_access=True)
    assert subnet.default_outbound_access is True
    services.update_subnet(subnet, prefix="10.0.5.0/24")
    subnet.refresh_from_db()
    assert subnet.default_outbound_access is True


# --- JSON View, export and deployments -------------------------------------------------------


def test_json_shows_default_outbound_access_in_current_only_doa_03(alice):
    subnet = subnet_of(alice, "contoso-vnet", "vm-subnet")
    assert "defaultOutboundAccess" not in subnet.arm_json()["properties"]
    _current(alice)
    subnet = subnet_of(alice, "contoso-vnet", "vm-subnet")
    assert subnet.arm_json()["properties"]["defaultOutboundAccess"] is False  # unset: the era's default
    _edit(alice, "vm-subnet", private_subnet_box="1")
    vnet = vnet_of(alice, "contoso-vnet")
    shown = {s["name"]: s["properties"].get("defaultOutboundAccess") for s in vnet.arm_json()["properties"]["subnets"]}
    assert shown["vm-subnet"] is True


def _template(outbound: dict) -> dict:
    """A VNet whose subnets set defaultOutboundAccess as ``outbound`` says (absent: unset)."""
    subnets = []
    for i, (name, value) in enumerate(outbound.items()):
        properties = {"addressPrefix": f"10.70.{i}.0/24"}
        if value is not None:
            properties["defaultOutboundAccess"] = value
        subnets.append({"name": name, "properties": properties})
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {
                "type": "Microsoft.Network/virtualNetworks",
                "apiVersion": "2025-07-01",
                "name": "private-vnet",
                "location": "eastus",
                "properties": {"addressSpace": {"addressPrefixes": ["10.70.0.0/16"]}, "subnets": subnets},
            }
        ],
    }


def _stored(sandbox) -> dict:
    return dict(Subnet.objects.filter(vnet__sandbox=sandbox).values_list("name", "default_outbound_access"))


def _exported(group) -> dict:
    vnet = next(r for r in export_group(group)["resources"] if r["type"] == "Microsoft.Network/virtualNetworks")
    return {s["name"]: s["properties"].get("defaultOutboundAccess") for s in vnet["properties"]["subnets"]}


def test_current_deploys_and_exports_default_outbound_access_round_trip_doa_03(alice, bob):
    for client in (alice, bob):
        _current(client)
        portal_services.create_resource_group(client.sandbox, name="private-rg", location="eastus")
    deploy(alice.sandbox, _template({"open": True, "private": False, "unset": None}), resource_group="private-rg")
    assert {k: v for k, v in _stored(alice.sandbox).items() if k in {"open", "private", "unset"}} == {
        "open": True,
        "private": False,
        "unset": None,
    }
    rg = alice.sandbox.subscriptions.get().resource_groups.get(name="private-rg")
    assert _exported(rg) == {"open": True, "private": False, "unset": False}
    template = export_group(rg)
    deploy(bob.sandbox, copy.deepcopy(template), resource_group="private-rg")
    copy_rg = bob.sandbox.subscriptions.get().resource_groups.get(name="private-rg")
    assert json.dumps(export_group(copy_rg), sort_keys=True) == json.dumps(template, sort_keys=True)


def test_classic_accepts_the_property_and_ignores_it_doa_03(alice):
    portal_services.create_resource_group(alice.sandbox, name="private-rg", location="eastus")
    deploy(alice.sandbox, _template({"open": True, "private": False}), resource_group="private-rg")
    assert {k: v for k, v in _stored(alice.sandbox).items() if k in {"open", "private"}} == {
        "open": None,
        "private": None,
    }
    rg = alice.sandbox.subscriptions.get().resource_groups.get(name="private-rg")
    assert _exported(rg) == {"open": None, "private": None}


# --- the trace follows the setting -----------------------------------------------------------


def _vm_trace(client):
    subnet = subnet_of(client, "contoso-vnet", "vm-subnet")
    nic = NetworkInterface.objects.filter(subnet=subnet, public_ip__isnull=True).first()
    client.sandbox.refresh_from_db()  # the era changed through the page
    topology = snapshot.build(client.sandbox)
    source = next(n for n in topology.nics if n.name == nic.name)
    return trace_nic(topology, source, "www.contoso.com", 443, "Tcp")


def test_the_trace_follows_the_panes_checkbox_doa_02_doa_03(alice):
    _current(alice)
    blocked = _vm_trace(alice)
    assert blocked.verdict == BLOCKED and "DOA-02" in blocked.rule_ids and "DOA-03" not in blocked.rule_ids
    _edit(alice, "vm-subnet", private_subnet_box="1")
    opened = _vm_trace(alice)
    assert (opened.verdict, opened.source_ip) == (REACHABLE, DEFAULT_OUTBOUND_IP) and "DOA-03" in opened.rule_ids
    _edit(alice, "vm-subnet", private_subnet_box="1", private_subnet="on")
    private = _vm_trace(alice)
    # Ticked again it is Current's default: the trace says so as the era
    # would, without DOA-03 (the setting doesn't go against the default).
    assert private.verdict == BLOCKED and "DOA-02" in private.rule_ids and "DOA-03" not in private.rule_ids
    assert "new virtual networks have private subnets" in private.steps[-1].detail
