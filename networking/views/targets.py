"""Blades of the things a network reaches: storage accounts, SQL servers and
key vaults (Overview, Networking, Private endpoint connections), virtual
machines (Overview, Networking) and network interfaces. The helpers at the
top are shared with the DNS and private endpoint blades."""

import json

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from networking.forms.targets import TargetWizard, VirtualMachineWizard
from networking.models import NetworkInterface, Subnet, VirtualMachine, VirtualNetwork
from networking.services import targets as target_services
from networking.views.common import activity_log, json_view
from portal.access import blade_kwargs, get_in_group, get_resource_group
from portal.errors import AzureRuleError
from portal.resources import resource_url

# --- shared by the family's blades ------------------------------------------------


def respond(request, template: str, partial: str, context: dict, status: int = 200):
    """The page, or with htmx only its ``partial``; answers both ways (Vary).
    A request for the whole #main (HX-Location after a create) gets the page."""
    fragment = request.htmx and request.htmx.target != "main"
    response = render(request, f"{template}#{partial}" if fragment else template, context, status=status)
    response["Vary"] = "HX-Request"
    return response


def go(request, url: str):
    """After a change: htmx follows with HX-Location (a full page swap), a form post redirects."""
    if request.htmx:
        response = HttpResponse(status=200)
        response["HX-Location"] = json.dumps({"path": url, "target": "#main", "select": "#main", "swap": "outerHTML"})
        return response
    return redirect(url)


def menu(resource, prefix: str, active: str, settings: list[tuple[str, str, str]]) -> list[dict]:
    """The resource menu: Overview and Activity log, then the type's Settings
    pages, then JSON View. ``settings`` is (label, icon, page)."""
    kwargs = blade_kwargs(resource)

    def item(label, icon, page):
        return {
            "label": label,
            "icon": icon,
            "url": reverse(f"networking:{prefix}_{page}", kwargs=kwargs),
            "active": active == page,
        }

    groups = [
        {
            "heading": "",
            "items": [item("Overview", "bi-grid", "overview"), item("Activity log", "bi-journal-text", "activity")],
        },
        {"heading": "Settings", "items": [item(*s) for s in settings]},
        {"heading": "Automation", "items": [item("JSON View", "bi-braces", "json")]},
    ]
    if prefix == "nic":
        # portal-ui §8: the Network Watcher pages a NIC offers (networking/views/watcher.py).
        troubleshooting = [
            item("Effective security rules", "bi-shield-check", "effective_security_rules"),
            item("Effective routes", "bi-signpost-split", "effective_routes"),
        ]
        groups.append({"heading": "Support + troubleshooting", "items": troubleshooting})
    return groups


def blade_context(resource, prefix: str, active: str, title: str, icon: str, settings, **extra) -> dict:
    kwargs = blade_kwargs(resource)
    return {
        "resource": resource,
        "resource_menu": menu(resource, prefix, active, settings),
        "page_title": title,
        "blade_icon": icon,
        "breadcrumbs": [{"label": "All resources", "url": reverse("all_resources")}, {"label": resource.name}],
        "urls": {
            "overview": reverse(f"networking:{prefix}_overview", kwargs=kwargs),
            "delete": reverse(f"networking:{prefix}_delete", kwargs=kwargs),
            "json": reverse(f"networking:{prefix}_json", kwargs=kwargs),
            "resource_group": reverse(
                "resource_group", kwargs={"subscription_id": kwargs["subscription_id"], "rg": kwargs["rg"]}
            ),
        },
        **extra,
    }


def confirm(request, context: dict, *, title: str, question: str, action, done_url: str, rule: str = ""):
    """A "Yes"/"No" confirmation pane (GET) that runs ``action`` on "Yes" (POST)."""
    error = None
    if request.method == "POST":
        try:
            action()
        except AzureRuleError as exc:
            error = exc
        else:
            return go(request, done_url)
    context = {
        **context,
        "confirm_title": title,
        "question": question,
        "confirm_rule": rule,
        "error": error,
        "confirm_url": request.path,
    }
    return respond(request, "networking/paas_confirm.html", "pane", context, status=422 if error else 200)


def run_wizard(request, wizard, template: str, title: str):
    """Drive a portal CreateWizard; after Create, open the new resource's blade."""
    status = 200
    if request.method == "POST":
        created = wizard.step(request.POST.get("action", ""), request.POST.get("goto", ""))
        if created is not None:
            return go(request, resource_url(created))
        if wizard.validation == "failed" or "new_rg_name" in wizard.problems:
            status = 422
    context = {
        "wizard": wizard,
        "page_title": title,
        "rules": request.sandbox.rules,
        "breadcrumbs": [{"label": "Create a resource", "url": reverse("create_resource")}, {"label": title}],
    }
    return respond(request, template, "create-wizard", context, status=status)


def to_int(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


# --- PaaS targets ------------------------------------------------------------------

PROVIDERS = {
    "storage": "Microsoft.Storage/storageAccounts",
    "sql": "Microsoft.Sql/servers",
    "keyvault": "Microsoft.KeyVault/vaults",
}
ICONS = {"storage": "bi-archive", "sql": "bi-database", "keyvault": "bi-key"}
CONNECTION_LABELS = [("approve", "Approve"), ("reject", "Reject"), ("remove", "Remove")]
PAAS_SETTINGS = [
    ("Networking", "bi-diagram-3", "networking"),
    ("Private endpoint connections", "bi-plug", "connections"),
]


def _target(request, slug, subscription_id, rg, name):
    model = target_services.TARGET_MODELS[slug]
    return get_in_group(request, model.objects.all(), subscription_id, rg, name)


def _paas(target, slug: str, active: str, title: str, **extra) -> dict:
    context = blade_context(
        target,
        slug,
        active,
        title,
        ICONS[slug],
        PAAS_SETTINGS,
        slug=slug,
        connection_actions=CONNECTION_LABELS,
        **extra,
    )
    kwargs = blade_kwargs(target)
    for page in (
        "networking",
        "vnet_rule",
        "vnet_rule_remove",
        "ip_rule",
        "ip_rule_remove",
        "connections",
        "connection",
    ):
        context["urls"][page] = reverse(f"networking:{slug}_{page}", kwargs=kwargs)
    context["urls"]["new_endpoint"] = (
        reverse(
            "networking:private_endpoint_create",
            kwargs={"subscription_id": kwargs["subscription_id"], "rg": kwargs["rg"]},
        )
        + f"?target={target.arm_type}:{target.pk}"
    )
    return context


@require_http_methods(["GET", "POST"])
def target_create(request, slug, subscription_id, rg):
    group = get_resource_group(request, subscription_id, rg)
    model = target_services.TARGET_MODELS[slug]
    wizard = TargetWizard(
        request.sandbox, request.POST if request.method == "POST" else None, model=model, rg_name=group.name
    )
    return run_wizard(request, wizard, "networking/paas_create.html", wizard.title)


@require_GET
def target_overview(request, slug, subscription_id, rg, name):
    target = _target(request, slug, subscription_id, rg, name)
    return render(
        request,
        "networking/paas_overview.html",
        _paas(target, slug, "overview", "Overview", access=target_services.access_of(target)),
    )


def _networking_context(target, slug, **extra):
    rules = list(target.vnet_rules.select_related("vnet__resource_group"))
    return _paas(
        target,
        slug,
        "networking",
        "Networking",
        access=target_services.access_of(target),
        access_choices=target_services.ACCESS_CHOICES,
        vnet_rules=rules,
        **extra,
    )


@require_http_methods(["GET", "POST"])
def target_networking(request, slug, subscription_id, rg, name):
    """Firewalls and virtual networks: "Public network access" (Save)."""
    target = _target(request, slug, subscription_id, rg, name)
    errors, status = {}, 200
    if request.method == "POST":
        try:
            target_services.set_public_access(target, request.POST.get("access", ""))
        except AzureRuleError as exc:
            errors[exc.field or "access"], status = exc, 422
        else:
            if not request.htmx:
                return redirect(request.path)
    return respond(
        request,
        "networking/paas_networking.html",
        "paas-networking",
        _networking_context(target, slug, errors=errors),
        status,
    )


def _rule_pane(request, target, slug, *, form, errors=None, status=200):
    vnets = list(VirtualNetwork.objects.filter(sandbox=request.sandbox).select_related("resource_group"))
    vnet = next((v for v in vnets if str(v.pk) == str(form.get("vnet", ""))), None)
    subnets = []
    if vnet is not None:
        for subnet in Subnet.objects.filter(vnet=vnet).select_related("vnet"):
            subnets.append({"subnet": subnet, "problem": target_services.subnet_problem(target, subnet)})
    context = _paas(
        target,
        slug,
        "networking",
        "Add existing virtual network",
        vnets=vnets,
        vnet=vnet,
        subnets=subnets,
        form=form,
        errors=errors or {},
    )
    return respond(request, "networking/paas_vnet_rule.html", "pane", context, status)


@require_http_methods(["GET", "POST"])
def target_vnet_rule(request, slug, subscription_id, rg, name):
    """The "Add existing virtual network" pane (SE-01, SE-07)."""
    target = _target(request, slug, subscription_id, rg, name)
    if request.method == "GET":
        return _rule_pane(request, target, slug, form=request.GET)
    form = request.POST
    subnet = (
        Subnet.objects.filter(
            vnet__sandbox=request.sandbox, vnet_id=to_int(form.get("vnet")), pk=to_int(form.get("subnet"))
        )
        .select_related("vnet__resource_group__subscription")
        .first()
    )
    try:
        target_services.add_vnet_rule(target, subnet, enable_endpoint=form.get("enable_endpoint") == "on")
    except AzureRuleError as exc:
        return _rule_pane(request, target, slug, form=form, errors={exc.field or "subnet": exc}, status=422)
    return _networking_swap(request, target, slug)


def _networking_swap(request, target, slug, *, errors=None, status=200):
    """The Networking page's settings region after a change, the pane closed."""
    if not request.htmx:
        if status == 200:
            return redirect(reverse(f"networking:{slug}_networking", kwargs=blade_kwargs(target)))
        return render(
            request,
            "networking/paas_networking.html",
            _networking_context(target, slug, errors=errors or {}),
            status=status,
        )
    target.refresh_from_db()
    response = render(
        request,
        "networking/paas_networking.html#paas-networking-swap",
        _networking_context(target, slug, errors=errors or {}),
        status=status,
    )
    response["HX-Retarget"] = "#paas-networking"
    response["HX-Reswap"] = "outerHTML"
    return response


@require_POST
def target_vnet_rule_remove(request, slug, subscription_id, rg, name):
    target = _target(request, slug, subscription_id, rg, name)
    try:
        target_services.remove_vnet_rule(target, to_int(request.POST.get("subnet")))
    except AzureRuleError as exc:
        return _networking_swap(request, target, slug, errors={"vnet_rules": exc}, status=422)
    return _networking_swap(request, target, slug)


@require_POST
def target_ip_rule(request, slug, subscription_id, rg, name):
    target = _target(request, slug, subscription_id, rg, name)
    try:
        target_services.add_ip_rule(target, request.POST.get("ip_rule", "")[:100])
    except AzureRuleError as exc:
        return _networking_swap(request, target, slug, errors={"ip_rule": exc}, status=422)
    return _networking_swap(request, target, slug)


@require_POST
def target_ip_rule_remove(request, slug, subscription_id, rg, name):
    target = _target(request, slug, subscription_id, rg, name)
    try:
        target_services.remove_ip_rule(target, request.POST.get("ip_rule", "")[:100])
    except AzureRuleError as exc:
        return _networking_swap(request, target, slug, errors={"ip_rule": exc}, status=422)
    return _networking_swap(request, target, slug)


@require_GET
def target_connections(request, slug, subscription_id, rg, name):
    """Private endpoint connections with Approve / Reject / Remove (PEDNS-30)."""
    target = _target(request, slug, subscription_id, rg, name)
    context = _paas(
        target,
        slug,
        "connections",
        "Private endpoint connections",
        connections=list(target_services.endpoint_connections(target)),
        error=None,
    )
    return respond(request, "networking/paas_connections.html", "connections", context)


@require_POST
def target_connection(request, slug, subscription_id, rg, name):
    target = _target(request, slug, subscription_id, rg, name)
    error, status = None, 200
    try:
        target_services.set_connection_state(
            target, to_int(request.POST.get("endpoint")), request.POST.get("action", "")
        )
    except AzureRuleError as exc:
        error, status = exc, 422
    if not request.htmx and status == 200:
        return redirect(reverse(f"networking:{slug}_connections", kwargs=blade_kwargs(target)))
    context = _paas(
        target,
        slug,
        "connections",
        "Private endpoint connections",
        connections=list(target_services.endpoint_connections(target)),
        error=error,
    )
    return respond(request, "networking/paas_connections.html", "connections", context, status)


@require_GET
def target_activity(request, slug, subscription_id, rg, name):
    target = _target(request, slug, subscription_id, rg, name)
    return activity_log(request, target, _paas(target, slug, "activity", "Activity log"))


@require_GET
def target_json(request, slug, subscription_id, rg, name):
    target = _target(request, slug, subscription_id, rg, name)
    return json_view(request, target, _paas(target, slug, "json", "JSON View"))


@require_http_methods(["GET", "POST"])
def target_delete(request, slug, subscription_id, rg, name):
    target = _target(request, slug, subscription_id, rg, name)
    context = _paas(target, slug, "overview", "Delete")
    return confirm(
        request,
        context,
        title=f"Delete {target.type_label.lower()}",
        question=f"Delete '{target.name}'? Its private endpoints stay, Disconnected.",
        rule="PEDNS-30",
        action=lambda: target_services.delete_target(target),
        done_url=context["urls"]["resource_group"],
    )


# --- virtual machines and network interfaces -------------------------------------

VM_SETTINGS = [("Networking", "bi-diagram-3", "networking")]
NIC_SETTINGS = [("IP configurations", "bi-ethernet", "ipconfigs")]


def _vm(request, subscription_id, rg, name) -> VirtualMachine:
    return get_in_group(request, VirtualMachine.objects.all(), subscription_id, rg, name)


def _vm_nics(vm):
    return list(vm.nics.select_related("subnet__vnet", "nsg", "resource_group__subscription").order_by("pk"))


@require_http_methods(["GET", "POST"])
def vm_create(request, subscription_id, rg):
    group = get_resource_group(request, subscription_id, rg)
    wizard = VirtualMachineWizard(
        request.sandbox, request.POST if request.method == "POST" else None, rg_name=group.name
    )
    return run_wizard(request, wizard, "networking/vm_create.html", wizard.title)


@require_GET
def vm_overview(request, subscription_id, rg, name):
    vm = _vm(request, subscription_id, rg, name)
    nics = _vm_nics(vm)
    return render(
        request,
        "networking/vm_overview.html",
        blade_context(vm, "vm", "overview", "Overview", "bi-pc-display", VM_SETTINGS, nics=nics),
    )


@require_GET
def vm_networking(request, subscription_id, rg, name):
    vm = _vm(request, subscription_id, rg, name)
    nics = _vm_nics(vm)
    return render(
        request,
        "networking/vm_networking.html",
        blade_context(vm, "vm", "networking", "Networking", "bi-pc-display", VM_SETTINGS, nics=nics),
    )


@require_GET
def vm_activity(request, subscription_id, rg, name):
    vm = _vm(request, subscription_id, rg, name)
    return activity_log(request, vm, blade_context(vm, "vm", "activity", "Activity log", "bi-pc-display", VM_SETTINGS))


@require_GET
def vm_json(request, subscription_id, rg, name):
    vm = _vm(request, subscription_id, rg, name)
    return json_view(request, vm, blade_context(vm, "vm", "json", "JSON View", "bi-pc-display", VM_SETTINGS))


@require_http_methods(["GET", "POST"])
def vm_delete(request, subscription_id, rg, name):
    vm = _vm(request, subscription_id, rg, name)
    context = blade_context(vm, "vm", "overview", "Delete", "bi-pc-display", VM_SETTINGS)
    return confirm(
        request,
        context,
        title="Delete virtual machine",
        question=f"Delete '{vm.name}' and its network interfaces? Records auto-registered for it in private DNS zones go too.",
        rule="PEDNS-23",
        action=lambda: target_services.delete_vm(vm),
        done_url=context["urls"]["resource_group"],
    )


def _nic(request, subscription_id, rg, name) -> NetworkInterface:
    nics = NetworkInterface.objects.select_related(
        "subnet__vnet__resource_group__subscription",
        "nsg__resource_group__subscription",
        "vm__resource_group__subscription",
    )
    return get_in_group(request, nics, subscription_id, rg, name)


def _nic_context(request, nic, active, title):
    endpoint = getattr(nic, "private_endpoint", None) if hasattr(nic, "private_endpoint") else None
    return blade_context(nic, "nic", active, title, "bi-ethernet", NIC_SETTINGS, nic=nic, endpoint=endpoint)


@require_GET
def nic_overview(request, subscription_id, rg, name):
    nic = _nic(request, subscription_id, rg, name)
    return render(request, "networking/nic_overview.html", _nic_context(request, nic, "overview", "Overview"))


@require_GET
def nic_ipconfigs(request, subscription_id, rg, name):
    nic = _nic(request, subscription_id, rg, name)
    return render(
        request,
        "networking/nic_overview.html",
        {**_nic_context(request, nic, "ipconfigs", "IP configurations"), "ipconfigs_page": True},
    )


@require_GET
def nic_activity(request, subscription_id, rg, name):
    nic = _nic(request, subscription_id, rg, name)
    return activity_log(request, nic, _nic_context(request, nic, "activity", "Activity log"))


@require_GET
def nic_json(request, subscription_id, rg, name):
    nic = _nic(request, subscription_id, rg, name)
    return json_view(request, nic, _nic_context(request, nic, "json", "JSON View"))


@require_http_methods(["GET", "POST"])
def nic_delete(request, subscription_id, rg, name):
    nic = _nic(request, subscription_id, rg, name)
    context = _nic_context(request, nic, "overview", "Delete")
    return confirm(
        request,
        context,
        title="Delete network interface",
        question=f"Delete '{nic.name}'?",
        action=lambda: target_services.delete_nic(nic),
        done_url=context["urls"]["resource_group"],
    )


def _target_patterns():
    pages = [
        ("overview", target_overview),
        ("networking", target_networking),
        ("networking/virtualnetworks/add", target_vnet_rule, "vnet_rule"),
        ("networking/virtualnetworks/remove", target_vnet_rule_remove, "vnet_rule_remove"),
        ("networking/firewall/add", target_ip_rule, "ip_rule"),
        ("networking/firewall/remove", target_ip_rule_remove, "ip_rule_remove"),
        ("privateEndpointConnections", target_connections, "connections"),
        ("privateEndpointConnections/update", target_connection, "connection"),
        ("activitylog", target_activity, "activity"),
        ("jsonview", target_json, "json"),
        ("delete", target_delete, "delete"),
    ]
    patterns = []
    for slug, provider in PROVIDERS.items():
        patterns.append(path(f"{provider}/create/", target_create, {"slug": slug}, name=f"{slug}_create"))
        for entry in pages:
            suffix, view = entry[0], entry[1]
            url_name = entry[2] if len(entry) > 2 else suffix
            patterns.append(path(f"{provider}/<str:name>/{suffix}", view, {"slug": slug}, name=f"{slug}_{url_name}"))
    return patterns


urlpatterns = [
    *_target_patterns(),
    path("Microsoft.Compute/virtualMachines/create/", vm_create, name="vm_create"),
    path("Microsoft.Compute/virtualMachines/<str:name>/overview", vm_overview, name="vm_overview"),
    path("Microsoft.Compute/virtualMachines/<str:name>/networking", vm_networking, name="vm_networking"),
    path("Microsoft.Compute/virtualMachines/<str:name>/activitylog", vm_activity, name="vm_activity"),
    path("Microsoft.Compute/virtualMachines/<str:name>/jsonview", vm_json, name="vm_json"),
    path("Microsoft.Compute/virtualMachines/<str:name>/delete", vm_delete, name="vm_delete"),
    path("Microsoft.Network/networkInterfaces/<str:name>/overview", nic_overview, name="nic_overview"),
    path("Microsoft.Network/networkInterfaces/<str:name>/ipConfigurations", nic_ipconfigs, name="nic_ipconfigs"),
    path("Microsoft.Network/networkInterfaces/<str:name>/activitylog", nic_activity, name="nic_activity"),
    path("Microsoft.Network/networkInterfaces/<str:name>/jsonview", nic_json, name="nic_json"),
    path("Microsoft.Network/networkInterfaces/<str:name>/delete", nic_delete, name="nic_delete"),
]

__all__ = ["Http404", "urlpatterns"]
