"""State changes of the networking resources, one module per family:
vnets (virtual networks and subnets), nsgs, routes, peerings, gateways
(VPN/ExpressRoute gateways, local network gateways, connections, circuits),
dns (private DNS zones), endpoints (private endpoints), paas (storage,
SQL, Key Vault) and compute (VMs and NICs). The VNet functions are re-exported here because the
App Service code calls them as ``networking.services.create_subnet``."""

from networking.services.vnets import (  # noqa: F401
    create_subnet,
    create_vnet,
    parse_prefix,
    validate_address_space,
    validate_subnet_prefix,
)
