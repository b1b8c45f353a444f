"""A Read-only lock refuses every change (LOCK-02): each change service of
networking, App Service and AKS, and each create in a locked resource group,
raises the lock's ScopeLocked refusal and leaves the sandbox as it was; a
Delete lock (LOCK-01) refuses none of them. Through the blades the refusal
is the usual 422 with LOCK-02 in the pane or page."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.urls import reverse

from aks import services as aks_services
from aks.models import ManagedCluster
from appservice import services as app_services
from appservice.models import AppServicePlan, VnetIntegration
from networking.models import (
    NetworkInterface,
    PrivateDnsZone,
    SqlServer,
    StorageAccount,
    Subnet,
    VirtualNetwork,
)
from networking.services import (
    compute,
    dns,
    endpoints,
    gateways,
    nat,
    nsgs,
    paas,
    peerings,
    routes,
    standalone,
    vnets,
)
from portal import locks
from portal.errors import AzureRuleError
from portal.models import LockLevel, ResourceGroup, ResourceLock
from portal.services import complete_due_operations
from tests.helpers import HX, app_of, app_url
from tests.helpers import aks as aks_helpers
from tests.helpers.gateways import make_gateway, make_local, make_vnet, vnet_url
from tests.helpers.nsgs import blade_url, make_nsg, make_table, rule_form

pytestmark = pytest.mark.django_db

# What a refused change must leave as it was: every row of the apps' models
# (one persona per test, so every row is hers), but the sandbox's last visit.
SKIPPED_MODELS = {"portal.Sandbox", "portal.ResourceLock"}
STATE_APPS = ("portal", "networking", "appservice", "aks")


def state() -> dict[str, list[dict]]:
    return {
        model._meta.label: list(_rows(model).order_by("pk").values())
        for app in STATE_APPS
        for model in apps.get_app_config(app).get_models()
        if model._meta.label not in SKIPPED_MODELS
    }


def _rows(model):
    """A refusal's own Failed Activity log row (CLS-13) is what it adds on purpose."""
    if model._meta.label == "portal.ActivityLogEntry":
        return model.objects.exclude(status="Failed")
    return model.objects.all()


def rg_of(client) -> ResourceGroup:
    return ResourceGroup.objects.select_related("subscription__sandbox").get(
        subscription__sandbox=client.sandbox, name="contoso-rg"
    )


def lock(scope, level: str, name: str = "freeze") -> ResourceLock:
    sandbox = scope.subscription.sandbox if isinstance(scope, ResourceGroup) else scope.sandbox
    return locks.add_lock(sandbox, scope, name=name, level=level, notes="LOCK-02 test")


def free_subnet(client, vnet_name: str = "contoso-vnet") -> Subnet:
    """A new, empty subnet of ``vnet_name`` (made before any lock)."""
    vnet = VirtualNetwork.objects.get(sandbox=client.sandbox, name=vnet_name)
    return vnets.create_subnet(vnet, name="lab-free", prefix="10.0.250.0/24")


def integrated_app(client):
    app = app_of(client, "contoso-web")
    if not VnetIntegration.objects.filter(app=app).exists():
        subnet = free_subnet(client)
        app_services.add_regional_integration(app, subnet.vnet, subnet=subnet)
    return app_of(client, "contoso-web")


def cluster_of(client) -> ManagedCluster:
    subnet = aks_helpers.aks_subnets(client)["aks-subnet"]
    aks_services.create_cluster(aks_helpers.group(client), aks_helpers.spec(subnet, node_count=2))
    aks_helpers.finish_operations(client)
    return ManagedCluster.objects.select_related("resource_group__subscription", "sandbox").get(sandbox=client.sandbox)


def sql_of(client) -> SqlServer:
    return paas.create_target(SqlServer, rg_of(client), name="lab-sql-lock", location="eastus")


@dataclass(frozen=True)
class Case:
    """A change path: ``setup`` builds what it needs (before the lock) and
    returns (the resource it changes, the call that changes it)."""

    name: str
    setup: Callable[[Any], tuple[Any, Callable[[], object]]]


def _nsg_rule_edit(c):
    nsg = make_nsg(c)
    rule = nsgs.add_rule(nsg, "Outbound", rule_form())
    return nsg, lambda: nsgs.update_rule(rule, rule_form(priority="300"))


def _nsg_nic(c, associate: bool):
    nsg = make_nsg(c)
    nic = NetworkInterface.objects.select_related("resource_group__subscription").get(
        sandbox=c.sandbox, name="contoso-vm01-nic"
    )
    if not associate:
        nsgs.associate_nic(nsg, nic)
        return nsg, lambda: nsgs.dissociate_nic(nsg, nic)
    return nsg, lambda: nsgs.associate_nic(nsg, nic)


def _nsg_subnet(c, associate: bool):
    nsg, subnet = make_nsg(c), free_subnet(c)
    if not associate:
        nsgs.associate_subnet(nsg, subnet)
        return nsg, lambda: nsgs.dissociate_subnet(nsg, subnet)
    return nsg, lambda: nsgs.associate_subnet(nsg, subnet)


def _route_edit(c):
    table = make_table(c)
    route = routes.add_route(table, {"name": "r1", "address_prefix": "10.80.0.0/16", "next_hop_type": "None"})
    data = {"name": "r1", "address_prefix": "10.81.0.0/16", "next_hop_type": "Internet"}
    return table, lambda: routes.update_route(route, data)


def _route_subnet(c):
    table, subnet = make_table(c), free_subnet(c)
    return table, lambda: routes.associate_subnet(table, subnet)


def _peering(c, edit: bool):
    a = make_vnet(c, "lab-a", "10.200.0.0/16")
    b = make_vnet(c, "lab-b", "10.201.0.0/16")
    settings = peerings.LinkSettings()
    if edit:
        link = peerings.add_peering(a, b, name="a-b", remote_name="b-a", local=settings, remote_settings=settings)
        return a, lambda: peerings.update_peering(link, peerings.LinkSettings(allow_forwarded=True))
    return a, lambda: peerings.add_peering(
        a, b, name="a-b", remote_name="b-a", local=settings, remote_settings=settings
    )


def _zone(c):
    return PrivateDnsZone.objects.select_related("resource_group__subscription", "sandbox").get(
        pk=dns.create_zone(rg_of(c), name="lab.internal").pk
    )


def _record_set(c):
    zone = _zone(c)
    return zone, lambda: dns.save_record_set(
        zone, name="web", record_type="A", ttl="1", ttl_unit="Hours", records=["10.0.1.10"]
    )


def _dns_link(c):
    zone = _zone(c)
    vnet = VirtualNetwork.objects.get(sandbox=c.sandbox, name="contoso-vnet")
    return zone, lambda: dns.create_link(zone, name="lab-link", vnet=vnet)


def _nat(c):
    return nat.create_nat_gateway(rg_of(c), nat.NatGatewaySpec(name="lab-nat", location="eastus"))


def _nat_ip(c, add: bool):
    gateway = _nat(c)
    pip = nat.create_public_ip(rg_of(c), nat.PublicIpSpec("lab-nat-ip", "eastus"))
    if add:
        return gateway, lambda: nat.associate_public_ip(gateway, pip)
    nat.associate_public_ip(gateway, pip)
    return gateway, lambda: nat.dissociate_public_ip(gateway, pip)


def _nat_subnet(c):
    gateway, subnet = _nat(c), free_subnet(c)
    return gateway, lambda: nat.associate_subnet(gateway, subnet)


def _gateway(c):
    vnet = make_vnet(c, "lab-gw-vnet", "10.202.0.0/16", gateway_subnet="10.202.255.0/27")
    return make_gateway(c, vnet)


def _connection(c):
    gateway, local = _gateway(c), make_local(c)
    spec = gateways.ConnectionSpec(name="lab-conn", connection_type="IPsec", local_gateway=local, shared_key="abc123")
    return gateway, lambda: gateways.add_connection(gateway, spec)


def _local_update(c):
    local = make_local(c)
    spec = gateways.LocalGatewaySpec(ip_address="203.0.113.20", address_prefixes=("192.168.0.0/16",))
    return local, lambda: gateways.update_local_gateway(local, spec)


def _gateway_create(c):
    vnet = make_vnet(c, "lab-gw-vnet", "10.202.0.0/16")
    spec = gateways.GatewaySpec(
        name="lab-gw", location="eastus", vnet=vnet, gateway_subnet_prefix="10.202.255.0/27", public_ip_name="lab-gw-ip"
    )
    return vnet.resource_group, lambda: gateways.create_gateway(vnet.resource_group, spec)


def _vm_create(c):
    subnet = Subnet.objects.select_related("vnet").get(
        vnet__sandbox=c.sandbox, vnet__name="contoso-vnet", name="vm-subnet"
    )
    values = {"location": "eastus", "size": "Standard_B2s", "os_type": "Linux", "subnet": subnet}
    return rg_of(c), lambda: compute.create_vm(rg_of(c), name="lab-vm", **values)


def _nic_create(c):
    subnet = Subnet.objects.select_related("vnet").get(
        vnet__sandbox=c.sandbox, vnet__name="contoso-vnet", name="vm-subnet"
    )
    return rg_of(c), lambda: standalone.create_nic(rg_of(c), name="lab-nic", location="eastus", subnet=subnet)


def _paas(c, call: Callable):
    target = sql_of(c)
    return target, lambda: call(target)


def _vnet_rule_add(c):
    target, subnet = sql_of(c), free_subnet(c)
    return target, lambda: paas.add_vnet_rule(target, subnet, enable_endpoint=True)


def _vnet_rule_remove(c):
    target = sql_of(c)
    subnet = free_subnet(c)
    paas.add_vnet_rule(target, subnet, enable_endpoint=True)
    return target, lambda: paas.remove_vnet_rule(target, subnet.pk)


def _ip_rule_remove(c):
    target = sql_of(c)
    paas.add_ip_rule(target, "203.0.113.7")
    return target, lambda: paas.remove_ip_rule(target, "203.0.113.7")


def _endpoint_create(c):
    target = sql_of(c)
    subnet = free_subnet(c)
    values = {"name": "lab-pe", "location": "eastus", "group_id": "sqlServer", "subnet": subnet, "target": target}
    return rg_of(c), lambda: endpoints.create_endpoint(rg_of(c), **values)


def _endpoint_connection(c):
    target = sql_of(c)
    endpoint = endpoints.create_endpoint(
        rg_of(c), name="lab-pe", location="eastus", group_id="sqlServer", subnet=free_subnet(c), target=target
    )
    return target, lambda: paas.set_connection_state(target, endpoint.pk, "reject")


def _app(c, call: Callable):
    app = app_of(c, "contoso-web")
    return app, lambda: call(app)


def _integration_add(c):
    app, subnet = app_of(c, "contoso-web"), free_subnet(c)
    if VnetIntegration.objects.filter(app=app).exists():
        app_services.disconnect(app)
    return app, lambda: app_services.add_regional_integration(app, subnet.vnet, subnet=subnet)


def _scale_up(c):
    plan = AppServicePlan.objects.select_related("resource_group__subscription", "sandbox").get(
        sandbox=c.sandbox, name="contoso-s1-plan"
    )
    return plan, lambda: app_services.scale_plan(plan, "S2")


def _cluster(c, call: Callable):
    cluster = cluster_of(c)
    return cluster, lambda: call(cluster)


def _cluster_create(c):
    subnet = aks_helpers.aks_subnets(c)["aks-subnet"]
    rg = aks_helpers.group(c)
    return rg, lambda: aks_services.create_cluster(rg, aks_helpers.spec(subnet, node_count=2))


CASES = [
    # Network security groups: rules, subnets and NICs (NSG-01, NSG-20).
    Case("nsg-create", lambda c: (rg_of(c), lambda: nsgs.create_nsg(rg_of(c), name="lab-nsg", location="eastus"))),
    Case("nsg-rule-add", lambda c: (nsg := make_nsg(c), lambda: nsgs.add_rule(nsg, "Outbound", rule_form()))),
    Case("nsg-rule-edit", _nsg_rule_edit),
    Case("nsg-subnet-associate", lambda c: _nsg_subnet(c, True)),
    Case("nsg-subnet-dissociate", lambda c: _nsg_subnet(c, False)),
    Case("nsg-nic-associate", lambda c: _nsg_nic(c, True)),
    Case("nsg-nic-dissociate", lambda c: _nsg_nic(c, False)),
    # Route tables: routes, settings, subnets (ROUTE-20, ROUTE-26).
    Case(
        "route-table-create",
        lambda c: (rg_of(c), lambda: routes.create_route_table(rg_of(c), name="lab-rt", location="eastus")),
    ),
    Case(
        "route-add",
        lambda c: (
            table := make_table(c),
            lambda: routes.add_route(table, {"name": "r1", "address_prefix": "10.80.0.0/16", "next_hop_type": "None"}),
        ),
    ),
    Case("route-edit", _route_edit),
    Case("route-propagation", lambda c: (table := make_table(c), lambda: routes.set_propagation(table, False))),
    Case("route-subnet-associate", _route_subnet),
    # VNets and peerings.
    Case(
        "vnet-create",
        lambda c: (
            rg_of(c),
            lambda: vnets.create_vnet(
                rg_of(c), name="lab-vnet", location="eastus", address_space=["10.210.0.0/16"], subnets=[]
            ),
        ),
    ),
    Case("peering-add", lambda c: _peering(c, edit=False)),
    Case("peering-edit", lambda c: _peering(c, edit=True)),
    # Private DNS.
    Case("dns-zone-create", lambda c: (rg_of(c), lambda: dns.create_zone(rg_of(c), name="lab.internal"))),
    Case("dns-record-set", _record_set),
    Case("dns-vnet-link", _dns_link),
    # NAT gateways and public IPs.
    Case(
        "public-ip-create",
        lambda c: (rg_of(c), lambda: nat.create_public_ip(rg_of(c), nat.PublicIpSpec("lab-ip", "eastus"))),
    ),
    Case(
        "nat-create",
        lambda c: (
            rg_of(c),
            lambda: nat.create_nat_gateway(rg_of(c), nat.NatGatewaySpec(name="lab-nat", location="eastus")),
        ),
    ),
    Case("nat-public-ip-add", lambda c: _nat_ip(c, add=True)),
    Case("nat-public-ip-remove", lambda c: _nat_ip(c, add=False)),
    Case("nat-subnet-associate", _nat_subnet),
    # Gateways, connections, local gateways, circuits.
    Case("gateway-create", _gateway_create),
    Case("gateway-resize", lambda c: (gw := _gateway(c), lambda: gateways.resize_gateway(gw, "VpnGw2"))),
    Case(
        "gateway-point-to-site",
        lambda c: (
            gw := _gateway(c),
            lambda: gateways.save_point_to_site(
                gw, gateways.PointToSite("172.16.202.0/24", "SSTP", "certificate", (("root1", "MIIBIjANBgkq"),))
            ),
        ),
    ),
    Case("connection-add", _connection),
    Case(
        "local-gateway-create",
        lambda c: (rg_of(c), lambda: make_local(c, "lab-lng")),
    ),
    Case("local-gateway-update", _local_update),
    # Compute.
    Case("vm-create", _vm_create),
    Case("nic-create", _nic_create),
    # PaaS networking and private endpoints (SE-01, SE-02, SQL-01, PEDNS-30).
    Case(
        "paas-create",
        lambda c: (
            rg_of(c),
            lambda: paas.create_target(StorageAccount, rg_of(c), name="labstore01", location="eastus"),
        ),
    ),
    Case("paas-public-access", lambda c: _paas(c, lambda t: paas.set_public_access(t, "disabled"))),
    Case(
        "sql-networking", lambda c: _paas(c, lambda t: paas.set_sql_networking(t, deny_public=False, allow_azure=True))
    ),
    Case("paas-ip-rule-add", lambda c: _paas(c, lambda t: paas.add_ip_rule(t, "203.0.113.7"))),
    Case("paas-ip-rule-remove", _ip_rule_remove),
    Case("paas-vnet-rule-add", _vnet_rule_add),
    Case("paas-vnet-rule-remove", _vnet_rule_remove),
    Case("private-endpoint-create", _endpoint_create),
    Case("private-endpoint-connection", _endpoint_connection),
    # App Service (ASVI-60: each of these restarts or changes the app).
    Case(
        "app-settings-save",
        lambda c: _app(c, lambda a: app_services.save_app_settings(a, a.settings_version, [("LAB", "1", False)])),
    ),
    Case("app-route-all", lambda c: _app(c, lambda a: app_services.set_route_all(a, not a.vnet_route_all_enabled))),
    Case(
        "app-site-config",
        lambda c: _app(
            c, lambda a: app_services.save_site_config(a, a.settings_version, {"always_on": not a.always_on})
        ),
    ),
    Case("app-restart", lambda c: _app(c, app_services.user_restart)),
    Case("app-stop", lambda c: _app(c, app_services.stop_app)),
    Case("app-reset-publish-profile", lambda c: _app(c, app_services.reset_publishing_credentials)),
    Case("app-integration-add", _integration_add),
    Case("app-integration-disconnect", lambda c: (a := integrated_app(c), lambda: app_services.disconnect(a))),
    Case("plan-scale-up", _scale_up),
    Case(
        "plan-create",
        lambda c: (
            rg_of(c),
            lambda: app_services.create_plan(rg_of(c), name="lab-plan", location="eastus", os_name="Linux", sku="S1"),
        ),
    ),
    # AKS (AKS-32: scale; node pools).
    Case("aks-create", _cluster_create),
    Case("aks-scale", lambda c: _cluster(c, lambda k: aks_services.scale_pool(k.pools.get(), 3))),
    Case(
        "aks-node-pool-add",
        lambda c: _cluster(
            c, lambda k: aks_services.add_node_pool(k, aks_services.PoolSpec(name="user1", node_count=1))
        ),
    ),
]

# Locked on the resource itself rather than its group (a rule's NSG, a route's table...).
ON_THE_RESOURCE = {
    "nsg-rule-add",
    "nsg-subnet-associate",
    "route-add",
    "route-propagation",
    "peering-add",
    "dns-record-set",
    "nat-public-ip-add",
    "gateway-resize",
    "paas-ip-rule-add",
    "app-settings-save",
    "app-restart",
    "plan-scale-up",
    "aks-scale",
}


def _group(resource) -> ResourceGroup:
    return resource if isinstance(resource, ResourceGroup) else resource.resource_group


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_lock_02_a_read_only_lock_on_the_group_refuses_the_change_and_nothing_changes(alice, case):
    resource, change = case.setup(alice)
    lock(_group(resource), LockLevel.READ_ONLY)
    before = state()
    with pytest.raises(AzureRuleError) as refused:
        change()
    assert refused.value.rule_ids == ("LOCK-02",)
    assert "(Code: ScopeLocked)" in refused.value.message and "write operation" in refused.value.message
    assert state() == before


@pytest.mark.parametrize("case", [c for c in CASES if c.name in ON_THE_RESOURCE], ids=lambda case: case.name)
def test_lock_02_a_read_only_lock_on_the_resource_refuses_the_change(alice, case):
    resource, change = case.setup(alice)
    lock(resource, LockLevel.READ_ONLY)
    before = state()
    with pytest.raises(AzureRuleError) as refused:
        change()
    assert refused.value.rule_ids == ("LOCK-02",)
    assert resource.arm_id in refused.value.message
    assert state() == before


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_lock_01_a_delete_lock_refuses_none_of_these_changes(alice, case):
    """CanNotDelete refuses deletes only (LOCK-01): with the group so locked,
    every change above goes through (LOCK-02 is the Read-only lock's)."""
    resource, change = case.setup(alice)
    lock(_group(resource), LockLevel.CAN_NOT_DELETE)
    before = state()
    change()
    assert state() != before


def test_lock_02_an_association_is_refused_by_a_lock_on_the_subnets_vnet(alice):
    """An association changes the subnet: a Read-only lock on its VNet alone
    refuses it from the NSG's, the route table's and the NAT gateway's
    blades, and App Service's integration (LOCK-02)."""
    subnet = free_subnet(alice)
    nsg, table, gateway = make_nsg(alice), make_table(alice), _nat(alice)
    app = app_of(alice, "contoso-web")
    if VnetIntegration.objects.filter(app=app).exists():
        app_services.disconnect(app)
    lock(subnet.vnet, LockLevel.READ_ONLY)
    before = state()
    for change in (
        lambda: nsgs.associate_subnet(nsg, subnet),
        lambda: routes.associate_subnet(table, subnet),
        lambda: nat.associate_subnet(gateway, subnet),
        lambda: app_services.add_regional_integration(app, subnet.vnet, subnet=subnet),
    ):
        with pytest.raises(AzureRuleError) as refused:
            change()
        assert refused.value.rule_ids == ("LOCK-02",) and subnet.vnet.arm_id in refused.value.message
    assert state() == before


def test_lock_02_the_subnet_pane_refuses_joining_a_locked_nsg(alice):
    """The subnet's own pane writes the subnet, and the NSG it joins is
    locked: refused as on the NSG's blade (LOCK-02)."""
    subnet, nsg = free_subnet(alice), make_nsg(alice)
    lock(nsg, LockLevel.READ_ONLY)
    with pytest.raises(AzureRuleError) as refused:
        vnets.update_subnet(subnet, prefix=subnet.address_prefix, nsg=nsg)
    assert refused.value.rule_ids == ("LOCK-02",)
    assert Subnet.objects.get(pk=subnet.pk).nsg_id is None


# --- through the blades: the usual 422 with the refusal in the pane or page -----------------------


def _app_settings_body(app) -> dict:
    return {
        "base_version": str(app.settings_version),
        "show_values": "0",
        "setting_name": ["LAB"],
        "setting_value": ["1"],
        "setting_slot": ["0"],
        "confirmed": "1",
    }


def _disconnect(c):
    return app_url(integrated_app(c), "disconnect"), {}


VIEW_CASES = {
    # The four: a rule, a route, the app settings, Scale up.
    "nsg-rule-add": lambda c: (blade_url(make_nsg(c), "nsg_rule_add", direction="outbound"), rule_form()),
    "route-add": lambda c: (
        blade_url(make_table(c), "route_add"),
        {"name": "r1", "address_prefix": "10.80.0.0/16", "next_hop_type": "None"},
    ),
    "app-settings-save": lambda c: (
        app_url(c, "save_settings", "contoso-web"),
        _app_settings_body(app_of(c, "contoso-web")),
    ),
    "scale-up": lambda c: (app_url(c, "scale_up", "contoso-web"), {"sku": "P1V3"}),
    # Yes/No panes and settings pages whose refusal used to go unhandled.
    "route-propagation": lambda c: (blade_url(make_table(c), "route_table_configuration"), {"propagate": "No"}),
    "nsg-subnet-dissociate": lambda c: (
        blade_url(nsg := make_nsg(c), "nsg_subnet_dissociate", subnet_id=_associated(c, nsg).pk),
        {},
    ),
    "app-restart": lambda c: (app_url(c, "restart", "contoso-web"), {}),
    "app-stop": lambda c: (app_url(c, "stop", "contoso-web"), {}),
    "app-route-all": lambda c: (app_url(c, "route_all", "contoso-web"), {"enabled": "true"}),
    "app-disconnect": _disconnect,
    # Every other pane and settings page of a change.
    "nsg-subnet-associate": lambda c: (
        blade_url(make_nsg(c), "nsg_subnet_associate"),
        {"vnet": (s := free_subnet(c)).vnet_id, "subnet": s.pk},
    ),
    "route-subnet-associate": lambda c: (
        blade_url(make_table(c), "route_table_associate"),
        {"vnet": (s := free_subnet(c)).vnet_id, "subnet": s.pk},
    ),
    "nat-public-ip-add": lambda c: (
        blade_url(_nat(c), "nat_gateway_add_public_ip"),
        {"public_ip": nat.create_public_ip(rg_of(c), nat.PublicIpSpec("lab-nat-ip", "eastus")).pk},
    ),
    "peering-add": lambda c: (
        vnet_url(make_vnet(c, "lab-a", "10.200.0.0/16"), "peering_add"),
        _peering_form(c, make_vnet(c, "lab-b", "10.201.0.0/16")),
    ),
    "dns-record-set": lambda c: (
        dns_url(_zone(c), "dns_zone_record_set_add"),
        {"name": "web", "record_type": "A", "ttl": "1", "ttl_unit": "Hours", "records": "10.0.1.10"},
    ),
    "dns-vnet-link": lambda c: (
        dns_url(_zone(c), "dns_zone_link_add"),
        {"link_name": "lab-link", "vnet": VirtualNetwork.objects.get(sandbox=c.sandbox, name="contoso-vnet").pk},
    ),
    "gateway-resize": lambda c: (blade_url(_gateway(c), "gateway_configuration"), {"sku": "VpnGw2"}),
    "connection-add": lambda c: (
        blade_url(_gateway(c), "gateway_connection_add"),
        {"name": "lab-conn", "connection_type": "IPsec", "local_gateway": make_local(c).pk, "shared_key": "abc123"},
    ),
    "sql-networking": lambda c: (paas_url(sql_of(c), "networking"), {"deny_public": "no", "allow_azure": "on"}),
    "paas-ip-rule-add": lambda c: (paas_url(sql_of(c), "ip_rule"), {"ip_rule": "203.0.113.7"}),
    "paas-vnet-rule-add": lambda c: (
        paas_url(sql_of(c), "vnet_rule"),
        {"vnet": (s := free_subnet(c)).vnet_id, "subnet": s.pk, "enable_endpoint": "on"},
    ),
    "aks-scale": lambda c: (
        aks_helpers.blade(k := cluster_of(c), "scale"),
        {"pool": k.pools.get().name, "node_count": "3"},
    ),
    "aks-node-pool-add": lambda c: (
        aks_helpers.blade(cluster_of(c), "pool_add"),
        {
            "name": "user1",
            "os_type": "Linux",
            "mode": "User",
            "vm_size": aks_services.NODE_SIZES[0],
            "node_count": "1",
            "max_pods": "30",
        },
    ),
}


def _peering_form(c, remote) -> dict:
    return {
        "name": "a-b",
        "remote_name": "b-a",
        "deployment_model": "arm",
        "subscription": str(rg_of(c).subscription.subscription_id),
        "remote_vnet": str(remote.pk),
        "access": "allow",
        "forwarded": "allow",
        "gateway": "none",
        "remote_access": "allow",
        "remote_forwarded": "allow",
        "remote_gateway": "none",
    }


def dns_url(zone, page: str) -> str:
    rg = zone.resource_group
    kwargs = {"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": zone.name}
    return reverse(f"networking:{page}", kwargs=kwargs)


def paas_url(target, page: str) -> str:
    slug = {SqlServer: "sql", StorageAccount: "storage"}[type(target)]
    rg = target.resource_group
    kwargs = {"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": target.name}
    return reverse(f"networking:{slug}_{page}", kwargs=kwargs)


def _associated(c, nsg) -> Subnet:
    subnet = free_subnet(c)
    nsgs.associate_subnet(nsg, subnet)
    return subnet


@pytest.mark.parametrize("name", VIEW_CASES)
def test_lock_02_the_blade_shows_the_refusal_and_nothing_changes(alice, name):
    url, body = VIEW_CASES[name](alice)
    complete_due_operations(alice.sandbox)  # what a visit would finish anyway (a gateway's create)
    lock(rg_of(alice), LockLevel.READ_ONLY)
    before = state()
    response = alice.post(url, body, **HX)
    html = response.content.decode()
    assert response.status_code == 422
    assert "LOCK-02" in html and "ScopeLocked" in html
    assert state() == before


def test_lock_02_an_apply_without_a_pane_opens_one_with_the_refusal(alice):
    """The Current era's "Outbound internet traffic" Apply posts from the
    page: the refusal comes back in the context pane (LOCK-02)."""
    lock(rg_of(alice), LockLevel.READ_ONLY)
    url = app_url(alice, "route_all", "contoso-web")
    response = alice.post(url, {"enabled": "true"}, HTTP_HX_TARGET="integration-panel", **HX)
    assert response.status_code == 422 and "LOCK-02" in response.content.decode()
    assert response["HX-Retarget"] == "#context-pane"


def test_lock_02_blades_of_a_locked_group_still_open(alice):
    """A Read-only lock refuses writes, not reads: the blades of what it
    covers open as before."""
    nsg, table = make_nsg(alice), make_table(alice)
    lock(rg_of(alice), LockLevel.READ_ONLY)
    for url in (
        blade_url(nsg, "nsg_rules", direction="inbound"),
        blade_url(nsg, "nsg_rule_add", direction="outbound"),
        blade_url(table, "route_table_configuration"),
        app_url(alice, "configuration", "contoso-web"),
        app_url(alice, "scale_up", "contoso-web"),
        app_url(alice, "restart", "contoso-web"),
        app_url(alice, "vnet_integration", "contoso-web"),
    ):
        assert alice.get(url).status_code == 200, url


def test_lock_02_a_create_wizard_in_a_locked_group_shows_the_refusal(alice):
    """Creating a resource writes its resource group: Create in a Read-only
    locked group answers with the refusal and creates nothing (LOCK-02)."""
    rg = rg_of(alice)
    url = reverse(
        "networking:route_table_create", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name}
    )
    form = {
        "subscription": str(rg.subscription.subscription_id),
        "resource_group": rg.name,
        "name": "lab-rt",
        "region": "eastus",
        "propagate": "Yes",
        "action": "create",
    }
    lock(rg, LockLevel.READ_ONLY)
    before = state()
    response = alice.post(url, form, **HX)
    assert response.status_code == 422
    assert "LOCK-02" in response.content.decode()
    assert state() == before
