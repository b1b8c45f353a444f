"""Virtual network blades (portal-ui §3): Overview, Activity log, Address
space, Connected devices, Subnets (with the "Add subnet" pane), DNS servers,
JSON View and Delete; plus the generic overview of types without a blade."""

from django.db import connection
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from networking.engine import addressing
from networking.forms.vnets import AddressSpaceForm, DnsServersForm, ListDraft, SubnetForm
from networking.models import NetworkInterface, Subnet, VirtualNetwork, VirtualNetworkGateway
from networking.services import vnets as services
from portal import paging
from portal.access import blade_kwargs, get_in_group
from portal.blades import activity_log, blade, go, json_view, resource_menu, respond, swap
from portal.errors import AzureRuleError
from portal.forms import Problem
from portal.pagecache import cached_page
from portal.prepared import PreparedInstances, PreparedValues
from portal.registry import registry
from portal.urlcache import fast_reverse

PROVIDERS = {"Microsoft.Network": False, "Microsoft.ClassicNetwork": True}
PRIVATE_RANGES = (*addressing.RFC1918, addressing.RFC6598)  # VNET-01


def get_vnet(request: HttpRequest, provider: str, subscription_id, rg: str, name: str) -> VirtualNetwork:
    """The sandbox's virtual network (ARM or classic, by ``provider``), or 404."""
    if provider not in PROVIDERS:
        raise Http404("Unknown provider")
    filters = {"is_classic": PROVIDERS[provider]}
    return get_in_group(request, VirtualNetwork, subscription_id, rg, name, filters=filters)


def get_subnet(vnet: VirtualNetwork, name: str) -> Subnet:
    """A subnet of ``vnet`` by name, or 404."""
    subnet = get_object_or_404(vnet.subnets.select_related("nsg", "route_table"), name__iexact=name)
    subnet.vnet = vnet  # already loaded, with its sandbox and subscription
    return subnet


def _kwargs(vnet: VirtualNetwork) -> dict:
    return {**blade_kwargs(vnet), "provider": vnet.arm_type.split("/")[0]}


def _urls(vnet: VirtualNetwork) -> dict[str, str]:
    kwargs = _kwargs(vnet)
    names = (
        "vnet_overview",
        "vnet_activity",
        "vnet_address_space",
        "vnet_devices",
        "vnet_subnets",
        "vnet_add_subnet",
        "vnet_dns",
        "vnet_json",
        "vnet_delete",
    )
    urls = {name.removeprefix("vnet_"): fast_reverse(f"networking:{name}", **kwargs) for name in names}
    urls["peerings"] = _peerings_url(vnet, kwargs)
    if vnet.is_classic:
        urls["vpn_connections"] = fast_reverse("networking:vnet_vpn_connections", **kwargs)
    return urls


def _peerings_url(vnet: VirtualNetwork, kwargs: dict) -> str:
    """The Peerings page, when its family has built it."""
    for attempt in (kwargs, blade_kwargs(vnet)):
        try:
            return fast_reverse("networking:vnet_peerings", **attempt)
        except NoReverseMatch:
            continue
    return ""


def _subnet_url(vnet: VirtualNetwork, subnet: Subnet, name: str = "vnet_subnet") -> str:
    return fast_reverse(f"networking:{name}", **_kwargs(vnet), subnet=subnet.name)


def _context(vnet: VirtualNetwork, active: str, title: str, **extra) -> dict:
    urls = _urls(vnet)
    context = blade(
        vnet, menu=resource_menu(vnet, active), title=title, icon="bi-diagram-3", urls=urls, vnet=vnet, **extra
    )
    context["subscription"] = vnet.resource_group.subscription
    return context


def vnet_blade(vnet: VirtualNetwork, active: str, title: str, **extra) -> dict:
    """The blade context other families' VNet pages (Peerings, a subnet's
    Effective routes) build on."""
    return _context(vnet, active, title, **extra)


def _problem_dict(exc: AzureRuleError, default: str) -> dict[str, Problem]:
    return {exc.field or default: Problem.of(exc)}


# --- Overview, Activity log, JSON View ------------------------------------------------------------


@require_GET
@cached_page
def vnet_overview(request, provider, subscription_id, rg, name):
    vnet = get_vnet(request, provider, subscription_id, rg, name)
    gateway = VirtualNetworkGateway.objects.filter(vnet=vnet).first()
    subnet_count = vnet.subnets.count()
    return render(
        request,
        "networking/vnet_overview.html",
        _context(vnet, "overview", "Overview", gateway=gateway, subnet_count=subnet_count),
    )


@require_GET
def vnet_activity_log(request, provider, subscription_id, rg, name):
    vnet = get_vnet(request, provider, subscription_id, rg, name)
    return activity_log(request, vnet, _context(vnet, "activity", "Activity log"))


@require_GET
def vnet_json(request, provider, subscription_id, rg, name):
    vnet = get_vnet(request, provider, subscription_id, rg, name)
    return json_view(request, vnet, _context(vnet, "json", "Properties"))


# --- Address space ---------------------------------------------------------------------------------


def _space_context(vnet: VirtualNetwork, draft: ListDraft, **extra) -> dict:
    rows = draft.rows_with_problems("address_space")
    for row in rows:
        row["public"] = _is_public(row["value"])
        row.update(_range_of(row["value"]))
    saved = [p.lower() for p in vnet.address_space]
    unsaved = [r.lower() for r in draft.rows if r] != saved
    return _context(vnet, "address_space", "Address space", rows=rows, draft=draft, unsaved=unsaved, **extra)


def _range_of(text: str) -> dict:
    """First and last address and the count, for a valid range."""
    try:
        network = addressing.parse_cidr(text)
    except addressing.AddressError:
        return {}
    return {"first": str(network[0]), "last": str(network[-1]), "count": f"{network.num_addresses:,}"}


def _is_public(text: str) -> bool:
    """VNET-01: an IPv4 range outside RFC 1918 and RFC 6598 (allowed, with a warning)."""
    try:
        network = addressing.parse_cidr(text)
    except addressing.AddressError:
        return False
    return network.version == 4 and not any(network.subnet_of(block) for block in PRIVATE_RANGES)


@require_http_methods(["GET", "POST"])
def vnet_address_space(request, provider, subscription_id, rg, name):
    """The address ranges with add and remove; Save writes them all at once."""
    vnet = get_vnet(request, provider, subscription_id, rg, name)
    template = "networking/vnet_address_space.html"
    if request.method == "GET":
        return respond(request, template, "address-space", _space_context(vnet, ListDraft(list(vnet.address_space))))
    form = AddressSpaceForm(request.POST)
    form.is_valid()  # every field takes any text: the rows are judged on Save
    draft = form.draft()
    if not form.saving:
        # Remove a row, add a row: the draft changes, nothing is stored.
        return respond(request, template, "address-space", _space_context(vnet, draft))
    if draft.problems:
        return respond(request, template, "address-space", _space_context(vnet, draft), status=422)
    try:
        services.set_address_space(vnet, draft.rows)
    except AzureRuleError as exc:
        draft.problems = _problem_dict(exc, "address_space")
        return respond(request, template, "address-space", _space_context(vnet, draft), status=422)

    def saved() -> dict:
        vnet.refresh_from_db()
        return _space_context(vnet, ListDraft(list(vnet.address_space)), saved=True)

    return swap(request, template, "address-space", saved, page_url=_urls(vnet)["address_space"])


# --- Connected devices -------------------------------------------------------------------------------


@require_GET
def vnet_devices(request, provider, subscription_id, rg, name):
    vnet = get_vnet(request, provider, subscription_id, rg, name)
    devices = list(
        NetworkInterface.objects.filter(subnet__vnet=vnet)
        .select_related("subnet", "private_endpoint", "vm")
        .order_by("subnet__name", "name")[:500]
    )
    gateway = VirtualNetworkGateway.objects.filter(vnet=vnet).first()
    context = _context(
        vnet,
        "devices",
        "Connected devices",
        devices=devices,
        gateway=gateway,
        private_ips=services.private_ip_count(vnet),
        max_private_ips=services.MAX_PRIVATE_IPS_PER_VNET,
    )
    return render(request, "networking/vnet_devices.html", context)


# --- Subnets -------------------------------------------------------------------------------------------


def _grid_subnets(vnet_id: int, q: str):
    """The Subnets grid's rows, with NIC and pod counts annotated; ``q``
    filters by name ("Search subnets")."""
    pods = Subnet.objects.filter(pk=OuterRef("pk")).annotate(n=Count("aks_pod_ips")).values("n")
    return (
        Subnet.objects.filter(vnet_id=vnet_id, **({"name__icontains": q} if q else {}))
        .select_related("nsg", "route_table", "nat_gateway", "service_association_link__plan")
        .annotate(
            nic_count=Count("nics"),
            # AKS-20: Azure CNI reserves its pods' addresses in the node subnet.
            pod_count=Coalesce(Subquery(pods), 0),
        )
        .order_by("pk")  # in the order they were added, as ARM lists a VNet's subnets
    )


def _grid_counts(vnet_id: int, q: str):
    """How many subnets "Search subnets" finds, and how many are a GatewaySubnet."""
    matching = Q(name__icontains=q) if q else None
    return (
        Subnet.objects.filter(vnet_id=vnet_id)
        .order_by()
        .values("vnet_id")
        .annotate(
            total=Count("pk", filter=matching),
            gateways=Count("pk", filter=Q(name__iexact=services.GATEWAY_SUBNET)),
        )
        .values_list("total", "gateways")
    )


# The grid's two queries compiled once per process (portal/prepared.py), with
# and without a search: a page of subnets costs their rows, not the ORM's
# compiling of four joins and two counts. ``q`` goes in escaped for LIKE.
_GRID_SENTINELS = {"vnet_id": -7_700_000_004, "q": "\x01vnetlab-subnet-q\x01"}
_GRID_ROWS = {
    searched: PreparedInstances(
        lambda vnet_id, q, s=searched: _grid_subnets(vnet_id, q if s else ""), **_GRID_SENTINELS
    )
    for searched in (False, True)
}
_GRID_COUNTS = {
    searched: PreparedValues(lambda vnet_id, q, s=searched: _grid_counts(vnet_id, q if s else ""), **_GRID_SENTINELS)
    for searched in (False, True)
}


def _subnet_rows(vnet: VirtualNetwork, q: str, pager: paging.Pager) -> list[dict]:
    """The grid's rows of the page ``pager`` shows, in one query: NIC counts come annotated."""
    values = {"vnet_id": vnet.pk, "q": connection.ops.prep_for_like_query(q)}
    subnets = _GRID_ROWS[bool(q)].all(suffix=" LIMIT %s OFFSET %s", extra=(pager.per_page, pager.offset), **values)
    rows = []
    for subnet in subnets:
        subnet.vnet = vnet
        network = subnet.network
        ipv4 = network.version == 4
        rows.append(
            {
                "subnet": subnet,
                "url": _subnet_url(vnet, subnet),
                "ipv4": ipv4,
                "usable": addressing.usable_addresses(network) if ipv4 else None,
                "available": max(addressing.usable_addresses(network) - subnet.nic_count - subnet.pod_count, 0)
                if ipv4
                else None,
                "reserved": addressing.reserved_addresses(network) if ipv4 else [],
            }
        )
    return rows


def _subnets_context(request: HttpRequest, vnet: VirtualNetwork, query: QueryDict, **extra) -> dict:
    """The Subnets grid: the page of ``query`` (``?page=``), filtered by
    "Search subnets" (``?q=``), a page of 100 (portal.paging). The count and
    whether a GatewaySubnet exists come in one query, the page's rows in one more."""
    q = paging.filter_text(query.get("q"))
    counts = _GRID_COUNTS[bool(q)].values(vnet_id=vnet.pk, q=connection.ops.prep_for_like_query(q))
    total, gateways = counts[0] if counts else (0, 0)
    urls = _urls(vnet)
    pager = paging.pager(
        request,
        total,
        target="subnet-grid",
        label="Subnets",
        keep={"q": q},
        query=query,
        path=urls["subnets"],
    )
    rows = _subnet_rows(vnet, q, pager)
    return _context(vnet, "subnets", "Subnets", rows=rows, pager=pager, q=q, has_gateway_subnet=gateways > 0, **extra)


@require_GET
@cached_page
def vnet_subnets(request, provider, subscription_id, rg, name):
    vnet = get_vnet(request, provider, subscription_id, rg, name)
    return respond(request, "networking/vnet_subnets.html", "subnet-grid", _subnets_context(request, vnet, request.GET))


def _after_subnet_change(request, vnet: VirtualNetwork) -> HttpResponse:
    """The fresh grid in place of the old one, on the page and filter the
    learner was looking at, and the pane closed."""
    subnets_url = _urls(vnet)["subnets"]
    return swap(
        request,
        "networking/vnet_subnets.html",
        "subnets-swap",
        lambda: _subnets_context(request, vnet, paging.current_query(request, subnets_url)),
        target="subnet-grid",
        page_url=subnets_url,
    )


def _pane_context(vnet, form: SubnetForm, *, subnet=None, problems=None, refusal=None, confirm_delete=False) -> dict:
    used = [
        p for p in vnet.subnets.values_list("address_prefix", flat=True) if not subnet or p != subnet.address_prefix
    ]
    free = addressing.free_ranges(vnet.address_space, used)
    return {
        **_context(vnet, "subnets", subnet.name if subnet else "Add subnet"),
        "form": form,
        "subnet": subnet,
        "gateway": form.gateway,
        "problems": problems or {},
        "free_ranges": [str(b) for b in free[:8]],
        "confirm_delete": confirm_delete,
        "subnet_user": services.subnet_user(subnet) if subnet else None,
        "rules": vnet.sandbox.rules,
        "action_url": _subnet_url(vnet, subnet) if subnet else _urls(vnet)["add_subnet"],
        "delete_url": _subnet_url(vnet, subnet, "vnet_subnet_delete") if subnet else "",
        "refusal": refusal,
    }


def _pane(request, context: dict, status: int = 200) -> HttpResponse:
    return respond(request, "networking/subnet_pane.html", "pane", context, status)


def _suggested_prefix(vnet: VirtualNetwork, gateway: bool) -> str:
    """A free block, as the portal pre-fills it: /24, or /27 for GatewaySubnet."""
    used = list(vnet.subnets.values_list("address_prefix", flat=True))
    for size in (27, 28, 29) if gateway else (24, 25, 26, 27, 28, 29):
        block = addressing.suggest_subnet(vnet.address_space, used, size)
        if block is not None:
            return str(block)
    return ""


@require_http_methods(["GET", "POST"])
def vnet_add_subnet(request, provider, subscription_id, rg, name):
    """ "+ Subnet" and "+ Gateway subnet" (Current: the pane's "Subnet purpose"): the "Add subnet" pane."""
    vnet = get_vnet(request, provider, subscription_id, rg, name)
    gateway = (request.POST if request.method == "POST" else request.GET).get("gateway") == "1"
    if request.method == "GET":
        initial = {
            "subnet_name": services.GATEWAY_SUBNET if gateway else "",
            "subnet_prefix": _suggested_prefix(vnet, gateway),
        }
        form = SubnetForm(vnet, initial=initial, gateway=gateway, purpose=vnet.sandbox.rules.subnet_purpose)
        return _pane(request, _pane_context(vnet, form))
    form = SubnetForm(vnet, request.POST, gateway=gateway, purpose=vnet.sandbox.rules.subnet_purpose)
    if not form.is_valid():
        return _pane(request, _pane_context(vnet, form, problems=form.problems()), status=422)
    try:
        services.create_subnet(
            vnet,
            name=form.cleaned_data["subnet_name"],
            prefix=form.cleaned_data["subnet_prefix"],
            **form.service_kwargs(),
        )
    except AzureRuleError as exc:
        return _pane(request, _pane_context(vnet, form, problems=_problem_dict(exc, "form"), refusal=exc), status=422)
    return _after_subnet_change(request, vnet)


def _initial(subnet: Subnet) -> dict:
    return {
        "subnet_name": subnet.name,
        "subnet_prefix": subnet.address_prefix,
        "nsg": subnet.nsg_id,
        "route_table": subnet.route_table_id,
        "service_endpoints": list(subnet.service_endpoints),
        "delegation": subnet.delegation,
        "private_endpoint_network_policies": subnet.private_endpoint_network_policies,
        "default_outbound_access": subnet.default_outbound_access,
    }


@require_http_methods(["GET", "POST"])
def vnet_subnet(request, provider, subscription_id, rg, name, subnet):
    """A subnet's pane: the same fields, with Save and Delete."""
    vnet = get_vnet(request, provider, subscription_id, rg, name)
    obj = get_subnet(vnet, subnet)
    gateway = obj.name.lower() == services.GATEWAY_SUBNET.lower()
    if request.method == "GET":
        form = SubnetForm(vnet, initial=_initial(obj), gateway=gateway)
        return _pane(request, _pane_context(vnet, form, subnet=obj))
    data = request.POST.copy()
    data["subnet_name"] = obj.name  # a subnet's name can't change
    form = SubnetForm(vnet, data, gateway=gateway)
    if not form.is_valid():
        return _pane(request, _pane_context(vnet, form, subnet=obj, problems=form.problems()), status=422)
    try:
        services.update_subnet(obj, prefix=form.cleaned_data["subnet_prefix"], **form.service_kwargs())
    except AzureRuleError as exc:
        return _pane(
            request, _pane_context(vnet, form, subnet=obj, problems=_problem_dict(exc, "form"), refusal=exc), status=422
        )
    return _after_subnet_change(request, vnet)


@require_http_methods(["GET", "POST"])
def vnet_subnet_delete(request, provider, subscription_id, rg, name, subnet):
    """Delete on a subnet's pane asks "Yes"/"No" first."""
    vnet = get_vnet(request, provider, subscription_id, rg, name)
    obj = get_subnet(vnet, subnet)
    form = SubnetForm(vnet, initial=_initial(obj), gateway=obj.name.lower() == services.GATEWAY_SUBNET.lower())
    if request.method == "GET":
        return _pane(request, _pane_context(vnet, form, subnet=obj, confirm_delete=True))
    try:
        services.delete_subnet(obj)
    except AzureRuleError as exc:
        context = _pane_context(vnet, form, subnet=obj, problems=_problem_dict(exc, "form"), refusal=exc)
        return _pane(request, context, status=422)
    return _after_subnet_change(request, vnet)


# --- DNS servers -------------------------------------------------------------------------------------


def _dns_context(vnet: VirtualNetwork, form: DnsServersForm, draft: ListDraft, **extra) -> dict:
    mode = form.mode
    saved_mode = "custom" if vnet.dns_servers else "default"
    unsaved = mode != saved_mode or (mode == "custom" and [r for r in draft.rows if r] != list(vnet.dns_servers))
    return _context(
        vnet,
        "dns",
        "DNS servers",
        form=form,
        mode=mode,
        rows=draft.rows_with_problems("dns_server"),
        draft=draft,
        unsaved=unsaved,
        max_dns_servers=services.MAX_DNS_SERVERS,
        **extra,
    )


def _saved_dns_context(vnet: VirtualNetwork, **extra) -> dict:
    """The page as stored: the mode follows the servers."""
    form = DnsServersForm(initial={"dns_mode": "custom" if vnet.dns_servers else "default"})
    return _dns_context(vnet, form, ListDraft(list(vnet.dns_servers)), **extra)


@require_http_methods(["GET", "POST"])
def vnet_dns(request, provider, subscription_id, rg, name):
    """ "Default (Azure-provided)" or "Custom" servers; Save writes them."""
    vnet = get_vnet(request, provider, subscription_id, rg, name)
    template = "networking/vnet_dns.html"
    if request.method == "GET":
        return respond(request, template, "dns-servers", _saved_dns_context(vnet))
    form = DnsServersForm(request.POST)
    form.is_valid()  # every field takes any text: the servers are judged on Save
    draft = form.draft()
    if not form.saving:
        return respond(request, template, "dns-servers", _dns_context(vnet, form, draft))
    if draft.problems:
        return respond(request, template, "dns-servers", _dns_context(vnet, form, draft), status=422)
    try:
        services.set_dns_servers(vnet, draft.rows if form.mode == "custom" else None)
    except AzureRuleError as exc:
        draft.problems = _problem_dict(exc, "dns_servers")
        return respond(request, template, "dns-servers", _dns_context(vnet, form, draft), status=422)

    def saved() -> dict:
        vnet.refresh_from_db()
        return _saved_dns_context(vnet, saved=True)

    return swap(request, template, "dns-servers", saved, page_url=_urls(vnet)["dns"])


# --- Delete ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def vnet_delete(request, provider, subscription_id, rg, name):
    """Overview's "Delete": a "Yes"/"No" confirmation, then the refusal or the delete."""
    vnet = get_vnet(request, provider, subscription_id, rg, name)
    template = "networking/vnet_delete.html"
    problem = None
    if request.method == "POST":
        try:
            services.delete_vnet(vnet)
        except AzureRuleError as exc:
            problem = exc
        else:
            return go(request, reverse("all_resources"))
    context = _context(vnet, "overview", "Delete virtual network", problem=problem)
    return respond(request, template, "pane", context, status=422 if problem else 200)


# --- Types without a blade of their own ---------------------------------------------------------------


@require_GET
def resource_overview(request, provider, type_name, subscription_id, rg, name):
    """Essentials and JSON of any resource whose own blade isn't built yet."""
    resource_type = registry.find(f"{provider}/{type_name}")
    if resource_type is None:
        raise Http404("Unknown resource type")
    model = resource_type.get_model()
    resource = get_in_group(request, model, subscription_id, rg, name, filters=resource_type.row_filter)
    return json_view(request, resource, blade(resource, menu=[], title="Overview", icon="bi-hdd-network"))


_VNET = "<str:provider>/virtualNetworks/<str:name>/"

urlpatterns = [
    path(_VNET + "overview", vnet_overview, name="vnet_overview"),
    path(_VNET + "activitylog", vnet_activity_log, name="vnet_activity"),
    path(_VNET + "addressspace", vnet_address_space, name="vnet_address_space"),
    path(_VNET + "connecteddevices", vnet_devices, name="vnet_devices"),
    path(_VNET + "subnets", vnet_subnets, name="vnet_subnets"),
    path(_VNET + "addsubnet", vnet_add_subnet, name="vnet_add_subnet"),
    path(_VNET + "subnets/<str:subnet>", vnet_subnet, name="vnet_subnet"),
    path(_VNET + "subnets/<str:subnet>/delete", vnet_subnet_delete, name="vnet_subnet_delete"),
    path(_VNET + "dnsservers", vnet_dns, name="vnet_dns"),
    path(_VNET + "jsonview", vnet_json, name="vnet_json"),
    path(_VNET + "delete", vnet_delete, name="vnet_delete"),
]
