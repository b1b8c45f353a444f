"""Public Standard load balancers made for outbound connectivity, as a
service that owns them creates them (an AKS cluster's ``kubernetes``
load balancer, outboundType loadBalancer: LB-02):

- one frontend IP configuration on a new Standard, static public IP (its
  address allotted from the sandbox's range, PIP-05), claimed by the load
  balancer (PIP-03);
- one backend pool, which NICs join by pointing at the load balancer;
- an outbound rule: the pool's internet traffic leaves from the frontend
  public IP (LB-01).

The lab has no "Create load balancer" wizard: these are made only by what
owns them, quietly (an Activity log row each, no "Deployment succeeded").
"""

from __future__ import annotations

from django.db import transaction

from networking.models import LoadBalancer, NetworkInterface, PublicIPAddress
from networking.services.nat import PublicIpSpec, create_public_ip
from portal import services as portal_services
from portal.models import ResourceGroup


def create_outbound_load_balancer(
    rg: ResourceGroup,
    name: str,
    location: str,
    *,
    public_ip_name: str,
    backend_pool: str,
    outbound_rule: str,
) -> LoadBalancer:
    """The load balancer and its frontend public IP, in one transaction."""
    sandbox = rg.subscription.sandbox
    with transaction.atomic():
        pip = create_public_ip(rg, PublicIpSpec(public_ip_name, location, "Standard", "Static"), announce=False)
        balancer = LoadBalancer.objects.create(
            sandbox=sandbox,
            resource_group=rg,
            name=name,
            location=location,
            sku="Standard",
            backend_pool=backend_pool,
            outbound_rule=outbound_rule,
        )
        # PIP-03: the address is new, so the claim can't meet another user.
        PublicIPAddress.objects.filter(pk=pip.pk, load_balancer__isnull=True).update(load_balancer=balancer)
        portal_services.log_activity(sandbox, balancer, "Create or Update Load Balancer", "Succeeded")
    return balancer


def outbound_address(balancer: LoadBalancer) -> str | None:
    """LB-01: the address the backend pool's internet traffic leaves from."""
    if not balancer.outbound_rule:
        return None
    pip = balancer.frontend_ips.filter(ip_address__isnull=False).order_by("pk").first()
    return pip.ip_address if pip is not None else None


def backend_members(balancer: LoadBalancer) -> list[NetworkInterface]:
    """The backend pool's NICs, with their subnets, by scale set and instance."""
    return list(
        balancer.backend_nics.select_related("subnet__vnet", "resource_group__subscription").order_by(
            "scale_set", "scale_set_instance", "name"
        )
    )
