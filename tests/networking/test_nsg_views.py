"""The network security group blade as a learner's browser talks to it:
create, Overview with both rule sets, the rule panes, Subnets, Network
interfaces, JSON View, Activity log and Delete."""


import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from networking.engine import rules
from networking.models import NetworkInterface, NetworkSecurityGroup, SecurityRule, Subnet
from networking.services import nsgs
from portal.models import ActivityLogEntry, Notification
from portal.resources import resource_url
from tests.helpers import HX, subnet_of
from tests.helpers.nsgs import blade_url, create_url, make_nsg, rg_of, rule_form

pytestmark = pytest.mark.django_db

PAGES = ["nsg_overview", "nsg_activity", "nsg_json", "nsg_subnets", "nsg_nics", "nsg_delete", "nsg_subnet_associate", "nsg_nic_associate"]


def _state(nsg):
    return sorted(SecurityRule.objects.filter(nsg=nsg).values_list("name", "direction", "priority", "access"))


# --- create ------------------------------------------------------------------------------------


def test_the_create_wizard_creates_an_nsg_logs_it_and_opens_its_blade(alice):
    url = create_url(alice, "nsg_create")
    page = alice.get(url).content.decode()
    assert "Create network security group" in page and 'value="contoso-rg" selected' in page
    form = {"subscription": str(rg_of(alice).subscription.subscription_id), "resource_group": "contoso-rg", "name": "web-nsg", "region": "eastus"}
    review = alice.post(url, {**form, "action": "review"}, **HX)
    assert 'data-validation="passed"' in review.content.decode()
    assert not NetworkSecurityGroup.objects.exists(), "Review + create writes nothing"
    response = alice.post(url, {**form, "action": "create"}, **HX)
    nsg = NetworkSecurityGroup.objects.get(sandbox=alice.sandbox, name="web-nsg")
    assert json.loads(response["HX-Location"])["path"] == resource_url(nsg)
    assert ActivityLogEntry.objects.filter(resource_id=nsg.arm_id, operation_name="Create or Update Network Security Group").exists()
    assert Notification.objects.filter(sandbox=alice.sandbox, body__contains="web-nsg").exists()
    listing = alice.get("/resources/").content.decode()
    assert "web-nsg" in listing and resource_url(nsg) in listing


def test_the_create_wizard_refuses_a_bad_name_and_a_taken_one(alice):
    make_nsg(alice)
    url = create_url(alice, "nsg_create")
    base = {"subscription": str(rg_of(alice).subscription.subscription_id), "resource_group": "contoso-rg", "region": "eastus", "action": "review"}
    bad = alice.post(url, {**base, "name": "-bad name"}, **HX)
    assert bad.status_code == 422 and "NAMING-10" in bad.content.decode()
    taken = alice.post(url, {**base, "name": "WEB-nsg"}, **HX)
    assert taken.status_code == 422 and "already exists" in taken.content.decode()
    assert NetworkSecurityGroup.objects.count() == 1


def test_it_refuses_the_5001st_nsg_in_a_region_limit_14(alice, monkeypatch):
    monkeypatch.setattr(rules, "MAX_NSGS_PER_REGION", 1)
    make_nsg(alice)
    with pytest.raises(nsgs.AzureRuleError) as exc:
        make_nsg(alice, "second")
    assert "LIMIT-14" in exc.value.learn_more
    assert nsgs.create_nsg(rg_of(alice), name="west", location="westus")  # another region is fine


# --- overview and rule grids -------------------------------------------------------------------------


def test_the_overview_shows_both_rule_sets_with_the_default_rules_nsg_10(alice):
    nsg = make_nsg(alice)
    html = alice.get(blade_url(nsg, "nsg_overview")).content.decode()
    for rule in rules.DEFAULT_RULES:
        assert f'data-rule="{rule.name}" data-priority="{rule.priority}"' in html
    for label in ("Priority", "Name", "Port", "Protocol", "Source", "Destination", "Action"):
        assert f"<th>{label}</th>" in html
    for label in ("Resource group", "Location", "Subscription", "Subscription ID"):
        assert f"<dt>{label}</dt>" in html or f"<dt>{label} (<a" in html  # "(change)" links: MOVE-01
    assert "Inbound security rules" in html and "Outbound security rules" in html
    assert "Hide default rules" in html


def test_hide_default_rules_answers_the_grids_fragment_without_them(alice):
    nsg = make_nsg(alice)
    alice.post(blade_url(nsg, "nsg_rule_add", direction="outbound"), rule_form(), **HX)
    response = alice.get(blade_url(nsg, "nsg_overview") + "?hide_default=1", **HX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="rule-grids">') and "<html" not in html
    assert "HX-Request" in response["Vary"]
    assert "DenySqlOutbound" in html and "DenyAllOutBound" not in html
    assert 'aria-checked="true"' in html


def test_the_effective_summary_says_where_the_nsg_applies_and_in_which_order_nsg_21(alice):
    nsg = make_nsg(alice)
    html = alice.get(blade_url(nsg, "nsg_overview")).content.decode()
    assert 'id="nsg-not-applied"' in html
    nsgs.associate_subnet(nsg, subnet_of(alice, "contoso-vnet", "vm-subnet"))
    nsgs.associate_nic(nsg, NetworkInterface.objects.get(sandbox=alice.sandbox, name="contoso-vm01-nic"))
    html = alice.get(blade_url(nsg, "nsg_overview")).content.decode()
    assert "Subnet <strong>vm-subnet</strong> (10.0.1.0/24) of virtual network <strong>contoso-vnet</strong>" in html
    assert "Network interface <strong>contoso-vm01-nic</strong>" in html and "contoso-vm01" in html
    assert "subnet's NSG first, then by the network interface's NSG" in html
    assert "network interface's NSG first, then by the subnet's NSG" in html


@pytest.mark.parametrize("direction", ["inbound", "outbound"])
def test_the_rules_page_lists_one_direction(alice, direction):
    nsg = make_nsg(alice)
    html = alice.get(blade_url(nsg, "nsg_rules", direction=direction)).content.decode()
    other = "outbound" if direction == "inbound" else "inbound"
    assert f'id="{direction}-rules"' in html and f'id="{other}-rules"' not in html
    assert alice.get(blade_url(nsg, "nsg_rules", direction="sideways")).status_code == 404


# --- the rule pane ------------------------------------------------------------------------------------


def test_the_add_pane_prefills_priority_100_then_plus_10_and_a_name(alice):
    nsg = make_nsg(alice)
    url = blade_url(nsg, "nsg_rule_add", direction="inbound")
    pane = alice.get(url, **HX).content.decode()
    assert 'name="priority" id="priority" value="100"' in pane
    assert 'value="Port_8080"' in pane and 'value="*"' in pane
    for label in ("Source", "Source port ranges", "Destination", "Service", "Destination port ranges", "Protocol", "Action", "Priority", "Name", "Description"):
        assert f">{label}</" in pane, label
    alice.post(url, rule_form(name="first", priority="100", destination="Any"), **HX)
    pane = alice.get(url, **HX).content.decode()
    assert 'value="110"' in pane


def test_choosing_a_preset_service_fills_port_and_protocol(alice):
    nsg = make_nsg(alice)
    pane = alice.get(blade_url(nsg, "nsg_rule_add", direction="inbound"), {"service": "SSH", "destination_ports": "8080"}, **HX)
    html = pane.content.decode()
    assert 'id="destination-ports" value="22" maxlength="2000" readonly' in html and 'value="SSH"' in html


def test_choosing_ip_addresses_shows_the_cidr_field(alice):
    nsg = make_nsg(alice)
    html = alice.get(blade_url(nsg, "nsg_rule_add", direction="inbound"), {"source": "IPAddresses"}, **HX).content.decode()
    assert "Source IP addresses/CIDR ranges" in html


def test_adding_an_outbound_deny_rule_returns_the_fresh_grid_and_closes_the_pane(alice):
    nsg = make_nsg(alice)
    response = alice.post(blade_url(nsg, "nsg_rule_add", direction="outbound"), rule_form(), **HX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#outbound-rules"
    html = response.content.decode()
    assert 'data-rule="DenySqlOutbound" data-priority="200"' in html and 'id="context-pane"' in html
    rule = SecurityRule.objects.get(nsg=nsg)
    assert (rule.direction, rule.access, rule.protocol, rule.destination_address_prefixes, rule.destination_port_ranges) == (
        "Outbound", "Deny", "Tcp", ["Sql"], ["1433"],
    )
    assert ActivityLogEntry.objects.filter(resource_id=nsg.arm_id, operation_name="Create or Update Security Rule").exists()


def test_without_htmx_adding_a_rule_redirects_to_the_rules_page(alice):
    nsg = make_nsg(alice)
    response = alice.post(blade_url(nsg, "nsg_rule_add", direction="outbound"), rule_form())
    assert response.status_code == 302 and response["Location"] == blade_url(nsg, "nsg_rules", direction="outbound")
    assert alice.get(blade_url(nsg, "nsg_rule_add", direction="outbound")).content.decode().count("<html") == 1


def test_a_duplicate_priority_in_one_direction_is_refused_err_26_nsg_03(alice):
    nsg = make_nsg(alice)
    url = blade_url(nsg, "nsg_rule_add", direction="outbound")
    alice.post(url, rule_form(), **HX)
    response = alice.post(url, rule_form(name="Another"), **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Rule &#x27;DenySqlOutbound&#x27; already uses priority 200 for outbound traffic." in html
    assert "Learn more: ERR-26, NSG-03" in html
    assert SecurityRule.objects.filter(nsg=nsg).count() == 1
    # The same priority in the other direction is fine.
    inbound = alice.post(blade_url(nsg, "nsg_rule_add", direction="inbound"), rule_form(name="In200"), **HX)
    assert inbound.status_code == 200


@pytest.mark.parametrize("priority", ["5000", "99", "abc", ""])
def test_a_priority_outside_100_to_4096_is_refused_err_25_nsg_02(alice, priority):
    nsg = make_nsg(alice)
    response = alice.post(blade_url(nsg, "nsg_rule_add", direction="outbound"), rule_form(priority=priority), **HX)
    assert response.status_code == 422
    assert "Use 100–4096." in response.content.decode() and "ERR-25, NSG-02" in response.content.decode()
    assert not SecurityRule.objects.exists()


def test_a_rule_name_azure_refuses_is_err_27_nsg_01(alice):
    nsg = make_nsg(alice)
    url = blade_url(nsg, "nsg_rule_add", direction="outbound")
    response = alice.post(url, rule_form(name="bad name!"), **HX)
    assert response.status_code == 422 and "ERR-27, NSG-01" in response.content.decode()
    alice.post(url, rule_form(), **HX)
    taken = alice.post(blade_url(nsg, "nsg_rule_add", direction="inbound"), rule_form(name="denysqloutbound"), **HX)
    assert taken.status_code == 422 and "already has this name" in taken.content.decode()


def test_unknown_tags_and_several_tags_are_refused_err_27_nsg_04(alice):
    nsg = make_nsg(alice)
    url = blade_url(nsg, "nsg_rule_add", direction="outbound")
    for data in (rule_form(destination_tag="NotATag"), rule_form(destination_tag="Sql,Storage"), rule_form(destination="IPAddresses", destination_ips="10.0.0.0/8, Internet")):
        response = alice.post(url, data, **HX)
        assert response.status_code == 422 and "ERR-27, NSG-04" in response.content.decode()
    assert not SecurityRule.objects.exists()


def test_cidrs_with_host_bits_and_bad_ports_are_refused_nsg_04_nsg_07(alice):
    nsg = make_nsg(alice)
    url = blade_url(nsg, "nsg_rule_add", direction="inbound")
    host_bits = alice.post(url, rule_form(source="IPAddresses", source_ips="10.0.1.5/24"), **HX)
    assert host_bits.status_code == 422 and "Did you mean &#x27;10.0.1.0/24&#x27;" in host_bits.content.decode()
    ports = alice.post(url, rule_form(destination_ports="443-80"), **HX)
    assert ports.status_code == 422 and "NSG-07" in ports.content.decode()


def test_esp_and_ah_are_refused_in_the_portal_nsg_06(alice):
    nsg = make_nsg(alice)
    response = alice.post(blade_url(nsg, "nsg_rule_add", direction="inbound"), rule_form(protocol="Esp"), **HX)
    assert response.status_code == 422 and "only through ARM" in response.content.decode() and "NSG-06" in response.content.decode()


def test_the_1001st_rule_is_refused_limit_15(alice):
    nsg = make_nsg(alice)
    SecurityRule.objects.bulk_create(
        SecurityRule(nsg=nsg, name=f"r{i}", priority=100 + i, direction="Inbound" if i < 600 else "Outbound",
                     source_address_prefixes=["*"], source_port_ranges=["*"], destination_address_prefixes=["*"], destination_port_ranges=["80"])
        for i in range(1000)
    )
    response = alice.post(blade_url(nsg, "nsg_rule_add", direction="outbound"), rule_form(priority="4000"), **HX)
    assert response.status_code == 422 and "LIMIT-15" in response.content.decode()
    assert SecurityRule.objects.filter(nsg=nsg).count() == 1000


def test_editing_a_rule_saves_it_and_keeps_its_direction(alice):
    nsg = make_nsg(alice)
    alice.post(blade_url(nsg, "nsg_rule_add", direction="outbound"), rule_form(), **HX)
    url = blade_url(nsg, "nsg_rule_edit", rule="DenySqlOutbound")
    pane = alice.get(url, **HX).content.decode()
    assert ">Save<" in pane and 'value="200"' in pane and "<option value=\"Sql\" selected>Sql</option>" in pane
    response = alice.post(url, rule_form(priority="300", access="Allow"), **HX)
    assert response.status_code == 200
    assert _state(nsg) == [("DenySqlOutbound", "Outbound", 300, "Allow")]


def test_deleting_a_rule_asks_yes_no_then_removes_it(alice):
    nsg = make_nsg(alice)
    alice.post(blade_url(nsg, "nsg_rule_add", direction="outbound"), rule_form(), **HX)
    url = blade_url(nsg, "nsg_rule_delete", rule="DenySqlOutbound")
    pane = alice.get(url, **HX).content.decode()
    assert ">Yes<" in pane and ">No<" in pane
    response = alice.post(url, **HX)
    assert response.status_code == 200 and not SecurityRule.objects.exists()
    assert ActivityLogEntry.objects.filter(resource_id=nsg.arm_id, operation_name="Delete Security Rule").exists()


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_default_rules_cant_be_edited_or_deleted_err_28_nsg_10(alice, action):
    nsg = make_nsg(alice)
    url = blade_url(nsg, "nsg_default_rule", rule="DenyAllInBound", action=action)
    pane = alice.get(url, **HX).content.decode()
    assert 'data-err="ERR-28"' in pane and "Override it with" in pane and "NSG-10" in pane
    assert 'id="confirm-yes"' not in pane
    assert alice.post(url, **HX).status_code == 422
    assert alice.get(blade_url(nsg, "nsg_default_rule", rule="NoSuchRule", action=action)).status_code == 404


# --- association (NSG-20) ---------------------------------------------------------------------------


def test_associating_a_subnet_lists_it_and_logs_it_nsg_20(alice):
    nsg = make_nsg(alice)
    subnet = subnet_of(alice, "contoso-vnet", "vm-subnet")
    pane = alice.get(blade_url(nsg, "nsg_subnet_associate"), {"vnet": subnet.vnet_id}, **HX).content.decode()
    assert "vm-subnet (10.0.1.0/24)" in pane
    response = alice.post(blade_url(nsg, "nsg_subnet_associate"), {"vnet": subnet.vnet_id, "subnet": subnet.pk}, **HX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#nsg-subnet-table"
    assert 'data-subnet="contoso-vnet/vm-subnet"' in response.content.decode()
    assert Subnet.objects.get(pk=subnet.pk).nsg == nsg
    assert ActivityLogEntry.objects.filter(resource_id=subnet.vnet.arm_id, operation_name="Create or Update Subnet").exists()


def test_a_subnet_with_another_nsg_is_refused_naming_it_nsg_20_subnet_07(alice):
    first, second = make_nsg(alice), make_nsg(alice, "other-nsg")
    subnet = subnet_of(alice, "contoso-vnet", "vm-subnet")
    nsgs.associate_subnet(first, subnet)
    response = alice.post(blade_url(second, "nsg_subnet_associate"), {"vnet": subnet.vnet_id, "subnet": subnet.pk}, **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "already associated with network security group &#x27;web-nsg&#x27;" in html and "NSG-20, SUBNET-07" in html
    assert Subnet.objects.get(pk=subnet.pk).nsg == first


def test_a_nic_has_one_nsg_and_can_be_dissociated_nsg_20(alice):
    first, second = make_nsg(alice), make_nsg(alice, "other-nsg")
    nic = NetworkInterface.objects.get(sandbox=alice.sandbox, name="contoso-vm01-nic")
    assert alice.post(blade_url(first, "nsg_nic_associate"), {"nic": nic.pk}, **HX).status_code == 200
    refused = alice.post(blade_url(second, "nsg_nic_associate"), {"nic": nic.pk}, **HX)
    assert refused.status_code == 422 and "&#x27;web-nsg&#x27;" in refused.content.decode()
    url = blade_url(first, "nsg_nic_dissociate", nic=nic.name)
    assert ">Yes<" in alice.get(url, **HX).content.decode()
    assert alice.post(url, **HX).status_code == 200
    assert NetworkInterface.objects.get(pk=nic.pk).nsg is None


def test_dissociating_a_subnet_frees_it(alice):
    nsg = make_nsg(alice)
    subnet = subnet_of(alice, "contoso-vnet", "vm-subnet")
    nsgs.associate_subnet(nsg, subnet)
    response = alice.post(blade_url(nsg, "nsg_subnet_dissociate", subnet_id=subnet.pk), **HX)
    assert response.status_code == 200 and Subnet.objects.get(pk=subnet.pk).nsg is None


def test_deleting_an_nsg_in_use_is_refused_until_it_is_dissociated(alice):
    nsg = make_nsg(alice)
    subnet = subnet_of(alice, "contoso-vnet", "vm-subnet")
    nsgs.associate_subnet(nsg, subnet)
    refused = alice.post(blade_url(nsg, "nsg_delete"), **HX)
    assert refused.status_code == 422
    assert "Dissociate it from every subnet and network interface first" in refused.content.decode()
    assert NetworkSecurityGroup.objects.filter(pk=nsg.pk).exists()
    nsgs.dissociate_subnet(nsg, subnet)
    response = alice.post(blade_url(nsg, "nsg_delete"), **HX)
    assert response.status_code == 200 and json.loads(response["HX-Location"])["path"].endswith("/resourceGroups/contoso-rg/overview")
    assert not NetworkSecurityGroup.objects.filter(pk=nsg.pk).exists()
    assert ActivityLogEntry.objects.filter(resource_id=nsg.arm_id, operation_name="Delete Network Security Group").exists()


def test_a_subnet_of_another_sandbox_cant_be_associated(alice, bob):
    nsg = make_nsg(alice)
    bobs = subnet_of(bob, "contoso-vnet", "vm-subnet")
    response = alice.post(blade_url(nsg, "nsg_subnet_associate"), {"vnet": bobs.vnet_id, "subnet": bobs.pk}, **HX)
    assert response.status_code == 422 and Subnet.objects.get(pk=bobs.pk).nsg is None


# --- JSON View, Activity log, tenancy and methods ------------------------------------------------------


def test_the_json_view_shows_the_arm_shape(alice):
    nsg = make_nsg(alice)
    alice.post(blade_url(nsg, "nsg_rule_add", direction="outbound"), rule_form(), **HX)
    html = alice.get(blade_url(nsg, "nsg_json")).content.decode()
    assert nsg.arm_id in html and "Microsoft.Network/networkSecurityGroups" in html and "DenySqlOutbound" in html


def test_the_activity_log_lists_the_nsgs_operations(alice):
    nsg = make_nsg(alice)
    html = alice.get(blade_url(nsg, "nsg_activity")).content.decode()
    assert "Create or Update Network Security Group" in html


@pytest.mark.parametrize("page", PAGES)
def test_an_outsider_gets_404_on_every_nsg_page(alice, bob, page):
    nsg = make_nsg(alice)
    assert bob.get(blade_url(nsg, page)).status_code == 404
    assert bob.post(blade_url(nsg, "nsg_rule_add", direction="inbound"), rule_form()).status_code == 404
    assert bob.post(blade_url(nsg, "nsg_delete")).status_code == 404
    assert NetworkSecurityGroup.objects.filter(pk=nsg.pk).exists() and not SecurityRule.objects.exists()


def test_an_outsider_cant_open_the_create_wizard_in_anothers_group(alice, bob):
    assert bob.get(create_url(alice, "nsg_create")).status_code == 404


@pytest.mark.parametrize("page", ["nsg_overview", "nsg_activity", "nsg_json", "nsg_subnets", "nsg_nics"])
def test_read_only_pages_refuse_post_with_405(alice, page):
    nsg = make_nsg(alice)
    assert alice.post(blade_url(nsg, page)).status_code == 405


def test_write_pages_refuse_put_with_405(alice):
    nsg = make_nsg(alice)
    for url in (blade_url(nsg, "nsg_rule_add", direction="inbound"), blade_url(nsg, "nsg_delete"), blade_url(nsg, "nsg_subnet_associate")):
        assert alice.put(url).status_code == 405


@pytest.mark.parametrize("page", ["nsg_subnets", "nsg_nics", "nsg_subnet_associate", "nsg_nic_associate"])
def test_pages_answer_a_fragment_to_htmx_and_a_full_page_otherwise(alice, page):
    nsg = make_nsg(alice)
    full = alice.get(blade_url(nsg, page)).content.decode()
    fragment = alice.get(blade_url(nsg, page), **HX).content.decode()
    assert "<html" in full and "<html" not in fragment


# --- query counts stay flat as the sandbox grows ---------------------------------------------------------


def _grow(client, nsg, n):
    rg = rg_of(client)
    start = SecurityRule.objects.filter(nsg=nsg).count()
    SecurityRule.objects.bulk_create(
        SecurityRule(nsg=nsg, name=f"g{start + i}", priority=100 + start + i, direction="Inbound",
                     source_address_prefixes=["*"], source_port_ranges=["*"], destination_address_prefixes=["10.0.0.0/8"], destination_port_ranges=["443"])
        for i in range(n)
    )
    for i in range(n):
        other = NetworkSecurityGroup.objects.create(sandbox=client.sandbox, resource_group=rg, name=f"grow-{start}-{i}", location="eastus")
        SecurityRule.objects.create(nsg=other, name="x", priority=100, direction="Outbound")
    vnet = subnet_of(client, "contoso-vnet", "vm-subnet").vnet
    for i in range(n):
        Subnet.objects.create(vnet=vnet, name=f"s{start}-{i}", address_prefix=f"10.0.{100 + start + i}.0/29", nsg=nsg)


def _queries(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **extra).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "page, extra",
    [("nsg_overview", {}), ("nsg_subnets", {}), ("nsg_json", {}), ("nsg_subnet_associate", HX), ("nsg_nic_associate", HX)],
)
def test_nsg_pages_query_count_does_not_grow_with_the_sandbox(alice, page, extra, django_assert_num_queries):
    nsg = make_nsg(alice)
    url = blade_url(nsg, page)
    _grow(alice, nsg, 2)
    small = _queries(alice, url, **extra)
    _grow(alice, nsg, 20)
    with django_assert_num_queries(small):
        alice.get(url, **extra)


def test_the_inbound_rules_page_query_count_does_not_grow_with_the_rules(alice, django_assert_num_queries):
    nsg = make_nsg(alice)
    url = blade_url(nsg, "nsg_rules", direction="inbound")
    _grow(alice, nsg, 2)
    small = _queries(alice, url)
    _grow(alice, nsg, 30)
    with django_assert_num_queries(small):
        alice.get(url)
