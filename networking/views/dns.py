"""Private DNS zone blades: Overview with the record sets and the "+ Record
set" pane, Virtual network links with the "Add virtual network link" pane,
Activity log, JSON View and Delete zone (portal-ui §7.2)."""

from django.http import Http404
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from networking.forms.dns import LinkForm, PrivateDnsZoneWizard, RecordSetForm
from networking.forms.fields import parsed
from networking.models import PrivateDnsRecordSet, PrivateDnsZone, VirtualNetworkLink
from networking.services import dns as dns_services
from networking.views.paas import blade_context
from portal.access import blade_kwargs, get_in_group, get_resource_group
from portal.blades import activity_log, confirm_delete, json_view, respond, run_wizard, swap
from portal.errors import AzureRuleError


def _zone(request, subscription_id, rg, name) -> PrivateDnsZone:
    return get_in_group(request, PrivateDnsZone, subscription_id, rg, name)


def _context(zone, active, title, **extra) -> dict:
    context = blade_context(zone, "dns_zone", active, title, "bi-globe", zone=zone, **extra)
    kwargs = blade_kwargs(zone)
    for page in ("record_set_add", "links", "link_add"):
        context["urls"][page] = reverse(f"networking:dns_zone_{page}", kwargs=kwargs)
    return context


def _overview_context(zone, **extra) -> dict:
    record_sets = list(PrivateDnsRecordSet.objects.filter(zone=zone))
    return _context(
        zone,
        "overview",
        "Overview",
        record_sets=record_sets,
        link_count=VirtualNetworkLink.objects.filter(zone=zone).count(),
        registration_count=VirtualNetworkLink.objects.filter(zone=zone, registration_enabled=True).count(),
        **extra,
    )


@require_http_methods(["GET", "POST"])
def dns_zone_create(request, subscription_id, rg):
    group = get_resource_group(request, subscription_id, rg)
    wizard = PrivateDnsZoneWizard(
        request.sandbox, request.POST if request.method == "POST" else None, rg_name=group.name
    )
    return run_wizard(request, wizard, "networking/dns_create.html")


@require_GET
def dns_zone_overview(request, subscription_id, rg, name):
    zone = _zone(request, subscription_id, rg, name)
    return respond(request, "networking/dns_overview.html", "record-sets", _overview_context(zone))


def _record_pane(request, zone, *, values: dict, record_set=None, errors=None, status=200):
    form = RecordSetForm(initial=values, zone=zone, record_set=record_set, errors=errors)
    context = _context(
        zone,
        "overview",
        "Edit record set" if record_set else "Add record set",
        form=form,
        record_set=record_set,
        pane_url=request.path,
    )
    return respond(request, "networking/dns_record_set.html", "pane", context, status)


def _record_saved(request, zone):
    """The record set grid, fresh, and the pane closed."""
    return swap(
        request,
        "networking/dns_overview.html",
        "record-sets-swap",
        lambda: _overview_context(zone),
        target="record-sets",
        page_url=reverse("networking:dns_zone_overview", kwargs=blade_kwargs(zone)),
    )


@require_http_methods(["GET", "POST"])
def dns_record_set_add(request, subscription_id, rg, name):
    """The "Add record set" pane: Name, Type, TTL, TTL unit and the values."""
    zone = _zone(request, subscription_id, rg, name)
    if request.method == "GET":
        # The pane re-renders for a changed Type; only the type comes from the request.
        form = {**RecordSetForm({}).values(), "record_type": RecordSetForm(request.GET).values()["record_type"]}
        if form["record_type"] not in dns_services.RECORD_TYPES:
            form["record_type"] = "A"
        return _record_pane(request, zone, values=form)
    form = RecordSetForm(request.POST).values()
    try:
        dns_services.save_record_set(
            zone,
            name=form["name"],
            record_type=form["record_type"],
            ttl=form["ttl"],
            ttl_unit=form["ttl_unit"],
            records=form["records"].splitlines(),
        )
    except AzureRuleError as exc:
        return _record_pane(request, zone, values=form, errors={exc.field or "records": exc}, status=422)
    return _record_saved(request, zone)


def _record_set(zone, pk) -> PrivateDnsRecordSet:
    """A record set the learner may edit or delete: not the zone's SOA (PDNS-01)."""
    record_set = PrivateDnsRecordSet.objects.filter(zone=zone, pk=pk).exclude(record_type="SOA").first()
    if record_set is None:
        raise Http404("No such record set")
    return record_set


@require_http_methods(["GET", "POST"])
def dns_record_set_edit(request, subscription_id, rg, name, pk):
    zone = _zone(request, subscription_id, rg, name)
    record_set = _record_set(zone, pk)
    if request.method == "GET":
        unit, amount = "Seconds", record_set.ttl
        for label, seconds in reversed(dns_services.TTL_UNITS.items()):
            if record_set.ttl % seconds == 0:
                unit, amount = label, record_set.ttl // seconds
                break
        form = {
            "name": record_set.name,
            "record_type": record_set.record_type,
            "ttl": str(amount),
            "ttl_unit": unit,
            "records": "\n".join(str(r) for r in record_set.records),
        }
        return _record_pane(request, zone, values=form, record_set=record_set)
    form = {**RecordSetForm(request.POST).values(), "name": record_set.name, "record_type": record_set.record_type}
    try:
        dns_services.save_record_set(
            zone,
            name=record_set.name,
            record_type=record_set.record_type,
            ttl=form["ttl"],
            ttl_unit=form["ttl_unit"],
            records=form["records"].splitlines(),
            original=record_set,
        )
    except AzureRuleError as exc:
        return _record_pane(
            request, zone, values=form, record_set=record_set, errors={exc.field or "records": exc}, status=422
        )
    return _record_saved(request, zone)


@require_http_methods(["GET", "POST"])
def dns_record_set_delete(request, subscription_id, rg, name, pk):
    zone = _zone(request, subscription_id, rg, name)
    record_set = _record_set(zone, pk)
    context = _context(zone, "overview", "Delete record set")
    note = (
        " It was auto-registered: it comes back while the VM runs in a registration-enabled network."
        if record_set.auto_registered
        else ""
    )
    return confirm_delete(
        request,
        context,
        delete=lambda: dns_services.delete_record_set(record_set),
        done_url=context["urls"]["overview"],
        title="Delete record set",
        question=f"Delete the {record_set.record_type} record set '{record_set.name}'?{note}",
        rule="PEDNS-23" if record_set.auto_registered else "",
        dom_id="confirm-form",
        cancel_url=context["urls"]["overview"],
    )


def _links_context(zone, **extra):
    links = list(VirtualNetworkLink.objects.filter(zone=zone).select_related("vnet__resource_group__subscription"))
    return _context(zone, "links", "Virtual network links", links=links, **extra)


@require_GET
def dns_zone_links(request, subscription_id, rg, name):
    zone = _zone(request, subscription_id, rg, name)
    return respond(request, "networking/dns_links.html", "links", _links_context(zone))


def _link_form(request, zone, data=None, errors=None) -> LinkForm:
    fallback_allowed = request.sandbox.rules.dns_link_fallback and zone.name.startswith("privatelink.")
    return LinkForm(data, zone=zone, fallback_allowed=fallback_allowed, errors=errors)


def _link_pane(request, zone, *, form: LinkForm, status=200):
    context = _context(zone, "links", "Add virtual network link", form=form)
    return respond(request, "networking/dns_link_add.html", "pane", context, status)


@require_http_methods(["GET", "POST"])
def dns_zone_link_add(request, subscription_id, rg, name):
    """The "Add virtual network link" pane (PEDNS-14, PEDNS-20 to PEDNS-23)."""
    zone = _zone(request, subscription_id, rg, name)
    if request.method == "GET":
        return _link_pane(request, zone, form=_link_form(request, zone))
    form = _link_form(request, zone, request.POST)
    data = parsed(form)
    try:
        dns_services.create_link(
            zone,
            name=data["link_name"],
            vnet=form.chosen_vnet(),
            registration_enabled=data["registration"],
            fallback_to_internet=data["fallback"],
        )
    except AzureRuleError as exc:
        form = _link_form(request, zone, request.POST, errors={exc.field or "link_name": exc})
        return _link_pane(request, zone, form=form, status=422)
    return swap(
        request,
        "networking/dns_links.html",
        "links-swap",
        lambda: _links_context(zone),
        target="links",
        page_url=reverse("networking:dns_zone_links", kwargs=blade_kwargs(zone)),
    )


@require_http_methods(["GET", "POST"])
def dns_zone_link_delete(request, subscription_id, rg, name, pk):
    zone = _zone(request, subscription_id, rg, name)
    link = VirtualNetworkLink.objects.filter(zone=zone, pk=pk).select_related("vnet").first()
    if link is None:
        raise Http404("No such link")
    context = _context(zone, "links", "Delete virtual network link")
    note = " Records auto-registered for its VMs go too." if link.registration_enabled else ""
    return confirm_delete(
        request,
        context,
        delete=lambda: dns_services.delete_link(link),
        done_url=context["urls"]["links"],
        title="Delete virtual network link",
        question=f"Delete link '{link.name}' to '{link.vnet.name}'? The zone stops answering in that network.{note}",
        rule="PEDNS-20, PEDNS-23",
        dom_id="confirm-form",
        cancel_url=context["urls"]["overview"],
    )


@require_GET
def dns_zone_activity(request, subscription_id, rg, name):
    zone = _zone(request, subscription_id, rg, name)
    return activity_log(request, zone, _context(zone, "activity", "Activity log"))


@require_GET
def dns_zone_json(request, subscription_id, rg, name):
    zone = _zone(request, subscription_id, rg, name)
    return json_view(request, zone, _context(zone, "json", "JSON View"))


@require_http_methods(["GET", "POST"])
def dns_zone_delete(request, subscription_id, rg, name):
    zone = _zone(request, subscription_id, rg, name)
    context = _context(zone, "overview", "Delete zone")
    return confirm_delete(
        request,
        context,
        delete=lambda: dns_services.delete_zone(zone),
        done_url=context["urls"]["resource_group"],
        title="Delete zone",
        question=f"Delete private DNS zone '{zone.name}' and all its record sets?",
        rule="PEDNS-21",
        dom_id="confirm-form",
        cancel_url=context["urls"]["overview"],
    )


ZONE = "Microsoft.Network/privateDnsZones/<str:name>/"

urlpatterns = [
    path("Microsoft.Network/privateDnsZones/create/", dns_zone_create, name="dns_zone_create"),
    path(ZONE + "overview", dns_zone_overview, name="dns_zone_overview"),
    path(ZONE + "recordsets/add", dns_record_set_add, name="dns_zone_record_set_add"),
    path(ZONE + "recordsets/<pk:pk>/edit", dns_record_set_edit, name="dns_zone_record_set_edit"),
    path(ZONE + "recordsets/<pk:pk>/delete", dns_record_set_delete, name="dns_zone_record_set_delete"),
    path(ZONE + "virtualNetworkLinks", dns_zone_links, name="dns_zone_links"),
    path(ZONE + "virtualNetworkLinks/add", dns_zone_link_add, name="dns_zone_link_add"),
    path(ZONE + "virtualNetworkLinks/<pk:pk>/delete", dns_zone_link_delete, name="dns_zone_link_delete"),
    path(ZONE + "activitylog", dns_zone_activity, name="dns_zone_activity"),
    path(ZONE + "jsonview", dns_zone_json, name="dns_zone_json"),
    path(ZONE + "delete", dns_zone_delete, name="dns_zone_delete"),
]
