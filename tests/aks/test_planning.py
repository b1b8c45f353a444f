"""AKS network planning (aks/planning.py), case by case, each case naming the
rules it proves: the defaults of each era, the IP arithmetic against the
documented worked examples, the refusals, and the network model helper."""

import subprocess
import sys
from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aks import planning as p
from aks.planning import Era, NetworkPolicy, Plugin
from portal.errors import AzureRuleError

KUBENET, CNI, OVERLAY = Plugin.KUBENET, Plugin.AZURE_CNI, Plugin.AZURE_CNI_OVERLAY
CLASSIC, CURRENT = Era.CLASSIC, Era.CURRENT


def test_it_imports_no_django():
    code = "import sys, aks.planning; sys.exit(any(m.split('.')[0] == 'django' for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- Defaults ------------------------------------------------------------------

DEFAULTS = [
    # (rules, era, plugin, pod CIDR, docker bridge, max pods default, max pods maximum)
    ("AKS-26 AKS-40 AKS-41", CLASSIC, KUBENET, "10.244.0.0/16", "172.17.0.1/16", 110, 110),
    ("AKS-26 AKS-40 AKS-41", CLASSIC, CNI, "", "172.17.0.1/16", 30, 250),
    ("AKS-06 AKS-25 AKS-40", CURRENT, KUBENET, "10.244.0.0/16", "", 110, 250),
    ("AKS-25 AKS-40", CURRENT, CNI, "", "", 30, 250),
    ("AKS-25 AKS-30 AKS-40", CURRENT, OVERLAY, "10.244.0.0/16", "", 250, 250),
]


@pytest.mark.parametrize(("rules", "era", "plugin", "pod_cidr", "bridge", "default", "maximum"), DEFAULTS)
def test_defaults_per_era_and_plugin(rules, era, plugin, pod_cidr, bridge, default, maximum):
    defaults = p.network_defaults(era, plugin)
    assert (defaults.service_cidr, defaults.dns_service_ip) == ("10.0.0.0/16", "10.0.0.10")
    assert (defaults.pod_cidr, defaults.docker_bridge_cidr) == (pod_cidr, bridge)
    assert (defaults.max_pods.default, defaults.max_pods.maximum, defaults.max_pods.minimum) == (default, maximum, 10)
    assert defaults.network_policy is NetworkPolicy.NONE


def test_aks_30_42_plugins_offered_per_era_default_first():
    assert p.aks_rules_for("classic").plugins == (KUBENET, CNI)
    assert p.aks_rules_for("current").plugins == (OVERLAY, CNI, KUBENET)
    assert p.network_defaults("classic").plugin is KUBENET
    assert p.network_defaults("current").plugin is OVERLAY
    assert p.CURRENT_AKS.plugin_label(CNI) == "Azure CNI Node Subnet"
    with pytest.raises(ValueError):
        p.network_defaults("classic", OVERLAY)


def test_aks_50_network_policies_per_era():
    assert p.CLASSIC_AKS.network_policies == (NetworkPolicy.NONE, NetworkPolicy.CALICO, NetworkPolicy.AZURE)
    assert NetworkPolicy.CILIUM in p.CURRENT_AKS.network_policies


def test_aks_09_kubenet_retirement_notice_only_in_current():
    assert p.CLASSIC_AKS.kubenet_notice == ""
    assert "31 March 2028" in p.CURRENT_AKS.kubenet_notice


def test_aks_34_42_arm_values():
    assert (OVERLAY.network_plugin, OVERLAY.network_plugin_mode) == ("azure", "overlay")
    assert (CNI.network_plugin, CNI.network_plugin_mode) == ("azure", "")
    assert (KUBENET.network_plugin, KUBENET.network_plugin_mode) == ("kubenet", "")


# --- IP planning -----------------------------------------------------------------

PLANS = [
    # (id, rules, plugin, era, nodes, max pods, max surge, subnet addresses, smallest prefix)
    ("cni-50-nodes", "AKS-21", CNI, CLASSIC, 50, 30, 1, 1581, 21),
    ("cni-plus-10-nodes", "AKS-21", CNI, CLASSIC, 60, 30, 1, 1891, 21),
    ("cni-classic-ignores-surge", "AKS-21", CNI, CLASSIC, 50, 30, 5, 1581, 21),
    ("cni-current-surge-1", "AKS-21", CNI, CURRENT, 50, 30, 1, 1581, 21),
    ("cni-current-surge-3", "AKS-21", CNI, CURRENT, 50, 30, 3, 53 + 53 * 30, 21),
    ("cni-current-250-pods", "AKS-21 AKS-25", CNI, CURRENT, 10, 250, 1, 11 + 11 * 250, 20),
    ("kubenet-nodes-plus-upgrade", "AKS-01 AKS-22", KUBENET, CLASSIC, 50, 110, 1, 51, 26),
    ("kubenet-400-nodes", "AKS-03 AKS-22", KUBENET, CLASSIC, 400, 110, 1, 401, 23),
    ("kubenet-current-surge", "AKS-22", KUBENET, CURRENT, 50, 110, 4, 54, 26),
    ("overlay-nodes-plus-surge", "AKS-30 AKS-22", OVERLAY, CURRENT, 50, 250, 2, 52, 26),
    ("smallest-is-29", "SUBNET-03", KUBENET, CLASSIC, 1, 110, 1, 2, 29),
]


@pytest.mark.parametrize(
    ("rules", "plugin", "era", "nodes", "max_pods", "surge", "needed", "prefix"),
    [case[1:] for case in PLANS],
    ids=[case[0] for case in PLANS],
)
def test_subnet_addresses_and_smallest_subnet(rules, plugin, era, nodes, max_pods, surge, needed, prefix):
    plan = p.plan_ip(plugin, era, nodes, max_pods, surge)
    assert plan.subnet_addresses == needed == p.subnet_addresses_needed(plugin, era, nodes, max_pods, surge)
    assert plan.smallest_subnet_prefix == prefix


def test_aks_21_worked_example_formula_as_the_docs_write_it():
    assert p.plan_ip(CNI, CLASSIC, 50, 30).formula == "51 + 51 × 30 = 1,581"
    assert p.plan_ip(CNI, CLASSIC, 60, 30).formula == "61 + 61 × 30 = 1,891"
    assert p.plan_ip(KUBENET, CLASSIC, 50).formula == "50 + 1 = 51"


def test_subnet_01_a_slash_24_has_251_usable_addresses():
    assert p.usable_in_prefix(24) == 251
    assert p.smallest_prefix_for(251) == 24
    assert p.smallest_prefix_for(252) == 23


def test_aks_24_cni_slash_24_fits_8_nodes_and_240_pods():
    # The doc counts the nodes and their pods only; with the upgrade node reserved one fewer fits.
    nodes = p.max_nodes_in_subnet(24, CNI, CLASSIC, 30, reserve_upgrade=False)
    assert (nodes, nodes * 30) == (8, 240)
    assert p.max_nodes_in_subnet(24, CNI, CLASSIC, 30) == 7
    assert p.plan_ip(CNI, CLASSIC, 7, 30).fits(251)
    assert not p.plan_ip(CNI, CLASSIC, 8, 30).fits(251)


def test_aks_07_kubenet_slash_24_fits_251_nodes_and_27610_pods():
    nodes = p.max_nodes_in_subnet(24, KUBENET, CLASSIC, 110, reserve_upgrade=False)
    assert (nodes, nodes * 110) == (251, 27_610)
    assert p.plan_ip(KUBENET, CLASSIC, 251, 110).pod_capacity == 27_610


def test_aks_07_kubenet_slash_27_fits_20_to_25_nodes():
    # 2,200-2,750 pods at 110; 25 nodes plus the upgrade node still fit the 27 usable addresses.
    assert (20 * 110, 25 * 110) == (2_200, 2_750)
    assert p.plan_ip(KUBENET, CLASSIC, 25, 110).fits(p.usable_in_prefix(27))
    assert p.max_nodes_in_subnet(27, KUBENET, CLASSIC, 110) >= 25


def test_it_compares_the_plugins_of_the_era_side_by_side():
    plans = p.compare_plugins(CLASSIC, 50, {CNI: 30})
    assert [(plan.plugin, plan.subnet_addresses) for plan in plans] == [(KUBENET, 51), (CNI, 1581)]
    assert [plan.remaining(2043) for plan in plans] == [1992, 462]
    assert [plan.plugin for plan in p.compare_plugins(CURRENT, 3)] == [OVERLAY, CNI, KUBENET]


def test_aks_01_03_kubenet_plan_counts_pod_ranges_and_routes():
    plan = p.plan_ip(KUBENET, CLASSIC, 300)
    assert (plan.pod_cidr_blocks, plan.smallest_pod_cidr_prefix, plan.route_count) == (300, 15, 300)
    assert plan.subnet_pod_addresses == 0
    cni = p.plan_ip(CNI, CLASSIC, 3)
    assert (cni.pod_cidr_blocks, cni.smallest_pod_cidr_prefix, cni.route_count) == (0, None, 0)


@pytest.mark.parametrize(("nodes", "prefix"), [(1, 24), (2, 23), (256, 16), (257, 15), (400, 15), (1000, 14)])
def test_aks_01_pod_cidr_holds_a_slash_24_per_node(nodes, prefix):
    assert p.pod_cidr_prefix_for(nodes) == prefix


def test_aks_01_node_pod_ranges_in_order():
    assert p.node_pod_cidr("10.244.0.0/16", 0) == IPv4Network("10.244.0.0/24")
    assert p.node_pod_cidr("10.244.0.0/16", 1) == IPv4Network("10.244.1.0/24")
    with pytest.raises(ValueError):
        p.node_pod_cidr("10.244.0.0/16", 256)


def test_aks_02_kubenet_routes_one_per_node_to_the_node():
    routes = p.kubenet_routes("10.244.0.0/16", [("aks-nodepool1-0", "10.240.0.4"), ("aks-nodepool1-1", "10.240.0.5")])
    assert [(r.name, str(r.address_prefix), str(r.next_hop_ip), r.next_hop_type) for r in routes] == [
        ("aks-nodepool1-0", "10.244.0.0/24", "10.240.0.4", "VirtualAppliance"),
        ("aks-nodepool1-1", "10.244.1.0/24", "10.240.0.5", "VirtualAppliance"),
    ]


def test_aks_01_kubenet_routes_follow_each_nodes_pod_index():
    # A scale gives new nodes the /24s other nodes left free: the route follows the index, not the order.
    routes = p.kubenet_routes("10.244.0.0/16", [("n-a", "10.240.0.7"), ("n-b", "10.240.0.8")], [1, 4])
    assert [(r.name, str(r.address_prefix)) for r in routes] == [("n-a", "10.244.1.0/24"), ("n-b", "10.244.4.0/24")]


def test_limit_23_kubenet_routes_stop_at_400():
    nodes = [(f"n{i}", str(IPv4Address("10.240.0.4") + i)) for i in range(401)]
    assert len(p.kubenet_routes("10.244.0.0/15", nodes[:400])) == 400
    with pytest.raises(ValueError, match="LIMIT-23"):
        p.kubenet_routes("10.244.0.0/15", nodes)


# --- Validation ------------------------------------------------------------------

SUBNET = p.SubnetContext(
    name="aks-subnet",
    prefix="172.16.0.0/20",
    vnet_address_space=("172.16.0.0/16",),
    peered_address_space=("192.168.10.0/24",),
    on_premises_prefixes=("192.168.100.0/24",),
)
KUBENET_SPEC = p.ClusterNetworkSpec(era=CLASSIC, network_plugin=KUBENET, node_count=3, cluster_name="kube1")
CNI_SPEC = p.ClusterNetworkSpec(era=CLASSIC, network_plugin=CNI, node_count=3, cluster_name="cni1")
OVERLAY_SPEC = p.ClusterNetworkSpec(era=CURRENT, network_plugin=OVERLAY, node_count=3, cluster_name="ovl1")
KUBE_EXISTING = p.ExistingCluster("other-kube", KUBENET)
CNI_EXISTING = p.ExistingCluster("other-cni", CNI)

VALIDATION = [
    # (id, rules, spec, subnet, expected {(err_id, field)})
    ("kubenet-defaults-ok", "AKS-40 AKS-41", KUBENET_SPEC, SUBNET, set()),
    ("cni-defaults-ok", "AKS-40 AKS-41", CNI_SPEC, SUBNET, set()),
    ("overlay-defaults-ok", "AKS-30 AKS-40", OVERLAY_SPEC, SUBNET, set()),
    (
        "cni-subnet-too-small",
        "AKS-21",
        replace(CNI_SPEC, node_count=50, max_pods=30),
        replace(SUBNET, prefix="172.16.0.0/24"),
        {("ERR-43", "subnet")},
    ),
    (
        "cni-50-nodes-fit-a-21",
        "AKS-21",
        replace(CNI_SPEC, node_count=50, max_pods=30),
        replace(SUBNET, prefix="172.16.0.0/21"),
        set(),
    ),
    (
        "kubenet-subnet-full-of-other-things",
        "AKS-22",
        replace(KUBENET_SPEC, node_count=20),
        replace(SUBNET, prefix="172.16.0.0/27", used_addresses=10),
        {("ERR-43", "subnet")},
    ),
    (
        "service-overlaps-vnet",
        "AKS-43",
        replace(KUBENET_SPEC, service_cidr="172.16.0.0/16", dns_service_ip="172.16.0.10"),
        SUBNET,
        {("ERR-38", "service_cidr")},
    ),
    (
        "service-overlaps-peered",
        "AKS-43",
        replace(CNI_SPEC, service_cidr="192.168.10.0/24", dns_service_ip="192.168.10.10"),
        SUBNET,
        {("ERR-38", "service_cidr")},
    ),
    (
        "service-overlaps-on-prem",
        "AKS-43",
        replace(CNI_SPEC, service_cidr="192.168.100.0/24", dns_service_ip="192.168.100.10"),
        SUBNET,
        {("ERR-38", "service_cidr")},
    ),
    (
        "service-overlaps-pod-cidr",
        "AKS-43",
        replace(KUBENET_SPEC, service_cidr="10.244.0.0/16", dns_service_ip="10.244.0.10"),
        SUBNET,
        {("ERR-38", "service_cidr")},
    ),
    (
        "service-slash-12-too-large",
        "AKS-43",
        replace(CNI_SPEC, service_cidr="10.0.0.0/12"),
        SUBNET,
        {("ERR-39", "service_cidr")},
    ),
    (
        "service-slash-13-ok",
        "AKS-43",
        replace(CNI_SPEC, service_cidr="10.16.0.0/13", dns_service_ip="10.16.0.10"),
        SUBNET,
        set(),
    ),
    (
        "service-reserved",
        "AKS-46",
        replace(CNI_SPEC, service_cidr="172.30.0.0/16", dns_service_ip="172.30.0.10"),
        SUBNET,
        {("ERR-40", "service_cidr")},
    ),
    ("pod-cidr-reserved", "AKS-46", replace(KUBENET_SPEC, pod_cidr="169.254.0.0/16"), SUBNET, {("ERR-40", "pod_cidr")}),
    (
        "vnet-reserved",
        "AKS-46",
        CNI_SPEC,
        replace(SUBNET, prefix="192.0.2.0/24", vnet_address_space=("192.0.2.0/24",)),
        {("ERR-40", "virtual_network")},
    ),
    (
        "dns-ip-outside-service",
        "AKS-44",
        replace(CNI_SPEC, dns_service_ip="10.1.0.10"),
        SUBNET,
        {("ERR-36", "dns_service_ip")},
    ),
    (
        "dns-ip-first-address",
        "AKS-44",
        replace(CNI_SPEC, dns_service_ip="10.0.0.1"),
        SUBNET,
        {("ERR-37", "dns_service_ip")},
    ),
    (
        "dns-ip-network-address",
        "AKS-44",
        replace(CNI_SPEC, dns_service_ip="10.0.0.0"),
        SUBNET,
        {("ERR-37", "dns_service_ip")},
    ),
    ("dns-ip-second-address-ok", "AKS-44", replace(CNI_SPEC, dns_service_ip="10.0.0.2"), SUBNET, set()),
    (
        "docker-bridge-in-vnet",
        "AKS-45",
        replace(CNI_SPEC, docker_bridge_cidr="172.16.0.1/16"),
        SUBNET,
        {("AKS-45", "docker_bridge_cidr")},
    ),
    (
        "docker-bridge-on-service",
        "AKS-45",
        replace(CNI_SPEC, docker_bridge_cidr="10.0.0.1/16"),
        SUBNET,
        {("AKS-45", "docker_bridge_cidr")},
    ),
    (
        "docker-bridge-absent-in-current",
        "AKS-41",
        replace(OVERLAY_SPEC, docker_bridge_cidr="172.16.0.1/16"),
        SUBNET,
        set(),
    ),
    (
        "pod-cidr-over-subnet",
        "AKS-31",
        replace(KUBENET_SPEC, pod_cidr="172.16.0.0/16"),
        SUBNET,
        {("ERR-46", "pod_cidr")},
    ),
    (
        "pod-cidr-over-peered",
        "AKS-31",
        replace(OVERLAY_SPEC, pod_cidr="192.168.0.0/16"),
        SUBNET,
        {("ERR-46", "pod_cidr")},
    ),
    (
        "pod-cidr-over-on-prem",
        "AKS-31",
        replace(OVERLAY_SPEC, pod_cidr="192.168.100.0/22"),
        SUBNET,
        {("ERR-46", "pod_cidr")},
    ),
    # Issue #10: Azure refuses a pod CIDR with CNI in node-subnet mode (AKS-20, AKS-34).
    (
        "pod-cidr-refused-for-cni",
        "AKS-20",
        replace(CNI_SPEC, pod_cidr="172.16.0.0/16"),
        SUBNET,
        {("AKS-20", "pod_cidr")},
    ),
    ("pod-cidr-too-small-for-nodes", "AKS-01", replace(KUBENET_SPEC, node_count=300), SUBNET, {("AKS-01", "pod_cidr")}),
    ("max-pods-kubenet-classic-111", "AKS-26", replace(KUBENET_SPEC, max_pods=111), SUBNET, {("ERR-42", "max_pods")}),
    ("max-pods-kubenet-current-250", "AKS-06 AKS-25", replace(KUBENET_SPEC, era=CURRENT, max_pods=250), SUBNET, set()),
    ("max-pods-cni-251", "AKS-25", replace(CNI_SPEC, max_pods=251), SUBNET, {("ERR-42", "max_pods")}),
    ("max-pods-9", "AKS-25", replace(CNI_SPEC, max_pods=9), SUBNET, {("ERR-42", "max_pods")}),
    (
        "max-pods-10-on-2-nodes",
        "AKS-25",
        replace(CNI_SPEC, node_count=2, max_pods=10),
        SUBNET,
        {("ERR-42", "max_pods")},
    ),
    ("max-pods-10-on-3-nodes", "AKS-25", replace(CNI_SPEC, node_count=3, max_pods=10), SUBNET, set()),
    (
        "kubenet-azure-policy",
        "AKS-04 AKS-52",
        replace(KUBENET_SPEC, network_policy=NetworkPolicy.AZURE),
        SUBNET,
        {("ERR-33", "network_policy")},
    ),
    ("kubenet-calico-ok", "AKS-52", replace(KUBENET_SPEC, network_policy=NetworkPolicy.CALICO), SUBNET, set()),
    ("cni-azure-policy-ok", "AKS-51", replace(CNI_SPEC, network_policy=NetworkPolicy.AZURE), SUBNET, set()),
    (
        "cilium-not-in-classic",
        "AKS-50",
        replace(CNI_SPEC, network_policy=NetworkPolicy.CILIUM),
        SUBNET,
        {("AKS-50", "network_policy")},
    ),
    (
        "cilium-on-kubenet",
        "AKS-51 AKS-52",
        replace(KUBENET_SPEC, era=CURRENT, network_policy=NetworkPolicy.CILIUM),
        SUBNET,
        {("AKS-51", "network_policy")},
    ),
    (
        "kubenet-windows",
        "AKS-04",
        replace(KUBENET_SPEC, windows_node_pools=True),
        SUBNET,
        {("ERR-34", "windows_node_pools")},
    ),
    (
        "kubenet-virtual-nodes",
        "AKS-04",
        replace(KUBENET_SPEC, virtual_nodes=True),
        SUBNET,
        {("ERR-34", "virtual_nodes")},
    ),
    ("cni-windows-ok", "AKS-04", replace(CNI_SPEC, windows_node_pools=True, virtual_nodes=True), SUBNET, set()),
    ("kubenet-400-nodes-ok", "AKS-03", replace(KUBENET_SPEC, node_count=400, pod_cidr="10.244.0.0/15"), SUBNET, set()),
    (
        "kubenet-401-nodes",
        "AKS-03 LIMIT-23",
        replace(KUBENET_SPEC, node_count=401, pod_cidr="10.244.0.0/15"),
        SUBNET,
        {("ERR-35", "node_count")},
    ),
    (
        "overlay-1001-nodes",
        "AKS-32",
        replace(OVERLAY_SPEC, node_count=1001, pod_cidr="10.240.0.0/12"),
        SUBNET,
        {("AKS-32", "node_count")},
    ),
    (
        "delegated-subnet",
        "AKS-23 SUBNET-13",
        CNI_SPEC,
        replace(SUBNET, delegations=("Microsoft.Web/serverFarms",)),
        {("ERR-41", "subnet")},
    ),
    (
        "kubenet-beside-kubenet",
        "AKS-05",
        KUBENET_SPEC,
        replace(SUBNET, existing_clusters=(KUBE_EXISTING,)),
        {("ERR-32", "subnet")},
    ),
    (
        "kubenet-beside-cni",
        "AKS-05",
        KUBENET_SPEC,
        replace(SUBNET, existing_clusters=(CNI_EXISTING,)),
        {("ERR-32", "subnet")},
    ),
    (
        "cni-beside-kubenet",
        "AKS-05",
        CNI_SPEC,
        replace(SUBNET, existing_clusters=(KUBE_EXISTING,)),
        {("ERR-32", "subnet")},
    ),
    ("cni-beside-cni-ok", "AKS-05 SEED-27", CNI_SPEC, replace(SUBNET, existing_clusters=(CNI_EXISTING,)), set()),
    ("overlay-in-classic", "AKS-30", replace(OVERLAY_SPEC, era=CLASSIC), SUBNET, {("AKS-30", "network_plugin")}),
    (
        "service-not-a-network-address",
        "AKS-43",
        replace(CNI_SPEC, service_cidr="10.0.0.1/16"),
        SUBNET,
        {("AKS-43", "service_cidr")},
    ),
    ("dns-ip-garbage", "AKS-44", replace(CNI_SPEC, dns_service_ip="ten"), SUBNET, {("AKS-44", "dns_service_ip")}),
    (
        "docker-bridge-garbage",
        "AKS-41",
        replace(CNI_SPEC, docker_bridge_cidr="172.17.0.1"),
        SUBNET,
        {("AKS-41", "docker_bridge_cidr")},
    ),
]


def _key(refusal):
    """The ERR ID, or the first rule ID for refusals the §16 table has no text for."""
    return (refusal.err_id or refusal.rule_ids[0], refusal.field)


@pytest.mark.parametrize(
    ("rules", "spec", "subnet", "expected"),
    [case[1:] for case in VALIDATION],
    ids=[case[0] for case in VALIDATION],
)
def test_validate_cluster(rules, spec, subnet, expected):
    refusals = p.validate_cluster(spec, subnet)
    assert {_key(r) for r in refusals} == expected
    for refusal in refusals:
        assert "{" not in refusal.message
        assert set(rules.split()) & set(refusal.rule_ids) or refusal.err_id


def test_err_43_names_the_worked_example_and_the_subnet_that_fits():
    spec = replace(CNI_SPEC, node_count=50, max_pods=30)
    (refusal,) = p.validate_cluster(spec, replace(SUBNET, prefix="172.16.0.0/24"))
    assert refusal.message == "Subnet 'aks-subnet' has 251 usable IPs, but 50 nodes × 30 pods need 1,581."
    assert refusal.rule_ids == ("AKS-21", "AKS-22")
    assert refusal.values["needed_prefix"] == 21


def test_err_43_for_scale_counts_only_what_others_use():
    # Scaling a 7-node CNI cluster in a /24 to 8 nodes: the subnet holds the plan only without the upgrade node.
    subnet = replace(SUBNET, prefix="172.16.0.0/24")
    assert p.capacity_refusals(replace(CNI_SPEC, node_count=7, max_pods=30), subnet) == []
    (refusal,) = p.capacity_refusals(replace(CNI_SPEC, node_count=8, max_pods=30), subnet)
    assert refusal.err_id == "ERR-43"


def test_err_32_names_the_other_cluster():
    (refusal,) = p.validate_cluster(KUBENET_SPEC, replace(SUBNET, existing_clusters=(KUBE_EXISTING,)))
    assert refusal.message == (
        "Subnet 'aks-subnet' already hosts AKS cluster 'other-kube'. A kubenet cluster needs its own subnet."
    )


def test_a_refusal_becomes_an_azure_rule_error():
    (refusal,) = p.validate_cluster(replace(KUBENET_SPEC, network_policy="azure"), SUBNET)
    error = AzureRuleError(refusal.message, rule_ids=refusal.rule_ids, err_id=refusal.err_id, field=refusal.field)
    assert error.learn_more == refusal.learn_more == "Learn more: ERR-33, AKS-04, AKS-52"


# --- Which network model? -------------------------------------------------------

Q = p.ModelQuestions

MODELS = [
    # (id, rules, era, questions, recommended, also fits)
    ("classic-limited-space-inside", "SEED-28", CLASSIC, Q(False, True, False, False), KUBENET, None),
    ("classic-limited-space-outside", "SEED-28", CLASSIC, Q(False, False, False, False), KUBENET, None),
    ("classic-space-outside", "SEED-29", CLASSIC, Q(True, False, False, False), CNI, None),
    ("classic-space-inside", "SEED-28 SEED-29", CLASSIC, Q(True, True, False, False), CNI, KUBENET),
    ("classic-virtual-nodes", "SEED-29 AKS-04", CLASSIC, Q(False, True, True, False), CNI, None),
    ("classic-windows", "SEED-27 AKS-04", CLASSIC, Q(True, True, False, True), CNI, None),
    ("current-limited-space", "AKS-09 AKS-30", CURRENT, Q(False, True, False, False), OVERLAY, None),
    ("current-space-outside", "SEED-29 AKS-30", CURRENT, Q(True, False, False, False), CNI, OVERLAY),
    ("current-space-inside", "AKS-09 AKS-30", CURRENT, Q(True, True, False, False), OVERLAY, CNI),
    ("current-policy-with-space", "SEED-29", CURRENT, Q(True, True, True, False), CNI, OVERLAY),
    ("current-policy-short-space", "AKS-51", CURRENT, Q(False, True, True, False), OVERLAY, None),
    ("current-windows", "AKS-04", CURRENT, Q(False, True, False, True), OVERLAY, None),
]


@pytest.mark.parametrize(
    ("rules", "era", "questions", "plugin", "also"),
    [case[1:] for case in MODELS],
    ids=[case[0] for case in MODELS],
)
def test_recommend_network_model(rules, era, questions, plugin, also):
    recommendation = p.recommend_network_model(questions, era)
    assert (recommendation.plugin, recommendation.also_fits) == (plugin, also)
    assert set(rules.split()) <= set(recommendation.rule_ids)
    assert recommendation.label == p.aks_rules_for(era).plugin_label(plugin)
    assert ("31 March 2028" in recommendation.notice) is (era is CURRENT)
    assert recommendation.plugin is not KUBENET or era is CLASSIC


# --- Properties -------------------------------------------------------------------


@given(st.integers(0, 2**31))
def test_subnet_01_smallest_prefix_fits_and_one_longer_does_not(needed):
    prefix = p.smallest_prefix_for(needed)
    assert p.usable_in_prefix(prefix) >= needed
    assert prefix == 29 or p.usable_in_prefix(prefix + 1) < needed


@given(nodes=st.integers(1, 1000), pods=st.integers(10, 250), surge=st.integers(1, 20))
def test_aks_21_cni_formula_per_era(nodes, pods, surge):
    assert p.subnet_addresses_needed(CNI, CLASSIC, nodes, pods, surge) == (nodes + 1) * (1 + pods)
    assert p.subnet_addresses_needed(CNI, CURRENT, nodes, pods, surge) == (nodes + surge) * (1 + pods)
    assert p.subnet_addresses_needed(OVERLAY, CURRENT, nodes, pods, surge) == nodes + surge


@given(prefix=st.integers(16, 29), plugin=st.sampled_from([KUBENET, CNI]), pods=st.integers(10, 110))
def test_max_nodes_in_subnet_is_the_largest_plan_that_fits(prefix, plugin, pods):
    nodes = p.max_nodes_in_subnet(prefix, plugin, CLASSIC, pods)
    usable = p.usable_in_prefix(prefix)
    assert not p.plan_ip(plugin, CLASSIC, nodes + 1, pods).fits(usable)
    if nodes:
        assert p.plan_ip(plugin, CLASSIC, nodes, pods).fits(usable)


@given(prefix=st.integers(12, 24), data=st.data())
def test_aks_01_node_ranges_are_disjoint_and_inside_the_pod_cidr(prefix, data):
    pod_cidr = IPv4Network(("10.0.0.0", prefix)).supernet(new_prefix=prefix)
    count = 2 ** (24 - prefix)
    i, j = data.draw(st.integers(0, count - 1)), data.draw(st.integers(0, count - 1))
    a, b = p.node_pod_cidr(pod_cidr, i), p.node_pod_cidr(pod_cidr, j)
    assert a.subnet_of(pod_cidr) and b.subnet_of(pod_cidr)
    assert (a == b) is (i == j) and (a.overlaps(b)) is (i == j)


@pytest.mark.parametrize("era", [CLASSIC, CURRENT])
def test_aks_25_max_pods_10_on_one_node_names_the_pool_minimum_not_the_range(era):
    # Issue #10: "maxPods 10 must be 10-110" contradicted itself; 10 is in range, the pool lacks room for 30 pods.
    (refusal,) = p.validate_cluster(replace(KUBENET_SPEC, era=era, node_count=1, max_pods=10), SUBNET)
    assert (refusal.err_id, refusal.field) == ("ERR-42", "max_pods") and "AKS-25" in refusal.rule_ids
    assert "must be" not in refusal.message
    assert refusal.message == (
        "A node pool needs room for at least 30 pods, but 1 node × maxPods 10 gives 10. Set maxPods to 30 or more, "
        "or use 3 nodes or more (AKS-25)."
    )
    # Out of range is still the range.
    (out_of_range,) = p.validate_cluster(replace(KUBENET_SPEC, era=era, node_count=1, max_pods=9), SUBNET)
    assert out_of_range.message.startswith("maxPods 9 must be 10–")
