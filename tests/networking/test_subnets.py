"""The Subnets page and the "Add subnet" pane: what Azure lets a learner
add, change and delete, and what it refuses (SUBNET, ASVI, SE, LIMIT)."""

import pytest
from django.contrib.contenttypes.models import ContentType

from appservice import services as app_services
from appservice.models import ServiceAssociationLink
from networking.models import (
    APP_SERVICE_DELEGATION,
    NetworkInterface,
    NetworkSecurityGroup,
    PrivateEndpoint,
    RouteTable,
    SqlServer,
    Subnet,
    VirtualNetworkGateway,
)
from networking.services import vnets as services
from portal.errors import AzureRuleError
from portal.models import ActivityLogEntry, Notification
from tests.helpers import HX, app_of, subnet_of, vnet_of
from tests.helpers.vnets import count_queries, grow, grow_contoso, snapshot, subnet_url, vnet_url
from tests.helpers.vnets import post_add_subnet as _add
from tests.helpers.vnets import post_edit_subnet as _edit

pytestmark = pytest.mark.django_db


def _private_endpoint(client, subnet_name: str) -> PrivateEndpoint:
    subnet = subnet_of(client, "contoso-vnet", subnet_name)
    rg = subnet.vnet.resource_group
    sql = SqlServer.objects.create(
        sandbox=client.sandbox, resource_group=rg, name="contoso-sql", location="eastus", public_ip="20.1.2.3"
    )
    nic = NetworkInterface.objects.create(
        sandbox=client.sandbox,
        resource_group=rg,
        name="sql-pe-nic",
        location="eastus",
        subnet=subnet,
        private_ip="10.0.2.68",
    )
    return PrivateEndpoint.objects.create(
        sandbox=client.sandbox,
        resource_group=rg,
        name="sql-pe",
        location="eastus",
        subnet=subnet,
        nic=nic,
        target_type=ContentType.objects.get_for_model(SqlServer),
        target_id=sql.pk,
        group_id="sqlServer",
    )


# --- The grid --------------------------------------------------------------------------------------


def test_the_grid_has_the_portal_columns(alice):
    html = alice.get(vnet_url(alice, "vnet_subnets")).content.decode()
    for column in ("Name", "IPv4", "Available IPs", "Delegated to", "Security group", "Route table"):
        assert f"<th>{column}</th>" in html


def test_the_grid_shows_reserved_addresses_and_usable_count_subnet_01(alice):
    html = alice.get(vnet_url(alice, "vnet_subnets")).content.decode()
    assert "10.0.1.0 network address" in html and "10.0.1.1 default gateway" in html
    assert "10.0.1.2 azure dns mapping" in html and "10.0.1.255 broadcast" in html
    assert "251 usable" in html
    # vm-subnet: 251 usable, one NIC in it
    assert "<td data-available>250</td>" in html


def test_the_grid_is_a_fragment_for_htmx(alice):
    html = alice.get(vnet_url(alice, "vnet_subnets"), **HX).content.decode()
    assert html.lstrip().startswith('<section id="subnet-grid">') and "<html" not in html


def test_add_gateway_subnet_is_disabled_when_one_exists(alice):
    html = alice.get(vnet_url(alice, "vnet_subnets", "contoso-westus-vnet")).content.decode()
    assert 'id="add-gateway-subnet" ' in html and 'aria-disabled="true"' in html


def test_subnets_page_query_count_does_not_grow_with_its_subnets(alice, django_assert_num_queries):
    url = vnet_url(alice, "vnet_subnets")
    grow_contoso(alice, 2, "a")
    grow(alice, 2, "x")
    small = count_queries(alice, url)
    grow_contoso(alice, 20, "b")
    grow(alice, 10, "y")
    with django_assert_num_queries(small):
        alice.get(url)


def test_subnet_pane_query_count_does_not_grow_with_the_sandbox(alice, django_assert_num_queries):
    url = subnet_url(alice, "vm-subnet")
    grow_contoso(alice, 2, "a")
    small = count_queries(alice, url, **HX)
    grow_contoso(alice, 20, "b")
    grow(alice, 10, "y")
    with django_assert_num_queries(small):
        alice.get(url, **HX)


# --- The pane ------------------------------------------------------------------------------------------


def test_add_subnet_prefills_a_free_block(alice):
    html = alice.get(vnet_url(alice, "vnet_add_subnet"), **HX).content.decode()
    assert 'value="10.0.0.0/24"' in html  # the first free /24 of 10.0.0.0/16
    for label in ("Name", "Subnet address range", "NAT gateway", "Network security group", "Route table"):
        assert f">{label}</label>" in html
    for heading in ("SERVICE ENDPOINTS", "SUBNET DELEGATION", "NETWORK POLICY FOR PRIVATE ENDPOINTS"):
        assert heading in html
    assert "Delegate subnet to a service" in html and "Microsoft.Web/serverFarms" in html


def test_add_gateway_subnet_fixes_the_name(alice):
    html = alice.get(vnet_url(alice, "vnet_add_subnet") + "?gateway=1", **HX).content.decode()
    assert 'value="GatewaySubnet"' in html and "readonly" in html
    response = alice.post(
        vnet_url(alice, "vnet_add_subnet"),
        {
            "gateway": "1",
            "subnet_name": "not-this",
            "subnet_prefix": "10.0.255.0/27",
            "private_endpoint_network_policies": "Disabled",
        },
        **HX,
    )
    assert response.status_code == 200
    assert Subnet.objects.filter(vnet=vnet_of(alice, "contoso-vnet"), name="GatewaySubnet").exists()


def test_current_picks_the_gateway_subnet_by_subnet_purpose(alice):
    alice.post("/sandbox/era/", {"era": "current"})
    page = alice.get(vnet_url(alice, "vnet_subnets")).content.decode()
    assert 'id="add-gateway-subnet"' not in page and 'id="add-subnet"' in page
    pane = alice.get(vnet_url(alice, "vnet_add_subnet"), **HX).content.decode()
    assert "Subnet purpose" in pane and 'id="subnet-purpose"' in pane and 'value="GatewaySubnet"' not in pane
    gateway = alice.get(vnet_url(alice, "vnet_add_subnet") + "?gateway=1", **HX).content.decode()
    assert 'value="GatewaySubnet"' in gateway and "readonly" in gateway
    assert 'type="hidden" name="gateway"' not in gateway  # the purpose select posts it
    response = _add(alice, gateway="1", subnet_name="not-this", subnet_prefix="10.0.255.0/27")
    assert response.status_code == 200
    assert Subnet.objects.filter(vnet=vnet_of(alice, "contoso-vnet"), name="GatewaySubnet").exists()


def test_classic_has_no_subnet_purpose(alice):
    assert "Subnet purpose" not in alice.get(vnet_url(alice, "vnet_add_subnet"), **HX).content.decode()


def test_the_pe_policy_choices_follow_the_era_subnet_21(alice):
    classic = alice.get(vnet_url(alice, "vnet_add_subnet"), **HX).content.decode()
    assert 'value="RouteTableEnabled"' not in classic and 'value="Enabled"' in classic
    alice.post("/sandbox/era/", {"era": "current"})
    current = alice.get(vnet_url(alice, "vnet_add_subnet"), **HX).content.decode()
    assert 'id="subnet-pe-policy-nsg"' in current and 'id="subnet-pe-policy-rt"' in current
    assert 'id="subnet-pe-policies"' not in current


@pytest.mark.parametrize(
    ("boxes", "policy"),
    [
        ({}, "Disabled"),
        ({"pe_policy_nsg": "on"}, "NetworkSecurityGroupEnabled"),
        ({"pe_policy_rt": "on"}, "RouteTableEnabled"),
        ({"pe_policy_nsg": "on", "pe_policy_rt": "on"}, "Enabled"),
    ],
)
def test_current_reads_the_pe_policy_checkboxes_subnet_21(alice, boxes, policy):
    alice.post("/sandbox/era/", {"era": "current"})
    response = _add(alice, pe_policy_boxes="1", private_endpoint_network_policies="", **boxes)
    assert response.status_code == 200
    assert subnet_of(alice, "contoso-vnet", "app-subnet").private_endpoint_network_policies == policy
    pane = alice.get(subnet_url(alice, "app-subnet"), **HX).content.decode()
    assert ('id="subnet-pe-policy-rt" value="on" checked' in pane) == ("pe_policy_rt" in boxes)


def test_the_pane_opens_as_a_page_without_htmx(alice):
    html = alice.get(vnet_url(alice, "vnet_add_subnet")).content.decode()
    assert "<html" in html and "az-pane-static" in html


def test_adding_a_subnet_with_a_service_endpoint_swaps_the_grid_and_closes_the_pane(alice):
    response = _add(alice, service_endpoints=["Microsoft.Sql"])
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#subnet-grid"
    html = response.content.decode()
    assert 'data-subnet="app-subnet"' in html and 'id="context-pane"' in html
    subnet = subnet_of(alice, "contoso-vnet", "app-subnet")
    assert subnet.address_prefix == "10.0.5.0/24" and subnet.service_endpoints == ["Microsoft.Sql"]
    assert ActivityLogEntry.objects.filter(sandbox=alice.sandbox, operation_name="Create or Update Subnet").exists()
    assert Notification.objects.filter(sandbox=alice.sandbox, title="Saved subnet").exists()


def test_adding_without_htmx_redirects_to_the_grid(alice):
    response = alice.post(
        vnet_url(alice, "vnet_add_subnet"),
        {"subnet_name": "plain", "subnet_prefix": "10.0.6.0/24", "private_endpoint_network_policies": "Disabled"},
    )
    assert response.status_code == 302 and response["Location"] == vnet_url(alice, "vnet_subnets")


def test_associating_an_nsg_and_route_table_updates_the_subnet_subnet_07(alice):
    rg = vnet_of(alice, "contoso-vnet").resource_group
    nsg = NetworkSecurityGroup.objects.create(
        sandbox=alice.sandbox, resource_group=rg, name="app-nsg", location="eastus"
    )
    rt = RouteTable.objects.create(sandbox=alice.sandbox, resource_group=rg, name="app-rt", location="eastus")
    response = _edit(alice, "integration-subnet", nsg=nsg.pk, route_table=rt.pk)
    assert response.status_code == 200
    subnet = subnet_of(alice, "contoso-vnet", "integration-subnet")
    assert subnet.nsg == nsg and subnet.route_table == rt
    html = alice.get(vnet_url(alice, "vnet_subnets")).content.decode()
    assert "<td>app-nsg</td>" in html and "<td>app-rt</td>" in html


def test_an_nsg_of_another_region_isnt_offered_or_accepted_subnet_07(alice):
    rg = vnet_of(alice, "contoso-vnet").resource_group
    far = NetworkSecurityGroup.objects.create(
        sandbox=alice.sandbox, resource_group=rg, name="west-nsg", location="westus"
    )
    assert "west-nsg" not in alice.get(vnet_url(alice, "vnet_add_subnet"), **HX).content.decode()
    before = snapshot(alice.sandbox)
    assert _add(alice, nsg=far.pk).status_code == 422
    assert snapshot(alice.sandbox) == before
    with pytest.raises(AzureRuleError) as refusal:
        services.create_subnet(vnet_of(alice, "contoso-vnet"), name="x", prefix="10.0.7.0/24", nsg=far)
    assert "SUBNET-07" in refusal.value.rule_ids


# --- Rules when adding ------------------------------------------------------------------------------------


def test_it_refuses_an_overlapping_subnet_err_21_subnet_05(alice):
    before = snapshot(alice.sandbox)
    response = _add(alice, subnet_prefix="10.0.1.128/25")
    assert response.status_code == 422
    html = response.content.decode()
    assert "overlaps" in html and "vm-subnet (10.0.1.0/24)" in html and "ERR-21" in html and "SUBNET-05" in html
    assert snapshot(alice.sandbox) == before


def test_it_refuses_a_subnet_outside_the_address_space_subnet_05(alice):
    html = _add(alice, subnet_prefix="10.9.0.0/24").content.decode()
    assert "outside the address space" in html and "SUBNET-05" in html


@pytest.mark.parametrize("prefix", ["10.0.8.0/30", "10.0.8.0/32"])
def test_it_refuses_a_subnet_smaller_than_a_29_err_23_subnet_03(alice, prefix):
    response = _add(alice, subnet_prefix=prefix)
    assert response.status_code == 422
    assert "ERR-23" in response.content.decode() and "SUBNET-03" in response.content.decode()


def test_the_largest_subnet_depends_on_the_era_subnet_03(alice):
    vnet = vnet_of(alice, "contoso-vnet")
    vnet.address_space = ["10.0.0.0/16", "16.0.0.0/4"]
    vnet.save()
    with pytest.raises(AzureRuleError) as refusal:
        services.create_subnet(vnet_of(alice, "contoso-vnet"), name="huge", prefix="16.0.0.0/7")
    assert refusal.value.err_id == "ERR-23" and "/8" in refusal.value.message


def test_it_refuses_an_ipv6_subnet_that_isnt_a_64_subnet_04(alice):
    vnet = vnet_of(alice, "contoso-vnet")
    vnet.address_space = ["10.0.0.0/16", "fd00:db8::/48"]
    vnet.save()
    with pytest.raises(AzureRuleError) as refusal:
        services.create_subnet(vnet_of(alice, "contoso-vnet"), name="v6", prefix="fd00:db8::/56")
    assert refusal.value.err_id == "ERR-23" and "SUBNET-04" in refusal.value.rule_ids


def test_it_refuses_a_duplicate_name_case_insensitively_naming_03(alice):
    html = _add(alice, subnet_name="VM-Subnet").content.decode()
    assert "already exists" in html and "NAMING-03" in html


@pytest.mark.parametrize("name", ["-bad", "bad.", "has space", "ünïcode"])
def test_it_refuses_names_azure_refuses_naming_03(alice, name):
    response = _add(alice, subnet_name=name)
    assert response.status_code == 422 and "NAMING-03" in response.content.decode()


def test_it_refuses_the_3001st_subnet_limit_02(alice, monkeypatch):
    monkeypatch.setattr(services, "MAX_SUBNETS_PER_VNET", 4)  # contoso-vnet has 4
    response = _add(alice)
    assert response.status_code == 422
    assert "LIMIT-02" in response.content.decode()
    assert not Subnet.objects.filter(vnet__sandbox=alice.sandbox, name="app-subnet").exists()


def test_check_new_subnet_refuses_as_create_subnet_does_and_writes_nothing(alice, django_assert_num_queries):
    vnet = vnet_of(alice, "contoso-vnet")
    before = snapshot(alice.sandbox)
    with pytest.raises(AzureRuleError) as refusal:
        services.check_new_subnet(vnet, name="app-subnet", prefix="10.0.1.128/25")
    assert (refusal.value.err_id, refusal.value.field) == ("ERR-21", "subnet_prefix")
    assert "SUBNET-05" in refusal.value.rule_ids
    with pytest.raises(AzureRuleError) as refusal:
        services.check_new_subnet(vnet, name="VM-Subnet", prefix="10.0.5.0/24")
    assert (refusal.value.rule_ids[0], refusal.value.field) == ("NAMING-03", "subnet_name")
    # One read of the VNet's subnets, and the cleaned values back.
    with django_assert_num_queries(1):
        new = services.check_new_subnet(vnet, name=" app-subnet ", prefix="10.0.5.0/24")
    assert (new.name, new.address_prefix, new.delegation) == ("app-subnet", "10.0.5.0/24", "")
    assert snapshot(alice.sandbox) == before


def test_it_refuses_an_unknown_service_endpoint_subnet_20(alice):
    assert _add(alice, service_endpoints=["Microsoft.Nope"]).status_code == 422
    with pytest.raises(AzureRuleError) as refusal:
        services.create_subnet(
            vnet_of(alice, "contoso-vnet"), name="x", prefix="10.0.7.0/24", service_endpoints=["Nope"]
        )
    assert "SUBNET-20" in refusal.value.rule_ids


def test_many_service_endpoints_per_subnet_are_fine_se_05(alice):
    assert (
        _add(alice, service_endpoints=["Microsoft.Sql", "Microsoft.Storage", "Microsoft.KeyVault"]).status_code == 200
    )
    assert subnet_of(alice, "contoso-vnet", "app-subnet").service_endpoints == [
        "Microsoft.KeyVault",
        "Microsoft.Sql",
        "Microsoft.Storage",
    ]


def test_the_pane_explains_service_endpoints_se_01_se_02_se_04(alice):
    html = alice.get(vnet_url(alice, "vnet_add_subnet"), **HX).content.decode()
    assert "SE-01" in html and "SE-02" in html and "SE-04" in html


def test_it_refuses_a_pe_policy_value_of_the_other_era_subnet_21(alice):
    response = _add(alice, private_endpoint_network_policies="RouteTableEnabled")
    assert response.status_code == 422


# --- Rules when editing and deleting --------------------------------------------------------------------


def test_it_refuses_resizing_a_subnet_with_a_nic_err_14_subnet_06(alice):
    before = snapshot(alice.sandbox)
    response = _edit(alice, "vm-subnet", subnet_prefix="10.0.1.0/25")
    assert response.status_code == 422
    html = response.content.decode()
    assert "can&#x27;t be resized or deleted while &#x27;contoso-vm01-nic&#x27; uses it" in html
    assert "ERR-14" in html and "SUBNET-06" in html
    assert snapshot(alice.sandbox) == before


def test_it_refuses_resizing_an_integrated_subnet_err_14_asvi_25(alice):
    sub = subnet_of(alice, "contoso-vnet", "integration-subnet")
    app_services.add_regional_integration(app_of(alice, "contoso-web"), sub.vnet, subnet=sub)
    html = _edit(
        alice, "integration-subnet", subnet_prefix="10.0.2.0/25", delegation=APP_SERVICE_DELEGATION
    ).content.decode()
    assert "ERR-14" in html and "ASVI-25" in html and "contoso-web" in html


def test_an_unused_subnet_can_be_resized(alice):
    assert _edit(alice, "tiny-subnet", subnet_prefix="10.0.2.64/28").status_code == 200
    assert subnet_of(alice, "contoso-vnet", "tiny-subnet").address_prefix == "10.0.2.64/28"


def test_it_refuses_undelegating_an_integrated_subnet_err_10_asvi_24(alice):
    sub = subnet_of(alice, "contoso-vnet", "integration-subnet")
    app_services.add_regional_integration(app_of(alice, "contoso-web"), sub.vnet, subnet=sub)
    response = _edit(alice, "integration-subnet", delegation="Microsoft.Sql/managedInstances")
    assert response.status_code == 422
    html = response.content.decode()
    assert "ERR-10" in html and "ASVI-24" in html and "SUBNET-10" in html
    assert subnet_of(alice, "contoso-vnet", "integration-subnet").delegation == APP_SERVICE_DELEGATION


def test_it_refuses_delegating_a_subnet_with_a_private_endpoint_err_11_subnet_11(alice):
    _private_endpoint(alice, "tiny-subnet")
    response = _edit(alice, "tiny-subnet", delegation=APP_SERVICE_DELEGATION)
    assert response.status_code == 422
    html = response.content.decode()
    assert "ERR-11" in html and "SUBNET-11" in html and "can&#x27;t hold private endpoints" in html


def test_it_refuses_delegating_a_subnet_with_a_vm_nic_subnet_10(alice):
    html = _edit(alice, "vm-subnet", delegation="Microsoft.Netapp/volumes").content.decode()
    assert "SUBNET-10" in html and "contoso-vm01-nic" in html


def test_classic_keeps_pe_policies_disabled_while_a_pe_is_there_subnet_21(alice):
    _private_endpoint(alice, "tiny-subnet")
    response = _edit(alice, "tiny-subnet", private_endpoint_network_policies="Enabled")
    assert response.status_code == 422 and "SUBNET-21" in response.content.decode()
    alice.post("/sandbox/era/", {"era": "current"})
    assert _edit(alice, "tiny-subnet", private_endpoint_network_policies="Enabled").status_code == 200


def test_it_refuses_deleting_a_subnet_with_a_nic_err_14_subnet_06(alice):
    response = alice.post(subnet_url(alice, "vm-subnet", delete=True), **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-err="ERR-14"' in html and "contoso-vm01-nic" in html
    assert Subnet.objects.filter(vnet__sandbox=alice.sandbox, name="vm-subnet").exists()


def test_it_refuses_deleting_a_subnet_with_a_private_endpoint_err_14(alice):
    _private_endpoint(alice, "tiny-subnet")
    with pytest.raises(AzureRuleError) as refusal:
        services.delete_subnet(subnet_of(alice, "contoso-vnet", "tiny-subnet"))
    assert refusal.value.err_id == "ERR-14" and "sql-pe" in refusal.value.message


def test_it_refuses_deleting_an_integrated_subnet_err_14_asvi_25(alice):
    sub = subnet_of(alice, "contoso-vnet", "integration-subnet")
    app_services.add_regional_integration(app_of(alice, "contoso-web"), sub.vnet, subnet=sub)
    with pytest.raises(AzureRuleError) as refusal:
        services.delete_subnet(subnet_of(alice, "contoso-vnet", "integration-subnet"))
    assert refusal.value.err_id == "ERR-14" and "contoso-web" in refusal.value.message


def test_it_refuses_deleting_a_subnet_with_an_orphaned_association_link_err_16_asvi_65(alice):
    Subnet.objects.filter(vnet__sandbox=alice.sandbox, name="integration-subnet").update(
        delegation=APP_SERVICE_DELEGATION
    )
    ServiceAssociationLink.objects.create(
        subnet=subnet_of(alice, "contoso-vnet", "integration-subnet"), plan=app_of(alice, "contoso-web").plan
    )
    response = alice.post(subnet_url(alice, "integration-subnet", delete=True), **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-err="ERR-16"' in html and "service association link" in html and "ASVI-65" in html
    # ASVI-65: updates are refused too
    assert _edit(alice, "integration-subnet", nsg="").status_code == 422


def test_it_refuses_deleting_gatewaysubnet_under_a_gateway_err_14(alice):
    west = vnet_of(alice, "contoso-westus-vnet")
    assert VirtualNetworkGateway.objects.filter(vnet=west).exists()
    with pytest.raises(AzureRuleError) as refusal:
        services.delete_subnet(west.subnets.get(name="GatewaySubnet"))
    assert refusal.value.err_id == "ERR-14" and "contoso-westus-vpngw" in refusal.value.message


def test_delete_asks_yes_or_no_then_deletes(alice):
    html = alice.get(subnet_url(alice, "tiny-subnet", delete=True), **HX).content.decode()
    assert ">Yes</button>" in html and ">No</a>" in html
    response = alice.post(subnet_url(alice, "tiny-subnet", delete=True), **HX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#subnet-grid"
    assert not Subnet.objects.filter(vnet__sandbox=alice.sandbox, name="tiny-subnet").exists()
    assert ActivityLogEntry.objects.filter(sandbox=alice.sandbox, operation_name="Delete Subnet").exists()


def test_a_subnet_of_another_sandbox_is_404(alice, bob):
    assert bob.get(subnet_url(alice, "tiny-subnet")).status_code == 404
    assert bob.post(subnet_url(alice, "tiny-subnet", delete=True)).status_code == 404
    assert alice.get(subnet_url(alice, "no-such-subnet")).status_code == 404
    assert Subnet.objects.filter(vnet__sandbox=alice.sandbox, name="tiny-subnet").exists()


def test_subnet_pane_refuses_put_with_405(alice):
    assert alice.put(subnet_url(alice, "tiny-subnet")).status_code == 405
    assert alice.put(subnet_url(alice, "tiny-subnet", delete=True)).status_code == 405
