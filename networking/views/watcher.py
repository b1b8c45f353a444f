"""Network Watcher (portal-ui §8, azure-rules §14): Effective routes of a
network interface or a subnet, Effective security rules of a network
interface, and the Network Watcher blade's IP flow verify and Next hop.

Every page asks the engine about a snapshot of the sandbox built for the
request (networking/snapshot.py), so answers follow the topology as it is
now and cost a fixed number of queries. Nothing here changes anything: the
checks are GET requests with the form in the query string.
"""

import csv
import re
import uuid
from dataclasses import dataclass
from ipaddress import IPv4Address

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from networking import snapshot
from networking.engine import nsg as nsg_engine
from networking.engine import routes as r
from networking.engine import servicetags
from networking.engine.trace import trace_nic, trace_pod, trace_subnet
from networking.forms.watcher import ConnectionTroubleshootForm, IpFlowForm, NextHopForm
from networking.models import NetworkInterface, RouteTable, Subnet
from networking.resources import WATCHER_MENU
from networking.views.compute import get_nic, nic_blade
from networking.views.vnets import get_subnet, get_vnet, vnet_blade
from portal.blades import menu_sections, respond
from portal.models import REGIONS, Subscription, region_name
from portal.resources import blade_url

# ROUTE-24: how the effective routes grid names each next hop type. Global
# peering shows as "VNet peering" too: the portal's own label for it is
# unconfirmed (ROUTE-25), and the private endpoint label is third-party only
# (ROUTE-08), so it keeps the engine's name.
HOP_LABELS = {
    r.VNET_LOCAL: "Virtual network",
    r.INTERNET: "Internet",
    r.NONE: "None",
    r.VIRTUAL_APPLIANCE: "Virtual appliance",
    r.GATEWAY: "Virtual network gateway",
    r.PEERING: "VNet peering",
    r.GLOBAL_PEERING: "VNet peering",
    r.SERVICE_ENDPOINT: "VirtualNetworkServiceEndpoint",
    r.INTERFACE_ENDPOINT: r.INTERFACE_ENDPOINT,
}
# NW-12: the next hop types Next hop answers with.
NEXT_HOP_TYPES = {
    r.VNET_LOCAL: "VirtualNetwork",
    r.INTERNET: "Internet",
    r.NONE: "None",
    r.VIRTUAL_APPLIANCE: "VirtualAppliance",
    r.GATEWAY: "VirtualNetworkGateway",
    r.PEERING: "VirtualNetworkPeering",
    r.GLOBAL_PEERING: "VirtualNetworkPeering",
    r.SERVICE_ENDPOINT: "VirtualNetworkServiceEndpoint",
    r.INTERFACE_ENDPOINT: r.INTERFACE_ENDPOINT,
}
SYSTEM_ROUTE = "System Route"  # NW-10: the route table ID when no UDR decided

ROUTE_COLUMNS = (
    "Source",
    "State",
    "Address Prefixes",
    "Next Hop Type",
    "Next Hop IP Address",
    "User Defined Route Name",
)
RULE_COLUMNS = ("Name", "Priority", "Source", "Source Ports", "Destination", "Destination Ports", "Protocol", "Access")
PROTOCOL_LABELS = {"*": "Any", "Tcp": "TCP", "Udp": "UDP", "Icmp": "ICMP", "Esp": "ESP", "Ah": "AH"}
ANY = {"*", "0.0.0.0/0"}
WATCHER_ICON = "bi-binoculars"
WATCHER_RG = "NetworkWatcherRG"  # where Azure puts the per-region watchers
WATCHER_NAME = re.compile(r"^NetworkWatcher_(?P<region>[a-z0-9]+)$", re.IGNORECASE)


# --- helpers ------------------------------------------------------------------------------


def _csv(filename: str, header, rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _topology_subnet(topology, subnet_id: int):
    """The snapshot's subnet; IPv6-only subnets are not in it."""
    subnet = topology.subnets.get(subnet_id)
    if subnet is None:
        raise Http404("The engine models IPv4 subnets only")
    return subnet


def _route_rows(topology, subnet_id: int) -> list[dict]:
    """ROUTE-33's columns for every candidate route of the subnet, its state
    Active or Invalid (ROUTE-32)."""
    config = topology.routing_for(_topology_subnet(topology, subnet_id))
    rows = []
    for effective in r.effective_routes(config):
        route = effective.route
        rows.append(
            {
                "source": route.source,
                "state": effective.state,
                "prefix": str(route.prefix),
                "hop": HOP_LABELS.get(route.next_hop_type, route.next_hop_type),
                "hop_ip": route.next_hop_ip or "",
                "udr": route.name if route.source == r.USER else "",
                "reason": effective.reason,
            }
        )
    return rows


def _route_csv_rows(rows: list[dict]):
    return [(x["source"], x["state"], x["prefix"], x["hop"], x["hop_ip"], x["udr"]) for x in rows]


def _address(spec: str) -> str:
    return "Any" if spec in ANY else spec


def _ports(spec: str) -> str:
    return "Any" if spec == "*" else spec


def _expanded(spec: str, vnet_tag) -> list[str]:
    """NW-30: the prefixes a service tag stands for, where the lab knows them."""
    if spec == "VirtualNetwork":
        return [str(n) for n in (*vnet_tag, servicetags.AZURE_LOAD_BALANCER)]
    if spec == "AzureLoadBalancer":
        return [str(servicetags.AZURE_LOAD_BALANCER)]
    if spec == "AzureCloud":
        return [str(servicetags.AZURE_CLOUD)]
    if spec in servicetags.SERVICE_TAGS:
        return [str(servicetags.SERVICE_TAGS[spec][0])]
    return []


def _rule_row(rule: nsg_engine.Rule, vnet_tag) -> dict:
    sources = [_address(s) for s in rule.sources]
    destinations = [_address(d) for d in rule.destinations]
    return {
        "name": rule.name,
        "priority": rule.priority,
        "source": ", ".join(sources),
        "source_ports": ", ".join(_ports(p) for p in rule.source_ports),
        "destination": ", ".join(destinations),
        "destination_ports": ", ".join(_ports(p) for p in rule.destination_ports),
        "protocol": PROTOCOL_LABELS.get(rule.protocol, rule.protocol),
        "access": rule.access,
        "is_default": rule.is_default,
        "expanded": [(s, _expanded(s, vnet_tag)) for s in (*sources, *destinations) if _expanded(s, vnet_tag)],
    }


def _security_groups(topology, nic: NetworkInterface) -> list[dict]:
    """NW-30: the subnet's NSG and the NIC's, each with its inbound and
    outbound rules in evaluation order, default rules last (NSG-02, NSG-10)."""
    subnet = _topology_subnet(topology, nic.subnet_id)
    vnet_tag = topology.virtual_network_tag(subnet.vnet_id, subnet.id)
    applied = [
        (subnet.nsg_id, f"Subnet: {nic.subnet.vnet.name}/{nic.subnet.name}"),
        (nic.nsg_id, f"Network interface: {nic.name}"),
    ]
    groups = []
    for nsg_id, applied_to in applied:
        nsg = topology.nsgs.get(nsg_id) if nsg_id else None
        if nsg is None:
            continue
        directions = []
        for direction in ("Inbound", "Outbound"):
            custom = sorted((x for x in nsg.rules if x.direction == direction), key=lambda x: x.priority)
            defaults = [x for x in nsg_engine.default_rules() if x.direction == direction]
            directions.append({"direction": direction, "rows": [_rule_row(x, vnet_tag) for x in (*custom, *defaults)]})
        groups.append({"nsg": nsg, "url": _nsg_url(nsg.arm_id), "applied_to": applied_to, "directions": directions})
    return groups


def _nsg_url(arm_id: str) -> str:
    """The NSG blade from its resource ID (the snapshot keeps IDs, not rows)."""
    parts = arm_id.split("/")
    if len(parts) != 9:
        return ""
    return blade_url("Microsoft.Network/networkSecurityGroups", parts[2], parts[4], parts[8])


# --- network interface: Effective routes, Effective security rules ---------------------------


@require_GET
def nic_effective_routes(request, subscription_id, rg, name):
    nic = get_nic(request, subscription_id, rg, name)
    rows = _route_rows(snapshot.current(request.sandbox), nic.subnet_id)
    download = reverse(
        "networking:nic_effective_routes_download", kwargs={"subscription_id": subscription_id, "rg": rg, "name": name}
    )
    scope = f"Network interface {nic.name} ({nic.subnet.vnet.name}/{nic.subnet.name})"
    context = nic_blade(nic, "effective_routes", "Effective routes", rows=rows, scope=scope, download_url=download)
    return render(request, "networking/watcher_effective_routes.html", context)


@require_GET
def nic_effective_routes_download(request, subscription_id, rg, name):
    nic = get_nic(request, subscription_id, rg, name)
    rows = _route_rows(snapshot.current(request.sandbox), nic.subnet_id)
    return _csv(f"{nic.name}-effective-routes.csv", ROUTE_COLUMNS, _route_csv_rows(rows))


@require_GET
def nic_effective_security_rules(request, subscription_id, rg, name):
    nic = get_nic(request, subscription_id, rg, name)
    groups = _security_groups(snapshot.current(request.sandbox), nic)
    download = reverse(
        "networking:nic_effective_security_rules_download",
        kwargs={"subscription_id": subscription_id, "rg": rg, "name": name},
    )
    context = nic_blade(
        nic, "effective_security_rules", "Effective security rules", groups=groups, download_url=download
    )
    return render(request, "networking/watcher_security_rules.html", context)


@require_GET
def nic_effective_security_rules_download(request, subscription_id, rg, name):
    nic = get_nic(request, subscription_id, rg, name)
    rows = []
    for group in _security_groups(snapshot.current(request.sandbox), nic):
        for direction in group["directions"]:
            for x in direction["rows"]:
                rows.append(
                    (
                        group["nsg"].name,
                        group["applied_to"],
                        direction["direction"],
                        x["name"],
                        x["priority"],
                        x["source"],
                        x["source_ports"],
                        x["destination"],
                        x["destination_ports"],
                        x["protocol"],
                        x["access"],
                    )
                )
    header = ("Network security group", "Associated to", "Direction", *RULE_COLUMNS)
    return _csv(f"{nic.name}-effective-security-rules.csv", header, rows)


# --- subnet: Effective routes -----------------------------------------------------------------


def _subnet_route_rows(request, provider, subscription_id, rg, name, subnet_name):
    vnet = get_vnet(request, provider, subscription_id, rg, name)
    subnet = get_subnet(vnet, subnet_name)
    return vnet, subnet, _route_rows(snapshot.current(request.sandbox), subnet.pk)


@require_GET
def subnet_effective_routes(request, provider, subscription_id, rg, name, subnet):
    vnet, subnet, rows = _subnet_route_rows(request, provider, subscription_id, rg, name, subnet)
    kwargs = {"provider": provider, "subscription_id": subscription_id, "rg": rg, "name": name, "subnet": subnet.name}
    context = vnet_blade(vnet, "subnets", "Effective routes")
    context.update(
        rows=rows,
        scope=f"Subnet {subnet.name} ({subnet.address_prefix})",
        download_url=reverse("networking:subnet_effective_routes_download", kwargs=kwargs),
    )
    return render(request, "networking/watcher_effective_routes.html", context)


@require_GET
def subnet_effective_routes_download(request, provider, subscription_id, rg, name, subnet):
    vnet, subnet, rows = _subnet_route_rows(request, provider, subscription_id, rg, name, subnet)
    return _csv(f"{vnet.name}-{subnet.name}-effective-routes.csv", ROUTE_COLUMNS, _route_csv_rows(rows))


# --- the Network Watcher blade: IP flow verify, Next hop -------------------------------------


@dataclass(frozen=True)
class Watcher:
    """The region's Network Watcher: Azure creates one per region in
    NetworkWatcherRG; the lab has no model for it, only this address."""

    subscription_id: str
    subscription_name: str
    region: str
    name = "Network Watcher"
    type_label = "Network Watcher"

    @property
    def resource_name(self) -> str:
        return f"NetworkWatcher_{self.region}"

    @property
    def arm_id(self) -> str:
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{WATCHER_RG}"
            f"/providers/Microsoft.Network/networkWatchers/{self.resource_name}"
        )

    @property
    def region_label(self) -> str:
        return region_name(self.region)


def watcher_url(subscription, region: str = "eastus", page: str = "ip_flow_verify") -> str:
    """The Network Watcher blade of ``subscription`` (for links from the portal menu)."""
    kwargs = {"subscription_id": subscription.subscription_id, "rg": WATCHER_RG, "name": f"NetworkWatcher_{region}"}
    return reverse(f"networking:watcher_{page}", kwargs=kwargs)


def _watcher(request, subscription_id, rg, name) -> Watcher:
    match = WATCHER_NAME.match(name)
    if rg.lower() != WATCHER_RG.lower() or match is None or match["region"].lower() not in REGIONS:
        raise Http404("Network Watcher not found")
    subscription = Subscription.objects.filter(sandbox=request.sandbox, subscription_id=subscription_id).first()
    if subscription is None:
        raise Http404("Network Watcher not found")
    return Watcher(str(subscription_id), subscription.display_name, match["region"].lower())


def _watcher_page(watcher: Watcher, active: str, title: str, **extra) -> dict:
    # A UUID, as the resources' blade kwargs give it (the URL converter takes one).
    subscription_id = uuid.UUID(watcher.subscription_id)
    kwargs = {"subscription_id": subscription_id, "rg": WATCHER_RG, "name": watcher.resource_name}
    menu = menu_sections(WATCHER_MENU, watcher, active, url_kwargs=kwargs)
    return {
        "resource": watcher,
        "watcher": watcher,
        "resource_menu": menu,
        "page_title": title,
        "blade_icon": WATCHER_ICON,
        "breadcrumbs": [{"label": "Network Watcher"}],
        **extra,
    }


def _vm_nics(sandbox) -> list[NetworkInterface]:
    """NW-02: the tools work on virtual machines' NICs (not a private
    endpoint's), on Resource Manager networks only (CLASSIC-03). A scale set
    instance's NIC (an AKS node's) isn't a top-level network interface
    (VMSS-01): its pods are the picker's AKS sources."""
    qs = NetworkInterface.objects.filter(sandbox=sandbox, scale_set="", subnet__vnet__is_classic=False).exclude(
        vm__isnull=True, vm_name=""
    )
    return list(qs.select_related("subnet__vnet", "vm").order_by("name", "pk"))


def _ip_flow(topology, nic: NetworkInterface, data: dict) -> dict:
    """NW-02/NW-03: every NSG on the NIC and its subnet, in NSG-21's order."""
    subnet = _topology_subnet(topology, nic.subnet_id)
    local, remote = IPv4Address(data["local_ip"]), IPv4Address(data["remote_ip"])
    outbound = data["direction"] == "Outbound"
    flow = nsg_engine.Flow(
        direction=data["direction"],
        protocol=data["protocol"],
        source=local if outbound else remote,
        source_port=data["local_port"] if outbound else data["remote_port"],
        destination=remote if outbound else local,
        destination_port=data["remote_port"] if outbound else data["local_port"],
    )
    nic_nsg = topology.nsgs.get(nic.nsg_id) if nic.nsg_id else None
    subnet_nsg = topology.nsgs.get(subnet.nsg_id) if subnet.nsg_id else None
    verdict, verdicts = nsg_engine.evaluate(
        flow, topology.virtual_network_tag(subnet.vnet_id, subnet.id), nic_nsg=nic_nsg, subnet_nsg=subnet_nsg
    )
    order = [("Network interface", nic_nsg), ("Subnet", subnet_nsg)]
    applied_to = [label for label, nsg in (order if outbound else order[::-1]) if nsg is not None]
    return {
        "allowed": verdict.allowed,
        "access": "Access allowed" if verdict.allowed else "Access denied",
        "rule": verdict.rule.label if verdict.rule else "",
        "nsg": verdict.nsg,
        # NW-03: the portal links the NSG unless a default rule decided.
        "nsg_url": _nsg_url(verdict.nsg.arm_id) if verdict.nsg and verdict.rule and not verdict.rule.is_default else "",
        "rule_ids": ("NW-03", *verdict.rule_ids),
        "icmp": data["protocol"] == "Icmp",
        "evaluated": [
            {"nsg": v.nsg.name, "applied_to": label, "rule": v.rule.label if v.rule else "", "access": v.access}
            for label, v in zip(applied_to, verdicts, strict=True)
        ],
    }


def _next_hop(topology, nic: NetworkInterface, data: dict) -> dict:
    """NW-10/NW-12: the route the subnet picks for the destination (ROUTE-30)."""
    subnet = _topology_subnet(topology, nic.subnet_id)
    decision = r.select_route(topology.routing_for(subnet), IPv4Address(data["destination_ip"]))
    route = decision.route
    table_id, table_url = SYSTEM_ROUTE, ""
    if route is not None and route.source == r.USER and subnet.route_table_id:
        table = (
            RouteTable.objects.select_related("resource_group__subscription").filter(pk=subnet.route_table_id).first()
        )
        if table is not None:
            table_id = table.arm_id
            table_url = blade_url(
                table.arm_type, table.resource_group.subscription.subscription_id, table.resource_group.name, table.name
            )
    return {
        "type": NEXT_HOP_TYPES.get(route.next_hop_type, route.next_hop_type) if route else r.NONE,
        "ip": (route.next_hop_ip or "") if route else "",
        "route_table_id": table_id,
        "route_table_url": table_url,
        "route": route,
        "route_label": HOP_LABELS.get(route.next_hop_type, "") if route else "",
        "note": decision.note,
        "rule_ids": ("NW-10", "NW-12", *decision.rule_ids),
    }


def _run_tool(
    request, watcher, *, form_class, run, active: str, title: str, template: str, partial: str, **form_kwargs
):
    nics = _vm_nics(request.sandbox)
    form = form_class(request.GET, nics=nics, era=request.sandbox.era, **form_kwargs)
    result, status = None, 200
    if form.is_bound:
        if form.is_valid():
            result = run(snapshot.current(request.sandbox), form.chosen, form.cleaned_data)
        else:
            status = 422
    context = _watcher_page(watcher, active, title, form=form, nics=nics, result=result)
    return respond(request, template, partial, context, status)


@require_GET
def watcher_ip_flow_verify(request, subscription_id, rg, name):
    """IP flow verify (NW-01 to NW-03): would the NSGs let this packet through?"""
    watcher = _watcher(request, subscription_id, rg, name)
    return _run_tool(
        request,
        watcher,
        form_class=IpFlowForm,
        run=_ip_flow,
        active="ip_flow_verify",
        title="IP flow verify",
        template="networking/watcher_ip_flow.html",
        partial="ip-flow-verify",
        target_type=request.sandbox.rules.ip_flow_target_type,
    )


@require_GET
def watcher_next_hop(request, subscription_id, rg, name):
    """Next hop (NW-10, NW-12): which route a packet from the VM takes."""
    watcher = _watcher(request, subscription_id, rg, name)
    return _run_tool(
        request,
        watcher,
        form_class=NextHopForm,
        run=_next_hop,
        active="next_hop",
        title="Next hop",
        template="networking/watcher_next_hop.html",
        partial="next-hop",
    )


# --- Connection troubleshoot (NW-40 to NW-46) ------------------------------------------------

# NW-41: ConnectionStatus. The engine can't tell what a virtual appliance
# does with a packet, so a forwarded trace is "Unknown" (docs/fidelity.md).
# An address nobody holds is Unreachable with no issue on any hop: the
# network delivers, nothing answers (ROUTE-01).
CONNECTION_STATUS = {
    "Reachable": "Reachable",
    "Blocked": "Unreachable",
    "Forwarded": "Unknown",
    "No answer": "Unreachable",
}
# NW-42/NW-46: the issue type a blocking step reports.
ISSUE_TYPES = {
    "Name resolution": "DnsResolution",
    "Network security group": "NetworkSecurityRule",
    "Route": "UserDefinedRoute",
}


def _subnets(sandbox) -> list:
    """Connection troubleshoot's subnet sources: Resource Manager VNets' only (CLASSIC-03)."""
    subnets = (
        Subnet.objects.filter(vnet__sandbox=sandbox, vnet__is_classic=False)
        .select_related("vnet")
        .order_by("vnet__name", "name")
    )
    return [x for x in subnets if x.address_prefix and ":" not in x.address_prefix]


def _issue(trace) -> dict | None:
    """NW-42/NW-46: the issue Connection troubleshoot reports for the hop that failed."""
    if trace.verdict != "Blocked":
        return None
    step = next(x for x in reversed(trace.steps) if x.name == trace.deciding_step)
    kind = ISSUE_TYPES.get(trace.deciding_step)
    origin = "Outbound"
    if kind is None and any(i.startswith("NSG-") for i in step.rule_ids):
        kind, origin = "NetworkSecurityRule", "Inbound"
    if trace.deciding_step == "Name resolution":
        origin = "Local"
    return {"origin": origin, "severity": "Error", "type": kind or "", "detail": step.detail}


@require_GET
def watcher_connection_troubleshoot(request, subscription_id, rg, name):
    """Connection troubleshoot (NW-40 to NW-46): whether a VM (or a subnet,
    or an AKS pod) reaches a destination, hop by hop, answered by the
    connectivity engine."""
    watcher = _watcher(request, subscription_id, rg, name)
    nics, subnets = _vm_nics(request.sandbox), _subnets(request.sandbox)
    pods = snapshot.pod_choices(request.sandbox)
    form = ConnectionTroubleshootForm(request.GET, nics=nics, subnets=subnets, pods=pods)
    trace, status = None, 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            topology = snapshot.current(request.sandbox)
            if data["destination_type"] == "vm":
                destination = form.nics[data["destination_nic"]].private_ip
            else:
                destination = data["host"]
            port = data.get("destination_port") or 0
            if data["source_type"] == "vm":
                source = snapshot.nic_source(topology, form.nics[data["nic"]])
                trace = trace_nic(topology, source, destination, port, data["protocol"])
            elif data["source_type"] == "pod":
                try:
                    source = snapshot.pod_source(topology, data["pod"])
                except LookupError as error:
                    # The pod's node went away between the page and the snapshot.
                    form.add_error("pod", str(error))
                else:
                    trace = trace_pod(topology, source, destination, port, data["protocol"])
            else:
                source = _topology_subnet(topology, data["subnet"])
                trace = trace_subnet(topology, source, destination, port, data["protocol"])
        if form.errors:
            status = 422
    context = _watcher_page(
        watcher,
        "connection_troubleshoot",
        "Connection troubleshoot",
        form=form,
        trace=trace,
        status_label=CONNECTION_STATUS.get(trace.verdict, "") if trace else "",
        issue=_issue(trace) if trace else None,
    )
    return respond(request, "networking/watcher_connection.html", "connection", context, status)


_NIC = "Microsoft.Network/networkInterfaces/<str:name>/"
_SUBNET = "<str:provider>/virtualNetworks/<str:name>/subnets/<str:subnet>/"
_WATCHER = "Microsoft.Network/networkWatchers/<str:name>/"

urlpatterns = [
    path(_NIC + "effectiveRouteTable", nic_effective_routes, name="nic_effective_routes"),
    path(_NIC + "effectiveRouteTable/download", nic_effective_routes_download, name="nic_effective_routes_download"),
    path(_NIC + "effectiveSecurityRules", nic_effective_security_rules, name="nic_effective_security_rules"),
    path(
        _NIC + "effectiveSecurityRules/download",
        nic_effective_security_rules_download,
        name="nic_effective_security_rules_download",
    ),
    path(_SUBNET + "effectiveRouteTable", subnet_effective_routes, name="subnet_effective_routes"),
    path(
        _SUBNET + "effectiveRouteTable/download",
        subnet_effective_routes_download,
        name="subnet_effective_routes_download",
    ),
    path(_WATCHER + "ipFlowVerify", watcher_ip_flow_verify, name="watcher_ip_flow_verify"),
    path(_WATCHER + "nextHop", watcher_next_hop, name="watcher_next_hop"),
    path(_WATCHER + "connectionTroubleshoot", watcher_connection_troubleshoot, name="watcher_connection_troubleshoot"),
]
