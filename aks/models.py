"""AKS clusters, their node pools and nodes, shaped like the ARM resources
(``Microsoft.ContainerService/managedClusters``), with what each takes from
its subnet (azure-rules.md §12, SEED-26 to SEED-29).

Every node has a network interface in the cluster subnet (a
``networking.NetworkInterface`` in the node resource group), so the subnet
pages, the VNet's Connected devices and the "subnet in use" refusals see the
nodes as they see any NIC. With Azure CNI (node subnet) each node also holds
``max_pods`` secondary addresses of the subnet (AKS-20): those are
:class:`PodIpAddress` rows.
"""

from django.db import models

from aks.planning import NetworkPolicy, Plugin
from portal.models import ArmResource

PLUGIN_CHOICES = [
    (Plugin.KUBENET.value, "Kubenet"),
    (Plugin.AZURE_CNI.value, "Azure CNI"),
    (Plugin.AZURE_CNI_OVERLAY.value, "Azure CNI Overlay"),
]
POLICY_CHOICES = [(policy.value, policy.label) for policy in NetworkPolicy]


class ManagedClusterQuerySet(models.QuerySet):
    def in_subnet(self, subnet):
        return self.filter(subnet=subnet)


class ManagedCluster(ArmResource):
    """An AKS cluster: its network profile and its node subnet.

    ``node_resource_group`` names the ``MC_`` group AKS creates for the
    nodes' resources: their NICs, the NSG on every node NIC (AKS-02) and, for
    kubenet, the route table. The network profile can't change after creation
    (AKS-01, AKS-46, ERR-44).
    """

    dns_prefix = models.CharField(max_length=54)
    kubernetes_version = models.CharField(max_length=16)
    node_resource_group = models.CharField(max_length=80)
    # Eight digits AKS puts in the names of the resources it makes
    # (aks-agentpool-<digits>-routetable, aks-<pool>-<digits>-vmss000000).
    resource_suffix = models.CharField(max_length=8)
    network_plugin = models.CharField(max_length=12, choices=PLUGIN_CHOICES)
    pod_cidr = models.CharField(max_length=49, blank=True)  # empty for Azure CNI (node subnet)
    service_cidr = models.CharField(max_length=49)
    dns_service_ip = models.GenericIPAddressField(protocol="IPv4")
    docker_bridge_cidr = models.CharField(max_length=49, blank=True)  # Classic only (AKS-41)
    network_policy = models.CharField(max_length=8, choices=POLICY_CHOICES, default=NetworkPolicy.NONE.value)
    max_pods = models.PositiveSmallIntegerField()
    subnet = models.ForeignKey("networking.Subnet", on_delete=models.CASCADE, related_name="aks_clusters")
    # Kubenet only: the table holding one route per node (AKS-02).
    route_table = models.ForeignKey(
        "networking.RouteTable", null=True, blank=True, on_delete=models.SET_NULL, related_name="aks_clusters"
    )
    # AKS-02: the NSG AKS puts on every node NIC, new nodes' included.
    node_nsg = models.ForeignKey(
        "networking.NetworkSecurityGroup",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="aks_clusters",
    )
    # The virtual nodes add-on (ACI connector); Azure CNI only (AKS-04).
    virtual_nodes = models.BooleanField(default=False)
    # LB-02: outboundType loadBalancer, the `kubernetes` load balancer AKS
    # makes in the node resource group, with its outbound public IP.
    load_balancer = models.ForeignKey(
        "networking.LoadBalancer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="aks_clusters",
    )

    objects = ManagedClusterQuerySet.as_manager()

    arm_type = "Microsoft.ContainerService/managedClusters"
    type_label = "Kubernetes service"

    class Meta:
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), "resource_group", name="unique_aks_name_per_rg"),
            # AKS-05: at most one kubenet cluster per subnet, however tabs race.
            models.UniqueConstraint(
                fields=["subnet"], condition=models.Q(network_plugin="kubenet"), name="one_kubenet_cluster_per_subnet"
            ),
        ]
        ordering = ["name"]

    @property
    def plugin(self) -> Plugin:
        return Plugin(self.network_plugin)

    @property
    def plugin_label(self) -> str:
        return dict(PLUGIN_CHOICES)[self.network_plugin]

    @property
    def policy_label(self) -> str:
        return NetworkPolicy(self.network_policy).label

    @property
    def fqdn(self) -> str:
        return f"{self.dns_prefix}-{self.resource_suffix}.hcp.{self.location}.azmk8s.io"

    def arm_properties(self) -> dict:
        profile = {
            "networkPlugin": self.plugin.network_plugin,
            "serviceCidr": self.service_cidr,
            "dnsServiceIP": self.dns_service_ip,
            "loadBalancerSku": "standard",
            "outboundType": "loadBalancer",
        }
        if self.plugin.network_plugin_mode:
            profile["networkPluginMode"] = self.plugin.network_plugin_mode
        if self.pod_cidr:
            profile["podCidr"] = self.pod_cidr
        if self.docker_bridge_cidr:
            profile["dockerBridgeCidr"] = self.docker_bridge_cidr
        if self.network_policy != NetworkPolicy.NONE:
            profile["networkPolicy"] = self.network_policy
        pools = self.pools.all()
        addons = {"aciConnectorLinux": {"enabled": True}} if self.virtual_nodes else {}
        return {
            "kubernetesVersion": self.kubernetes_version,
            "dnsPrefix": self.dns_prefix,
            "fqdn": self.fqdn,
            "agentPoolProfiles": [pool.arm_json(self.subnet.arm_id) for pool in pools],
            "nodeResourceGroup": self.node_resource_group,
            "addonProfiles": addons,
            "enableRBAC": True,
            "networkProfile": profile,
        }


class AgentPool(models.Model):
    """A node pool: nodes of one size and OS. The cluster's first pool is its
    System pool; System pools run Linux."""

    MODES = [("System", "System"), ("User", "User")]
    # What a document and an operation by ID call it (a lab's check of one pool).
    arm_type = "Microsoft.ContainerService/managedClusters/agentPools"
    OS_TYPES = [("Linux", "Linux"), ("Windows", "Windows")]

    cluster = models.ForeignKey(ManagedCluster, on_delete=models.CASCADE, related_name="pools")
    name = models.CharField(max_length=12)
    mode = models.CharField(max_length=6, choices=MODES, default="System")
    os_type = models.CharField(max_length=7, choices=OS_TYPES, default="Linux")
    vm_size = models.CharField(max_length=32)
    node_count = models.PositiveSmallIntegerField()
    max_pods = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint("cluster", "name", name="unique_pool_name_per_cluster")]
        ordering = ["cluster_id", "pk"]

    def __str__(self) -> str:
        return f"{self.cluster.name}/{self.name}"

    def arm_json(self, subnet_id: str) -> dict:
        return {
            "name": self.name,
            "count": self.node_count,
            "vmSize": self.vm_size,
            "osType": self.os_type,
            "mode": self.mode,
            "maxPods": self.max_pods,
            "type": "VirtualMachineScaleSets",
            "vnetSubnetID": subnet_id,
        }


class VirtualMachineScaleSet(ArmResource):
    """The scale set behind a node pool (``aks-<pool>-<digits>-vmss``), in the
    node resource group. Its instances are the pool's nodes, ``<vmss>_<n>``;
    each holds its node's NIC (VMSS-01), which is why those NICs are not
    resources of their own."""

    pool = models.OneToOneField(AgentPool, on_delete=models.CASCADE, related_name="scale_set")

    arm_type = "Microsoft.Compute/virtualMachineScaleSets"
    type_label = "Virtual machine scale set"

    class Meta:
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), "resource_group", name="unique_vmss_name_per_rg")
        ]
        ordering = ["name"]

    def instances(self) -> list["ClusterNode"]:
        return list(self.pool.nodes.select_related("nic__subnet__vnet", "nic__nsg").order_by("instance"))

    def arm_properties(self) -> dict:
        pool = self.pool
        cluster = pool.cluster
        ip_config: dict = {"subnet": {"id": cluster.subnet.arm_id}}
        if cluster.load_balancer_id:
            ip_config["loadBalancerBackendAddressPools"] = [{"id": cluster.load_balancer.backend_pool_id}]
        nic_config: dict = {
            "primary": True,
            "enableIPForwarding": cluster.plugin is Plugin.KUBENET,
            "ipConfigurations": [{"name": "ipconfig1", "properties": ip_config}],
        }
        if cluster.node_nsg_id:
            nic_config["networkSecurityGroup"] = {"id": cluster.node_nsg.arm_id}
        return {
            "orchestrationMode": "Uniform",
            "upgradePolicy": {"mode": "Manual"},
            "virtualMachineProfile": {
                "osProfile": {"computerNamePrefix": self.name},
                "storageProfile": {"osDisk": {"osType": pool.os_type}},
                "networkProfile": {"networkInterfaceConfigurations": [{"name": self.name, "properties": nic_config}]},
            },
        }

    def arm_json(self) -> dict:
        document = super().arm_json()
        document["sku"] = {"name": self.pool.vm_size, "tier": "Standard", "capacity": self.pool.node_count}
        document["tags"] = {"aks-managed-poolName": self.pool.name}
        return document


class ClusterNode(models.Model):
    """One node (a scale set instance) and its NIC in the cluster subnet.

    ``pod_index`` numbers the node's /24 of the pod CIDR (AKS-01, AKS-30);
    ``pod_cidr`` is that /24, empty for Azure CNI (node subnet)."""

    pool = models.ForeignKey(AgentPool, on_delete=models.CASCADE, related_name="nodes")
    name = models.CharField(max_length=64)
    instance = models.PositiveIntegerField()
    pod_index = models.PositiveIntegerField()
    pod_cidr = models.CharField(max_length=49, blank=True)
    # The NIC goes with a sandbox reset or its subnet; the node goes with it.
    nic = models.OneToOneField("networking.NetworkInterface", on_delete=models.CASCADE, related_name="aks_node")

    class Meta:
        constraints = [models.UniqueConstraint("pool", "instance", name="unique_node_instance_per_pool")]
        ordering = ["pool_id", "instance"]

    def __str__(self) -> str:
        return self.name

    @property
    def instance_name(self) -> str:
        """The scale set instance, as the portal names it: ``<vmss>_<n>``."""
        return f"{self.nic.scale_set}_{self.instance}"


class PodIpAddress(models.Model):
    """An address Azure CNI (node subnet) reserves for a pod on ``node``
    (AKS-20: max pods per node, pre-allocated). Unique per subnet, so two
    writers can never hand out the same address."""

    node = models.ForeignKey(ClusterNode, on_delete=models.CASCADE, related_name="pod_ips")
    subnet = models.ForeignKey("networking.Subnet", on_delete=models.CASCADE, related_name="aks_pod_ips")
    ip = models.GenericIPAddressField(protocol="IPv4")

    class Meta:
        constraints = [models.UniqueConstraint("subnet", "ip", name="unique_pod_ip_per_subnet")]
        ordering = ["node_id", "pk"]

    def __str__(self) -> str:
        return self.ip
