"""The snapshot as networking/snapshot.py built it before issue #12 (model
instances, one object per row), kept as the reference the plain-values build
must equal: tests/networking/test_snapshot_values.py compares the two."""

from ipaddress import IPv4Address, IPv4Network, ip_network

from aks.models import ClusterNode, ManagedCluster
from appservice.models import WebApp
from networking import models as m
from networking.engine import routes as r
from networking.engine import servicetags, topology
from networking.engine.nsg import Nsg, Rule
from networking.snapshot import (
    PUBLIC_NAMES,
    SnapshotBuilder,
    _gateway_instance_ip,
    _networks,
    nat_addresses,
    outbound_rules,
)


def reference_build(sandbox) -> topology.Topology:
    """networking.snapshot.build as it was before issue #12: model instances,
    with App Service's and AKS's contributions inline. Rows without a model
    ordering are taken by pk, as the new build takes them."""
    vnets = {
        v.pk: topology.Vnet(v.pk, v.name, v.location, _networks(v.address_space), tuple(v.dns_servers), v.is_classic)
        for v in m.VirtualNetwork.objects.filter(sandbox=sandbox)
    }
    # Read as plain values already before issue #12: shared with the new build.
    nat_ips = nat_addresses(sandbox.pk)
    subnets = {}
    for s in m.Subnet.objects.filter(vnet__sandbox=sandbox).select_related("nat_gateway"):
        net = ip_network(s.address_prefix)
        if net.version != 4:
            continue
        subnets[s.pk] = topology.Subnet(
            s.pk,
            s.name,
            s.vnet_id,
            net,
            s.nsg_id,
            s.route_table_id,
            frozenset(s.service_endpoints),
            s.private_endpoint_network_policies,
            topology.NatGateway(s.nat_gateway.name, tuple(nat_ips.get(s.nat_gateway_id, ())))
            if s.nat_gateway_id
            else None,
            s.default_outbound_access,  # DOA-03
        )
    peerings = tuple(
        topology.Peering(
            p.vnet_id,
            p.remote_vnet_id,
            p.peering_state,
            p.allow_virtual_network_access,
            p.allow_gateway_transit,
            p.use_remote_gateways,
        )
        for p in m.VirtualNetworkPeering.objects.filter(vnet__sandbox=sandbox)
    )
    learned: dict[int, list[IPv4Network]] = {}
    peer_ips: dict[int, list[tuple[IPv4Network, str]]] = {}
    for c in m.VirtualNetworkGatewayConnection.objects.filter(sandbox=sandbox).order_by("pk").select_related(
        "local_network_gateway", "express_route_circuit"
    ):
        prefixes = []
        if c.local_network_gateway_id:
            prefixes += c.local_network_gateway.address_prefixes
        if c.express_route_circuit_id:
            prefixes += c.express_route_circuit.advertised_prefixes
        learned.setdefault(c.gateway_id, []).extend(_networks(prefixes))
        peer = c.local_network_gateway.bgp_peering_address if c.enable_bgp and c.local_network_gateway_id else None
        if peer:
            # NW-10: a prefix learned over BGP has the BGP peer as its next hop.
            peer_ips.setdefault(c.gateway_id, []).extend((n, peer) for n in _networks(prefixes))
    gateway_subnets = dict(
        m.Subnet.objects.filter(vnet__sandbox=sandbox, name__iexact="GatewaySubnet").values_list(
            "vnet_id", "address_prefix"
        )
    )
    gateways = {}
    for g in m.VirtualNetworkGateway.objects.filter(sandbox=sandbox).order_by("pk"):
        pool = _networks([g.p2s_address_pool]) if g.p2s_address_pool else ()
        gateways[g.vnet_id] = topology.Gateway(
            g.vnet_id,
            g.name,
            g.gateway_type,
            tuple(learned.get(g.pk, [])),
            pool[0] if pool else None,
            ip=_gateway_instance_ip(gateway_subnets.get(g.vnet_id)),
            peer_ips=tuple(peer_ips.get(g.pk, [])),
            app_problem=g.gateway_integration_problem(),
        )
    routes_by_table: dict[int, list[r.Route]] = {}
    for route in m.Route.objects.filter(route_table__sandbox=sandbox):
        try:
            prefix = ip_network(route.address_prefix)
        except ValueError:
            tag = servicetags.SERVICE_TAGS.get(route.address_prefix.split(".")[0])
            if tag is None:
                continue
            prefix = tag[0]
        routes_by_table.setdefault(route.route_table_id, []).append(
            r.Route(prefix, route.next_hop_type, r.USER, route.next_hop_ip, route.name)
        )
    route_tables = {
        t.pk: topology.RouteTable(
            t.pk, t.name, not t.disable_bgp_route_propagation, tuple(routes_by_table.get(t.pk, ()))
        )
        for t in m.RouteTable.objects.filter(sandbox=sandbox).order_by("pk")
    }
    rules_by_nsg: dict[int, list[Rule]] = {}
    for rule in m.SecurityRule.objects.filter(nsg__sandbox=sandbox):
        rules_by_nsg.setdefault(rule.nsg_id, []).append(
            Rule(
                rule.name,
                rule.priority,
                rule.direction,
                rule.access,
                rule.protocol,
                tuple(rule.source_address_prefixes) or ("*",),
                tuple(rule.source_port_ranges) or ("*",),
                tuple(rule.destination_address_prefixes) or ("*",),
                tuple(rule.destination_port_ranges) or ("*",),
            )
        )
    nsgs = {
        n.pk: Nsg(n.name, tuple(rules_by_nsg.get(n.pk, ())), n.arm_id)
        for n in m.NetworkSecurityGroup.objects.filter(sandbox=sandbox).order_by("pk").select_related("resource_group__subscription")
    }
    outbound = outbound_rules(sandbox.pk)
    nic_by_pk = {
        n.pk: topology.Nic(
            n.name,
            n.subnet_id,
            IPv4Address(n.private_ip),
            n.nsg_id,
            n.vm.name if n.vm_id else n.vm_name,
            n.enable_ip_forwarding,
            IPv4Address(n.public_ip) if n.public_ip else None,
            outbound.get(n.load_balancer_id),
        )
        for n in m.NetworkInterface.objects.filter(sandbox=sandbox).order_by("pk").select_related("vm")
    }
    nics = tuple(nic_by_pk.values())
    pe_rows = list(m.PrivateEndpoint.objects.filter(sandbox=sandbox).order_by("pk").select_related("nic", "target_type"))
    builder = SnapshotBuilder(subnets, nic_by_pk, ((pe.target_type.model, pe.target_id) for pe in pe_rows))
    targets = []
    for model in (m.StorageAccount, m.SqlServer, m.KeyVault):
        for t in model.objects.filter(sandbox=sandbox).order_by("pk").prefetch_related("vnet_rules"):
            targets.append(
                topology.Target(
                    model.__name__,
                    t.name,
                    t.host_name,
                    IPv4Address(t.public_ip),
                    model.service_endpoint,
                    model.private_link_zone,
                    t.public_network_access != "Disabled",
                    # SQL-03: a SQL server's firewall refuses what no rule allows.
                    t.default_action == "Deny" or model is m.SqlServer,
                    _networks(r for r in t.ip_rules if r != m.SqlServer.AZURE_SERVICES_RULE),
                    frozenset(s.pk for s in t.vnet_rules.all()),
                    azure_services=model is m.SqlServer and m.SqlServer.AZURE_SERVICES_RULE in t.ip_rules,
                )
            )
            builder.add_endpoint_host(model._meta.model_name, t.pk, t.host_name)
    # App Service: the host names of the apps private endpoints point at.
    for app in WebApp.objects.filter(sandbox=sandbox, pk__in=builder.endpoint_target_ids("webapp")):
        builder.add_endpoint_host("webapp", app.pk, app.default_host_name)
    # AKS: the clusters, their nodes and the addresses Azure CNI reserved.
    for c in ManagedCluster.objects.filter(sandbox=sandbox).order_by("name"):
        builder.add_aks_cluster(c.pk, c.name, c.network_plugin, c.subnet_id, c.pod_cidr or None, c.route_table_id)
    for node in (
        ClusterNode.objects.filter(pool__cluster__sandbox=sandbox)
        .select_related("pool")
        .prefetch_related("pod_ips")
        .order_by("pool__cluster__name", "pool_id", "instance")
    ):
        builder.add_aks_node(
            node.pool.cluster_id,
            node.name,
            node.nic_id,
            node.pod_cidr or None,
            [p.ip for p in node.pod_ips.all()],
            node.pool.max_pods,
        )
    endpoints = [
        topology.PrivateEndpoint(
            pe.name,
            pe.subnet_id,
            IPv4Address(pe.nic.private_ip),
            builder.endpoint_host(pe.target_type.model, pe.target_id),
            pe.connection_state == "Approved",
        )
        for pe in pe_rows
    ]
    records_by_zone: dict[int, dict] = {}
    for rs in m.PrivateDnsRecordSet.objects.filter(zone__sandbox=sandbox).exclude(record_type="SOA"):
        records_by_zone.setdefault(rs.zone_id, {})[rs.name.lower()] = (rs.record_type, tuple(rs.records))
    links_by_zone: dict[int, list] = {}
    for link in m.VirtualNetworkLink.objects.filter(zone__sandbox=sandbox):
        links_by_zone.setdefault(link.zone_id, []).append((link.vnet_id, link.resolution_policy == "NxDomainRedirect"))
    zones = tuple(
        topology.Zone(z.name.lower(), records_by_zone.get(z.pk, {}), tuple(links_by_zone.get(z.pk, ())))
        for z in m.PrivateDnsZone.objects.filter(sandbox=sandbox).order_by("pk")
    )
    return topology.Topology(
        era=sandbox.era,
        vnets=vnets,
        subnets=subnets,
        peerings=peerings,
        gateways=gateways,
        route_tables=route_tables,
        nsgs=nsgs,
        nics=nics,
        private_endpoints=tuple(endpoints),
        targets=tuple(targets),
        zones=zones,
        public_names=dict(PUBLIC_NAMES),
        aks_clusters=builder.aks_clusters,
        aks_nodes=tuple(builder.aks_nodes),
    )
