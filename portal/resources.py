"""The registry of resource types the portal lists (All resources, resource
groups, Home). Lists are one UNION query over the types, sorted and sliced in
the database, so a page costs the same however large the sandbox grows."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
from django.db.models import BooleanField, CharField, F, Value
from django.db.models.functions import Lower
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from portal.models import region_name
from portal.prepared import PreparedQuery
from portal.urlcache import fast_reverse

PAGE_SIZE = 100

TYPE_CHOICES = [
    ("Microsoft.Web/sites", "App Service"),
    ("Microsoft.Web/serverFarms", "App Service plan"),
    ("Microsoft.Network/virtualNetworks", "Virtual network"),
    ("Microsoft.ClassicNetwork/virtualNetworks", "Virtual network (classic)"),
    ("Microsoft.Network/networkSecurityGroups", "Network security group"),
    ("Microsoft.Network/routeTables", "Route table"),
    ("Microsoft.Network/virtualNetworkGateways", "Virtual network gateway"),
    ("Microsoft.Network/localNetworkGateways", "Local network gateway"),
    ("Microsoft.Network/connections", "Connection"),
    ("Microsoft.Network/expressRouteCircuits", "ExpressRoute circuit"),
    ("Microsoft.Network/privateDnsZones", "Private DNS zone"),
    ("Microsoft.Network/privateEndpoints", "Private endpoint"),
    ("Microsoft.Network/networkInterfaces", "Network interface"),
    ("Microsoft.Compute/virtualMachines", "Virtual machine"),
    ("Microsoft.Storage/storageAccounts", "Storage account"),
    ("Microsoft.Sql/servers", "SQL server"),
    ("Microsoft.KeyVault/vaults", "Key vault"),
    ("Microsoft.ContainerService/managedClusters", "Kubernetes service"),
]
TYPE_LABELS = dict(TYPE_CHOICES)

# The overview blade of each type: URL names taking subscription_id, rg, name.
OVERVIEW_URLS = {
    "Microsoft.Web/sites": "appservice:overview",
    "Microsoft.Web/serverFarms": "appservice:plan_overview",
    "Microsoft.Network/networkSecurityGroups": "networking:nsg_overview",
    "Microsoft.Network/routeTables": "networking:route_table_overview",
    "Microsoft.Network/virtualNetworkGateways": "networking:gateway_overview",
    "Microsoft.Network/localNetworkGateways": "networking:local_gateway_overview",
    "Microsoft.Network/connections": "networking:connection_overview",
    "Microsoft.Network/expressRouteCircuits": "networking:circuit_overview",
    "Microsoft.Network/privateDnsZones": "networking:dns_zone_overview",
    "Microsoft.Network/privateEndpoints": "networking:private_endpoint_overview",
    "Microsoft.Network/networkInterfaces": "networking:nic_overview",
    "Microsoft.Compute/virtualMachines": "networking:vm_overview",
    "Microsoft.Storage/storageAccounts": "networking:storage_overview",
    "Microsoft.Sql/servers": "networking:sql_overview",
    "Microsoft.KeyVault/vaults": "networking:keyvault_overview",
    "Microsoft.ContainerService/managedClusters": "aks:overview",
}


def resource_models():
    from aks.models import ManagedCluster
    from appservice.models import AppServicePlan, WebApp
    from networking import models as n

    return [
        WebApp,
        AppServicePlan,
        n.VirtualNetwork,
        n.NetworkSecurityGroup,
        n.RouteTable,
        n.VirtualNetworkGateway,
        n.LocalNetworkGateway,
        n.VirtualNetworkGatewayConnection,
        n.ExpressRouteCircuit,
        n.PrivateDnsZone,
        n.PrivateEndpoint,
        n.NetworkInterface,
        n.VirtualMachine,
        n.StorageAccount,
        n.SqlServer,
        n.KeyVault,
        ManagedCluster,
    ]


@dataclass(frozen=True)
class ResourceRow:
    """One line of a resource list: enough to show it and link to its blade."""

    name: str
    arm_type: str
    resource_group: str
    location: str
    created_at: datetime
    subscription_id: str
    subscription_name: str

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.arm_type, self.arm_type)

    @property
    def region(self) -> str:
        return region_name(self.location)

    @property
    def arm_id(self) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}/providers/{self.arm_type}/{self.name}"

    @property
    def url(self) -> str:
        return blade_url(self.arm_type, self.subscription_id, self.resource_group, self.name)


def _model_arm_type(model, classic: bool) -> str:
    if model.__name__ == "VirtualNetwork":
        return "Microsoft.ClassicNetwork/virtualNetworks" if classic else "Microsoft.Network/virtualNetworks"
    return model.arm_type


def _union(sandbox, *, q="", arm_type="", resource_group=None):
    parts = []
    wanted = arm_type.lower()
    for model in resource_models():
        qs = model.objects.filter(sandbox=sandbox)
        is_vnet = model.__name__ == "VirtualNetwork"
        if wanted:
            types = {_model_arm_type(model, c).lower(): c for c in (False, True)}
            if wanted not in types:
                continue
            if is_vnet:
                qs = qs.filter(is_classic=types[wanted])
        if resource_group is not None:
            qs = qs.filter(resource_group=resource_group)
        if q:
            qs = qs.filter(name__icontains=q)
        classic = F("is_classic") if is_vnet else Value(False, output_field=BooleanField())
        parts.append(
            qs.annotate(
                kind=Value(model.__name__, output_field=CharField()),
                classic=classic,
                sort_name=Lower("name"),
            )
            .order_by()
            .values_list("kind", "classic", "name", "resource_group__name", "location", "created_at", "sort_name")
        )
    if not parts:
        return None
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


def _rows(sandbox, raw) -> list[ResourceRow]:
    subscription = sandbox.subscriptions.first()
    models = {m.__name__: m for m in resource_models()}
    return [
        ResourceRow(
            name=name,
            arm_type=_model_arm_type(models[kind], bool(classic)),
            resource_group=rg,
            location=location,
            created_at=_as_datetime(created_at),
            subscription_id=str(subscription.subscription_id),
            subscription_name=subscription.display_name,
        )
        for kind, classic, name, rg, location, created_at, _ in raw
    ]


# The UNIONs are compiled once per filter shape (portal/prepared.py): their
# compilation over sixteen types cost more than running them.
_PREPARED: dict[tuple, PreparedQuery] = {}
_SANDBOX = -7_777_001
_GROUP = -7_777_002
_Q = "\x01vnetlab-q\x01"


def _prepared(*, q: bool, arm_type: str, grouped: bool, order: tuple[str, ...]) -> PreparedQuery | None:
    key = (q, arm_type.lower(), grouped, order)
    if key not in _PREPARED:
        if _union(_SANDBOX, arm_type=arm_type) is None:
            return None

        def build(sandbox, q_text, group):
            union = _union(sandbox, q=q_text if q else "", arm_type=arm_type, resource_group=group if grouped else None)
            return union.order_by(*order) if order else union

        _PREPARED[key] = PreparedQuery(build, sandbox=_SANDBOX, q_text=_Q, group=_GROUP)
    return _PREPARED[key]


def _values(sandbox, q: str, resource_group) -> dict:
    return {
        "sandbox": sandbox.pk,
        "q_text": connection.ops.prep_for_like_query(q),
        "group": resource_group.pk if resource_group is not None else _GROUP,
    }


def resource_page(sandbox, *, q="", arm_type="", resource_group=None, page=1, per_page=PAGE_SIZE):
    """(rows of the page, total count, number of pages, the page shown)."""
    grouped = resource_group is not None
    counter = _prepared(q=bool(q), arm_type=arm_type, grouped=grouped, order=())
    if counter is None:
        return [], 0, 1, 1
    values = _values(sandbox, q, resource_group)
    total = counter.count(**values)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    lister = _prepared(q=bool(q), arm_type=arm_type, grouped=grouped, order=("sort_name", "kind"))
    raw = lister.rows(suffix=" LIMIT %s OFFSET %s", extra=(per_page, (page - 1) * per_page), **values)
    return _rows(sandbox, raw), total, pages, page


def count_resources(sandbox) -> int:
    return _prepared(q=False, arm_type="", grouped=False, order=()).count(**_values(sandbox, "", None))


def recent_resources(sandbox, limit=8) -> list[ResourceRow]:
    recent = _prepared(q=False, arm_type="", grouped=False, order=("-created_at",))
    return _rows(sandbox, recent.rows(suffix=" LIMIT %s", extra=(limit,), **_values(sandbox, "", None)))


def _as_datetime(value) -> datetime:
    """Raw rows carry SQLite's naive (or text) timestamps; the ORM would have
    converted them."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


def blade_url(arm_type: str, subscription_id, rg: str, name: str) -> str:
    """A resource's overview blade (its URL carries the resource ID)."""
    sub = subscription_id if isinstance(subscription_id, uuid.UUID) else uuid.UUID(str(subscription_id))
    provider, type_name = arm_type.split("/", 1)
    if type_name == "virtualNetworks":
        return fast_reverse("networking:vnet_overview", subscription_id=sub, rg=rg, name=name, provider=provider)
    try:
        return fast_reverse(OVERVIEW_URLS[arm_type], subscription_id=sub, rg=rg, name=name)
    except (KeyError, NoReverseMatch):
        # A type without a blade of its own gets the generic overview.
        return fast_reverse(
            "networking:resource_overview", subscription_id=sub, rg=rg, name=name, provider=provider, type_name=type_name
        )


def resource_url(resource) -> str:
    """The blade of a resource object: its URL carries the resource ID."""
    rg = resource.resource_group
    return blade_url(resource.arm_type, rg.subscription.subscription_id, rg.name, resource.name)
