"""What AKS makes in the node resource group, modelled as Azure does
(issue #10 item 9): a virtual machine scale set per node pool whose
instances hold the nodes' NICs (VMSS-01), and the Standard load balancer
``kubernetes`` with its outbound public IP (outboundType loadBalancer,
LB-02), whose outbound rule gives the nodes and pods their internet address
(LB-01)."""

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from aks import services
from aks.models import ClusterNode, VirtualMachineScaleSet
from networking import snapshot
from networking.engine.trace import REACHABLE, trace_nic
from networking.models import LoadBalancer, NetworkInterface, PublicIPAddress
from networking.services import nat as nat_services
from networking.views.watcher import watcher_url
from portal.arm import export
from portal.errors import AzureRuleError
from portal.forms import CreateWizard
from portal.models import ResourceGroup
from portal.registry import registry
from portal.resources import recent_resources, resource_page, resource_url
from tests.helpers.aks import aks_subnets, finish_operations, group, spec

pytestmark = pytest.mark.django_db

VMSS_TYPE = "Microsoft.Compute/virtualMachineScaleSets"
LB_TYPE = "Microsoft.Network/loadBalancers"
PIP_TYPE = "Microsoft.Network/publicIPAddresses"
NIC_TYPE = "Microsoft.Network/networkInterfaces"


def _cluster(client, **overrides):
    subnets = aks_subnets(client)
    cluster = services.create_cluster(group(client), spec(subnets["aks-subnet"], **overrides))
    finish_operations(client)
    cluster.refresh_from_db()
    return cluster


def _node_rg(client, cluster) -> ResourceGroup:
    return ResourceGroup.objects.get(subscription__sandbox=client.sandbox, name=cluster.node_resource_group)


# --- What the node resource group holds --------------------------------------------------------


def test_the_node_resource_group_holds_the_scale_set_load_balancer_and_public_ip_not_the_nics(alice):
    cluster = _cluster(alice)
    rows, total, _, _ = resource_page(alice.sandbox, resource_group=_node_rg(alice, cluster))
    listed = {(r.type_label, r.name) for r in rows}
    pip = PublicIPAddress.objects.get(load_balancer=cluster.load_balancer)
    assert listed == {
        ("Virtual machine scale set", f"aks-agentpool-{cluster.resource_suffix}-vmss"),
        ("Load balancer", "kubernetes"),
        ("Public IP address", pip.name),
        ("Network security group", f"aks-agentpool-{cluster.resource_suffix}-nsg"),
        ("Route table", f"aks-agentpool-{cluster.resource_suffix}-routetable"),
    }
    assert total == 5


def test_all_resources_lists_no_node_nic_vmss_01(alice):
    cluster = _cluster(alice)
    html = unescape(alice.get(reverse("all_resources")).content.decode())
    for node in ClusterNode.objects.filter(pool__cluster=cluster).select_related("nic"):
        assert node.nic.name not in html
    assert f"aks-agentpool-{cluster.resource_suffix}-vmss" in html and "kubernetes" in html
    rows, total, _, _ = resource_page(alice.sandbox, arm_type=NIC_TYPE)
    assert all(not r.name.startswith("aks-") for r in rows) and total == len(rows)


def test_the_node_nics_belong_to_their_scale_set_instances_vmss_01(alice):
    cluster = _cluster(alice)
    scale_set = VirtualMachineScaleSet.objects.get(pool__cluster=cluster)
    for node in ClusterNode.objects.filter(pool__cluster=cluster).select_related("nic__resource_group__subscription"):
        nic = node.nic
        assert (nic.scale_set, nic.scale_set_instance) == (scale_set.name, node.instance)
        assert nic.arm_id == (f"{scale_set.arm_id}/virtualMachines/{node.instance}/networkInterfaces/{nic.name}")
        assert nic.load_balancer_id == cluster.load_balancer_id
        document = registry.get(NIC_TYPE).to_arm(nic)
        assert document["properties"]["virtualMachine"]["id"] == f"{scale_set.arm_id}/virtualMachines/{node.instance}"


def test_the_load_balancer_is_standard_with_a_guid_named_static_public_ip_lb_02(alice):
    cluster = _cluster(alice)
    balancer = cluster.load_balancer
    assert (balancer.name, balancer.sku, balancer.resource_group.name) == (
        "kubernetes",
        "Standard",
        cluster.node_resource_group,
    )
    pip = balancer.frontend_ips.get()
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", pip.name)
    assert (pip.sku, pip.allocation_method, pip.resource_group.name) == (
        "Standard",
        "Static",
        cluster.node_resource_group,
    )
    assert pip.ip_address.startswith("198.51.100.")  # PIP-05


def test_a_node_resource_group_is_managed_by_its_cluster(alice):
    cluster = _cluster(alice)
    assert _node_rg(alice, cluster).managed_by == cluster.arm_id


def test_a_public_ip_the_load_balancer_uses_cant_be_deleted_pip_04(alice):
    cluster = _cluster(alice)
    pip = cluster.load_balancer.frontend_ips.get()
    with pytest.raises(AzureRuleError) as caught:
        nat_services.delete_public_ip(pip)
    assert "PIP-04" in caught.value.rule_ids
    assert PublicIPAddress.objects.filter(pk=pip.pk).exists()


# --- Scale and pools keep the scale sets and the backend pool in step ------------------------


def test_scaling_adds_instances_to_the_scale_set_and_the_backend_pool(alice):
    cluster = _cluster(alice)
    services.scale_pool(cluster.pools.get(), 5)
    finish_operations(alice)
    nics = NetworkInterface.objects.filter(aks_node__pool__cluster=cluster)
    assert sorted(nics.values_list("scale_set_instance", flat=True)) == [0, 1, 2, 3, 4]
    assert set(nics.values_list("load_balancer_id", flat=True)) == {cluster.load_balancer_id}


def test_a_new_pool_gets_its_own_scale_set(alice):
    cluster = _cluster(alice, network_plugin="azure", node_count=2)
    services.add_node_pool(
        cluster,
        services.PoolSpec(name="userpool", os_type="Linux", mode="User", vm_size="Standard_DS2_v2", node_count=1),
    )
    names = set(VirtualMachineScaleSet.objects.filter(pool__cluster=cluster).values_list("name", flat=True))
    assert names == {f"aks-agentpool-{cluster.resource_suffix}-vmss", f"aks-userpool-{cluster.resource_suffix}-vmss"}
    nic = NetworkInterface.objects.get(aks_node__pool__name="userpool")
    assert (nic.scale_set, nic.scale_set_instance) == (f"aks-userpool-{cluster.resource_suffix}-vmss", 0)


# --- Blades ---------------------------------------------------------------------------------------


def test_the_scale_set_blade_lists_its_instances_with_their_private_ips(alice):
    cluster = _cluster(alice)
    scale_set = VirtualMachineScaleSet.objects.select_related("resource_group__subscription").get(pool__cluster=cluster)
    html = unescape(alice.get(resource_url(scale_set)).content.decode())
    assert "Virtual machine scale set" in html or scale_set.name in html
    for node in ClusterNode.objects.filter(pool__cluster=cluster).select_related("nic"):
        row = re.search(rf'data-instance="{scale_set.name}_{node.instance}">(.*?)</tr>', html, re.S)
        assert row is not None, node.instance
        assert node.name in row.group(1) and node.nic.private_ip in row.group(1) and "Running" in row.group(1)
    assert 'id="vmss-capacity">3<' in html and "VMSS-01" in html


def test_the_load_balancer_blade_shows_its_frontend_backend_and_outbound_rule(alice):
    cluster = _cluster(alice)
    balancer = LoadBalancer.objects.select_related("resource_group__subscription").get(pk=cluster.load_balancer_id)
    pip = balancer.frontend_ips.get()
    html = unescape(alice.get(resource_url(balancer)).content.decode())
    assert f'data-frontend="{pip.name}"' in html and pip.ip_address in html
    scale_set = f"aks-agentpool-{cluster.resource_suffix}-vmss"
    assert f'data-backend="{scale_set}"' in html
    for node in ClusterNode.objects.filter(pool__cluster=cluster).select_related("nic"):
        assert f'data-backend-instance="{scale_set}_{node.instance}"' in html and node.nic.private_ip in html
    assert 'data-outbound-rule="aksOutboundRule"' in html and f'id="lb-outbound-address">{pip.ip_address}<' in html


def test_the_public_ip_blade_names_the_load_balancer_as_its_user(alice):
    cluster = _cluster(alice)
    pip = PublicIPAddress.objects.select_related("resource_group__subscription").get(
        load_balancer=cluster.load_balancer
    )
    html = alice.get(resource_url(pip)).content.decode()
    assert re.search(r'id="pip-associated"><a href="[^"]+">kubernetes</a>', html)


def test_json_view_of_the_scale_set_and_the_load_balancer(alice):
    cluster = _cluster(alice)
    scale_set = VirtualMachineScaleSet.objects.get(pool__cluster=cluster)
    document = registry.get(VMSS_TYPE).to_arm(scale_set)
    assert document["type"] == VMSS_TYPE and document["sku"]["capacity"] == 3
    nic_config = document["properties"]["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"][0]
    pools = nic_config["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"]
    assert pools == [{"id": f"{cluster.load_balancer.arm_id}/backendAddressPools/kubernetes"}]
    balancer = registry.get(LB_TYPE).to_arm(cluster.load_balancer)
    assert balancer["sku"]["name"] == "Standard"
    rule = balancer["properties"]["outboundRules"][0]
    assert rule["name"] == "aksOutboundRule" and rule["properties"]["backendAddressPool"]["id"].endswith("/kubernetes")
    pip = cluster.load_balancer.frontend_ips.get()
    frontend = balancer["properties"]["frontendIPConfigurations"][0]
    assert frontend["properties"]["publicIPAddress"]["id"] == pip.arm_id
    for url_name, resource in (("aks:vmss_json", scale_set), ("networking:load_balancer_json", cluster.load_balancer)):
        rg = resource.resource_group
        url = reverse(
            url_name, kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": resource.name}
        )
        assert resource.arm_type in unescape(alice.get(url).content.decode())


def test_the_clusters_export_leaves_out_its_node_resource_group(alice):
    cluster = _cluster(alice)
    template = export.export_resource(cluster)
    text = json.dumps(template)
    assert "loadBalancers" not in text and "virtualMachineScaleSets" not in text
    assert f"resourceGroups/{cluster.node_resource_group}" not in text
    whole = export.export_sandbox(alice.sandbox)
    assert all(r.get("name") != cluster.node_resource_group for r in whole["resources"])
    types = {r["type"] for r in whole["resources"]}
    assert not {LB_TYPE, VMSS_TYPE} & types and "/loadBalancers/" not in json.dumps(whole)


# --- Recent resources, Network Watcher, wizards --------------------------------------------------


def test_recent_resources_list_no_node_nic(alice):
    cluster = _cluster(alice)
    nic_names = set(NetworkInterface.objects.filter(aks_node__pool__cluster=cluster).values_list("name", flat=True))
    recent = recent_resources(alice.sandbox, limit=50)
    assert recent and not nic_names & {r.name for r in recent}
    assert all(r.arm_type != NIC_TYPE for r in recent)


@pytest.mark.parametrize("tool", ["ip_flow_verify", "next_hop", "connection_troubleshoot"])
def test_network_watcher_offers_no_node_nic_as_a_network_interface(alice, tool):
    cluster = _cluster(alice)
    html = unescape(alice.get(watcher_url(alice.sandbox.subscriptions.get(), "eastus", tool)).content.decode())
    assert "contoso-vm01 / contoso-vm01-nic (10.0.1.4)" in html
    for nic in NetworkInterface.objects.filter(aks_node__pool__cluster=cluster):
        assert f"/ {nic.name} (" not in html


def test_the_nsg_associate_pane_offers_no_node_nic(alice):
    cluster = _cluster(alice)
    nsg = cluster.node_nsg
    rg = nsg.resource_group
    url = reverse(
        "networking:nsg_nic_associate",
        kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": nsg.name},
    )
    html = alice.get(url).content.decode()
    assert "contoso-vm01-nic" in html
    assert all(nic.name not in html for nic in NetworkInterface.objects.filter(aks_node__pool__cluster=cluster))


def _wizards() -> list[type[CreateWizard]]:
    from django.utils.module_loading import import_string

    return [import_string(path) for path in registry.wizards().values()]


@pytest.mark.parametrize("wizard", _wizards(), ids=lambda w: w.kind)
def test_no_create_wizard_defaults_to_the_node_resource_group(alice, wizard):
    """Azure lists an AKS node resource group but preselects the learner's own."""
    cluster = _cluster(alice)
    form = wizard(alice.sandbox)
    if not form.has_resource_group:
        return
    assert form.initial["resource_group"] == "contoso-rg" != cluster.node_resource_group
    assert any(g.name == cluster.node_resource_group for g in form.groups)


def test_with_only_managed_groups_a_wizard_preselects_none(alice):
    cluster = _cluster(alice)
    ResourceGroup.objects.filter(subscription__sandbox=alice.sandbox).exclude(name=cluster.node_resource_group).update(
        managed_by=cluster.arm_id
    )
    form = _wizards()[0](alice.sandbox)
    assert form.initial.get("resource_group", "") == ""


# --- The outbound address (LB-01) -----------------------------------------------------------------


def test_a_node_reaches_the_internet_from_the_load_balancers_public_ip_lb_01(alice):
    cluster = _cluster(alice)
    pip = cluster.load_balancer.frontend_ips.get()
    topology = snapshot.build(alice.sandbox)
    node = ClusterNode.objects.filter(pool__cluster=cluster).select_related("nic").first()
    source = snapshot.nic_source(topology, node.nic)
    trace = trace_nic(topology, source, "www.contoso.com", 443)
    assert (trace.verdict, trace.source_ip) == (REACHABLE, pip.ip_address)
    assert "LB-01" in trace.rule_ids and "DOA-01" not in trace.rule_ids
    assert any("kubernetes" in h.detail for h in trace.hops)


def test_connection_troubleshoot_from_a_pod_shows_the_load_balancers_address(alice):
    cluster = _cluster(alice)
    pip = cluster.load_balancer.frontend_ips.get()
    node = ClusterNode.objects.filter(pool__cluster=cluster).order_by("pod_index").first()
    url = watcher_url(alice.sandbox.subscriptions.get(), "eastus", "connection_troubleshoot")
    data = {
        "source_type": "pod",
        "nic": "",
        "pod": f"lab-aks / {node.name} / 10.244.0.4",
        "destination_type": "manual",
        "destination": "8.8.8.8",
        "protocol": "Tcp",
        "destination_port": "443",
    }
    html = alice.get(url, data, HTTP_HX_REQUEST="true").content.decode()
    assert f'id="source-ip-seen">{pip.ip_address}<' in html and "LB-01" in html


# --- The demo seed ----------------------------------------------------------------------------------


def test_the_demo_seeds_clusters_come_with_their_infrastructure_and_a_quiet_sandbox(carol):
    from aks.models import ManagedCluster

    clusters = list(ManagedCluster.objects.filter(sandbox=carol.sandbox).select_related("load_balancer"))
    assert len(clusters) == 2
    for cluster in clusters:
        node_rg = _node_rg(carol, cluster)
        rows, _, _, _ = resource_page(carol.sandbox, resource_group=node_rg)
        kinds = {r.type_label for r in rows}
        assert {"Virtual machine scale set", "Load balancer", "Public IP address"} <= kinds
        assert "Network interface" not in kinds
        assert cluster.load_balancer.frontend_ips.get().ip_address
    assert recent_resources(carol.sandbox) == []  # the seed is quiet


def test_a_cluster_is_refused_when_the_sandbox_has_no_public_address_left_pip_05(alice):
    """LB-02 needs an outbound public IP: Review refuses it, nothing is written."""
    from tests.helpers.aks import state

    subnets = aks_subnets(alice)
    rg = group(alice)
    for n, address in enumerate(nat_services.ADDRESS_POOL.hosts()):
        PublicIPAddress.objects.create(
            sandbox=alice.sandbox, resource_group=rg, name=f"pip-{n}", location="eastus", ip_address=str(address)
        )
    refusals = services.cluster_refusals(alice.sandbox, rg, spec(subnets["aks-subnet"]))
    assert any("PIP-05" in r.rule_ids and r.field == "region" for r in refusals)
    before = state(alice)
    with pytest.raises(AzureRuleError):
        services.create_cluster(rg, spec(subnets["aks-subnet"]))
    assert state(alice) == before
