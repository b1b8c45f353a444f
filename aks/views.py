"""Kubernetes service blades: Overview, Activity log, Networking, Node pools
(with "+ Add node pool"), Scale and Properties (JSON View), the live IP
planning panel of the create wizard (portal-ui §9), and the blades of the
node pools' virtual machine scale sets (Overview, Instances, Activity log,
Properties)."""

from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from aks import services
from aks.forms import IpPlanForm, NetworkModelForm, NodePoolForm, ScaleForm
from aks.models import AgentPool, ClusterNode, ManagedCluster, PodIpAddress, VirtualMachineScaleSet
from aks.planning import aks_rules_for, recommend_network_model
from networking.models import Route
from portal.access import blade_kwargs, get_in_group
from portal.blades import activity_log, blade, json_view, resource_menu, respond, swap
from portal.errors import AzureRuleError
from portal.forms import Problem
from portal.resources import resource_url
from portal.urlcache import fast_reverse

ICON = "bi-boxes"


def _get_cluster(request, subscription_id, rg, name) -> ManagedCluster:
    related = (
        "subnet__vnet__resource_group__subscription",
        "route_table__resource_group__subscription",
        "node_nsg__resource_group__subscription",
    )
    return get_in_group(request, ManagedCluster, subscription_id, rg, name, related=related)


def _url(cluster, url_name: str) -> str:
    return fast_reverse(f"aks:{url_name}", **blade_kwargs(cluster))


def _blade(cluster, active: str, title: str, **extra) -> dict:
    pages = ("overview", "networking", "nodepools", "pool_add", "scale", "json", "activity")
    return blade(
        cluster,
        menu=resource_menu(cluster, active),
        title=title,
        icon=ICON,
        urls={page: _url(cluster, page) for page in pages},
        state=services.cluster_state(cluster),
        rules=aks_rules_for(cluster.sandbox.era),
        **extra,
    )


def _pools(cluster) -> list[AgentPool]:
    return list(cluster.pools.order_by("pk"))


@require_GET
def overview(request, subscription_id, rg, name):
    cluster = _get_cluster(request, subscription_id, rg, name)
    pools = _pools(cluster)
    context = _blade(cluster, "overview", "Overview", pools=pools, node_total=sum(p.node_count for p in pools))
    return render(request, "aks/overview.html", context)


@require_GET
def activity(request, subscription_id, rg, name):
    cluster = _get_cluster(request, subscription_id, rg, name)
    return activity_log(request, cluster, _blade(cluster, "activity", "Activity log"))


@require_GET
def json(request, subscription_id, rg, name):
    cluster = _get_cluster(request, subscription_id, rg, name)
    return json_view(request, cluster, _blade(cluster, "json", "JSON View"))


def _networking_context(cluster) -> dict:
    subnet = cluster.subnet
    used = services.subnet_usage(subnet)
    nodes = list(
        ClusterNode.objects.filter(pool__cluster=cluster)
        .select_related("nic__resource_group__subscription", "pool")
        .order_by("pool_id", "instance")
    )
    nsg = cluster.node_nsg
    return _blade(
        cluster,
        "networking",
        "Networking",
        subnet=subnet,
        usable=subnet.usable_count,
        used=used,
        free=max(subnet.usable_count - used, 0),
        pod_ips=PodIpAddress.objects.filter(node__pool__cluster=cluster).count(),
        nodes=nodes,
        route_count=Route.objects.filter(route_table=cluster.route_table).count() if cluster.route_table else 0,
        route_table_url=resource_url(cluster.route_table) if cluster.route_table else "",
        node_nsg_url=resource_url(nsg) if nsg else "",
        nodes_with_nsg=sum(1 for node in nodes if nsg and node.nic.nsg_id == nsg.pk),
        vnet_url=resource_url(subnet.vnet),
    )


@require_GET
def networking(request, subscription_id, rg, name):
    cluster = _get_cluster(request, subscription_id, rg, name)
    return render(request, "aks/networking.html", _networking_context(cluster))


@require_GET
def nodepools(request, subscription_id, rg, name):
    cluster = _get_cluster(request, subscription_id, rg, name)
    context = _blade(cluster, "nodepools", "Node pools", pools=_pools(cluster))
    return respond(request, "aks/nodepools.html", "pool-grid", context)


@require_http_methods(["GET", "POST"])
def pool_add(request, subscription_id, rg, name):
    """'+ Add node pool' (a context pane). Windows on kubenet is refused (AKS-04, ERR-34)."""
    cluster = _get_cluster(request, subscription_id, rg, name)
    limits = aks_rules_for(cluster.sandbox.era).max_pods[cluster.plugin]
    initial = {
        "mode": "User",
        "os_type": "Linux",
        "vm_size": services.NODE_SIZES[0],
        "node_count": 3,
        "max_pods": limits.default,
    }
    form = NodePoolForm(request.POST if request.method == "POST" else None, initial=initial)
    problems: dict[str, Problem] = {}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            spec = services.PoolSpec(
                name=data["name"],
                os_type=data["os_type"],
                mode=data["mode"],
                vm_size=data["vm_size"],
                node_count=data["node_count"],
                max_pods=data["max_pods"],
            )
            try:
                services.add_node_pool(cluster, spec)
            except AzureRuleError as exc:
                problems[exc.field or "form"] = Problem.of(exc)
            else:
                return _pool_saved(request, cluster)
        else:
            problems = {field: Problem(str(errors[0])) for field, errors in form.errors.items()}
        status = 422
    values = {f: form[f].value() for f in form.fields}
    context = _blade(cluster, "nodepools", "Add node pool", form=form, values=values, problems=problems, limits=limits)
    return respond(request, "aks/pool_pane.html", "pane", context, status=status)


def _pool_saved(request, cluster):
    """The fresh pool list in place of the old one, and the pane closed."""
    return swap(
        request,
        "aks/nodepools.html",
        "pool-saved",
        lambda: _blade(cluster, "nodepools", "Node pools", pools=_pools(cluster)),
        target="pool-grid",
        page_url=_url(cluster, "nodepools"),
    )


@require_http_methods(["GET", "POST"])
def scale(request, subscription_id, rg, name):
    """Scale a node pool: refused when the subnet would overflow (ERR-43) or
    a kubenet cluster would pass 400 nodes/routes (ERR-35, ERR-30)."""
    cluster = _get_cluster(request, subscription_id, rg, name)
    pools = _pools(cluster)
    problems: dict[str, Problem] = {}
    status, saved = 200, False
    form = ScaleForm(pools, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.scale_pool(form.cleaned_data["pool"], form.cleaned_data["node_count"])
            except AzureRuleError as exc:
                problems[exc.field or "form"] = Problem.of(exc)
            else:
                saved = True
                form = ScaleForm(_pools(cluster), request.POST)
        elif "pool" in form.errors:
            problems["pool"] = Problem(str(form.errors["pool"][0]))
        else:
            problems = {field: Problem(str(errors[0])) for field, errors in form.errors.items()}
        status = 200 if saved else 422
    context = _blade(cluster, "scale", "Scale", form=form, problems=problems, saved=saved)
    if saved:
        context["state"] = services.cluster_state(cluster)
    return respond(request, "aks/scale.html", "scale-form", context, status=status)


@require_GET
def ip_plan(request):
    """The create wizard's live IP planning panel, from the wizard's current
    values (node count, max pods, network configuration, subnet, or the range
    of a "Create new" subnet)."""
    context = {"plan": IpPlanForm(request.sandbox, request.GET).plan()}
    response = render(request, "aks/ip_plan.html", context)
    response["Vary"] = "HX-Request"
    return response


@require_GET
def network_model(request):
    """ "Which network model?": the seed's questions and, once all are
    answered, kubenet or Azure CNI with the reasons (SEED-26 to SEED-29).
    In the Current era kubenet is retiring, so its answers lead to Azure CNI
    Overlay (AKS-09). Answers other than the offered ones are a 422."""
    form = NetworkModelForm(request.GET or None)
    recommendation, status = None, 200
    if form.is_bound:
        if form.is_valid():
            questions = form.questions()
            if questions is not None:
                recommendation = recommend_network_model(questions, request.sandbox.era)
        else:
            status = 422
    context = {
        "form": form,
        "recommendation": recommendation,
        "rules": aks_rules_for(request.sandbox.era),
        "page_title": "Which network model?",
        "breadcrumbs": [
            {"label": "Create a resource", "url": reverse("create_resource")},
            {"label": "Create Kubernetes cluster", "url": reverse("create_wizard", kwargs={"kind": "kubernetes"})},
            {"label": "Which network model?"},
        ],
    }
    return respond(request, "aks/network_model.html", "network-model", context, status=status)


# --- The node pools' virtual machine scale sets (VMSS-01) ---------------------------------------

VMSS_ICON = "bi-layers"


def _get_scale_set(request, subscription_id, rg, name) -> VirtualMachineScaleSet:
    related = (
        "pool__cluster__resource_group__subscription",
        "pool__cluster__subnet__vnet__resource_group__subscription",
        "pool__cluster__load_balancer__resource_group__subscription",
        "pool__cluster__node_nsg__resource_group__subscription",
    )
    return get_in_group(request, VirtualMachineScaleSet, subscription_id, rg, name, related=related)


def _scale_set_blade(scale_set: VirtualMachineScaleSet, active: str, title: str) -> dict:
    """The blade's context: its instances (``<vmss>_<n>``, their NICs' private
    IPs) and what owns it."""
    pages = ("overview", "instances", "json", "activity")
    cluster = scale_set.pool.cluster
    instances = [
        {"name": f"{scale_set.name}_{node.instance}", "computer": node.name, "nic": node.nic, "status": "Running"}
        for node in scale_set.instances()
    ]
    return blade(
        scale_set,
        menu=resource_menu(scale_set, active),
        title=title,
        icon=VMSS_ICON,
        active=active,
        urls={page: _url(scale_set, f"vmss_{page}") for page in pages},
        pool=scale_set.pool,
        cluster=cluster,
        cluster_url=resource_url(cluster),
        instances=instances,
        subnet=cluster.subnet,
        load_balancer_url=resource_url(cluster.load_balancer) if cluster.load_balancer_id else "",
    )


@require_GET
def vmss_overview(request, subscription_id, rg, name):
    scale_set = _get_scale_set(request, subscription_id, rg, name)
    context = _scale_set_blade(scale_set, "vmss_overview", "Overview")
    return respond(request, "aks/vmss_overview.html", "instances", context)


@require_GET
def vmss_instances(request, subscription_id, rg, name):
    scale_set = _get_scale_set(request, subscription_id, rg, name)
    context = _scale_set_blade(scale_set, "vmss_instances", "Instances")
    return respond(request, "aks/vmss_overview.html", "instances", context)


@require_GET
def vmss_activity(request, subscription_id, rg, name):
    scale_set = _get_scale_set(request, subscription_id, rg, name)
    return activity_log(request, scale_set, _scale_set_blade(scale_set, "vmss_activity", "Activity log"))


@require_GET
def vmss_json(request, subscription_id, rg, name):
    scale_set = _get_scale_set(request, subscription_id, rg, name)
    return json_view(request, scale_set, _scale_set_blade(scale_set, "vmss_json", "Properties"))


CLUSTER = "Microsoft.ContainerService/managedClusters/<str:name>/"
VMSS = "Microsoft.Compute/virtualMachineScaleSets/<str:name>/"

urlpatterns = [
    path(CLUSTER + "overview", overview, name="overview"),
    path(CLUSTER + "activitylog", activity, name="activity"),
    path(CLUSTER + "networking", networking, name="networking"),
    path(CLUSTER + "nodepools", nodepools, name="nodepools"),
    path(CLUSTER + "nodepools/add", pool_add, name="pool_add"),
    path(CLUSTER + "scale", scale, name="scale"),
    path(CLUSTER + "jsonview", json, name="json"),
    path(VMSS + "overview", vmss_overview, name="vmss_overview"),
    path(VMSS + "instances", vmss_instances, name="vmss_instances"),
    path(VMSS + "activitylog", vmss_activity, name="vmss_activity"),
    path(VMSS + "properties", vmss_json, name="vmss_json"),
]
