"""A virtual network's Peerings page (portal-ui §3.4): the grid, the "Add
peering" pane with both directions, a link's settings pane and Delete."""

from django.http import Http404
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from networking.forms.peerings import AddPeeringForm, LinkSettingsForm
from networking.models import VirtualNetwork, VirtualNetworkGateway, VirtualNetworkPeering
from networking.services import peerings as services
from networking.views.vnets import get_vnet, vnet_blade
from portal.access import blade_kwargs
from portal.blades import confirm_pane, respond, swap
from portal.errors import AzureRuleError
from portal.resources import resource_url


def _get_link(vnet: VirtualNetwork, peering: str) -> VirtualNetworkPeering:
    link = (
        VirtualNetworkPeering.objects.filter(vnet=vnet, name__iexact=peering)
        .select_related("remote_vnet__resource_group__subscription")
        .first()
    )
    if link is None:
        raise Http404("Peering not found")
    link.vnet = vnet
    return link


def _urls(vnet: VirtualNetwork) -> dict:
    kwargs = {**blade_kwargs(vnet), "provider": vnet.arm_type.split("/")[0]}
    return {
        "peerings": reverse("networking:vnet_peerings", kwargs=kwargs),
        "add": reverse("networking:peering_add", kwargs=kwargs),
    }


def _link_urls(vnet: VirtualNetwork, link: VirtualNetworkPeering) -> dict:
    kwargs = {**blade_kwargs(vnet), "provider": vnet.arm_type.split("/")[0], "peering": link.name}
    return {
        "edit": reverse("networking:peering_edit", kwargs=kwargs),
        "delete": reverse("networking:peering_delete", kwargs=kwargs),
    }


def _context(vnet: VirtualNetwork, title: str, **extra) -> dict:
    context = vnet_blade(vnet, "peerings", title)
    return {**context, "vnet": vnet, "urls": _urls(vnet), **extra}


def _page_context(vnet: VirtualNetwork) -> dict:
    links = list(
        VirtualNetworkPeering.objects.filter(vnet=vnet).select_related("remote_vnet__resource_group__subscription")
    )
    rows = [
        {
            "link": link,
            "urls": _link_urls(vnet, link),
            "remote_url": resource_url(link.remote_vnet) if link.remote_vnet else "",
        }
        for link in links
    ]
    return _context(
        vnet, "Peerings", rows=rows, any_disconnected=any(link.peering_state == "Disconnected" for link in links)
    )


@require_GET
def vnet_peerings(request, provider, subscription_id, rg, name):
    vnet = get_vnet(request, provider, subscription_id, rg, name)
    return respond(request, "networking/peering_list.html", "peering-table", _page_context(vnet))


def _after_change(request, vnet):
    """The fresh grid in place, and the pane closed; without htmx, the page."""
    return swap(
        request,
        "networking/peering_list.html",
        "peering-swap",
        lambda: _page_context(vnet),
        target="peering-table",
        page_url=_urls(vnet)["peerings"],
    )


def _pane(request, vnet, form: AddPeeringForm, problems=None, status=200):
    context = _context(
        vnet,
        "Add peering",
        form=form,
        problems=problems or {},
        classic=form.classic,
        action_url=_urls(vnet)["add"],
        has_gateway=VirtualNetworkGateway.objects.filter(vnet=vnet).exists(),
        create_gateway_url=reverse(
            "networking:gateway_create",
            kwargs={
                "subscription_id": vnet.resource_group.subscription.subscription_id,
                "rg": vnet.resource_group.name,
            },
        ),
    )
    return respond(request, "networking/peering_add.html", "pane", context, status)


def _form_problems(form) -> dict:
    return {field: messages[0] for field, messages in form.errors.items()}


@require_http_methods(["GET", "POST"])
def peering_add(request, provider, subscription_id, rg, name):
    """ "+ Add": both links in one pane. A GET with a deployment model
    re-renders the pane for it (the Virtual network list changes)."""
    vnet = get_vnet(request, provider, subscription_id, rg, name)
    if request.method == "GET":
        return _pane(request, vnet, AddPeeringForm.redrawn(request.GET, vnet=vnet, sandbox=request.sandbox))
    form = AddPeeringForm(request.POST, vnet=vnet, sandbox=request.sandbox)
    problems: dict = {}
    if not form.is_valid():
        problems = _form_problems(form)
    else:
        try:
            services.add_peering(
                vnet,
                form.remote(),
                name=form.cleaned_data["name"],
                remote_name=form.cleaned_data["remote_name"],
                local=form.settings(),
                remote_settings=form.settings("remote_"),
                link_remote=not form.cleaned_data["this_side_only"],
            )
        except AzureRuleError as exc:
            problems[form.problem_field(exc.field)] = exc
    if problems:
        return _pane(request, vnet, form, problems, status=422)
    return _after_change(request, vnet)


@require_http_methods(["GET", "POST"])
def peering_edit(request, provider, subscription_id, rg, name, peering):
    """A link's own pane: its settings in the era's layout, and Save."""
    vnet = get_vnet(request, provider, subscription_id, rg, name)
    link = _get_link(vnet, peering)
    problems: dict = {}
    status = 200
    form = LinkSettingsForm(
        request.POST if request.method == "POST" else None,
        rules=request.sandbox.rules,
        local=vnet.name,
        remote=link.remote_name,
        current=services.LinkSettings.of(link),
    )
    if request.method == "POST":
        if not form.is_valid():
            problems = _form_problems(form)
        else:
            try:
                services.update_peering(link, form.settings())
            except AzureRuleError as exc:
                problems[form.problem_field(exc.field)] = exc
        if not problems:
            return _after_change(request, vnet)
        status = 422
    context = _context(vnet, link.name, link=link, link_urls=_link_urls(vnet, link), form=form, problems=problems)
    return respond(request, "networking/peering_edit.html", "pane", context, status)


@require_http_methods(["GET", "POST"])
def peering_delete(request, provider, subscription_id, rg, name, peering):
    vnet = get_vnet(request, provider, subscription_id, rg, name)
    link = _get_link(vnet, peering)
    if request.method == "POST":
        services.delete_peering(link)
        return _after_change(request, vnet)
    remote = link.remote_vnet
    stays = (
        f" The peering link from '{remote.name}' stays and becomes Disconnected: delete it too, then add the"
        " peering again to reconnect."
        if remote is not None and not remote.is_classic
        else ""
    )
    return confirm_pane(
        request,
        _context(vnet, "Delete peering", link=link),
        title="Delete peering",
        question=f"Delete peering '{link.name}' of '{vnet.name}'?{stays}",
        rule="VNET-10",
        action=_link_urls(vnet, link)["delete"],
        dom_id="delete-peering-form",
        yes_id="confirm-delete",
    )


_BASE = "<str:provider>/virtualNetworks/<str:name>/peerings"

urlpatterns = [
    path(_BASE, vnet_peerings, name="vnet_peerings"),
    path(f"{_BASE}/add", peering_add, name="peering_add"),
    path(f"{_BASE}/<str:peering>/edit", peering_edit, name="peering_edit"),
    path(f"{_BASE}/<str:peering>/delete", peering_delete, name="peering_delete"),
]
