"""The demo seed's network estate (issue #3): a hub-and-spoke network with
on-premises behind the hub's VPN gateway, a storage account locked to a
service endpoint subnet, and a SQL server behind a private endpoint. Traced
with the connectivity engine as a learner would."""

from django.urls import reverse

from aks import services as aks_services
from aks.models import ManagedCluster
from appservice import services
from appservice import snapshot as app_snapshot
from appservice.models import AppSetting
from networking import models as n
from networking import snapshot
from networking.engine.trace import BLOCKED, REACHABLE, trace_app
from portal.models import ActivityLogEntry, Notification, Operation
from portal.resources import count_resources, resource_url
from portal.seed import create_sandbox
from tests.helpers import app_of, subnet_of


def _trace(client, destination, port=443):
    app = app_of(client, "contoso-web")
    return trace_app(snapshot.build(client.sandbox), app_snapshot.app_source(app), destination, port)


def _integrate_with_spoke(client):
    subnet = subnet_of(client, "contoso-spoke-vnet", "app-integration-subnet")
    services.add_regional_integration(app_of(client, "contoso-web"), subnet.vnet, subnet=subnet)


# Issue #3's estate (31), then AKS: contoso-aks-vnet, two clusters, the kubenet
# cluster's route table, six node NICs and each cluster's node NSG (AKS-02);
# the classic VNet's gateway isn't a resource of its own (CLASSIC-02).
SEED_RESOURCES = 42


def test_the_seed_holds_the_network_estate(carol):
    assert count_resources(carol.sandbox) == SEED_RESOURCES
    html = carol.get(reverse("all_resources")).content.decode()
    for name in (
        "contoso-hub-vnet",
        "contoso-spoke-vnet",
        "contoso-hub-vpngw",
        "contoso-onprem-lng",
        "contoso-sql01-pe",
        "contosodata01",
    ):
        assert name in html, name


def test_vnet_10_the_hub_and_spoke_are_peered_both_ways(carol):
    states = set(
        n.VirtualNetworkPeering.objects.filter(vnet__sandbox=carol.sandbox).values_list("name", "peering_state")
    )
    assert states == {("hub-to-spoke", "Connected"), ("spoke-to-hub", "Connected")}


def test_reset_returns_a_full_sandbox_to_the_seed(carol):
    n.NetworkSecurityGroup.objects.create(
        sandbox=carol.sandbox,
        resource_group=n.VirtualNetwork.objects.get(sandbox=carol.sandbox, name="contoso-hub-vnet").resource_group,
        name="extra-nsg",
        location="eastus",
    )
    assert carol.post(reverse("reset_sandbox")).status_code == 302
    assert count_resources(carol.sandbox) == SEED_RESOURCES
    assert not n.NetworkSecurityGroup.objects.filter(sandbox=carol.sandbox, name="extra-nsg").exists()


def test_seed_24_pedns_11_the_sql_private_endpoint_needs_the_dns_settings_in_classic(carol):
    _integrate_with_spoke(carol)
    blocked = _trace(carol, "contoso-sql01.database.windows.net", 1433)
    assert blocked.verdict == BLOCKED  # public resolution, and public access is disabled
    assert blocked.deciding_step == "Delivery"
    app = app_of(carol, "contoso-web")
    AppSetting.objects.create(app=app, name="WEBSITE_DNS_SERVER", value="168.63.129.16")
    AppSetting.objects.create(app=app, name="WEBSITE_VNET_ROUTE_ALL", value="1")
    reached = _trace(carol, "contoso-sql01.database.windows.net", 1433)
    assert reached.verdict == REACHABLE, reached.as_dict()
    assert reached.destination_ip == "10.100.2.4"


def test_seed_20_storage_needs_the_integration_subnets_service_endpoint_and_rule(carol):
    _integrate_with_spoke(carol)
    trace = _trace(carol, "contosodata01.blob.core.windows.net")
    assert trace.verdict == BLOCKED and "SE-01" in trace.rule_ids


def test_seed_14_on_premises_is_reached_through_the_hubs_gateway(carol):
    _integrate_with_spoke(carol)
    trace = _trace(carol, "192.168.10.5")
    assert trace.verdict == REACHABLE
    assert "VirtualNetworkGateway" in " ".join(s.detail for s in trace.steps)


def test_seed_14_the_hubs_appliance_is_reached_across_the_peering(carol):
    _integrate_with_spoke(carol)
    assert _trace(carol, "10.100.1.4", 22).verdict == REACHABLE


# --- AKS (issue #5): a kubenet and an Azure CNI cluster, each in its own subnet ------------


def _clusters(client) -> dict[str, ManagedCluster]:
    clusters = ManagedCluster.objects.filter(sandbox=client.sandbox).select_related("subnet__vnet", "route_table")
    return {c.name: c for c in clusters}


def test_seed_26_aks_02_the_kubenet_cluster_has_its_subnet_and_one_route_per_node(carol):
    cluster = _clusters(carol)["contoso-aks-kubenet"]
    assert (cluster.subnet.vnet.name, cluster.subnet.name, cluster.subnet.address_prefix) == (
        "contoso-aks-vnet",
        "aks-kubenet-subnet",
        "10.102.0.0/24",
    )
    routes = sorted(cluster.route_table.routes.values_list("address_prefix", "next_hop_ip"))
    assert routes == [("10.244.0.0/24", "10.102.0.4"), ("10.244.1.0/24", "10.102.0.5"), ("10.244.2.0/24", "10.102.0.6")]
    assert cluster.subnet.route_table == cluster.route_table
    page = carol.get(resource_url(cluster).replace("/overview", "/networking")).content.decode()
    assert "(3 of 400 routes)" in page and "251 usable, <strong>3 used</strong>" in page


def test_aks_20_the_cni_cluster_reserves_its_pods_addresses_in_its_own_subnet(carol):
    cluster = _clusters(carol)["contoso-aks-cni"]
    assert (cluster.subnet.name, cluster.subnet.address_prefix, cluster.route_table) == (
        "aks-cni-subnet",
        "10.102.4.0/22",
        None,
    )
    # 3 nodes and 30 pod addresses each, out of the /22's 1,019.
    assert aks_services.subnet_usage(cluster.subnet) == 93
    page = carol.get(resource_url(cluster).replace("/overview", "/networking")).content.decode()
    assert "1,019 usable, <strong>93 used</strong>, <strong>926 free</strong>" in page
    assert "90 pod addresses reserved up front" in page


def test_the_seeds_clusters_start_deployed_without_toasts(carol):
    clusters = list(_clusters(carol).values())
    assert set(aks_services.cluster_states(clusters).values()) == {"Succeeded"}
    assert not Operation.objects.filter(sandbox=carol.sandbox).unfinished().exists()
    assert not Notification.objects.filter(sandbox=carol.sandbox, title__startswith="Deployment").exists()
    # Issue #9: loading an estate leaves no Activity log row either; only
    # what the learner does shows there.
    assert not ActivityLogEntry.objects.filter(sandbox=carol.sandbox).exists()
    page = carol.get(resource_url(_clusters(carol)["contoso-aks-cni"])).content.decode()
    cni = _clusters(carol)["contoso-aks-cni"]
    assert f'id="cluster-status-{cni.pk}" class="az-status az-status-succeeded" data-state="Succeeded"' in page


def test_reset_returns_scaled_clusters_to_the_seed(carol):
    cluster = _clusters(carol)["contoso-aks-kubenet"]
    aks_services.scale_pool(cluster.pools.get(), 5)
    assert carol.post(reverse("reset_sandbox")).status_code == 302
    clusters = _clusters(carol)
    assert sorted(clusters) == ["contoso-aks-cni", "contoso-aks-kubenet"]
    assert [c.pools.get().nodes.count() for c in clusters.values()] == [3, 3]
    assert clusters["contoso-aks-kubenet"].route_table.routes.count() == 3
    assert count_resources(carol.sandbox) == SEED_RESOURCES


def test_a_current_era_sandbox_seeds_both_clusters_with_the_eras_version(db, settings):
    settings.VNETLAB_SEED_NETWORK = True
    sandbox = create_sandbox(era="current")
    clusters = {c.name: c for c in ManagedCluster.objects.filter(sandbox=sandbox)}
    assert {name: c.network_plugin for name, c in clusters.items()} == {
        "contoso-aks-cni": "azure",
        "contoso-aks-kubenet": "kubenet",
    }
    assert clusters["contoso-aks-kubenet"].kubernetes_version == "1.33.2"
