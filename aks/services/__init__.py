"""State changes of AKS clusters: create, scale, add a node pool.

The rules come from :mod:`aks.planning` (pure); this package feeds it the
subnet as the database has it and turns each ``Refusal`` into
``portal.errors.AzureRuleError``:

- :mod:`.specs`: what the wizard and the pool pane ask, and the lab's defaults;
- :mod:`.state`: what the rules read (a subnet's usage, a cluster's state);
- :mod:`.network`: the Networking tab's "Create new" VNet or subnet;
- :mod:`.refusals`: every refusal, over the current state, writing nothing;
- :mod:`.create`, :mod:`.scale`, :mod:`.pools`: the writes, each in one
  transaction, with :mod:`.nodes` placing nodes, addresses and routes.
"""

from aks.services.create import create_cluster
from aks.services.pools import add_node_pool, pool_refusals
from aks.services.refusals import (
    CLUSTER_NAME,
    FIELD_NAMES,
    POOL_NAME,
    cluster_refusals,
    node_resource_group_name,
    to_error,
    validate_cluster_name,
    validate_pool_name,
)
from aks.services.scale import scale_pool
from aks.services.specs import (
    CLUSTER_OPERATIONS,
    DEFAULT_NODE_COUNT,
    DEFAULT_NODE_SIZE,
    KUBERNETES_VERSIONS,
    MAX_NODES_PER_POOL,
    NEW_SUBNET_NAME,
    NEW_VNET_SPACE,
    NEW_VNET_SUBNET,
    NODE_SIZES,
    SUGGESTED_MIN_SUBNET,
    SYSTEM_POOL_NAME,
    ClusterSpec,
    NewNetwork,
    PoolSpec,
    suggested_subnet_prefix,
)
from aks.services.state import (
    cluster_state,
    cluster_states,
    subnet_context,
    subnet_usage,
    subnet_usages,
    taken_addresses,
)

__all__ = [
    "CLUSTER_NAME",
    "CLUSTER_OPERATIONS",
    "DEFAULT_NODE_COUNT",
    "DEFAULT_NODE_SIZE",
    "FIELD_NAMES",
    "KUBERNETES_VERSIONS",
    "MAX_NODES_PER_POOL",
    "NEW_SUBNET_NAME",
    "NEW_VNET_SPACE",
    "NEW_VNET_SUBNET",
    "NODE_SIZES",
    "POOL_NAME",
    "SUGGESTED_MIN_SUBNET",
    "SYSTEM_POOL_NAME",
    "ClusterSpec",
    "NewNetwork",
    "PoolSpec",
    "add_node_pool",
    "cluster_refusals",
    "cluster_state",
    "cluster_states",
    "create_cluster",
    "node_resource_group_name",
    "pool_refusals",
    "scale_pool",
    "subnet_context",
    "subnet_usage",
    "subnet_usages",
    "suggested_subnet_prefix",
    "taken_addresses",
    "to_error",
    "validate_cluster_name",
    "validate_pool_name",
]
