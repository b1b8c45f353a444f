"""The "Create Kubernetes cluster" wizard, its live IP planning panel and the
cluster blade, as a learner uses them (portal-ui §9)."""

import pytest
from django.urls import reverse

from aks import services
from aks.models import ManagedCluster
from networking.services import vnets
from tests.helpers.aks import WIZARD, aks_subnets, blade, finish_operations, form, group, spec, state

PLAN = reverse("aks_ip_plan")


@pytest.fixture
def subnets(alice):
    return aks_subnets(alice, subnets=(("aks-subnet", "10.50.0.0/21"), ("small-subnet", "10.50.8.0/24")))


# --- the wizard ------------------------------------------------------------------------------


def test_the_classic_wizard_opens_with_the_eras_labels_and_defaults(alice):
    html = alice.get(WIZARD).content.decode()
    assert "Create Kubernetes cluster" in html
    for label in ("Kubernetes cluster name", "Node size", "Node count", "Network configuration", "Virtual network",
                  "Cluster subnet", "Kubernetes service address range", "Kubernetes DNS service IP address",
                  "Docker Bridge address", "Max pods per node", "Network policy"):
        assert label in html
    # AKS-42 [Classic]: Kubenet first and chosen; no Overlay; AKS-40/41 defaults.
    assert 'value="kubenet" id="network-plugin-kubenet" checked' in html and "Azure CNI Overlay" not in html
    assert 'value="10.0.0.0/16"' in html and 'value="10.0.0.10"' in html and 'value="172.17.0.1/16"' in html
    assert 'id="max-pods-fixed">110<' in html  # AKS-26: not editable in the Classic portal


def test_the_current_wizard_offers_overlay_first_and_no_docker_bridge(alice):
    alice.sandbox.era = "current"
    alice.sandbox.save()
    html = alice.get(WIZARD).content.decode()
    assert 'value="overlay" id="network-plugin-overlay" checked' in html
    assert "Azure CNI Node Subnet" in html and "Docker Bridge address" not in html
    assert 'name="max_pods" id="max-pods" value="250"' in html  # AKS-25
    assert 'name="pod_cidr" id="pod-cidr" value="10.244.0.0/16"' in html


def test_switching_to_azure_cni_takes_its_defaults(alice, subnets):
    alice.sandbox.era = "current"
    alice.sandbox.save()
    data = form(alice, subnets["aks-subnet"], network_plugin="azure", max_pods="250", pod_cidr="10.244.0.0/16",
                action="plugin")
    response = alice.post(WIZARD, data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="max_pods" id="max-pods" value="30"' in html  # AKS-25: CNI default 30
    assert 'id="pod-cidr"' not in html  # pods take subnet addresses
    assert "<html" not in html  # the wizard fragment only


def test_review_then_create_deploys_the_cluster(alice, subnets):
    data = form(alice, subnets["aks-subnet"])
    before = state(alice)
    review = alice.post(WIZARD, data)
    assert review.status_code == 200
    assert "Validation passed" in review.content.decode()
    assert state(alice) == before
    response = alice.post(WIZARD, {**data, "action": "create"})
    assert response.status_code == 302
    cluster = ManagedCluster.objects.get(sandbox=alice.sandbox, name="lab-aks")
    assert cluster.pools.get().node_count == 3
    deployment = alice.get(response["Location"]).content.decode()
    assert "microsoft.aks-" in deployment and blade(cluster, "overview") in deployment


def test_a_refused_review_is_422_with_the_message_on_its_field_and_writes_nothing(alice, subnets):
    before = state(alice)
    response = alice.post(WIZARD, form(alice, subnets["aks-subnet"], network_policy="azure"))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Validation failed. Required information is missing or not valid." in html
    assert "Network policy &#x27;azure&#x27; requires network plugin &#x27;azure&#x27;. With kubenet, use &#x27;calico&#x27;." in html
    assert "Learn more: ERR-33, AKS-04, AKS-52" in html
    assert state(alice) == before


def test_a_refused_create_by_htmx_is_422_and_writes_nothing(alice, subnets):
    before = state(alice)
    response = alice.post(
        WIZARD, form(alice, subnets["small-subnet"], network_plugin="azure", node_count="8", action="create"),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Subnet &#x27;small-subnet&#x27; has 251 usable IPs, but 8 nodes × 30 pods need 279." in html
    assert "<html" not in html
    assert state(alice) == before


def test_bad_numbers_never_answer_500(alice, subnets):
    for count in ("", "abc", "0", "-3", "99999"):
        response = alice.post(WIZARD, form(alice, subnets["aks-subnet"], node_count=count))
        assert response.status_code == 422
    assert not ManagedCluster.objects.exists()


def test_another_sandboxs_subnet_is_not_a_choice(alice, bob, subnets):
    before = state(bob)
    response = bob.post(WIZARD, form(bob, subnets["aks-subnet"], action="create"))
    assert response.status_code == 422
    assert "Select a virtual network of this subscription." in response.content.decode()
    assert state(bob) == before


def test_the_marketplace_links_kubernetes_service_to_the_wizard(alice):
    html = alice.get(reverse("create_resource"), {"category": "containers"}).content.decode()
    assert f'href="{WIZARD}"' in html


# --- the live IP planning panel -------------------------------------------------------------


def test_ip_plan_shows_50_cni_nodes_at_30_pods_need_1581_addresses_a_slash_21(alice, subnets):
    data = form(alice, subnets["aks-subnet"], network_plugin="azure", node_count="50")
    response = alice.get(PLAN, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    cni = html[html.index('data-plugin="azure" data-needed="1581"') :]
    assert "51 + 51 × 30 = 1,581" in cni[:300]  # AKS-21
    assert 'data-plugin="azure" data-smallest="/21"' in html
    assert 'data-plugin="kubenet" data-smallest="/26"' in html  # 51 node addresses
    # The /21 has 2,043 usable: 462 left with CNI, 1,992 with kubenet.
    assert "2,043 usable" in html and "462" in html and "1,992" in html
    assert "AKS-20, AKS-21, AKS-22, SUBNET-01" in html


def test_ip_plan_says_when_a_choice_doesnt_fit_the_subnet(alice, subnets):
    html = alice.get(PLAN, form(alice, subnets["small-subnet"], node_count="8")).content.decode()
    assert "Doesn't fit: 279 needed, 251 free" in html
    assert "ERR-43" in html


def test_ip_plan_warns_past_the_kubenet_node_limit(alice, subnets):
    html = alice.get(PLAN, form(alice, subnets["aks-subnet"], node_count="401")).content.decode()
    assert "Kubenet clusters are limited to 400 nodes" in html


def test_ip_plan_ignores_another_sandboxs_subnet_and_bad_input(alice, bob, subnets):
    html = bob.get(PLAN, form(bob, subnets["aks-subnet"])).content.decode()
    assert "aks-subnet" not in html and "Select a cluster subnet" in html
    response = alice.get(PLAN, {"node_count": "lots", "network_plugin": "nonsense"})
    assert response.status_code == 200
    assert "Enter a node count" in response.content.decode()


def test_ip_plan_is_get_only(alice):
    assert alice.post(PLAN, {}).status_code == 405


# --- the cluster blade -------------------------------------------------------------------------


@pytest.fixture
def cluster(alice, subnets):
    made = services.create_cluster(group(alice), spec(subnets["aks-subnet"], node_count=3))
    finish_operations(alice)
    return made


def test_overview_shows_status_version_nodes_and_plugin(alice, cluster):
    html = alice.get(blade(cluster, "overview")).content.decode()
    assert f'id="cluster-status-{cluster.pk}" class="az-status az-status-succeeded" data-state="Succeeded"' in html
    assert "1.20.9" in html and 'id="node-count">3<' in html and 'id="network-plugin">Kubenet<' in html


def test_the_networking_page_shows_the_profile_the_subnet_usage_and_the_route_table(alice, cluster):
    html = alice.get(blade(cluster, "networking")).content.decode()
    for text in ("10.244.0.0/16", "10.0.0.0/16", "10.0.0.10", "172.17.0.1/16", "aks-subnet (10.50.0.0/21)"):
        assert text in html
    assert "2,043 usable, <strong>3 used</strong>, <strong>2,040 free</strong>" in html
    assert cluster.route_table.name in html and "(3 of 400 routes)" in html
    assert "10.50.0.4" in html and "10.244.2.0/24" in html


def test_all_resources_and_the_resource_group_list_the_cluster(alice, cluster):
    assert blade(cluster, "overview") in alice.get(reverse("all_resources")).content.decode()
    rg = cluster.resource_group
    html = alice.get(reverse("resource_group", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name}))
    assert "lab-aks" in html.content.decode() and "Kubernetes service" in html.content.decode()


def test_the_json_view_has_the_network_profile(alice, cluster):
    html = alice.get(blade(cluster, "json")).content.decode()
    assert "&quot;networkPlugin&quot;: &quot;kubenet&quot;" in html
    assert "Microsoft.ContainerService/managedClusters" in html


def test_the_activity_log_lists_the_create(alice, cluster):
    html = alice.get(blade(cluster, "activity")).content.decode()
    assert "Create or Update Managed Cluster" in html


@pytest.mark.parametrize("page", ["overview", "networking", "nodepools", "scale", "json", "activity", "pool_add"])
def test_another_sandboxs_cluster_is_404(bob, cluster, page):
    assert bob.get(blade(cluster, page)).status_code == 404


@pytest.mark.parametrize("page", ["overview", "networking", "nodepools", "json", "activity"])
def test_read_only_pages_refuse_post(alice, cluster, page):
    assert alice.post(blade(cluster, page)).status_code == 405


def test_node_pools_full_page_and_fragment(alice, cluster):
    full = alice.get(blade(cluster, "nodepools")).content.decode()
    assert "<html" in full and 'data-pool="agentpool"' in full and "Add node pool" in full
    part = alice.get(blade(cluster, "nodepools"), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in part and 'data-pool="agentpool"' in part


def test_add_node_pool_refuses_windows_on_kubenet_with_422(alice, cluster):
    before = state(alice)
    data = {"name": "win", "mode": "User", "os_type": "Windows", "vm_size": "Standard_DS2_v2", "node_count": "2"}
    response = alice.post(blade(cluster, "pool_add"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    html = response.content.decode()
    assert "Cluster &#x27;lab-aks&#x27; uses kubenet. Windows Server node pools and virtual nodes require Azure CNI." in html
    assert "ERR-34, AKS-04" in html
    assert state(alice) == before


def test_add_node_pool_adds_a_linux_pool_and_closes_the_pane(alice, cluster):
    data = {"name": "user1", "mode": "User", "os_type": "Linux", "vm_size": "Standard_DS2_v2", "node_count": "2",
            "max_pods": "110"}
    response = alice.post(blade(cluster, "pool_add"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#pool-grid"
    assert 'data-pool="user1"' in response.content.decode()
    assert cluster.pools.get(name="user1").nodes.count() == 2


def test_scale_accepted_adds_nodes(alice, cluster):
    response = alice.post(blade(cluster, "scale"), {"pool": "agentpool", "node_count": "5"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Scaling started" in response.content.decode()
    assert cluster.pools.get().nodes.count() == 5


def test_scale_refused_is_422_with_the_rule(alice, subnets):
    made = services.create_cluster(group(alice), spec(subnets["small-subnet"], network_plugin="azure", node_count=2))
    finish_operations(alice)
    before = state(alice)
    response = alice.post(blade(made, "scale"), {"pool": "agentpool", "node_count": "9"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Subnet &#x27;small-subnet&#x27; has 251 usable IPs, but 9 nodes × 30 pods need 310." in html
    assert "ERR-43, AKS-21, AKS-22" in html
    assert state(alice) == before


def test_the_deployment_page_says_in_progress_until_the_create_ends_then_complete(alice, subnets, settings):
    settings.VNETLAB_OPERATION_SECONDS = 60
    response = alice.post(WIZARD, {**form(alice, subnets["aks-subnet"]), "action": "create"})
    running = alice.get(response["Location"]).content.decode()
    assert 'id="deployment-status">Deployment is in progress<' in running
    assert 'data-in-progress="true"' in running and 'hx-trigger="every 1s"' in running
    assert "Your deployment is complete" not in running
    finish_operations(alice)
    done = alice.get(response["Location"]).content.decode()
    assert 'id="deployment-status">Your deployment is complete<' in done
    assert 'data-in-progress="false"' in done and "every 1s" not in done


# --- issue #10: Basics offers what Azure allows, the VNet list is the region's, the plan refuses as Review does


def _picker(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</select>", start)]


def test_basics_greys_windows_for_the_system_pool_with_the_reason(alice):
    """AKS-04: the primary pool is the System pool (Linux); Windows nodes come as a User pool on Azure CNI."""
    html = alice.get(WIZARD).content.decode()
    windows = html[html.rindex("<label", 0, html.index('id="os-type-windows"')) : html.index('id="os-type-windows"') + 80]
    assert "disabled" in windows and "The primary node pool is the System pool, which runs Linux." in windows
    assert 'id="os-type-linux" checked' in html
    assert "AKS-04" in html[html.index('id="os-type-linux"') :][:1500]


def test_the_vnet_list_holds_only_the_clusters_region_and_follows_a_new_region(alice, subnets):
    """VNET-03: a VNet is in one region; an East US cluster isn't offered a West US VNet."""
    vnets.create_vnet(group(alice), name="west-vnet", location="westus", address_space=["10.70.0.0/16"],
                      subnets=[("nodes", "10.70.0.0/24")])
    html = alice.get(WIZARD).content.decode()
    assert "aks-vnet (contoso-rg, East US)" in _picker(html, "vnet")
    assert "west-vnet" not in _picker(html, "vnet")
    # Changing the region redraws the list, and drops the East US choice it no longer holds.
    data = form(alice, subnets["aks-subnet"], region="westus", action="region", current_tab="basics")
    response = alice.post(WIZARD, data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    picker = _picker(html, "vnet")
    assert "west-vnet (contoso-rg, West US)" in picker and "aks-vnet" not in picker
    assert 'value="" selected' in picker
    assert 'hx-vals="{&quot;action&quot;: &quot;region&quot;}"' in html


def test_the_live_plan_refuses_a_kubenet_cluster_on_a_subnet_that_hosts_one_as_review_does(alice, cluster, subnets):
    """AKS-05 (ERR-32): the plan no longer says '875 left' in green where Review refuses."""
    message = "Subnet &#x27;aks-subnet&#x27; already hosts AKS cluster &#x27;lab-aks&#x27;. A kubenet cluster needs its own subnet."
    data = form(alice, subnets["aks-subnet"], name="second-aks")
    for html in (
        alice.get(PLAN, data).content.decode(),
        alice.post(WIZARD, {**data, "action": "stay"}).content.decode(),
    ):
        left = html[html.index("Left in the subnet") : html.index("Smallest subnet that fits")]
        assert left.count('data-refused="ERR-32"') == 2  # kubenet can't share; CNI can't join a kubenet subnet
        assert message in left and "ERR-32, AKS-05, SEED-27" in left and "text-danger" in left
        assert "bi-check-circle-fill" not in left
    review = alice.post(WIZARD, data).content.decode()
    assert message in review and "Learn more: ERR-32, AKS-05, SEED-27" in review


def _tab_labels(html: str) -> list[str]:
    import re

    return [label.strip() for label in re.findall(r'role="tab" id="tab-button-[^"]+"[^>]*>\s*([^<]+)', html)]


@pytest.mark.parametrize(
    "era, labels",
    [
        ("classic", ["Basics", "Node pools", "Authentication", "Networking", "Integrations", "Tags", "Review + create"]),
        (
            "current",
            ["Basics", "Node pools", "Networking", "Integrations", "Monitoring", "Advanced", "Tags", "Review + create"],
        ),
    ],
)
def test_the_wizard_has_the_eras_tabs_in_portal_order(alice, era, labels):
    """portal-ui §9.1: the tabs a learner expects, even where they hold only defaults."""
    alice.sandbox.era = era
    alice.sandbox.save()
    html = alice.get(WIZARD).content.decode()
    assert _tab_labels(html) == labels
    assert 'Next : Node pools &gt;' in html


def test_the_default_tabs_show_what_azure_creates(alice, subnets):
    data = form(alice, subnets["aks-subnet"], node_count="4", goto="nodepools", action="")
    html = alice.post(WIZARD, data, HTTP_HX_REQUEST="true").content.decode()
    pool = html[html.index('id="wizard-node-pools"') :]
    assert "<td>agentpool</td><td>System</td><td>Linux</td><td>4</td><td>Standard_DS2_v2</td>" in pool
    assert 'id="wizard-add-node-pool" disabled' in html
    assert 'id="tab-nodepools" class="az-tab-pane" role="tabpanel" aria-labelledby="tab-button-nodepools">' in html
    assert 'id="authentication-method">System-assigned managed identity' in html and 'id="rbac">Enabled<' in html
    assert 'id="container-registry">None<' in html and 'id="container-monitoring">Disabled<' in html
    alice.sandbox.era = "current"
    alice.sandbox.save()
    html = alice.post(WIZARD, {**data, "goto": "advanced"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="infrastructure-resource-group">MC_contoso-rg_lab-aks_eastus<' in html
    assert 'id="prometheus-metrics">Disabled<' in html and 'id="authentication-method"' not in html
    assert "Local accounts with Kubernetes RBAC" in html
