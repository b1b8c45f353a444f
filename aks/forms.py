"""The "Create Kubernetes cluster" wizard (portal-ui §9) and the live IP
planning panel of its Networking tab, plus the cluster blade's forms.

Field shape is checked here; Azure's rules by ``aks.services`` (which uses
``aks.planning``), so the wizard, the blade and the service refuse alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from ipaddress import IPv4Network
from typing import Any, ClassVar

from django import forms
from django.utils.html import format_html

from aks import planning, services
from aks.planning import NetworkPolicy, Plugin
from networking.engine import addressing
from networking.forms.fields import Text
from networking.models import Subnet, VirtualNetwork
from portal.eras import Era
from portal.forms import REVIEW, TAGS, CreateWizard, Problem
from portal.inputs import parse_pk
from portal.layout import RERENDER_WIZARD, AzField, Picker, helper, wizard_name, wizard_region

NODE_COUNT_ERRORS = {
    "required": "Enter a node count.",
    "invalid": "Enter a whole number of nodes.",
    "min_value": "Node count must be at least 1.",
    "max_value": f"Node count must be at most {services.MAX_NODES_PER_POOL:,}.",
}
MAX_PODS_ERRORS = {"invalid": "Enter a whole number of pods.", "min_value": "Enter at least 1."}
OS_CHOICES = [("Linux", "Linux"), ("Windows", "Windows")]
# The wizard's primary pool is the cluster's System pool, and System pools
# run Linux: Windows Server nodes come as a User pool on an Azure CNI cluster
# (AKS-04), so Basics shows Windows greyed instead of refusing it at Review.
SYSTEM_POOL_WINDOWS = (
    "The primary node pool is the System pool, which runs Linux. Add Windows Server nodes as a User node pool "
    "once the cluster exists; they need Azure CNI (AKS-04)."
)


def _int(text: str) -> int | None:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None


def _new_network_field(name: str, **kwargs: Any) -> AzField:
    """A field of the callout "Create new" opens under a network picker."""
    return AzField(
        name, id=name.replace("_", "-"), star=True, wrapper_class="az-new-network-field", css_class="az-input", **kwargs
    )


# portal-ui §9.1: each era's tabs in the portal's order. Basics and Networking
# hold the lab's fields; the others show what Azure would create by default,
# each drawn by its partial ``tab-<slug>`` of the wizard's template. The
# frame (portal.forms.CreateWizard) adds Tags before Review + create.
ERA_TABS: dict[Era, tuple[tuple[str, str], ...]] = {
    Era.CLASSIC: (
        ("basics", "Basics"),
        ("nodepools", "Node pools"),
        ("authentication", "Authentication"),
        ("networking", "Networking"),
        ("integrations", "Integrations"),
        (REVIEW, "Review + create"),
    ),
    Era.CURRENT: (
        ("basics", "Basics"),
        ("nodepools", "Node pools"),
        ("networking", "Networking"),
        ("integrations", "Integrations"),
        ("monitoring", "Monitoring"),
        ("advanced", "Advanced"),
        (REVIEW, "Review + create"),
    ),
}
FIELD_TABS = {"basics", "networking", TAGS[0], REVIEW}  # the tabs with fields (Tags: the frame's)


class KubernetesWizard(CreateWizard):
    """Basics (with the primary node pool), Networking, Review + create, and
    between them the era's tabs that hold Azure's defaults (``ERA_TABS``)."""

    kind = "kubernetes"
    title = "Create Kubernetes cluster"
    product = "microsoft.aks"
    wizard_template = "aks/create_kubernetes.html"
    tabs = ERA_TABS[Era.CLASSIC]
    field_tabs: ClassVar[dict[str, str]] = {
        name: "networking"
        for name in (
            "network_plugin",
            "vnet",
            "subnet",
            "vnet_mode",
            "subnet_mode",
            "new_vnet_name",
            "new_vnet_space",
            "new_subnet_name",
            "new_subnet_prefix",
            "pod_cidr",
            "service_cidr",
            "dns_service_ip",
            "docker_bridge_cidr",
            "max_pods",
            "network_policy",
            "virtual_nodes",
        )
    }
    name_kind = "aks"

    node_size = forms.ChoiceField(choices=[(s, s) for s in services.NODE_SIZES], label="Node size")
    node_count = forms.IntegerField(
        min_value=1, max_value=services.MAX_NODES_PER_POOL, label="Node count", error_messages=NODE_COUNT_ERRORS
    )
    os_type = forms.ChoiceField(choices=OS_CHOICES, initial="Linux", label="OS type", widget=forms.RadioSelect)
    network_plugin = forms.ChoiceField(choices=[], label="Network configuration", widget=forms.RadioSelect)
    # The pickers' options are the sandbox's networks and the chosen one's subnets (``_pickers``).
    vnet = Text(20, label="Virtual network", widget=Picker)
    subnet = Text(20, label="Cluster subnet", widget=Picker)
    # "Create new" beside "Virtual network" and "Cluster subnet" (portal-ui §9.2): "new" when open.
    vnet_mode = forms.CharField(required=False, max_length=8)
    subnet_mode = forms.CharField(required=False, max_length=8)
    new_vnet_name = forms.CharField(required=False, max_length=80, label="Name")
    new_vnet_space = forms.CharField(required=False, max_length=60, label="Address space")
    new_subnet_name = forms.CharField(required=False, max_length=80, label="Subnet name")
    new_subnet_prefix = forms.CharField(required=False, max_length=60, label="Subnet address range")
    pod_cidr = forms.CharField(required=False, max_length=60, label="Pod CIDR")
    service_cidr = forms.CharField(required=False, max_length=60, label="Kubernetes service address range")
    dns_service_ip = forms.CharField(required=False, max_length=60, label="Kubernetes DNS service IP address")
    docker_bridge_cidr = forms.CharField(required=False, max_length=60, label="Docker Bridge address")
    max_pods = forms.IntegerField(
        required=False, min_value=1, label="Max pods per node", error_messages=MAX_PODS_ERRORS
    )
    network_policy = forms.ChoiceField(choices=[], label="Network policy")
    # AKS-04: the add-on needs Azure CNI; chosen with kubenet it is refused.
    virtual_nodes = forms.BooleanField(required=False, label="Enable virtual nodes")

    def __init__(self, sandbox, data=None):
        self.tabs = ERA_TABS[Era(sandbox.era)]
        super().__init__(sandbox, data)
        self.era = Era(sandbox.era)
        self.aks_rules = planning.aks_rules_for(self.era)
        self.fields["name"].label = "Kubernetes cluster name"
        self.fields["network_plugin"].choices = [(p.value, label) for p, label in self.aks_rules.plugin_choices]
        self.fields["network_policy"].choices = [(p.value, p.label) for p in self.aks_rules.network_policies]
        self.fields["os_type"].widget.disabled = {"Windows": SYSTEM_POOL_WINDOWS}
        self.vnets = list(
            VirtualNetwork.objects.arm().filter(sandbox=sandbox).select_related("resource_group").order_by("name")
        )
        self.initial.update(
            node_size=services.DEFAULT_NODE_SIZE[self.era],
            node_count=str(services.DEFAULT_NODE_COUNT),
            **self._network_initial(self.aks_rules.default_plugin),
        )

    def _network_initial(self, plugin: Plugin) -> dict[str, str]:
        """AKS-06, AKS-25, AKS-26, AKS-40, AKS-41: the era's defaults for ``plugin``."""
        defaults = planning.network_defaults(self.era, plugin)
        return {
            "network_plugin": plugin.value,
            "pod_cidr": defaults.pod_cidr if self.shows_pod_cidr_for(plugin) else "",
            "service_cidr": defaults.service_cidr,
            "dns_service_ip": defaults.dns_service_ip,
            "docker_bridge_cidr": defaults.docker_bridge_cidr,
            "max_pods": str(defaults.max_pods.default),
            "network_policy": defaults.network_policy.value,
        }

    # --- what the Networking tab shows ---------------------------------------

    def _pickers(self) -> None:
        """The network pickers, as the state now is: the sandbox's networks and
        the chosen one's subnets, or a hidden value while "Create new" is open
        (the choice comes back when it is cancelled)."""
        vnet, subnet = self.fields["vnet"], self.fields["subnet"]
        vnet.widget = forms.HiddenInput() if self.creating_vnet else Picker()
        in_region = [(str(v.pk), f"{v.name} ({v.resource_group.name}, {v.region_label})") for v in self.region_vnets]
        vnet.widget.choices = [("", "Select a virtual network")] + (
            in_region or [("", f"No virtual networks in {self.region_label}")]
        )
        subnet.widget = forms.HiddenInput() if self.creating_subnet else Picker()
        subnet.widget.choices = [("", "Select a subnet")] + [
            (o["value"], o["label"]) for o in (self.subnet_options if not self.creating_subnet else [])
        ]

    @cached_property
    def helpers(self) -> dict:
        """The wizard's fields by section (read once the request's action
        has been applied); buttons and callouts come from its template."""
        self._pickers()
        page = "aks/create_kubernetes.html#"
        wizard = {
            "hx-post": "{{ request.path }}",
            "hx-trigger": "change",
            "hx-target": "#create-wizard",
            "hx-swap": "outerHTML",
        }
        ranges = [
            AzField(
                "service_cidr",
                id="service-cidr",
                star=True,
                rule="AKS-43",
                help="Outside the virtual network and any connected range; smaller than /12.",
            ),
            AzField(
                "dns_service_ip",
                id="dns-service-ip",
                star=True,
                rule="AKS-44",
                help="Inside the service address range, not its first address.",
            ),
        ]
        if self.shows_pod_cidr:
            ranges.insert(
                0,
                AzField(
                    "pod_cidr", id="pod-cidr", star=True, rule="AKS-01, AKS-30", help="Each node takes a /24 of it."
                ),
            )
        if self.aks_rules.docker_bridge_shown:
            ranges.append(
                AzField(
                    "docker_bridge_cidr",
                    id="docker-bridge-cidr",
                    star=True,
                    rule="AKS-41, AKS-45",
                    help="Clear of the virtual network, service and pod ranges.",
                )
            )
        if self.aks_rules.max_pods_editable:
            # The Classic portal shows the default, not a field (AKS-26): the template says so.
            ranges.append(
                AzField(
                    "max_pods",
                    id="max-pods",
                    min="{{ wizard.max_pods_limits.minimum }}",
                    max="{{ wizard.max_pods_limits.maximum }}",
                    help_template=page + "max-pods-help",
                )
            )
        return {
            # The VNet list is the region's (VNET-03): a new region redraws it.
            "basics": helper(
                wizard_name(),
                wizard_region(**{**RERENDER_WIZARD, "hx-vals": '{"action": "region"}', "hx-include": "closest form"}),
                rows=True,
            ),
            "plugin": helper(
                AzField(
                    "network_plugin",
                    id="network-plugin",
                    star=True,
                    after_template=page + "plugin-after",
                    **wizard,
                    **{"hx-vals": '{"action": "plugin"}'},
                ),
                rows=True,
            ),
            "network": helper(
                AzField(
                    "vnet",
                    id="vnet",
                    star=True,
                    after_template=page + "vnet-after",
                    **wizard,
                    **{"hx-vals": '{"action": "vnet"}'},
                ),
                AzField(
                    "subnet",
                    id="subnet",
                    star=True,
                    after_template=page + "subnet-after",
                    rule="AKS-23, AKS-05",
                    help="The node subnet can't be delegated, and a kubenet cluster needs a subnet of its own.",
                ),
                rows=True,
            ),
            "new_vnet": helper(
                _new_network_field("new_vnet_name"),
                _new_network_field(
                    "new_vnet_space",
                    rule="VNET-01, VNET-02, AKS-43",
                    help="Clear of the service address range and the docker bridge; not a reserved range.",
                ),
            ),
            "new_subnet": helper(
                _new_network_field("new_subnet_name"),
                _new_network_field("new_subnet_prefix", help_template=page + "new-subnet-help"),
            ),
            "pool": helper(
                AzField("node_size", id="node-size", star=True),
                AzField(
                    "node_count",
                    id="node-count",
                    star=True,
                    rule="AKS-03, LIMIT-23",
                    help="Kubenet clusters hold at most 400 nodes: one route per node in a table of 400 routes.",
                ),
                AzField(
                    "os_type",
                    id="os-type",
                    rule="AKS-04, SEED-27",
                    help="The System pool runs Linux. Windows Server nodes come later as a User node pool, "
                    "and need Azure CNI: kubenet has no Windows node pools.",
                ),
                rows=True,
            ),
            "ranges": helper(*ranges, rows=True),
            "policy": helper(
                AzField(
                    "network_policy",
                    id="network-policy",
                    rule="AKS-50, AKS-52",
                    help="Azure network policy needs Azure CNI; kubenet supports Calico only.",
                ),
                AzField(
                    "virtual_nodes",
                    id="virtual-nodes",
                    label="Virtual nodes",
                    rule="AKS-04, SEED-27",
                    help="Virtual nodes run pods on Azure Container Instances; the add-on needs Azure CNI, kubenet has none.",
                ),
                rows=True,
            ),
        }

    def shows_pod_cidr_for(self, plugin: Plugin) -> bool:
        # portal-ui §9.2: the Pod CIDR field is the newer portal's (overlay and kubenet).
        return self.era is Era.CURRENT and not plugin.pods_in_subnet

    @property
    def plugin(self) -> Plugin:
        try:
            plugin = Plugin(self.value("network_plugin"))
        except ValueError:
            return self.aks_rules.default_plugin
        return plugin if plugin in self.aks_rules.plugins else self.aks_rules.default_plugin

    @property
    def shows_pod_cidr(self) -> bool:
        return self.shows_pod_cidr_for(self.plugin)

    @property
    def virtual_nodes_chosen(self) -> bool:
        return self.fields["virtual_nodes"].to_python(self.value("virtual_nodes"))

    @property
    def default_tabs(self) -> list[str]:
        """The tabs drawn from their template partials (``tab-<slug>``): Azure's defaults only."""
        return [slug for slug, _ in self.tabs if slug not in FIELD_TABS]

    @property
    def node_resource_group(self) -> str:
        """Advanced > Infrastructure resource group: the ``MC_`` name AKS will give it."""
        return services.node_resource_group_name(
            self.value("resource_group").strip() or "<resource group>",
            self.value("name").strip() or "<cluster name>",
            self.value("region"),
        )

    @property
    def kubernetes_version(self) -> str:
        return services.KUBERNETES_VERSIONS[self.era]

    @property
    def max_pods_limits(self) -> planning.MaxPods:
        return planning.network_defaults(self.era, self.plugin).max_pods

    @property
    def region_vnets(self) -> list[VirtualNetwork]:
        """VNET-03: a VNet is in one region, and the cluster's nodes join one of its own region."""
        return [v for v in self.vnets if v.location == self.value("region")]

    @property
    def chosen_vnet(self) -> VirtualNetwork | None:
        value = self.value("vnet")
        return next((v for v in self.vnets if str(v.pk) == value), None)

    @property
    def subnet_options(self) -> list[dict]:
        vnet = self.chosen_vnet
        if vnet is None:
            return []
        subnets = list(Subnet.objects.filter(vnet=vnet).select_related("vnet", "route_table").order_by("name"))
        usage = services.subnet_usages(subnets)
        options = []
        for subnet in subnets:
            if subnet.network.version != 4:
                continue
            free = max(subnet.usable_count - usage[subnet.pk], 0)
            options.append(
                {
                    "subnet": subnet,
                    "value": str(subnet.pk),
                    "label": f"{subnet.name} ({subnet.address_prefix}, {free:,} free)",
                }
            )
        return options

    @property
    def creating_vnet(self) -> bool:
        return self.value("vnet_mode") == "new"

    @property
    def creating_subnet(self) -> bool:
        """A new VNet brings a new subnet; an existing VNet may get one."""
        return self.creating_vnet or self.value("subnet_mode") == "new"

    @property
    def free_ranges(self) -> list[str]:
        """SUBNET-05: the chosen VNet's space no subnet uses (the first eight blocks)."""
        vnet = self.chosen_vnet
        if vnet is None:
            return []
        used = list(vnet.subnets.values_list("address_prefix", flat=True))
        return [str(block) for block in addressing.free_ranges(vnet.ipv4_space, used)[:8]]

    def suggested_prefix(self) -> str:
        """A free block of the chosen VNet, as large as the plan needs (AKS-21)."""
        vnet = self.chosen_vnet
        if vnet is None:
            return ""
        max_pods = _int(self.value("max_pods")) if self.aks_rules.max_pods_editable else None
        size = services.suggested_subnet_prefix(self.era, self.plugin, _int(self.value("node_count")), max_pods)
        used = list(vnet.subnets.values_list("address_prefix", flat=True))
        block = addressing.suggest_subnet(vnet.ipv4_space, used, size)
        return str(block) if block else ""

    def _suggested_subnet_name(self) -> str:
        vnet = self.chosen_vnet
        taken = {n.lower() for n in vnet.subnets.values_list("name", flat=True)} if vnet else set()
        name, index = services.NEW_SUBNET_NAME, 2
        while name in taken:
            name, index = f"{services.NEW_SUBNET_NAME}-{index}", index + 1
        return name

    @property
    def new_subnet(self) -> NewSubnet | None:
        """The subnet "Create new" would make, for the IP planning panel."""
        if not self.creating_subnet:
            return None
        return new_subnet(self.value("new_subnet_name"), self.value("new_subnet_prefix"))

    @property
    def chosen_subnet(self) -> Subnet | None:
        vnet = self.chosen_vnet
        value = self.value("subnet")
        pk = parse_pk(value)
        if vnet is None or self.creating_subnet or pk is None:
            return None
        # Only subnets of this sandbox's VNets are ever found (DESIGN: Tenancy).
        return Subnet.objects.select_related("vnet", "route_table").filter(vnet=vnet, pk=pk).first()

    @property
    def ip_plan(self) -> dict:
        max_pods = _int(self.value("max_pods")) if self.aks_rules.max_pods_editable else None
        return plan_context(
            self.sandbox, self.plugin, _int(self.value("node_count")), max_pods, self.new_subnet or self.chosen_subnet
        )

    # --- the state machine's hooks ----------------------------------------------

    def edit(self, action: str) -> None:
        """``plugin``: the Networking tab takes the new model's defaults;
        ``vnet``: the subnet list is the new VNet's; ``new_vnet`` and
        ``new_subnet`` open "Create new" pre-filled, ``cancel_*`` close it."""
        super().edit(action)
        if not self.is_bound:
            return
        data = self.data.copy()
        if action == "region":
            if self.chosen_vnet is not None and self.chosen_vnet not in self.region_vnets:
                # The picker no longer lists it: the learner picks one of the new region's.
                data["vnet"] = data["subnet"] = ""
        elif action == "plugin":
            for name, value in self._network_initial(self.plugin).items():
                if name not in ("service_cidr", "dns_service_ip", "network_policy", "docker_bridge_cidr"):
                    data[name] = value
            self.data = data
            if self.creating_subnet and not self.creating_vnet:
                # The size suggested follows the model (AKS-21).
                data["new_subnet_prefix"] = self.suggested_prefix() or data.get("new_subnet_prefix", "")
        elif action == "vnet":
            options = self.subnet_options
            data["subnet"] = options[0]["value"] if options else ""
            if self.creating_subnet:
                self.data = data
                data["new_subnet_name"] = self._suggested_subnet_name()
                data["new_subnet_prefix"] = self.suggested_prefix()
        elif action == "new_vnet":
            name = self.value("name").strip()
            data["vnet_mode"] = "new"
            data["new_vnet_name"] = f"{name or 'aks'}-vnet"
            data["new_vnet_space"] = services.NEW_VNET_SPACE[self.era]
            data["new_subnet_name"] = services.NEW_SUBNET_NAME
            data["new_subnet_prefix"] = services.NEW_VNET_SUBNET[self.era]
        elif action == "cancel_new_vnet":
            data["vnet_mode"] = data["subnet_mode"] = ""
        elif action == "new_subnet":
            data["subnet_mode"] = "new"
            self.data = data
            data["new_subnet_name"] = self._suggested_subnet_name()
            data["new_subnet_prefix"] = self.suggested_prefix()
        elif action == "cancel_new_subnet":
            data["subnet_mode"] = ""
        else:
            return
        self.data = data

    def new_network(self) -> services.NewNetwork | None:
        if self.creating_vnet:
            return services.NewNetwork(
                subnet_name=self.value("new_subnet_name"),
                subnet_prefix=self.value("new_subnet_prefix"),
                vnet_name=self.value("new_vnet_name"),
                address_space=tuple(p.strip() for p in self.value("new_vnet_space").split(",") if p.strip()),
            )
        if self.creating_subnet and self.chosen_vnet is not None:
            return services.NewNetwork(
                subnet_name=self.value("new_subnet_name"),
                subnet_prefix=self.value("new_subnet_prefix"),
                vnet=self.chosen_vnet,
            )
        return None

    def cluster_spec(self) -> services.ClusterSpec | None:
        node_count = _int(self.value("node_count"))
        if node_count is None:
            return None
        return services.ClusterSpec(
            name=self.value("name"),
            location=self.value("region"),
            node_count=node_count,
            network_plugin=self.value("network_plugin"),
            subnet=self.chosen_subnet,
            new_network=self.new_network(),
            node_size=self.value("node_size"),
            os_type=self.value("os_type"),
            # AKS-26: the Classic portal can't change max pods; the default applies.
            max_pods=_int(self.value("max_pods")) if self.aks_rules.max_pods_editable else None,
            service_cidr=self.value("service_cidr").strip(),
            dns_service_ip=self.value("dns_service_ip").strip(),
            pod_cidr=self.value("pod_cidr").strip() if self.shows_pod_cidr else "",
            docker_bridge_cidr=self.value("docker_bridge_cidr").strip() if self.aks_rules.docker_bridge_shown else "",
            network_policy=self.value("network_policy"),
            virtual_nodes=self.virtual_nodes_chosen,
        )

    def check_rules(self, problems, attempt) -> None:
        if not self.creating_vnet and self.value("vnet") and self.chosen_vnet is None:
            problems.setdefault("vnet", Problem("Select a virtual network of this subscription."))
        if self.creating_subnet and not self.creating_vnet and self.chosen_vnet is None:
            problems.setdefault("vnet", Problem("Select the virtual network for the new subnet, or create a new one."))
        spec = self.cluster_spec()
        if spec is None or "max_pods" in problems:
            return
        for error in services.cluster_refusals(self.sandbox, self.target_rg, spec):
            problems.setdefault(error.field or "__all__", Problem.of(error))

    def create(self, rg):
        return services.create_cluster(rg, self.cluster_spec())

    # --- Review + create ------------------------------------------------------------

    def instance_summary(self):
        return [
            ("Kubernetes cluster name", self.value("name")),
            ("Region", self.region_label),
            ("Kubernetes version", self.kubernetes_version),
            ("Node size", self.value("node_size")),
            ("Node count", self.value("node_count")),
            ("OS type", self.value("os_type")),
        ]

    def extra_summary(self):
        subnet = self.chosen_subnet
        if self.creating_vnet:
            vnet_label = f"(new) {self.value('new_vnet_name')} ({self.value('new_vnet_space')})"
        else:
            vnet_label = self.chosen_vnet.name if self.chosen_vnet else ""
        if self.creating_subnet:
            subnet_label = f"(new) {self.value('new_subnet_name')} ({self.value('new_subnet_prefix')})"
        else:
            subnet_label = f"{subnet.name} ({subnet.address_prefix})" if subnet else ""
        rows = [
            ("Network configuration", self.aks_rules.plugin_label(self.plugin)),
            ("Virtual network", vnet_label),
            ("Cluster subnet", subnet_label),
        ]
        if self.shows_pod_cidr:
            rows.append(("Pod CIDR", self.value("pod_cidr")))
        rows += [
            ("Kubernetes service address range", self.value("service_cidr")),
            ("Kubernetes DNS service IP address", self.value("dns_service_ip")),
        ]
        if self.aks_rules.docker_bridge_shown:
            rows.append(("Docker Bridge address", self.value("docker_bridge_cidr")))
        max_pods = self.value("max_pods") if self.aks_rules.max_pods_editable else str(self.max_pods_limits.default)
        rows += [
            ("Max pods per node", max_pods),
            ("Network policy", _policy_label(self.value("network_policy"))),
            ("Virtual nodes", "Enabled" if self.virtual_nodes_chosen else "Disabled"),
        ]
        return [("Networking", rows)]


def _policy_label(value: str) -> str:
    try:
        return NetworkPolicy(value).label
    except ValueError:
        return value


# --- Live IP planning (portal-ui §9.2; AKS-21, AKS-07, AKS-24) ------------------------------


@dataclass(frozen=True)
class NewSubnet:
    """A subnet "Create new" would make: all its usable addresses free."""

    name: str
    address_prefix: str
    is_new: bool = True

    @property
    def usable_count(self) -> int:
        return addressing.usable_addresses(IPv4Network(self.address_prefix))  # SUBNET-01


def new_subnet(name: str, prefix: str) -> NewSubnet | None:
    """The new subnet the panel plans for, or None while the range isn't an IPv4 CIDR."""
    try:
        network = addressing.parse_cidr(prefix)
    except addressing.AddressError:
        return None
    if network.version != 4:
        return None
    return NewSubnet(name=name.strip() or services.NEW_SUBNET_NAME, address_prefix=str(network))


@dataclass(frozen=True)
class PlanColumn:
    plan: planning.IpPlan
    label: str
    selected: bool
    free: int | None  # the subnet's free addresses, None without a subnet
    fits_pod_cidr: bool = True
    refusal: planning.Refusal | None = None  # ERR-32: the subnet already hosts a cluster this model can't join

    @property
    def remaining(self) -> int | None:
        return None if self.free is None else self.plan.remaining(self.free)

    @property
    def fits(self) -> bool | None:
        if self.free is None:
            return None
        return self.refusal is None and self.plan.fits(self.free)

    @property
    def over_node_limit(self) -> str:
        """AKS-03 (kubenet, 400) and AKS-32 (Overlay, 1,000)."""
        if self.plan.plugin is Plugin.KUBENET and self.plan.node_count > planning.KUBENET_MAX_NODES:
            return f"Kubenet clusters are limited to {planning.KUBENET_MAX_NODES} nodes (one route each, LIMIT-23)."
        if self.plan.plugin is Plugin.AZURE_CNI_OVERLAY and self.plan.node_count > planning.OVERLAY_MAX_NODES:
            return f"Azure CNI Overlay clusters are limited to {planning.OVERLAY_MAX_NODES:,} nodes."
        return ""

    @property
    def smallest_subnet(self) -> str:
        prefix = self.plan.smallest_subnet_prefix
        return f"/{prefix}" if prefix is not None else "none fits"


def plan_context(
    sandbox, plugin: Plugin, node_count: int | None, max_pods: int | None, subnet: Subnet | NewSubnet | None
) -> dict:
    """Each model the era offers, side by side: what it takes from the subnet,
    what is left, and the smallest subnet that would hold it. ``max_pods``
    applies to the chosen model; the others show their defaults. A
    ``NewSubnet`` has nothing in it yet."""
    era = Era(sandbox.era)
    rules = planning.aks_rules_for(era)
    context: dict = {"subnet": subnet, "node_count": node_count, "columns": [], "problem": "", "era": era}
    if node_count is None or not 1 <= node_count <= services.MAX_NODES_PER_POOL:
        context["problem"] = f"Enter a node count from 1 to {services.MAX_NODES_PER_POOL:,} to see the plan."
        return context
    free = None
    around: planning.SubnetContext | None = None
    if subnet is not None:
        context["usable"] = subnet.usable_count
        if not isinstance(subnet, NewSubnet):
            around = services.subnet_context(subnet)
        context["used"] = around.used_addresses if around else 0
        free = max(subnet.usable_count - context["used"], 0)
        context["free"] = free
    chosen_pods: dict[Plugin, int] = {}
    if max_pods is not None:
        limits = rules.max_pods[plugin]
        if limits.minimum <= max_pods <= limits.maximum:
            chosen_pods[plugin] = max_pods
        else:
            context["problem"] = f"Max pods per node must be {limits.minimum}-{limits.maximum} for this model (AKS-25)."
    for plan in planning.compare_plugins(era, node_count, chosen_pods):
        context["columns"].append(
            PlanColumn(
                plan=plan,
                label=rules.plugin_label(plan.plugin),
                selected=plan.plugin is plugin,
                free=free,
                refusal=planning.shared_subnet_refusal(plan.plugin, around) if around else None,
            )
        )
    context["default_pod_cidr"] = IPv4Network(planning.DEFAULT_POD_CIDR)
    return context


# --- The cluster blade's panes ----------------------------------------------------------------


class ScaleForm(forms.Form):
    """The Scale blade: one of the cluster's node pools (the first unless
    another is named) and its new node count."""

    pool = forms.ChoiceField(
        required=False,
        label="Node pool",
        widget=Picker,
        error_messages={"invalid_choice": "Select a node pool of this cluster."},
    )
    node_count = forms.IntegerField(
        min_value=1, max_value=services.MAX_NODES_PER_POOL, label="Node count", error_messages=NODE_COUNT_ERRORS
    )

    def __init__(self, pools: list, data=None) -> None:
        first = pools[0] if pools else None
        initial = {"pool": first.name if first else "", "node_count": first.node_count if first else 1}
        super().__init__(data, initial=initial)
        self.pools = pools
        self.fields["pool"].choices = [
            (p.name, f"{p.name} ({p.node_count} node{'' if p.node_count == 1 else 's'})") for p in pools
        ]

    def clean_pool(self):
        """The pool picked, as a row of this cluster; none sent is the first."""
        name = self.cleaned_data["pool"] if "pool" in self.data else self.initial["pool"]
        pool = next((p for p in self.pools if p.name == name), None)
        if pool is None:
            raise forms.ValidationError(self.fields["pool"].error_messages["invalid_choice"])
        return pool

    @property
    def helper(self):
        """The node count's help is the cluster's network model's."""
        return helper(
            AzField("pool", id="scale-pool"),
            AzField("node_count", id="scale-count", star=True, help_template="aks/scale.html#count-help"),
            rows=True,
        )


class NodePoolForm(forms.Form):
    name = forms.CharField(max_length=40, required=False, label="Node pool name")
    mode = forms.ChoiceField(choices=[("User", "User"), ("System", "System")], initial="User", label="Mode")
    os_type = forms.ChoiceField(choices=OS_CHOICES, initial="Linux", label="OS type")
    vm_size = forms.ChoiceField(choices=[(s, s) for s in services.NODE_SIZES], label="Node size")
    node_count = forms.IntegerField(
        min_value=1,
        max_value=services.MAX_NODES_PER_POOL,
        initial=3,
        label="Node count",
        error_messages=NODE_COUNT_ERRORS,
    )
    max_pods = forms.IntegerField(
        required=False, min_value=1, label="Max pods per node", error_messages=MAX_PODS_ERRORS
    )

    @property
    def helper(self):
        """The "Add node pool" pane; the max pods range is the cluster's (its era and plugin)."""
        pane = "aks/pool_pane.html#"
        return helper(
            AzField(
                "name",
                id="pool-name",
                star=True,
                help="Lowercase letters and digits, starting with a letter: up to 12 characters for Linux, 6 for Windows.",
                rule="NAMING-41",
            ),
            AzField("mode", id="pool-mode"),
            AzField("os_type", id="pool-os", help_template=pane + "os-help"),
            AzField("vm_size", id="pool-size"),
            AzField("node_count", id="pool-count", star=True),
            AzField(
                "max_pods",
                id="pool-max-pods",
                min="{{ limits.minimum }}",
                max="{{ limits.maximum }}",
                help_template=pane + "max-pods-help",
            ),
        )


# --- "Which network model?" (SEED-26 to SEED-29) ---------------------------------------------

YES_NO = [("yes", "Yes"), ("no", "No")]


def _answer(choices: list[tuple[str, str]], label: str) -> forms.ChoiceField:
    """One of the helper's questions: unanswered is fine, an answer not offered is marked."""
    return forms.ChoiceField(
        choices=choices,
        required=False,
        label=label,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of the answers offered."},
    )


class NetworkModelForm(forms.Form):
    """The seed's questions (SEED-28, SEED-29). Each may be left unanswered:
    the helper recommends once all four are answered."""

    ip_space = _answer(
        [("yes", "Yes, there is room for every pod"), ("no", "No, address space is limited")],
        "Is IP address space available for every pod to take a VNet address?",
    )
    traffic = _answer(
        [("inside", "Mostly inside the cluster"), ("outside", "Mostly to resources outside the cluster")],
        "Where does most pod traffic go?",
    )
    virtual_nodes_or_policy = _answer(YES_NO, "Do you need virtual nodes or Azure Network Policy?")
    windows = _answer(YES_NO, "Will the cluster run Windows Server nodes?")

    # What each question weighs, as the helper shows it.
    rule_ids: ClassVar[dict[str, str]] = {
        "ip_space": "SEED-28, SEED-29",
        "traffic": "SEED-28, SEED-29",
        "virtual_nodes_or_policy": "SEED-27, SEED-29",
        "windows": "SEED-27, AKS-04",
    }

    def questions(self) -> planning.ModelQuestions | None:
        """The answers, or None while any question is unanswered (call after is_valid)."""
        data = self.cleaned_data
        if not all(data.get(name) for name in self.fields):
            return None
        return planning.ModelQuestions(
            ip_space_available=data["ip_space"] == "yes",
            traffic_mostly_inside_cluster=data["traffic"] == "inside",
            needs_virtual_nodes_or_azure_policy=data["virtual_nodes_or_policy"] == "yes",
            windows_nodes=data["windows"] == "yes",
        )

    @property
    def helper(self):
        """The questions, numbered, each with the rule IDs it weighs."""
        return helper(
            *(
                AzField(
                    name,
                    id=f"question-{name}",
                    label=format_html(
                        '{}. {} <span class="az-rule">{}</span>', number, field.label, self.rule_ids[name]
                    ),
                    stack=True,
                    wrapper_class="az-question",
                )
                for number, (name, field) in enumerate(self.fields.items(), start=1)
            )
        )

    @property
    def unanswered(self) -> int:
        data = getattr(self, "cleaned_data", {}) if self.is_bound else {}
        return sum(1 for name in self.fields if not data.get(name))


# --- The create wizard's live IP planning panel (aks.views.ip_plan) ---------------------------


class _WholeNumber(forms.Field):
    """A number as typed so far, or None: the panel plans with what it can read."""

    def to_python(self, value) -> int | None:
        return _int(value) if value not in (None, "") else None


class IpPlanForm(forms.Form):
    """The wizard fields the IP planning panel reads (it re-renders on every
    change, so half-typed values plan as "unknown", never a 500)."""

    network_plugin = Text(40)
    vnet_mode = Text(20)
    subnet_mode = Text(20)
    vnet = _WholeNumber(required=False)
    subnet = _WholeNumber(required=False)
    new_subnet_name = Text(80)
    new_subnet_prefix = Text(60)
    node_count = _WholeNumber(required=False)
    max_pods = _WholeNumber(required=False)

    def __init__(self, sandbox, data) -> None:
        super().__init__(data)
        self.sandbox = sandbox
        self.rules = planning.aks_rules_for(sandbox.era)
        self.is_valid()

    def plugin(self) -> Plugin:
        """The chosen network plugin, or the era's default for anything else."""
        try:
            plugin = Plugin(self.cleaned_data["network_plugin"])
        except ValueError:
            return self.rules.default_plugin
        return plugin if plugin in self.rules.plugins else self.rules.default_plugin

    def subnet_choice(self) -> Subnet | NewSubnet | None:
        """The "Create new" subnet's range, or the chosen subnet of this sandbox (DESIGN: Tenancy)."""
        data = self.cleaned_data
        if "new" in (data["vnet_mode"], data["subnet_mode"]):
            return new_subnet(data["new_subnet_name"], data["new_subnet_prefix"])
        if data["vnet"] is None or data["subnet"] is None:
            return None
        vnet = VirtualNetwork.objects.filter(sandbox=self.sandbox, pk=data["vnet"]).first()
        return Subnet.objects.select_related("vnet").filter(vnet=vnet, pk=data["subnet"]).first() if vnet else None

    def plan(self) -> dict:
        max_pods = self.cleaned_data["max_pods"] if self.rules.max_pods_editable else None
        return plan_context(
            self.sandbox, self.plugin(), self.cleaned_data["node_count"], max_pods, self.subnet_choice()
        )
