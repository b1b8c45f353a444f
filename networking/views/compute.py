"""Blades of compute: virtual machines (Overview, Networking) and network
interfaces (Overview, IP configurations; the Network Watcher pages of a NIC
are in watcher.py)."""

from django.http import HttpRequest
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from networking.forms.compute import VirtualMachineWizard
from networking.models import NetworkInterface, VirtualMachine
from networking.services import compute as compute_services
from networking.views.paas import blade_context
from portal.access import get_in_group, get_resource_group
from portal.blades import activity_log, confirm_delete, json_view, run_wizard

VM_ICON, NIC_ICON = "bi-pc-display", "bi-ethernet"


def _vm(request, subscription_id, rg, name) -> VirtualMachine:
    return get_in_group(request, VirtualMachine, subscription_id, rg, name)


def _vm_nics(vm):
    return list(vm.nics.select_related("subnet__vnet", "nsg", "resource_group__subscription").order_by("pk"))


def _vm_blade(vm: VirtualMachine, active: str, title: str, **extra) -> dict:
    return blade_context(vm, "vm", active, title, VM_ICON, **extra)


@require_http_methods(["GET", "POST"])
def vm_create(request, subscription_id, rg):
    group = get_resource_group(request, subscription_id, rg)
    wizard = VirtualMachineWizard(
        request.sandbox, request.POST if request.method == "POST" else None, rg_name=group.name
    )
    return run_wizard(request, wizard, "networking/vm_create.html")


@require_GET
def vm_overview(request, subscription_id, rg, name):
    vm = _vm(request, subscription_id, rg, name)
    return render(request, "networking/vm_overview.html", _vm_blade(vm, "overview", "Overview", nics=_vm_nics(vm)))


@require_GET
def vm_networking(request, subscription_id, rg, name):
    vm = _vm(request, subscription_id, rg, name)
    context = _vm_blade(vm, "networking", "Networking", nics=_vm_nics(vm))
    return render(request, "networking/vm_networking.html", context)


@require_GET
def vm_activity(request, subscription_id, rg, name):
    vm = _vm(request, subscription_id, rg, name)
    return activity_log(request, vm, _vm_blade(vm, "activity", "Activity log"))


@require_GET
def vm_json(request, subscription_id, rg, name):
    vm = _vm(request, subscription_id, rg, name)
    return json_view(request, vm, _vm_blade(vm, "json", "JSON View"))


@require_http_methods(["GET", "POST"])
def vm_delete(request, subscription_id, rg, name):
    vm = _vm(request, subscription_id, rg, name)
    context = _vm_blade(vm, "overview", "Delete")
    return confirm_delete(
        request,
        context,
        delete=lambda: compute_services.delete_vm(vm),
        done_url=context["urls"]["resource_group"],
        title="Delete virtual machine",
        question=f"Delete '{vm.name}' and its network interfaces? Records auto-registered for it in private DNS zones go too.",
        rule="PEDNS-23",
        dom_id="confirm-form",
        cancel_url=context["urls"]["overview"],
    )


def get_nic(request: HttpRequest, subscription_id, rg: str, name: str) -> NetworkInterface:
    """The sandbox's network interface, with its subnet, NSG and VM, or 404."""
    related = (
        "subnet__vnet__resource_group__subscription",
        "nsg__resource_group__subscription",
        "vm__resource_group__subscription",
    )
    return get_in_group(request, NetworkInterface, subscription_id, rg, name, related=related)


def nic_blade(nic: NetworkInterface, active: str, title: str, **extra) -> dict:
    """The context of a NIC blade page (its Network Watcher pages use it too)."""
    return blade_context(nic, "nic", active, title, NIC_ICON, nic=nic, **extra)


def _nic_page(nic: NetworkInterface, active: str, title: str, **extra) -> dict:
    """A NIC page of this module: with the private endpoint that owns the NIC, if any."""
    return nic_blade(nic, active, title, endpoint=getattr(nic, "private_endpoint", None), **extra)


@require_GET
def nic_overview(request, subscription_id, rg, name):
    nic = get_nic(request, subscription_id, rg, name)
    return render(request, "networking/nic_overview.html", _nic_page(nic, "overview", "Overview"))


@require_GET
def nic_ipconfigs(request, subscription_id, rg, name):
    nic = get_nic(request, subscription_id, rg, name)
    context = _nic_page(nic, "ipconfigs", "IP configurations", ipconfigs_page=True)
    return render(request, "networking/nic_overview.html", context)


@require_GET
def nic_activity(request, subscription_id, rg, name):
    nic = get_nic(request, subscription_id, rg, name)
    return activity_log(request, nic, _nic_page(nic, "activity", "Activity log"))


@require_GET
def nic_json(request, subscription_id, rg, name):
    nic = get_nic(request, subscription_id, rg, name)
    return json_view(request, nic, _nic_page(nic, "json", "JSON View"))


@require_http_methods(["GET", "POST"])
def nic_delete(request, subscription_id, rg, name):
    nic = get_nic(request, subscription_id, rg, name)
    context = _nic_page(nic, "overview", "Delete")
    return confirm_delete(
        request,
        context,
        delete=lambda: compute_services.delete_nic(nic),
        done_url=context["urls"]["resource_group"],
        title="Delete network interface",
        question=f"Delete '{nic.name}'?",
        dom_id="confirm-form",
        cancel_url=context["urls"]["overview"],
    )


_VM = "Microsoft.Compute/virtualMachines"
_NIC = "Microsoft.Network/networkInterfaces"

urlpatterns = [
    path(f"{_VM}/create/", vm_create, name="vm_create"),
    path(f"{_VM}/<str:name>/overview", vm_overview, name="vm_overview"),
    path(f"{_VM}/<str:name>/networking", vm_networking, name="vm_networking"),
    path(f"{_VM}/<str:name>/activitylog", vm_activity, name="vm_activity"),
    path(f"{_VM}/<str:name>/jsonview", vm_json, name="vm_json"),
    path(f"{_VM}/<str:name>/delete", vm_delete, name="vm_delete"),
    path(f"{_NIC}/<str:name>/overview", nic_overview, name="nic_overview"),
    path(f"{_NIC}/<str:name>/ipConfigurations", nic_ipconfigs, name="nic_ipconfigs"),
    path(f"{_NIC}/<str:name>/activitylog", nic_activity, name="nic_activity"),
    path(f"{_NIC}/<str:name>/jsonview", nic_json, name="nic_json"),
    path(f"{_NIC}/<str:name>/delete", nic_delete, name="nic_delete"),
]
