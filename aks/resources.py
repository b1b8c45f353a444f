"""The AKS app's resource types, as the portal's registry knows them:
managed clusters (with their live "Creating..."/"Updating..." badge),
their node pools and the pools' virtual machine scale sets. Registered from
AksConfig.ready()."""

from collections.abc import Iterable
from datetime import datetime

from aks.models import ManagedCluster
from aks.services import CLUSTER_OPERATIONS, cluster_states
from networking.resources import arm_document, watcher_tools
from portal.registry import AUTOMATION, LiveBadge, MenuItem, MenuSection, Product, ResourceType, registry

AKS_API = "2024-02-01"
ICON = "bi-boxes"


def _item(label: str, icon: str, key: str) -> MenuItem:
    # The cluster's views mark the active page by its URL name.
    return MenuItem(label, icon, f"aks:{key}", key)


CLUSTER_MENU = (
    MenuSection("", (_item("Overview", ICON, "overview"), _item("Activity log", "bi-journal-text", "activity"))),
    MenuSection(
        "Settings",
        (
            _item("Node pools", "bi-hdd-stack", "nodepools"),
            _item("Networking", "bi-diagram-3", "networking"),
            _item("Scale", "bi-arrows-angle-expand", "scale"),
            _item("Properties", "bi-code-square", "json"),
        ),
    ),
    AUTOMATION,
)


VMSS_ICON = "bi-layers"

SCALE_SET_MENU = (
    MenuSection(
        "", (_item("Overview", VMSS_ICON, "vmss_overview"), _item("Activity log", "bi-journal-text", "vmss_activity"))
    ),
    MenuSection(
        "Settings",
        (
            _item("Instances", "bi-pc-display", "vmss_instances"),
            _item("Properties", "bi-code-square", "vmss_json"),
        ),
    ),
    AUTOMATION,
)


def states(sandbox, pks: Iterable[int], now: datetime) -> dict[int, str]:
    """Creating, Updating or Succeeded, from the clusters' operations' end times."""
    changed = ManagedCluster.objects.filter(sandbox=sandbox, pk__in=list(pks)).select_related(
        "resource_group__subscription"
    )
    return cluster_states(changed, now)


def resource_types() -> list[ResourceType]:
    return [
        ResourceType(
            arm_type="Microsoft.ContainerService/managedClusters",
            api_version=AKS_API,
            label="Kubernetes service",
            icon=ICON,
            model="aks.ManagedCluster",
            overview_url="aks:overview",
            menu=CLUSTER_MENU,
            activity_name="Managed Cluster",  # "Create or Update Managed Cluster" in the Activity log
            product=Product(
                "Kubernetes Service",
                ICON,
                "Managed Kubernetes clusters: kubenet or Azure CNI, sized for your subnet.",
                frozenset({"popular", "containers"}),
                wizard="kubernetes",
                rank=5,
            ),
            badge=LiveBadge(
                operation_kinds=CLUSTER_OPERATIONS,
                states=states,
                partial="aks/live_badge.html",
                id_prefix="cluster-status-",
            ),
            to_arm=arm_document,
        ),
        # VMSS-01: a node pool's scale set, made by AKS in the node resource
        # group; its instances hold the nodes' NICs.
        ResourceType(
            arm_type="Microsoft.Compute/virtualMachineScaleSets",
            api_version="2023-09-01",
            label="Virtual machine scale set",
            icon=VMSS_ICON,
            model="aks.VirtualMachineScaleSet",
            overview_url="aks:vmss_overview",
            menu=SCALE_SET_MENU,
            to_arm=arm_document,
        ),
        ResourceType(
            arm_type="Microsoft.ContainerService/managedClusters/agentPools",
            api_version=AKS_API,
            label="Node pool",
            icon="bi-hdd-stack",
            activity_name="Agent Pool",
            model="aks.AgentPool",
            listed=False,
        ),
    ]


def register() -> None:
    for resource_type in resource_types():
        registry.register(resource_type)
    # The cluster's nodes sit in its subnet: Network Watcher's tools apply.
    for tool in watcher_tools():
        registry.add_diagnostic("Microsoft.ContainerService/managedClusters", tool)
    registry.add_wizard("kubernetes", "aks.forms.KubernetesWizard")
    registry.add_create_urls("aks.urls.create_urlpatterns")
