"""AKS (issue #5) as a learner clicks it: "Create a resource" > Kubernetes
Service (Basics, Networking, Review + create) for a kubenet cluster and an
Azure CNI one, the live IP planning panel, the cluster's Networking page and
its Scale page, the virtual nodes add-on (AKS-04), the node NSG (AKS-02) and
the cluster's status badge as a second tab sees it change live (portal-ui §9;
azure-rules §12, SEED-26 to SEED-29).

The e2e sandbox has the compact seed (no AKS subnets), so each test makes
the VNet it needs through the networking services first."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from aks import services as aks_services
from aks.models import ManagedCluster
from networking.models import Route
from networking.services import vnets
from portal.models import Operation, ResourceGroup
from portal.resources import resource_url
from portal.services import complete_due_operations
from tests.e2e.flows import (
    create_and_open_deployment,
    htmx_click,
    open_marketplace_product,
    review_and_create,
    toast,
    wait_for_pane,
    wizard_click,
    wizard_tab,
)
from tests.e2e.support import LIVE_TIMEOUT_MS, Tab

pytestmark = pytest.mark.browser

VNET = "e2e-aks-vnet"
SUBNETS = (
    ("kubenet-subnet", "10.60.0.0/24"),
    ("cni-small-subnet", "10.60.1.0/24"),
    ("cni-big-subnet", "10.60.4.0/22"),
)


def _group(tab: Tab) -> ResourceGroup:
    return ResourceGroup.objects.select_related("subscription__sandbox").get(
        subscription__sandbox=tab.sandbox(), name="contoso-rg"
    )


def _aks_vnet(tab: Tab) -> dict:
    vnet = vnets.create_vnet(
        _group(tab), name=VNET, location="eastus", address_space=["10.60.0.0/16"], subnets=list(SUBNETS)
    )
    return {s.name: s for s in vnet.subnets.select_related("vnet", "route_table")}


def _select_by_label_start(tab: Tab, select: str, text: str, url_part: str | None = "/create/kubernetes/") -> None:
    """Pick the option whose label starts with ``text`` (labels add details)."""
    option = tab.page.locator(f"{select} option", has_text=re.compile(rf"^{re.escape(text)} \("))
    value = option.get_attribute("value")
    if url_part is None:
        tab.page.locator(select).select_option(value)
        return
    with tab.page.expect_response(lambda r: url_part in r.url):
        tab.page.locator(select).select_option(value)
    tab.settle()


def _finish_operations(tab: Tab) -> None:
    """A cluster made in the setup is deployed, as time would have it."""
    sandbox = tab.sandbox()
    Operation.objects.filter(sandbox=sandbox).unfinished().update(ends_at=timezone.now())
    complete_due_operations(sandbox)


def _fill_basics(tab: Tab, name: str, nodes: int) -> None:
    page = tab.page
    page.locator("#resource-group").select_option("contoso-rg")
    page.locator("#name").fill(name)
    page.locator("#region").select_option(label="(US) East US")
    tab.settle()  # a region change redraws the wizard (its VNet list follows the region)
    page.locator("#node-count").fill(str(nodes))


def _to_networking(tab: Tab, step: str | None = None) -> None:
    # Node pools and (Classic) Authentication sit between Basics and Networking (portal-ui §9.1).
    wizard_click(tab, wizard_tab(tab, "networking"), step)
    expect(wizard_tab(tab, "networking")).to_have_attribute("aria-selected", "true")
    expect(tab.page.locator("#tab-networking")).to_be_visible()


def _choose_plugin(tab: Tab, value: str) -> None:
    with tab.page.expect_response(lambda r: "/create/kubernetes/" in r.url and r.request.method == "POST"):
        tab.page.locator(f"#network-plugin input[value='{value}']").check()
    tab.settle()
    expect(tab.page.locator(f"#network-plugin input[value='{value}']")).to_be_checked()


def _plan_cell(tab: Tab, plugin: str, attribute: str):
    return tab.page.locator(f"#ip-plan-grid td[data-plugin='{plugin}'][{attribute}]")


def _badge(tab: Tab, cluster_pk: int | None = None):
    """The cluster's status badge (the one a push swaps in)."""
    if cluster_pk is None:
        return tab.page.locator("span[id^=cluster-status-]").first
    return tab.page.locator(f"#cluster-status-{cluster_pk}")


def _open_cluster_page(tab: Tab, name: str, page: str, step: str | None = None) -> None:
    menu = tab.page.locator("nav.az-resource-menu")
    tab.follow(menu.locator("a.az-resource-menu-item", has_text=page), step)
    expect(tab.page.locator("h1.az-blade-title")).to_contain_text(name)
    expect(tab.page.locator("h1.az-blade-title")).to_contain_text(page)


def test_create_a_kubenet_cluster_and_see_one_route_per_node(tab):
    _aks_vnet(tab)
    open_marketplace_product(tab, "kubernetes", "wizard-basics")
    page = tab.page
    expect(page.locator("h1.az-blade-title")).to_contain_text("Create Kubernetes cluster")
    expect(page.locator("#kubernetes-version")).to_contain_text("1.20.9")
    _fill_basics(tab, "e2e-kubenet", 3)
    tab.shot("basics-filled")

    _to_networking(tab)
    # SEED-26, AKS-42 [Classic]: Kubenet is the default network configuration.
    expect(page.locator("#network-plugin input[value='kubenet']")).to_be_checked()
    expect(page.locator("#network-plugin")).not_to_contain_text("Overlay")
    _select_by_label_start(tab, "#vnet", VNET)
    _select_by_label_start(tab, "#subnet", "kubenet-subnet", "/create/kubernetes/ip-plan")
    expect(page.locator("#ip-plan-subnet")).to_contain_text("kubenet-subnet")
    expect(page.locator("#ip-plan-subnet")).to_contain_text("251 free")
    tab.shot("networking-kubenet")

    banner = review_and_create(tab, "review")
    expect(banner).to_have_attribute("data-validation", "passed")
    review = page.locator("#tab-review")
    expect(review.locator(".az-prop", has_text="Network configuration")).to_contain_text("Kubenet")
    expect(review.locator(".az-prop", has_text="Cluster subnet")).to_contain_text("kubenet-subnet (10.60.0.0/24)")
    expect(review.locator(".az-prop", has_text="Docker Bridge address")).to_contain_text("172.17.0.1/16")

    create_and_open_deployment(tab)
    expect(page.locator("#deployment-details")).to_contain_text("e2e-kubenet")
    expect(page.locator("#deployment-details")).to_contain_text("Microsoft.ContainerService/managedClusters")
    # The create is a long-running operation: the bell's toast says when it's done.
    expect(toast(tab, "Deployment succeeded")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    tab.shot("deployment-succeeded-toast")
    page.locator("a.az-bell").click()
    bell = wait_for_pane(tab, "notifications-pane")
    note = bell.locator("#notification-list .az-notification", has_text="Deployment succeeded")
    expect(note.first).to_contain_text("e2e-kubenet")
    tab.shot("bell")
    page.locator("#notifications-pane [data-close-pane]").click()

    tab.follow(page.locator("#go-to-resource"), "overview")
    expect(page.locator("h1.az-blade-title")).to_have_text("e2e-kubenet")
    expect(_badge(tab)).to_have_attribute("data-state", "Succeeded")
    expect(page.locator("#node-count")).to_have_text("3")

    _open_cluster_page(tab, "e2e-kubenet", "Networking", "networking")
    expect(page.locator("#network-plugin")).to_have_text("Kubenet")
    expect(page.locator("#pod-cidr")).to_contain_text("10.244.0.0/16")
    # AKS-02: one route per node, pod /24 -> the node's address.
    route_table = page.locator("#route-table-link")
    expect(route_table).to_have_text(re.compile(r"^aks-agentpool-\d{8}-routetable$"))
    expect(page.locator("#network-profile")).to_contain_text("(3 of 400 routes)")
    rows = page.locator("#node-table tbody tr[data-node]")
    expect(rows).to_have_count(3)
    for index in range(3):
        expect(rows.nth(index)).to_contain_text(f"10.244.{index}.0/24 (route to 10.60.0.{4 + index})")
    # Only the nodes take subnet addresses with kubenet (SEED-26).
    expect(page.locator("#subnet-usage")).to_contain_text("251 usable, 3 used, 248 free")

    tab.follow(route_table, "route-table")
    cluster = ManagedCluster.objects.get(sandbox=tab.sandbox(), name="e2e-kubenet")
    routes = list(Route.objects.filter(route_table=cluster.route_table).order_by("address_prefix"))
    assert [(r.address_prefix, r.next_hop_type, r.next_hop_ip) for r in routes] == [
        (f"10.244.{i}.0/24", "VirtualAppliance", f"10.60.0.{4 + i}") for i in range(3)
    ]
    for route in routes:
        expect(page.locator("body")).to_contain_text(route.address_prefix)


def test_an_azure_cni_cluster_refused_for_a_small_subnet_then_created_in_a_bigger_one(tab):
    _aks_vnet(tab)
    open_marketplace_product(tab, "kubernetes")
    page = tab.page
    _fill_basics(tab, "e2e-cni", 8)
    _to_networking(tab)
    _choose_plugin(tab, "azure")
    _select_by_label_start(tab, "#vnet", VNET)
    _select_by_label_start(tab, "#subnet", "cni-small-subnet", "/create/kubernetes/ip-plan")
    # AKS-21 [Classic]: (8 + 1) + (8 + 1) x 30 = 279 addresses; a /24 has 251.
    expect(_plan_cell(tab, "azure", "data-needed")).to_have_attribute("data-needed", "279")
    expect(page.locator("#ip-plan-grid")).to_contain_text("Doesn't fit: 279 needed, 251 free")
    tab.shot("small-subnet-plan")

    banner = review_and_create(tab, "validation-failed")
    expect(banner).to_have_attribute("data-validation", "failed")
    expect(banner).to_contain_text("ERR-43")
    networking = wizard_tab(tab, "networking")
    expect(networking).to_have_attribute("data-error", "true")
    assert not ManagedCluster.objects.filter(sandbox=tab.sandbox()).exists()

    wizard_click(tab, networking, "refusal-on-field")
    error = page.locator("#subnet").locator("xpath=..").locator(".az-field-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Subnet 'cni-small-subnet' has 251 usable IPs, but 8 nodes × 30 pods need 279.")
    expect(error).to_contain_text("ERR-43, AKS-21, AKS-22")

    _select_by_label_start(tab, "#subnet", "cni-big-subnet", "/create/kubernetes/ip-plan")
    expect(page.locator("#ip-plan-grid td[data-plugin='azure']").filter(has_text="Doesn't fit")).to_have_count(0)
    banner = review_and_create(tab, "validation-passed")
    expect(banner).to_have_attribute("data-validation", "passed")
    expect(page.locator("#tab-review .az-prop", has_text="Network configuration")).to_contain_text("Azure CNI")
    create_and_open_deployment(tab)
    tab.follow(page.locator("#go-to-resource"))

    _open_cluster_page(tab, "e2e-cni", "Networking", "networking")
    expect(page.locator("#network-plugin")).to_have_text("Azure CNI")
    expect(page.locator("#route-table-link")).to_have_count(0)
    # AKS-20: 8 node addresses and 30 pod addresses per node, reserved up front.
    usage = page.locator("#subnet-usage")
    expect(usage).to_contain_text("1,019 usable, 248 used, 771 free")
    expect(usage).to_contain_text("8 node addresses and 240 pod addresses reserved up front")
    expect(page.locator("#node-table tbody tr[data-node]")).to_have_count(8)


def test_the_ip_planning_panel_follows_the_node_count(tab):
    _aks_vnet(tab)
    open_marketplace_product(tab, "kubernetes")
    page = tab.page
    _fill_basics(tab, "e2e-plan", 3)
    _to_networking(tab)
    _choose_plugin(tab, "azure")
    _select_by_label_start(tab, "#vnet", VNET)
    _select_by_label_start(tab, "#subnet", "cni-big-subnet", "/create/kubernetes/ip-plan")
    expect(_plan_cell(tab, "azure", "data-needed")).to_have_attribute("data-needed", "124")  # 4 + 4 x 30
    tab.shot("plan-3-nodes")

    # Back on Basics, the learner types 50 nodes; the panel refreshes at once.
    wizard_click(tab, wizard_tab(tab, "basics"))
    with page.expect_response(lambda r: "/create/kubernetes/ip-plan" in r.url and "node_count=50" in r.url):
        page.locator("#node-count").fill("50")
        page.locator("#node-count").dispatch_event("change")
    tab.settle()
    _to_networking(tab)
    # AKS-21: 50 nodes at 30 pods: 51 + 51 x 30 = 1,581 -> a /21.
    needed = _plan_cell(tab, "azure", "data-needed")
    expect(needed).to_have_attribute("data-needed", "1581")
    expect(needed).to_contain_text("51 + 51 × 30 = 1,581")
    expect(_plan_cell(tab, "azure", "data-smallest")).to_have_attribute("data-smallest", "/21")
    expect(_plan_cell(tab, "kubenet", "data-smallest")).to_have_attribute("data-smallest", "/26")
    expect(page.locator("#ip-plan-grid")).to_contain_text("Doesn't fit: 1,581 needed, 1,019 free")
    tab.shot("plan-50-nodes")

    # Picking the /24 instead updates the panel live too.
    _select_by_label_start(tab, "#subnet", "cni-small-subnet", "/create/kubernetes/ip-plan")
    expect(page.locator("#ip-plan-subnet")).to_contain_text("cni-small-subnet")
    expect(page.locator("#ip-plan-grid")).to_contain_text("Doesn't fit: 1,581 needed, 251 free")


def test_scale_a_cluster_one_refused_with_the_rule_and_one_accepted(tab):
    subnets = _aks_vnet(tab)
    spec = aks_services.ClusterSpec(
        name="e2e-scale",
        location="eastus",
        node_count=3,
        network_plugin="azure",
        subnet=subnets["cni-small-subnet"],
        node_size="Standard_DS2_v2",
    )
    cluster = aks_services.create_cluster(_group(tab), spec)
    _finish_operations(tab)
    tab.goto(resource_url(cluster))
    expect(_badge(tab, cluster.pk)).to_have_attribute("data-state", "Succeeded")
    page = tab.page
    _open_cluster_page(tab, "e2e-scale", "Scale", "scale")
    expect(page.locator("#scale-pool option:checked")).to_have_text("agentpool (3 nodes)")

    # AKS-21/22: 9 nodes need 10 + 10 x 30 = 310 addresses; the /24 has 251.
    page.locator("#scale-count").fill("9")
    response = htmx_click(tab, page.locator("#scale-save"), "/scale")
    assert response.status == 422
    error = page.locator("#scale-count").locator("xpath=..").locator(".az-field-error")
    expect(error).to_contain_text("Subnet 'cni-small-subnet' has 251 usable IPs, but 9 nodes × 30 pods need 310.")
    expect(error).to_contain_text("ERR-43, AKS-21, AKS-22")
    tab.shot("scale-refused")
    assert cluster.pools.get().nodes.count() == 3

    page.locator("#scale-count").fill("5")
    response = htmx_click(tab, page.locator("#scale-save"), "/scale")
    assert response.status == 200
    expect(page.locator("#scale-saved")).to_contain_text("Scaling started")
    expect(toast(tab, "Successfully scaled node pool 'agentpool'")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    tab.shot("scale-accepted")
    assert cluster.pools.get().nodes.count() == 5

    _open_cluster_page(tab, "e2e-scale", "Networking")
    expect(page.locator("#subnet-usage")).to_contain_text("5 node addresses and 150 pod addresses reserved up front")


def _answer(tab: Tab, question: str, value: str) -> None:
    with tab.page.expect_response(lambda r: "/create/kubernetes/network-model" in r.url):
        tab.page.locator(f"#question-{question} input[value='{value}']").check()
    tab.settle()


def test_which_network_model_asks_the_seeds_questions_and_recommends_with_reasons(tab):
    open_marketplace_product(tab, "kubernetes")
    page = tab.page
    _to_networking(tab)
    page.locator("#network-model-link").click()
    pane = wait_for_pane(tab)
    expect(pane.get_by_role("heading", name="Which network model?")).to_be_visible()
    expect(pane.locator("#recommendation-pending")).to_contain_text("Answer the questions")
    tab.shot("helper-open")

    # SEED-28: little address space, traffic inside the cluster, no Azure-only features.
    _answer(tab, "ip_space", "no")
    expect(pane.locator("#recommendation-pending")).to_contain_text("3 left")
    _answer(tab, "traffic", "inside")
    _answer(tab, "virtual_nodes_or_policy", "no")
    _answer(tab, "windows", "no")
    expect(pane.locator("#recommended-model")).to_have_text("Kubenet")
    reasons = pane.locator("#recommendation-reasons li")
    expect(reasons.first).to_contain_text("Address space is limited")
    expect(reasons.first.locator(".az-rule")).to_have_text("SEED-28, AKS-01")
    tab.shot("helper-kubenet")

    # SEED-27/AKS-04: Windows Server nodes need Azure CNI, whatever the space.
    _answer(tab, "windows", "yes")
    expect(pane.locator("#recommended-model")).to_have_text("Azure CNI")
    expect(pane.locator("#recommendation-reasons")).to_contain_text("SEED-27, SEED-29, AKS-04")
    tab.shot("helper-cni")
    # The wizard behind the pane kept its state.
    pane.locator("#network-model-close").click()
    expect(page.locator("#context-pane")).not_to_have_class(re.compile(r"\bopen\b"))
    expect(wizard_tab(tab, "networking")).to_have_attribute("aria-selected", "true")


# Records every state a cluster badge shows, as PAGE_PROBE does for app
# badges, so a test can prove each state arrived even if it was brief.
CLUSTER_PROBE = """
window.__clusterStates = [];
document.addEventListener("DOMContentLoaded", function () {
  function record(node) {
    if (node.nodeType === 1 && node.id && node.id.indexOf("cluster-status-") === 0) {
      window.__clusterStates.push(node.dataset.state);
    }
  }
  document.querySelectorAll("span[id^=cluster-status-]").forEach(record);
  new MutationObserver(function (mutations) {
    mutations.forEach(function (m) { m.addedNodes.forEach(record); });
  }).observe(document.body, {childList: true, subtree: true});
});
"""


def _states_seen(tab: Tab) -> list[str]:
    seen: list[str] = []
    for state in tab.page.evaluate("window.__clusterStates"):
        if not seen or seen[-1] != state:
            seen.append(state)
    return seen


def test_a_second_tab_sees_the_cluster_badge_turn_to_succeeded_live(tabs, settings):
    # Long enough for the second tab to open the Overview while it still reads Creating.
    settings.VNETLAB_OPERATION_SECONDS = 4
    config = tabs.tab()
    subnets = _aks_vnet(config)  # config is on Home, its WebSocket open
    spec = aks_services.ClusterSpec(
        name="e2e-live",
        location="eastus",
        node_count=2,
        network_plugin="kubenet",
        subnet=subnets["kubenet-subnet"],
        node_size="Standard_DS2_v2",
    )
    cluster = aks_services.create_cluster(_group(config), spec)

    watcher = tabs.tab("second-tab", same_sandbox_as=config)
    watcher.page.context.add_init_script(CLUSTER_PROBE)
    watcher.goto(resource_url(cluster), "overview-creating")
    assert watcher.sandbox() == config.sandbox()
    badge = _badge(watcher, cluster.pk)
    expect(badge).to_have_attribute("data-state", "Creating")
    expect(badge).to_contain_text("Creating...")
    loaded_at = watcher.probe()["loadedAt"]

    # The first tab's socket heard the create and finishes it on time; the
    # push turns the badge in every tab.
    expect(badge).to_have_attribute("data-state", "Succeeded", timeout=LIVE_TIMEOUT_MS)
    expect(badge).to_have_text("Succeeded")
    watcher.shot("overview-succeeded")

    rg = cluster.resource_group
    config.goto(
        reverse(
            "aks:scale",
            kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": cluster.name},
        )
    )
    config.page.locator("#scale-count").fill("4")
    response = htmx_click(config, config.page.locator("#scale-save"), "/scale")
    assert response.status == 200
    expect(_badge(config, cluster.pk)).to_have_attribute("data-state", "Updating")
    expect(badge).to_have_attribute("data-state", "Updating")
    watcher.shot("overview-updating")
    expect(badge).to_have_attribute("data-state", "Succeeded", timeout=LIVE_TIMEOUT_MS)
    # The first tab's "Scaling started" banner settles too.
    expect(_badge(config, cluster.pk)).to_have_attribute("data-state", "Succeeded")
    expect(toast(watcher, "Successfully scaled node pool 'agentpool'")).to_be_visible()
    watcher.shot("overview-scaled")

    assert watcher.probe()["loadedAt"] == loaded_at, "the second tab was never reloaded"
    assert _states_seen(watcher) == ["Creating", "Succeeded", "Updating", "Succeeded"]
    # The Overview's node count is a plain page value: it changes on reload.
    watcher.page.reload()
    watcher.wait_live()
    expect(watcher.page.locator("#node-count")).to_have_text("4")


def test_virtual_nodes_are_refused_with_kubenet_then_created_with_azure_cni_and_the_nodes_carry_the_nsg(tab):
    _aks_vnet(tab)
    open_marketplace_product(tab, "kubernetes")
    page = tab.page
    _fill_basics(tab, "e2e-vnodes", 3)
    _to_networking(tab)
    _select_by_label_start(tab, "#vnet", VNET)
    _select_by_label_start(tab, "#subnet", "cni-big-subnet", "/create/kubernetes/ip-plan")
    checkbox = page.locator("#virtual-nodes")
    expect(checkbox).not_to_be_checked()
    checkbox.check()

    # AKS-04: kubenet (the Classic default) has no virtual nodes add-on.
    banner = review_and_create(tab, "virtual-nodes-refused")
    expect(banner).to_have_attribute("data-validation", "failed")
    networking = wizard_tab(tab, "networking")
    expect(networking).to_have_attribute("data-error", "true")
    wizard_click(tab, networking, "virtual-nodes-error")
    error = page.locator("#virtual-nodes").locator("xpath=../..").locator(".az-field-error")
    expect(error).to_contain_text(
        "Cluster 'e2e-vnodes' uses kubenet. Windows Server node pools and virtual nodes require Azure CNI."
    )
    expect(error).to_contain_text("ERR-34, AKS-04")
    assert not ManagedCluster.objects.filter(sandbox=tab.sandbox()).exists()

    _choose_plugin(tab, "azure")
    expect(page.locator("#virtual-nodes")).to_be_checked()
    banner = review_and_create(tab, "virtual-nodes-passed")
    expect(banner).to_have_attribute("data-validation", "passed")
    expect(page.locator("#tab-review .az-prop", has_text="Virtual nodes")).to_contain_text("Enabled")
    create_and_open_deployment(tab)
    tab.follow(page.locator("#go-to-resource"))

    _open_cluster_page(tab, "e2e-vnodes", "Networking", "networking")
    expect(page.locator("#virtual-nodes")).to_have_text(re.compile(r"^Enabled"))
    # AKS-02: the node NSG is on every node's NIC.
    cluster = ManagedCluster.objects.select_related("node_nsg").get(sandbox=tab.sandbox(), name="e2e-vnodes")
    nsg_name = cluster.node_nsg.name
    expect(page.locator("#node-nsg-link")).to_have_text(re.compile(r"^aks-agentpool-\d{8}-nsg$"))
    expect(page.locator("#network-profile")).to_contain_text("(on 3 of 3 node network interfaces)")
    tab.follow(page.locator("#node-table a[data-nic]").first, "node-nic")
    menu = page.locator("nav.az-resource-menu")
    tab.follow(menu.locator("a.az-resource-menu-item", has_text="Effective security rules"), "effective-rules")
    expect(page.locator(f"#effective-security-rules section[data-nsg='{nsg_name}']")).to_contain_text(
        "Network interface: aks-agentpool-"
    )


def test_create_a_cluster_in_a_new_subnet_from_the_networking_tab(tab):
    """ "Create new" under "Cluster subnet": a refused range (overlapping a
    subnet, SUBNET-05) on its field, then the suggested free /24, planned
    live, and the cluster deployed into the subnet made with it."""
    _aks_vnet(tab)
    open_marketplace_product(tab, "kubernetes")
    page = tab.page
    _fill_basics(tab, "e2e-newsubnet", 3)
    _to_networking(tab)
    # "Create new" beside Virtual network pre-fills the lab's defaults; the learner goes back.
    wizard_click(tab, page.locator("#create-new-vnet"))
    expect(page.locator("#new-vnet-name")).to_have_value("e2e-newsubnet-vnet")
    # The Classic (2021) portal's defaults (docs/fidelity.md).
    expect(page.locator("#new-vnet-space")).to_have_value("10.0.0.0/8")
    expect(page.locator("#new-subnet-prefix")).to_have_value("10.240.0.0/16")
    tab.shot("networking-create-new-vnet")
    wizard_click(tab, page.locator("#cancel-new-vnet"))
    _select_by_label_start(tab, "#vnet", VNET)
    wizard_click(tab, page.locator("#create-new-subnet"))
    box = page.locator("#new-subnet")
    expect(box).to_be_visible()
    # The VNet's first free /24 is suggested, and its free ranges listed.
    expect(page.locator("#new-subnet-prefix")).to_have_value("10.60.2.0/24")
    expect(page.locator("#new-subnet-free-ranges")).to_contain_text("10.60.2.0/23")
    expect(page.locator("#ip-plan-subnet")).to_contain_text("(new) aks-subnet (10.60.2.0/24): 251 usable")
    tab.shot("networking-create-new-subnet")

    page.locator("#new-subnet-name").fill("e2e-nodes")
    with page.expect_response(lambda r: "/create/kubernetes/ip-plan" in r.url):
        page.locator("#new-subnet-prefix").fill("10.60.1.0/25")
        page.locator("#new-subnet-prefix").dispatch_event("change")
    tab.settle()
    banner = review_and_create(tab, "new-subnet-refused")
    expect(banner).to_have_attribute("data-validation", "failed")
    wizard_click(tab, wizard_tab(tab, "networking"))
    error = box.locator(".az-field-error")
    expect(error).to_contain_text("overlaps 'cni-small-subnet (10.60.1.0/24)'")
    expect(error).to_contain_text("ERR-21, SUBNET-05")

    with page.expect_response(lambda r: "/create/kubernetes/ip-plan" in r.url):
        page.locator("#new-subnet-prefix").fill("10.60.2.0/24")
        page.locator("#new-subnet-prefix").dispatch_event("change")
    tab.settle()
    expect(page.locator("#ip-plan-subnet")).to_contain_text("(new) e2e-nodes (10.60.2.0/24)")
    banner = review_and_create(tab, "new-subnet-passed")
    expect(banner).to_have_attribute("data-validation", "passed")
    expect(page.locator("#tab-review .az-prop", has_text="Cluster subnet")).to_contain_text(
        "(new) e2e-nodes (10.60.2.0/24)"
    )
    create_and_open_deployment(tab)
    expect(toast(tab, "Deployment succeeded")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    tab.follow(page.locator("#go-to-resource"))

    _open_cluster_page(tab, "e2e-newsubnet", "Networking", "networking")
    expect(page.locator("#subnet-usage")).to_contain_text("251 usable, 3 used, 248 free")
    cluster = ManagedCluster.objects.select_related("subnet__vnet").get(sandbox=tab.sandbox(), name="e2e-newsubnet")
    assert (cluster.subnet.name, cluster.subnet.address_prefix, cluster.subnet.vnet.name) == (
        "e2e-nodes",
        "10.60.2.0/24",
        VNET,
    )


def test_all_resources_leads_to_the_scale_set_and_the_load_balancer_not_to_node_nics(tab):
    """VMSS-01, LB-02: the node resource group as All resources lists it,
    and the scale set's and load balancer's blades a click away."""
    subnets = _aks_vnet(tab)
    spec = aks_services.ClusterSpec(
        name="e2e-infra",
        location="eastus",
        node_count=2,
        network_plugin="kubenet",
        subnet=subnets["kubenet-subnet"],
        node_size="Standard_DS2_v2",
    )
    cluster = aks_services.create_cluster(_group(tab), spec)
    _finish_operations(tab)
    page = tab.page
    tab.goto(reverse("all_resources"))
    table = page.locator("#resource-table")
    expect(table).not_to_contain_text("vmss000000-nic")
    scale_set = f"aks-agentpool-{cluster.resource_suffix}-vmss"
    tab.follow(table.get_by_role("link", name=scale_set, exact=True), "all-resources-to-vmss")
    expect(page.locator('[data-instance$="_0"]')).to_contain_text("10.60.0.4")
    expect(page.locator('[data-instance$="_1"]')).to_contain_text("10.60.0.5")
    tab.follow(page.locator("#essentials").get_by_role("link", name="kubernetes"), "vmss-to-load-balancer")
    expect(page.locator(f'[data-backend="{scale_set}"]')).to_be_visible()
    expect(page.locator("#lb-outbound-address")).to_have_text(re.compile(r"^198\.51\.100\.\d+$"))


def test_the_wizard_walks_the_eras_tabs_in_portal_order(tab):
    """portal-ui §9.1, issue #10: Next walks Basics, Node pools, Authentication,
    Networking, Integrations, Tags (Classic); Windows is greyed for the
    System pool (AKS-04); the VNet list is the region's (VNET-03)."""
    _aks_vnet(tab)
    vnets.create_vnet(
        _group(tab),
        name="e2e-west-vnet",
        location="westus",
        address_space=["10.61.0.0/16"],
        subnets=[("nodes", "10.61.0.0/24")],
    )
    open_marketplace_product(tab, "kubernetes")
    page = tab.page
    _fill_basics(tab, "e2e-tabs", 4)
    expect(page.locator("#os-type-windows")).to_be_disabled()
    expect(page.locator("#os-type-linux")).to_be_checked()
    tab.shot("tabs-basics")
    steps = [
        ("nodepools", "#wizard-node-pools tr[data-pool='agentpool']", "System"),
        ("authentication", "#authentication-method", "System-assigned managed identity"),
        ("networking", "#vnet", VNET),
        ("integrations", "#container-registry", "None"),
        ("tags", "#wizard-tag-grid", "Value"),
    ]
    for slug, selector, text in steps:
        wizard_click(tab, page.locator("#next-button"))
        expect(wizard_tab(tab, slug)).to_have_attribute("aria-selected", "true")
        expect(page.locator(f"#tab-{slug}")).to_be_visible()
        expect(page.locator(selector)).to_contain_text(text)
        tab.shot(f"tabs-{slug}")
    expect(page.locator("#wizard-add-node-pool")).to_be_disabled()
    # The VNet list holds East US networks only, and a new region redraws it.
    expect(page.locator("#vnet")).not_to_contain_text("e2e-west-vnet")
    wizard_click(tab, wizard_tab(tab, "basics"))
    with page.expect_response(lambda r: "/create/kubernetes/" in r.url and r.request.method == "POST"):
        page.locator("#region").select_option(label="(US) West US")
    tab.settle()
    wizard_click(tab, wizard_tab(tab, "networking"))
    expect(page.locator("#vnet")).to_contain_text("e2e-west-vnet")
    expect(page.locator("#vnet")).not_to_contain_text(VNET)
