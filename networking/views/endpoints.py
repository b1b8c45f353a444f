"""Private endpoint blades: the "Create a private endpoint" wizard (and its
newer "Edit subnet network policy" pane), Overview, DNS configuration,
Activity log, JSON View and Delete (portal-ui §7.1)."""

from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from networking.forms.endpoints import NamedTargetForm, PrivateEndpointWizard, SubnetPolicyForm, SubnetPolicyTarget
from networking.models import PrivateDnsRecordSet, PrivateEndpoint
from networking.services import endpoints as endpoint_services
from networking.services import vnets as vnet_services
from networking.views.paas import blade_context
from portal.access import get_in_group, get_resource_group
from portal.blades import activity_log, confirm_delete, json_view, respond, run_wizard
from portal.errors import AzureRuleError


def _endpoint(request, subscription_id, rg, name) -> PrivateEndpoint:
    related = ("subnet__vnet__resource_group__subscription", "nic__resource_group__subscription", "target_type")
    return get_in_group(request, PrivateEndpoint, subscription_id, rg, name, related=related)


def _context(endpoint, active, title, **extra) -> dict:
    target = endpoint.target
    return blade_context(
        endpoint,
        "private_endpoint",
        active,
        title,
        "bi-plug",
        endpoint=endpoint,
        target=target,
        fqdn=endpoint_services.fqdn_of(target) if target is not None else "",
        **extra,
    )


@require_http_methods(["GET", "POST"])
def private_endpoint_create(request, subscription_id, rg):
    group = get_resource_group(request, subscription_id, rg)
    data = request.POST if request.method == "POST" else None
    wizard = PrivateEndpointWizard(
        request.sandbox, data, rg_name=group.name, target=NamedTargetForm(request.GET).resource(request.sandbox)
    )
    return run_wizard(request, wizard, "networking/private_endpoint_create.html")


@require_http_methods(["GET", "POST"])
def private_endpoint_subnet_policy(request, subscription_id, rg):
    """The newer wizard's "edit" beside "Network policy for private endpoints":
    the "Edit subnet network policy" pane (portal-ui §7.1 [newer]). Save
    writes the subnet through the subnet service (SUBNET-21; a read-only lock
    refuses it, LOCK-02); the wizard stays as it was, its line updated."""
    get_resource_group(request, subscription_id, rg)
    rules = request.sandbox.rules
    subnet = SubnetPolicyTarget(request.GET).subnet_of(request.sandbox)
    if not rules.private_endpoint_ip_configuration or subnet is None:
        raise Http404("No such subnet.")
    template = "networking/private_endpoint_policy_pane.html"
    context = {"subnet": subnet, "action_url": f"{request.path}?subnet={subnet.pk}"}
    if request.method == "GET":
        return respond(request, template, "pane", {**context, "form": SubnetPolicyForm(subnet)})
    form = SubnetPolicyForm(subnet, request.POST)
    form.is_valid()  # two check boxes: anything posted is on or off
    try:
        vnet_services.set_endpoint_policies(subnet, form.policies)
    except AzureRuleError as exc:
        return respond(request, template, "pane", {**context, "form": form, "refusal": exc}, status=422)
    if not request.htmx:
        return redirect("networking:private_endpoint_create", subscription_id=subscription_id, rg=rg)
    label = dict(rules.private_endpoint_policy_choices).get(form.policies, form.policies)
    return render(request, f"{template}#saved", {"policy_label": label})


@require_GET
def private_endpoint_overview(request, subscription_id, rg, name):
    endpoint = _endpoint(request, subscription_id, rg, name)
    return respond(
        request, "networking/private_endpoint_overview.html", "essentials", _context(endpoint, "overview", "Overview")
    )


@require_GET
def private_endpoint_dns(request, subscription_id, rg, name):
    """DNS configuration: the FQDN, its IP and the zone that holds the A record (PEDNS-10, PEDNS-11)."""
    endpoint = _endpoint(request, subscription_id, rg, name)
    target = endpoint.target
    zones = list(endpoint.dns_zones.select_related("resource_group__subscription"))
    records = []
    if target is not None and zones:
        records = list(
            PrivateDnsRecordSet.objects.filter(
                zone__in=zones, name__iexact=target.name, record_type="A"
            ).select_related("zone")
        )
    return render_dns(request, endpoint, zones, records)


def render_dns(request, endpoint, zones, records):
    context = _context(endpoint, "dns", "DNS configuration", zones=zones, records=records)
    return respond(request, "networking/private_endpoint_dns.html", "dns-configuration", context)


@require_GET
def private_endpoint_activity(request, subscription_id, rg, name):
    endpoint = _endpoint(request, subscription_id, rg, name)
    return activity_log(request, endpoint, _context(endpoint, "activity", "Activity log"))


@require_GET
def private_endpoint_json(request, subscription_id, rg, name):
    endpoint = _endpoint(request, subscription_id, rg, name)
    return json_view(request, endpoint, _context(endpoint, "json", "JSON View"))


@require_http_methods(["GET", "POST"])
def private_endpoint_delete(request, subscription_id, rg, name):
    endpoint = _endpoint(request, subscription_id, rg, name)
    context = _context(endpoint, "overview", "Delete")
    return confirm_delete(
        request,
        context,
        delete=lambda: endpoint_services.delete_endpoint(endpoint),
        done_url=context["urls"]["resource_group"],
        title="Delete private endpoint",
        question=f"Delete '{endpoint.name}'? Its network interface and its A record in the private DNS zone go too.",
        rule="PEDNS-11, PEDNS-32",
        dom_id="confirm-form",
        cancel_url=context["urls"]["overview"],
    )


PE = "Microsoft.Network/privateEndpoints/<str:name>/"

urlpatterns = [
    path("Microsoft.Network/privateEndpoints/create/", private_endpoint_create, name="private_endpoint_create"),
    path(
        "Microsoft.Network/privateEndpoints/create/subnetpolicy",
        private_endpoint_subnet_policy,
        name="private_endpoint_subnet_policy",
    ),
    path(PE + "overview", private_endpoint_overview, name="private_endpoint_overview"),
    path(PE + "dnsconfiguration", private_endpoint_dns, name="private_endpoint_dns"),
    path(PE + "activitylog", private_endpoint_activity, name="private_endpoint_activity"),
    path(PE + "jsonview", private_endpoint_json, name="private_endpoint_json"),
    path(PE + "delete", private_endpoint_delete, name="private_endpoint_delete"),
]

__all__ = ["ContentType", "urlpatterns"]
