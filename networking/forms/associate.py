"""The "Associate subnet" pane a NAT gateway, a route table and a network
security group share (Virtual network, then one of its subnets), and the
NSG's "Associate network interface". Choices are the sandbox's own rows; a
choice outside them, or a mangled one, is "nothing chosen", which the pane
refuses as Azure does, under the field."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms

from networking.forms.fields import SandboxChoice
from networking.models import NetworkInterface, Subnet, VirtualNetwork
from portal.errors import AzureRuleError
from portal.forms import Problem
from portal.layout import RERENDER_PANE, AzField, helper


@dataclass(frozen=True)
class Holder:
    """What a subnet is associated with: ``field`` is the subnet's foreign
    key to it, ``short`` its name after a subnet that already has one."""

    field: str
    short: str
    help: str
    rule: str


NAT_GATEWAY = Holder(
    "nat_gateway",
    "NAT gateway",
    "A subnet has at most one NAT gateway; a NAT gateway serves subnets of one virtual network,"
    " never the GatewaySubnet.",
    "NAT-01, NAT-02, NAT-03",
)
ROUTE_TABLE = Holder(
    "route_table",
    "route table",
    "A subnet has at most one route table; one route table can serve many subnets.",
    "ROUTE-20, SUBNET-07",
)
NSG = Holder(
    "nsg",
    "NSG",
    "A subnet has at most one network security group; one NSG can serve many subnets.",
    "NSG-20, SUBNET-07",
)


def _stripped(data: Any, names: tuple[str, ...]) -> Any:
    """The posted values with the picked keys' spaces cut, so the drop-down
    shows what was found."""
    if data is None:
        return None
    data = data.copy()
    for name in names:
        value = data.get(name)
        if isinstance(value, str):
            data[name] = value.strip()
    return data


class AssociateForm(forms.Form):
    """What both panes share: the title, and the association itself."""

    title = ""
    target = ""  # what the service associates; a refusal without a field of its own goes under it
    use_required_attribute = False  # Azure's messages, not the browser's

    def associate(self, call: Callable[[Any], None]) -> dict[str, Problem]:
        """The pane's problem after ``call`` (the service's associate) on
        what was picked: the first field left without a choice, or the
        service's refusal; none when the association was made."""
        self.is_valid()
        for name, field in self.fields.items():
            if self.cleaned_data.get(name) is None:
                return {name: Problem(field.message)}
        try:
            call(self.cleaned_data[self.target])
        except AzureRuleError as exc:
            return {exc.field or self.target: Problem.of(exc)}
        return {}


class SubnetAssociateForm(AssociateForm):
    """ "Associate subnet": a virtual network of the sandbox (choosing one
    re-renders the pane with its subnets), then one of its subnets."""

    title = "Associate subnet"
    target = "subnet"

    def __init__(self, sandbox, data=None, *, holder: Holder) -> None:
        super().__init__(_stripped(data, ("vnet", "subnet")))
        self.holder = holder
        self.fields["vnet"] = SandboxChoice(
            VirtualNetwork.objects.arm().filter(sandbox=sandbox).select_related("resource_group").order_by("name"),
            message="Select a virtual network.",
            empty_label="Choose a virtual network",
            label="Virtual network",
            option=lambda vnet: f"{vnet.name} ({vnet.resource_group.name})",
        )
        vnet = self._picked_vnet()
        subnets = vnet.subnets.select_related("vnet", holder.field).order_by("name") if vnet else Subnet.objects.none()
        self.fields["subnet"] = SandboxChoice(
            subnets,
            message="Select a subnet.",
            empty_label="Choose a subnet",
            label="Subnet",
            option=self._subnet_option,
        )
        if vnet is None:
            self.fields["subnet"].widget.attrs["disabled"] = True

    def _picked_vnet(self) -> VirtualNetwork | None:
        return self.fields["vnet"].clean(self.data.get("vnet")) if self.is_bound else None

    def _subnet_option(self, subnet: Subnet) -> str:
        text = f"{subnet.name} ({subnet.address_prefix})"
        holder = getattr(subnet, self.holder.field)
        return f"{text} - {self.holder.short}: {holder.name}" if holder else text

    @property
    def helper(self):
        return helper(
            AzField("vnet", id="vnet-select", star=True, **RERENDER_PANE),
            AzField("subnet", id="subnet-select", star=True, help=self.holder.help, rule=self.holder.rule),
        )


class NicAssociateForm(AssociateForm):
    """An NSG's "Associate network interface": one network interface of the sandbox (NSG-20)."""

    title = "Associate network interface"
    target = "nic"

    def __init__(self, sandbox, data=None) -> None:
        super().__init__(_stripped(data, ("nic",)))
        # VMSS-01: a scale set instance's NIC takes its NSG from the scale set.
        self.fields["nic"] = SandboxChoice(
            NetworkInterface.objects.filter(sandbox=sandbox, scale_set="")
            .select_related("vm", "nsg", "subnet__vnet", "resource_group__subscription")
            .order_by("name"),
            message="Select a network interface.",
            empty_label="Choose a network interface",
            label="Network interface",
            option=_nic_option,
        )

    @property
    def helper(self):
        return helper(
            AzField(
                "nic",
                id="nic-select",
                star=True,
                help="A network interface has at most one network security group.",
                rule="NSG-20",
            )
        )


def _nic_option(nic: NetworkInterface) -> str:
    text = f"{nic.name} ({nic.subnet.vnet.name}/{nic.subnet.name})"
    return f"{text} - NSG: {nic.nsg.name}" if nic.nsg else text
