"""NAT gateways and public IP addresses: the services (create, associations,
refusals with the lab's NAT-/PIP- rule IDs), the blades (wizards, Overview,
Outbound IP, Subnets, JSON View, Delete) and bad input that never answers 500."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from networking.models import NatGateway, PublicIPAddress, Subnet
from networking.services import nat as services
from networking.services import vnets
from portal.errors import AzureRuleError
from portal.models import ActivityLogEntry
from tests.helpers import HX, subnet_of, vnet_of
from tests.helpers.nsgs import blade_url, create_url, rg_of

pytestmark = pytest.mark.django_db


def make_pip(client, name="nat-ip", location="eastus", sku="Standard", allocation="Static") -> PublicIPAddress:
    return services.create_public_ip(rg_of(client), services.PublicIpSpec(name, location, sku, allocation))


def make_nat(client, name="contoso-nat", **kwargs) -> NatGateway:
    return services.create_nat_gateway(rg_of(client), services.NatGatewaySpec(name=name, location="eastus", **kwargs))


def refusal(call, *args, **kwargs) -> AzureRuleError:
    with pytest.raises(AzureRuleError) as exc:
        call(*args, **kwargs)
    return exc.value


# --- public IP addresses --------------------------------------------------------------------------


def test_static_addresses_come_from_the_documentation_range_without_collisions_pip_05(alice, bob):
    first, second = make_pip(alice, "ip-1"), make_pip(alice, "ip-2")
    assert (first.ip_address, second.ip_address) == ("198.51.100.1", "198.51.100.2")
    # Another sandbox has its own allotment.
    assert make_pip(bob, "ip-1").ip_address == "198.51.100.1"
    services.delete_public_ip(first)
    assert make_pip(alice, "ip-3").ip_address == "198.51.100.1"


def test_a_full_range_is_refused_pip_05(alice, monkeypatch):
    monkeypatch.setattr(services, "ADDRESS_POOL", services.IPv4Network("198.51.100.0/30"))
    make_pip(alice, "ip-1"), make_pip(alice, "ip-2")
    exc = refusal(make_pip, alice, "ip-3")
    assert "PIP-05" in exc.learn_more and PublicIPAddress.objects.filter(sandbox=alice.sandbox).count() == 2


def test_a_standard_address_must_be_static_pip_02(alice):
    exc = refusal(make_pip, alice, allocation="Dynamic")
    assert "PIP-02" in exc.learn_more and exc.field == "allocation"


def test_a_basic_dynamic_address_has_no_ip_until_it_is_used_pip_02(alice):
    pip = make_pip(alice, sku="Basic", allocation="Dynamic")
    assert pip.ip_address is None and pip.address_label == "-"


def test_the_basic_sku_is_gone_in_the_current_era_pip_01(alice):
    alice.sandbox.era = "current"
    alice.sandbox.save()
    exc = refusal(make_pip, alice, sku="Basic", allocation="Static")
    assert "PIP-01" in exc.learn_more and "30 September 2025" in exc.message


def test_public_ip_names_follow_the_naming_rule_naming_35(alice):
    make_pip(alice, "nat-ip")
    assert "NAMING-35" in refusal(make_pip, alice, "NAT-IP").learn_more
    assert "NAMING-35" in refusal(make_pip, alice, "-bad").learn_more


def test_a_public_ip_a_nat_gateway_uses_cant_be_deleted_pip_04(alice):
    pip = make_pip(alice)
    make_nat(alice, public_ips=(pip,))
    assert "PIP-04" in refusal(services.delete_public_ip, pip).learn_more
    assert PublicIPAddress.objects.filter(pk=pip.pk).exists()


# --- NAT gateways -------------------------------------------------------------------------------------


def test_it_creates_a_nat_gateway_with_a_new_public_ip_and_a_subnet(alice):
    subnet = subnet_of(alice, "contoso-vnet", "vm-subnet")
    nat = make_nat(alice, new_public_ip="nat-ip", subnets=(subnet,), idle_timeout="10")
    pip = PublicIPAddress.objects.get(sandbox=alice.sandbox, name="nat-ip")
    assert pip.nat_gateway == nat and (pip.sku, pip.allocation_method) == ("Standard", "Static")
    assert Subnet.objects.get(pk=subnet.pk).nat_gateway == nat and nat.idle_timeout_minutes == 10
    assert ActivityLogEntry.objects.filter(resource_id=nat.arm_id, operation_name="Create or Update Nat Gateway").exists()


def test_a_subnet_takes_one_nat_gateway_nat_01(alice):
    subnet = subnet_of(alice, "contoso-vnet", "vm-subnet")
    first = make_nat(alice, "first-nat", subnets=(subnet,))
    second = make_nat(alice, "second-nat")
    exc = refusal(services.associate_subnet, second, Subnet.objects.select_related("vnet").get(pk=subnet.pk))
    assert "NAT-01" in exc.learn_more and "first-nat" in exc.message
    assert "NAT-01" in refusal(make_nat, alice, "third-nat", subnets=(Subnet.objects.get(pk=subnet.pk),)).learn_more
    assert Subnet.objects.get(pk=subnet.pk).nat_gateway == first


def test_a_nat_gateways_subnets_are_in_one_virtual_network_nat_02(alice):
    other = vnets.create_vnet(
        rg_of(alice), name="spoke-vnet", location="eastus", address_space=["10.50.0.0/16"], subnets=[("web", "10.50.1.0/24")]
    )
    nat = make_nat(alice, subnets=(subnet_of(alice, "contoso-vnet", "vm-subnet"),))
    exc = refusal(services.associate_subnet, nat, other.subnets.select_related("vnet").get())
    assert "NAT-02" in exc.learn_more and other.subnets.get().nat_gateway_id is None
    both = (subnet_of(alice, "contoso-vnet", "integration-subnet"), other.subnets.get())
    assert "NAT-02" in refusal(make_nat, alice, "two-vnets", subnets=both).learn_more


def test_a_classic_virtual_networks_subnet_is_refused_nat_02(alice):
    classic = Subnet.objects.select_related("vnet").filter(vnet__sandbox=alice.sandbox, vnet__is_classic=True, vnet__location="eastus").exclude(name="GatewaySubnet").first()
    exc = refusal(services.associate_subnet, make_nat(alice), classic)
    assert "NAT-02" in exc.learn_more and "Resource Manager" in exc.message


def test_the_gateway_subnet_is_refused_nat_03(alice):
    gateway_subnet = Subnet.objects.select_related("vnet").get(vnet__sandbox=alice.sandbox, vnet__name="contoso-westus-vnet", name="GatewaySubnet")
    nat = services.create_nat_gateway(rg_of(alice), services.NatGatewaySpec(name="west-nat", location="westus"))
    assert "NAT-03" in refusal(services.associate_subnet, nat, gateway_subnet).learn_more


def test_a_basic_or_foreign_region_public_ip_is_refused_nat_04_nat_05(alice):
    basic = make_pip(alice, "basic-ip", sku="Basic", allocation="Static")
    west = make_pip(alice, "west-ip", location="westus")
    assert "NAT-04" in refusal(make_nat, alice, public_ips=(basic,)).learn_more
    assert "NAT-05" in refusal(make_nat, alice, public_ips=(west,)).learn_more
    nat = make_nat(alice)
    assert "NAT-05" in refusal(services.associate_public_ip, nat, west).learn_more
    assert not NatGateway.objects.filter(name="contoso-nat").exclude(pk=nat.pk).exists()


def test_a_nat_gateway_takes_at_most_16_public_ips_nat_04(alice, monkeypatch):
    monkeypatch.setattr(services, "MAX_NAT_PUBLIC_IPS", 1)
    nat = make_nat(alice, public_ips=(make_pip(alice, "ip-1"),))
    exc = refusal(services.associate_public_ip, nat, make_pip(alice, "ip-2"))
    assert "NAT-04" in exc.learn_more and nat.public_ips.count() == 1


def test_a_public_ip_serves_one_nat_gateway_pip_03(alice):
    pip = make_pip(alice)
    make_nat(alice, "first-nat", public_ips=(pip,))
    second = make_nat(alice, "second-nat")
    exc = refusal(services.associate_public_ip, second, PublicIPAddress.objects.get(pk=pip.pk))
    assert "PIP-03" in exc.learn_more and PublicIPAddress.objects.get(pk=pip.pk).nat_gateway.name == "first-nat"


def test_the_idle_timeout_is_4_to_120_minutes_nat_09(alice):
    for bad in ("3", "121", "ten", ""):
        assert "NAT-09" in refusal(make_nat, alice, idle_timeout=bad).learn_more
    assert not NatGateway.objects.filter(sandbox=alice.sandbox).exists()


def test_a_nat_gateway_in_use_cant_be_deleted_and_its_public_ips_stay_nat_06(alice):
    pip = make_pip(alice)
    subnet = subnet_of(alice, "contoso-vnet", "vm-subnet")
    nat = make_nat(alice, public_ips=(pip,), subnets=(subnet,))
    assert "NAT-06" in refusal(services.delete_nat_gateway, nat).learn_more
    services.dissociate_subnet(nat, Subnet.objects.select_related("vnet").get(pk=subnet.pk))
    services.delete_nat_gateway(nat)
    assert not NatGateway.objects.filter(pk=nat.pk).exists()
    assert PublicIPAddress.objects.get(pk=pip.pk).nat_gateway is None


def test_review_refuses_everything_at_once_without_writing(alice):
    subnet = subnet_of(alice, "contoso-vnet", "vm-subnet")
    make_nat(alice, "taken", subnets=(subnet,))
    spec = services.NatGatewaySpec(name="-bad", location="eastus", idle_timeout="999", subnets=(Subnet.objects.get(pk=subnet.pk),))
    problems = services.check_nat_gateway(alice.sandbox, rg_of(alice), spec)
    assert {p.learn_more.split()[-1] for p in problems} >= {"NAMING-36", "NAT-09", "NAT-01"}


# --- the blades -----------------------------------------------------------------------------------------


def _wizard_form(alice, **extra) -> dict:
    return {
        "subscription": str(rg_of(alice).subscription.subscription_id),
        "resource_group": "contoso-rg",
        "name": "contoso-nat",
        "region": "eastus",
        "zone": "",
        "idle_timeout": "4",
        **extra,
    }


def test_the_wizard_creates_a_nat_gateway_with_a_new_public_ip_and_a_subnet(alice):
    url = create_url(alice, "nat_gateway_create")
    page = alice.get(url).content.decode()
    for label in ("Create network address translation (NAT) gateway", "Outbound IP", "Subnet", "TCP idle timeout (minutes)"):
        assert label in page
    vnet = vnet_of(alice, "contoso-vnet")
    subnet = subnet_of(alice, "contoso-vnet", "vm-subnet")
    named = alice.post(url, _wizard_form(alice, action="new_pip", new_public_ip_name="nat-ip", current_tab="outboundip"), **HX)
    assert 'id="new-public-ip"' in named.content.decode() and not PublicIPAddress.objects.filter(sandbox=alice.sandbox).exists()
    form = _wizard_form(alice, new_public_ip="nat-ip", vnet=str(vnet.pk), subnets=[str(subnet.pk)])
    review = alice.post(url, {**form, "action": "review"}, **HX).content.decode()
    assert 'data-validation="passed"' in review and "(new) nat-ip" in review
    assert not NatGateway.objects.filter(sandbox=alice.sandbox).exists()
    response = alice.post(url, {**form, "action": "create"}, **HX)
    nat = NatGateway.objects.get(sandbox=alice.sandbox, name="contoso-nat")
    assert response.status_code == 200 and json.loads(response["HX-Location"])["path"] == blade_url(nat, "nat_gateway_overview")
    assert Subnet.objects.get(pk=subnet.pk).nat_gateway == nat and nat.public_ips.get().name == "nat-ip"


def test_the_wizard_shows_refusals_on_their_tabs(alice):
    url = create_url(alice, "nat_gateway_create")
    subnet = subnet_of(alice, "contoso-vnet", "vm-subnet")
    make_nat(alice, "other-nat", subnets=(subnet,))
    form = _wizard_form(alice, idle_timeout="200", vnet=str(subnet.vnet_id), subnets=[str(subnet.pk)])
    response = alice.post(url, {**form, "action": "review"}, **HX)
    html = response.content.decode()
    assert response.status_code == 422 and 'data-validation="failed"' in html
    assert "NAT-09" in html and "NAT-01" in html and 'data-tab="subnet"' in html


@pytest.mark.parametrize(
    "bad",
    [
        {"public_ips": ["x"]},
        {"public_ips": ["99999999"]},
        {"subnets": ["1; drop"]},
        {"vnet": "nope"},
        {"idle_timeout": "4" * 20},
        {"zone": "9"},
        {"region": "mars"},
        {"new_public_ip": "bad name!"},
    ],
)
def test_bad_wizard_input_never_answers_500(alice, bad):
    response = alice.post(create_url(alice, "nat_gateway_create"), {**_wizard_form(alice), **bad, "action": "create"}, **HX)
    assert response.status_code == 422 and not NatGateway.objects.filter(sandbox=alice.sandbox).exists()


def test_the_public_ip_wizard_offers_the_eras_skus_pip_01(alice):
    url = create_url(alice, "public_ip_create")
    assert 'id="sku-basic"' in alice.get(url).content.decode()
    form = {"subscription": str(rg_of(alice).subscription.subscription_id), "resource_group": "contoso-rg", "name": "web-ip", "region": "eastus", "sku": "Standard", "allocation": "Static"}
    response = alice.post(url, {**form, "action": "create"})
    pip = PublicIPAddress.objects.get(sandbox=alice.sandbox, name="web-ip")
    assert response.status_code == 302 and pip.ip_address == "198.51.100.1"
    alice.sandbox.era = "current"
    alice.sandbox.save()
    assert 'id="sku-basic"' not in alice.get(url).content.decode()
    refused = alice.post(url, {**form, "name": "old-ip", "sku": "Basic", "action": "review"}, **HX)
    assert refused.status_code == 422 and "PIP-01" in refused.content.decode()


def test_the_overview_shows_the_outbound_ips_and_subnets(alice):
    pip = make_pip(alice)
    nat = make_nat(alice, public_ips=(pip,), subnets=(subnet_of(alice, "contoso-vnet", "vm-subnet"),))
    html = alice.get(blade_url(nat, "nat_gateway_overview")).content.decode()
    assert "198.51.100.1" in html and 'data-subnet="contoso-vnet/vm-subnet"' in html and 'id="json-view-link"' in html
    for label in ("Overview", "Outbound IP", "Subnets", "Properties", "Export template"):
        assert label in html
    fragment = alice.get(blade_url(nat, "nat_gateway_overview"), **HX)
    assert "<html" not in fragment.content.decode() and 'id="essentials"' in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]
    pip_html = alice.get(blade_url(pip, "public_ip_overview")).content.decode()
    assert "198.51.100.1" in pip_html and "contoso-nat" in pip_html


def test_the_json_view_has_azures_property_names(alice):
    pip = make_pip(alice)
    nat = make_nat(alice, public_ips=(pip,), subnets=(subnet_of(alice, "contoso-vnet", "vm-subnet"),))
    html = alice.get(blade_url(nat, "nat_gateway_json")).content.decode()
    assert "idleTimeoutInMinutes" in html and "publicIpAddresses" in html and pip.arm_id in html
    assert "publicIPAllocationMethod" in alice.get(blade_url(pip, "public_ip_json")).content.decode()


def test_the_subnets_page_associates_and_disassociates(alice):
    nat = make_nat(alice)
    subnet = subnet_of(alice, "contoso-vnet", "vm-subnet")
    url = blade_url(nat, "nat_gateway_associate")
    assert "Associate subnet" in alice.get(url, {"vnet": subnet.vnet_id}, **HX).content.decode()
    response = alice.post(url, {"vnet": subnet.vnet_id, "subnet": subnet.pk}, **HX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#nat-subnet-grid"
    assert Subnet.objects.get(pk=subnet.pk).nat_gateway == nat
    refused = alice.post(url, {"vnet": subnet.vnet_id, "subnet": subnet.pk}, **HX)
    assert refused.status_code == 422 and "NAT-01" in refused.content.decode()
    alice.post(blade_url(nat, "nat_gateway_dissociate", subnet_id=subnet.pk), **HX)
    assert Subnet.objects.get(pk=subnet.pk).nat_gateway is None


def test_the_outbound_ip_page_adds_and_removes_an_address(alice):
    nat = make_nat(alice)
    pip = make_pip(alice)
    response = alice.post(blade_url(nat, "nat_gateway_add_public_ip"), {"public_ip": pip.pk}, **HX)
    assert response.status_code == 200 and PublicIPAddress.objects.get(pk=pip.pk).nat_gateway == nat
    assert "198.51.100.1" in alice.get(blade_url(nat, "nat_gateway_outbound_ip")).content.decode()
    alice.post(blade_url(nat, "nat_gateway_remove_public_ip", pip_id=pip.pk), **HX)
    assert PublicIPAddress.objects.get(pk=pip.pk).nat_gateway is None


@pytest.mark.parametrize("data", [{}, {"vnet": "x"}, {"vnet": "99999999"}, {"vnet": "1", "subnet": "abc"}])
def test_bad_pane_input_is_a_field_error_not_a_500(alice, data):
    nat = make_nat(alice)
    assert alice.post(blade_url(nat, "nat_gateway_associate"), data, **HX).status_code == 422
    assert alice.post(blade_url(nat, "nat_gateway_add_public_ip"), {"public_ip": data.get("vnet", "")}, **HX).status_code == 422


def test_delete_is_refused_while_subnets_use_it_nat_06(alice):
    nat = make_nat(alice, subnets=(subnet_of(alice, "contoso-vnet", "vm-subnet"),))
    response = alice.post(blade_url(nat, "nat_gateway_delete"), **HX)
    assert response.status_code == 422 and "NAT-06" in response.content.decode()
    pip = make_pip(alice, "spare-ip")
    deleted = alice.post(blade_url(pip, "public_ip_delete"), **HX)
    assert "HX-Location" in deleted and not PublicIPAddress.objects.filter(pk=pip.pk).exists()


PAGES = ["nat_gateway_overview", "nat_gateway_activity", "nat_gateway_json", "nat_gateway_outbound_ip", "nat_gateway_subnets", "nat_gateway_associate", "nat_gateway_add_public_ip", "nat_gateway_delete"]


@pytest.mark.parametrize("page", PAGES)
def test_an_outsider_gets_404(alice, bob, page):
    nat = make_nat(alice)
    assert bob.get(blade_url(nat, page)).status_code == 404
    assert alice.get(blade_url(nat, page)).status_code == 200


@pytest.mark.parametrize("page", ["public_ip_overview", "public_ip_activity", "public_ip_json", "public_ip_delete"])
def test_an_outsider_gets_404_for_a_public_ip(alice, bob, page):
    pip = make_pip(alice)
    assert bob.get(blade_url(pip, page)).status_code == 404
    assert alice.get(blade_url(pip, page)).status_code == 200


@pytest.mark.parametrize("page", ["nat_gateway_overview", "nat_gateway_json", "nat_gateway_outbound_ip", "nat_gateway_subnets"])
def test_read_only_pages_refuse_post_405(alice, page):
    assert alice.post(blade_url(make_nat(alice), page)).status_code == 405


def test_the_wizards_are_404_in_another_sandboxs_group(alice, bob):
    rg = rg_of(alice)
    url = reverse("networking:nat_gateway_create", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name})
    assert bob.get(url).status_code == 404 and alice.get(url).status_code == 200


def test_review_and_create_writes_nothing(alice):
    url = create_url(alice, "nat_gateway_create")
    subnet = subnet_of(alice, "contoso-vnet", "vm-subnet")
    form = _wizard_form(alice, new_public_ip="nat-ip", vnet=str(subnet.vnet_id), subnets=[str(subnet.pk)], action="review")
    with CaptureQueriesContext(connection) as queries:
        assert 'data-validation="passed"' in alice.post(url, form, **HX).content.decode()
    verbs = ("INSERT", "UPDATE", "DELETE", "SAVEPOINT")
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].split()[0].upper() in verbs and "django_session" not in q["sql"]]
    assert writes == []


def test_the_overview_costs_the_same_queries_with_more_subnets_and_addresses(alice):
    nat = make_nat(alice, public_ips=(make_pip(alice, "ip-1"),), subnets=(subnet_of(alice, "contoso-vnet", "vm-subnet"),))
    url = blade_url(nat, "nat_gateway_overview")
    alice.get(url)
    with CaptureQueriesContext(connection) as small:
        alice.get(url)
    services.associate_public_ip(nat, make_pip(alice, "ip-2"))
    services.associate_subnet(nat, Subnet.objects.select_related("vnet").get(vnet__sandbox=alice.sandbox, vnet__name="contoso-vnet", name="integration-subnet"))
    alice.get(url)
    with CaptureQueriesContext(connection) as large:
        alice.get(url)
    assert len(large) == len(small)


def test_the_frame_lists_both_types_from_the_registry_alone(alice):
    market = alice.get(reverse("create_resource") + "?category=networking").content.decode()
    assert 'data-product="nat-gateway"' in market and create_url(alice, "nat_gateway_create") in market
    assert 'data-product="public-ip-address"' in market and create_url(alice, "public_ip_create") in market
    nat = make_nat(alice, public_ips=(make_pip(alice),))
    listed = alice.get(reverse("all_resources")).content.decode()
    assert blade_url(nat, "nat_gateway_overview") in listed and "NAT gateway" in listed
    assert "Public IP address" in listed and "nat-ip" in listed


@pytest.mark.parametrize("bad", [{"sku": "Premium"}, {"allocation": "Sometimes"}, {"sku": "Standard", "allocation": "Dynamic"}, {"name": "x" * 300}, {"region": "mars"}])
def test_bad_public_ip_wizard_input_is_a_field_error_not_a_500(alice, bad):
    form = {"subscription": str(rg_of(alice).subscription.subscription_id), "resource_group": "contoso-rg", "name": "web-ip", "region": "eastus", "sku": "Standard", "allocation": "Static"}
    response = alice.post(create_url(alice, "public_ip_create"), {**form, **bad, "action": "create"}, **HX)
    assert response.status_code == 422 and not PublicIPAddress.objects.filter(sandbox=alice.sandbox).exists()
