"""Service tags and the public addresses of simulated Azure services (pure).

Azure publishes each tag's prefixes weekly (NSG-35); the lab can't fetch
them, so it keeps a small fixed table of its own, disjoint blocks inside
20.0.0.0/8 (which stands for Azure's public space, AzureCloud). Every
simulated PaaS resource takes its public address from its service's block,
so service endpoint routes (SE-03, ROUTE-07) and NSG rules naming the tag
(NSG-34) match it. docs/fidelity.md lists the table.
"""

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network

AZURE_CLOUD = IPv4Network("20.0.0.0/8")

# tag -> (prefix, service endpoint name)
SERVICE_TAGS: dict[str, tuple[IPv4Network, str]] = {
    "Storage": (IPv4Network("20.60.0.0/16"), "Microsoft.Storage"),
    "Sql": (IPv4Network("20.42.64.0/18"), "Microsoft.Sql"),
    "AzureKeyVault": (IPv4Network("20.40.224.0/19"), "Microsoft.KeyVault"),
    "AppService": (IPv4Network("20.49.96.0/19"), "Microsoft.Web"),
    "AzureCosmosDB": (IPv4Network("20.41.0.0/18"), "Microsoft.AzureCosmosDB"),
    "ServiceBus": (IPv4Network("20.38.64.0/19"), "Microsoft.ServiceBus"),
    "EventHub": (IPv4Network("20.38.128.0/19"), "Microsoft.EventHub"),
    "AzureContainerRegistry": (IPv4Network("20.37.64.0/19"), "Microsoft.ContainerRegistry"),
}
SERVICE_ENDPOINT_TAG = {endpoint: tag for tag, (_, endpoint) in SERVICE_TAGS.items()}

AZURE_LOAD_BALANCER = IPv4Network("168.63.129.16/32")  # NSG-32

# Tags whose meaning depends on the network (NSG-30, NSG-31), resolved by the caller.
CONTEXT_TAGS = ("VirtualNetwork", "Internet", "AzureLoadBalancer")
ALL_TAGS = (*CONTEXT_TAGS, "AzureCloud", *SERVICE_TAGS)


def service_address(tag: str, index: int) -> IPv4Address:
    """A stable public address for the ``index``-th resource of a service."""
    prefix, _ = SERVICE_TAGS[tag]
    return prefix.network_address + 10 + (index % (prefix.num_addresses - 20))


def service_endpoint_prefixes(endpoints: Iterable[str]) -> list[tuple[IPv4Network, str]]:
    """SE-03: the prefixes a subnet's service endpoints route directly."""
    return [(SERVICE_TAGS[SERVICE_ENDPOINT_TAG[e]][0], e) for e in endpoints if e in SERVICE_ENDPOINT_TAG]
