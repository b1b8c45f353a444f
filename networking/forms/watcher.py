"""Forms of the Network Watcher blade (portal-ui §8): IP flow verify, Next
hop and Connection troubleshoot. Each takes the sandbox's pickers (the
virtual machines' network interfaces, the subnets, the AKS pods) in its
``__init__``, parses the query string the check is sent as, and draws its
fields with the azure pack (portal/layout.py)."""

import re

from crispy_forms.layout import HTML
from django import forms
from django.http import QueryDict

from networking.models import NetworkInterface
from portal.layout import AzField, helper

PORT_ERRORS = {
    "required": "Enter a port from 0 to 65535.",
    "invalid": "Enter a port from 0 to 65535.",
    "min_value": "Enter a port from 0 to 65535.",
    "max_value": "Enter a port from 0 to 65535.",
}
IP_ERRORS = {"required": "Enter an IPv4 address.", "invalid": "Enter a valid IPv4 address, for example 10.0.1.4."}
URI = re.compile(r"^[a-z][a-z0-9+.-]*://(?P<host>[^/:?#]+)(?::(?P<port>\d{1,5}))?", re.IGNORECASE)
HOST = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)
# The radio options as the tools lay them out: side by side, in normal weight.
OPTION_CLASS = "me-3 fw-normal"


class DefaultRadio(forms.RadioSelect):
    """Radios that show ``default`` chosen while the field has no value:
    on the empty page, and when a request left the field out (its error
    then shows under the chosen default, as the portal keeps a choice)."""

    def __init__(self, default: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.default = default

    def format_value(self, value) -> list[str]:
        values = super().format_value(value)
        return values if any(values) else [self.default]


def _port_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        min_value=0, max_value=65535, error_messages=PORT_ERRORS, widget=forms.TextInput, **kwargs
    )


def _ip_field() -> forms.GenericIPAddressField:
    return forms.GenericIPAddressField(protocol="IPv4", error_messages=IP_ERRORS)


def _text(name: str, id: str, label: str, placeholder: str) -> AzField:
    """An address or port box of the tools."""
    return AzField(name, id=id, label=label, star=True, placeholder=placeholder, maxlength="45")


def _radios(name: str, id: str, label: str, **kwargs) -> AzField:
    return AzField(name, id=id, label=label, option_class=OPTION_CLASS, **kwargs)


def nic_label(nic: NetworkInterface) -> str:
    vm = nic.vm.name if nic.vm_id else nic.vm_name
    return f"{vm} / {nic.name} ({nic.private_ip})"


def subnet_label(subnet) -> str:
    return f"{subnet.vnet.name} / {subnet.name} ({subnet.address_prefix})"


class _TargetForm(forms.Form):
    """A VM's network interface, chosen among the sandbox's. The check runs
    once the query string names one (``nic``); without it, the empty page."""

    use_required_attribute = False  # the rules answer in the field errors, not the browser
    nic = forms.TypedChoiceField(
        coerce=int,
        error_messages={"required": "Choose a network interface.", "invalid_choice": "Choose a network interface."},
    )

    def __init__(
        self, query: QueryDict, *, nics: list[NetworkInterface], era: str = "classic", bind_keys: tuple = ("nic",)
    ) -> None:
        # A redraw (a picker that narrows the next one changed) keeps what was
        # chosen as the form's initial values: no check, no errors.
        redraw = "redraw" in query
        bound = not redraw and any(key in query for key in bind_keys)
        super().__init__(query if bound else None, initial=query.dict() if redraw else None)
        self.era = era
        self.nics = {n.pk: n for n in nics}
        self.fields["nic"].choices = [("", "Select a network interface")] + [(n.pk, nic_label(n)) for n in nics]

    @property
    def chosen(self) -> NetworkInterface | None:
        return self.nics.get(self.cleaned_data.get("nic")) if hasattr(self, "cleaned_data") else None

    def _own_ip(self, field: str, rule: str) -> None:
        """NW-01 / NW-10: the local or source address is one of the NIC's."""
        nic, address = self.chosen, self.cleaned_data.get(field)
        if nic is not None and address and address != nic.private_ip:
            self.add_error(field, f"{address} is not an IP address of {nic.name} ({nic.private_ip}). [{rule}]")

    def nic_field(self) -> AzField:
        return AzField("nic", id="nic-select", label="Virtual machine / Network interface", star=True)


def vm_key(nic: NetworkInterface) -> str:
    """A virtual machine's value in IP flow verify's "Virtual machine" picker."""
    return str(nic.vm_id) if nic.vm_id else f"name:{nic.vm_name}"


# A control of a tool whose change redraws the tool with the form's values
# (IP flow verify's target resource type and virtual machine narrow the next picker).
REDRAW_TOOL = {
    "hx-get": "{{ request.path }}",
    "hx-trigger": "change",
    "hx-target": "#ip-flow-verify",
    "hx-swap": "outerHTML",
    "hx-include": "closest form",
    "hx-vals": '{"redraw": "1"}',
}
TARGET_TYPES = [("vm", "Virtual machine"), ("nic", "Network interface")]


class IpFlowForm(_TargetForm):
    """NW-01's parameters: a protocol, a direction, single ports. The API and
    the 2021 portal take TCP or UDP (NW-01); today's portal offers ICMP too
    (portal-ui §8), which has no ports.

    With ``target_type`` (the Current era's Ruleset.ip_flow_target_type) the
    target is picked as today's portal does: a "Target resource type"
    (Virtual machine / Network interface), then the virtual machine and its
    network interface (one NIC is picked for you), or the network interface
    alone. Either way the check runs on one NIC (``chosen``), as before."""

    target_type = forms.ChoiceField(
        choices=TARGET_TYPES,
        required=False,
        error_messages={"invalid_choice": "Choose Virtual machine or Network interface. [NW-01]"},
        widget=DefaultRadio("vm"),
    )
    vm = forms.ChoiceField(required=False, error_messages={"invalid_choice": "Choose a virtual machine. [NW-01]"})
    protocol = forms.ChoiceField(widget=DefaultRadio("Tcp"))
    direction = forms.ChoiceField(
        choices=[("Inbound", "Inbound"), ("Outbound", "Outbound")],
        error_messages={"invalid_choice": "Choose Inbound or Outbound."},
        widget=DefaultRadio("Outbound"),
    )
    local_ip = _ip_field()
    local_port = _port_field()
    remote_ip = _ip_field()
    remote_port = _port_field()

    def __init__(
        self, query: QueryDict, *, nics: list[NetworkInterface], era: str = "classic", target_type: bool = False
    ) -> None:
        super().__init__(query, nics=nics, era=era, bind_keys=("nic", "target_type") if target_type else ("nic",))
        self.asks_target_type = target_type
        if target_type:
            self._target_choices(nics)
        protocol = self.fields["protocol"]
        if era == "classic":
            protocol.choices = [("Tcp", "TCP"), ("Udp", "UDP")]
            protocol.error_messages["invalid_choice"] = "Choose TCP or UDP. [NW-01]"
        else:
            protocol.choices = [("Tcp", "TCP"), ("Udp", "UDP"), ("Icmp", "ICMP")]
            protocol.error_messages["invalid_choice"] = "Choose TCP, UDP or ICMP. [NW-01]"
        if self.is_bound and self.data.get("protocol") == "Icmp" and era != "classic":
            # ICMP has no ports: the port boxes are ignored (NSG-07 matches ports for TCP and UDP only).
            for name in ("local_port", "remote_port"):
                self.fields[name].required = False

    def _target_choices(self, nics: list[NetworkInterface]) -> None:
        """The virtual machines, and the network interfaces of the chosen one
        (all of them when the target type is Network interface)."""
        vms = {}
        for nic in nics:
            vms.setdefault(vm_key(nic), nic.vm.name if nic.vm_id else nic.vm_name)
        self.fields["vm"].choices = [("", "Select a virtual machine")] + list(vms.items())
        nic_field = self.fields["nic"]
        nic_field.required = False
        if self.target_kind == "vm" and self["vm"].value():
            nics = [n for n in nics if vm_key(n) == self["vm"].value()]
            nic_field.error_messages = {
                **nic_field.error_messages,
                "invalid_choice": "Choose a network interface of the virtual machine. [NW-01]",
            }
        nic_field.choices = [("", "Select a network interface")] + [(n.pk, f"{n.name} ({n.private_ip})") for n in nics]
        self.target_nics = nics
        if self.target_kind == "vm" and self["vm"].value() and len(nics) == 1:
            # A virtual machine with one network interface has it selected
            # (a redraw replaces another VM's; a check keeps what was sent).
            if not self.is_bound:
                self.initial["nic"] = nics[0].pk
            elif not self.data.get("nic"):
                self.data = self.data.copy()
                self.data["nic"] = str(nics[0].pk)

    @property
    def target_kind(self) -> str:
        """The target type, "vm" or "nic"; a query naming a NIC without a type targets the NIC."""
        kind = self["target_type"].value()
        if kind:
            return kind
        return "nic" if self.is_bound and self.data.get("nic") and not self.data.get("vm") else "vm"

    def _resolve_target(self) -> None:
        """NW-01: a virtual machine (its one NIC, or the NIC chosen among
        its NICs: targetNicResourceId), or a network interface."""
        if self.target_kind == "nic" or "nic" in self.errors:
            if not self.cleaned_data.get("nic") and "nic" not in self.errors:
                self.add_error("nic", "Choose a network interface. [NW-01]")
            return
        if not self.cleaned_data.get("vm"):
            if "vm" not in self.errors:
                self.add_error("vm", "Choose a virtual machine. [NW-01]")
            return
        if not self.cleaned_data.get("nic"):
            if len(self.target_nics) == 1:
                self.cleaned_data["nic"] = self.target_nics[0].pk
            else:
                self.add_error("nic", "The virtual machine has several network interfaces: choose one. [NW-01]")

    def clean(self):
        super().clean()
        if self.asks_target_type:
            self._resolve_target()
        self._own_ip("local_ip", "NW-01")
        if self.cleaned_data.get("protocol") == "Icmp":
            self.cleaned_data["local_port"] = self.cleaned_data["remote_port"] = 0

    @property
    def icmp(self) -> bool:
        return self.is_bound and self.data.get("protocol") == "Icmp"

    def target_fields(self) -> list:
        if not self.asks_target_type:
            return [self.nic_field()]
        fields = [
            HTML('<h2 class="az-section-title" id="target-resource-title">Target resource</h2>'),
            _radios("target_type", "target-type", "Target resource type", **REDRAW_TOOL),
        ]
        if self.target_kind == "vm":
            fields.append(AzField("vm", id="target-vm", label="Virtual machine", star=True, **REDRAW_TOOL))
        fields += [
            AzField("nic", id="nic-select", label="Network interface", star=True),
            HTML('<h2 class="az-section-title" id="packet-details-title">Packet details</h2>'),
        ]
        return fields

    @property
    def helper(self):
        return helper(
            *self.target_fields(),
            _radios("protocol", "protocol", "Protocol"),
            _radios("direction", "direction", "Direction"),
            _text("local_ip", "local-ip", "Local IP address", "10.0.1.4"),
            _text("local_port", "local-port", "Local port", "0-65535"),
            _text("remote_ip", "remote-ip", "Remote IP address", "8.8.8.8"),
            _text("remote_port", "remote-port", "Remote port", "0-65535"),
        )


class NextHopForm(_TargetForm):
    """NW-10's parameters: the packet's source (one of the NIC's addresses) and destination."""

    source_ip = _ip_field()
    destination_ip = _ip_field()

    def clean(self):
        super().clean()
        self._own_ip("source_ip", "NW-10")

    @property
    def helper(self):
        return helper(
            self.nic_field(),
            _text("source_ip", "source-ip", "Source IP address", "10.0.1.4"),
            _text("destination_ip", "destination-ip", "Destination IP address", "8.8.8.8"),
        )


class ConnectionTroubleshootForm(forms.Form):
    """NW-40: a source (a VM, or, in the lab, any subnet or an AKS pod), a
    destination (a VM, or an FQDN, URI or IP address), TCP with a port or
    ICMP. Pods are "cluster / node / pod address" (snapshot.pod_choices).
    The check runs once the query string has a ``source_type``."""

    use_required_attribute = False
    source_type = forms.ChoiceField(
        choices=[("vm", "Virtual machine"), ("subnet", "Subnet (VNet Lab)"), ("pod", "AKS pod (VNet Lab)")],
        error_messages={"required": "Choose a source type.", "invalid_choice": "Choose a source type."},
        widget=DefaultRadio("vm"),
    )
    nic = forms.TypedChoiceField(
        coerce=int, required=False, error_messages={"invalid_choice": "Choose a virtual machine."}
    )
    subnet = forms.TypedChoiceField(coerce=int, required=False, error_messages={"invalid_choice": "Choose a subnet."})
    pod = forms.ChoiceField(required=False, error_messages={"invalid_choice": "Choose a pod."})
    destination_type = forms.ChoiceField(
        choices=[("vm", "Select a virtual machine"), ("manual", "Specify manually")],
        error_messages={"required": "Choose a destination.", "invalid_choice": "Choose a destination."},
        widget=DefaultRadio("manual"),
    )
    destination_nic = forms.TypedChoiceField(
        coerce=int, required=False, error_messages={"invalid_choice": "Choose a virtual machine."}
    )
    destination = forms.CharField(required=False, max_length=2048, strip=True)
    protocol = forms.ChoiceField(
        choices=[("Tcp", "TCP"), ("Icmp", "ICMP")],
        error_messages={"invalid_choice": "Choose TCP or ICMP. [NW-40]"},
        widget=DefaultRadio("Tcp"),
    )
    destination_port = _port_field(required=False)

    def __init__(
        self, query: QueryDict, *, nics: list[NetworkInterface], subnets: list, pods: list | None = None
    ) -> None:
        super().__init__(query if "source_type" in query else None)
        self.nics = {n.pk: n for n in nics}
        self.subnets = {x.pk: x for x in subnets}
        vm_choices = [("", "Select a virtual machine")] + [(n.pk, nic_label(n)) for n in nics]
        self.fields["nic"].choices = vm_choices
        self.fields["destination_nic"].choices = vm_choices
        self.fields["subnet"].choices = [("", "Select a subnet")] + [(x.pk, subnet_label(x)) for x in subnets]
        self.fields["pod"].choices = [("", "Select a pod")] + list(pods or ())

    @property
    def helper(self):
        """The tool's fields under its section titles; the page writes the
        first title (Source) and the read-only Subscription above them."""
        return helper(
            _radios("source_type", "source-type", "Source type"),
            AzField("nic", id="source-vm", label="Virtual machine"),
            AzField(
                "subnet",
                id="source-subnet",
                label="Subnet",
                help="VNet Lab only: a VM with the subnet's first address and no NIC network security group.",
            ),
            AzField(
                "pod",
                id="source-pod",
                label="Pod",
                help="VNet Lab only: a pod as cluster / node / pod address."
                " Kubenet and Azure CNI Overlay pods leave the cluster with their node's address.",
            ),
            HTML('<h2 class="az-section-title">Destination</h2>'),
            _radios("destination_type", "destination-type", "Destination", label_hidden=True),
            AzField("destination_nic", id="destination-vm", label="Virtual machine"),
            AzField(
                "destination",
                id="destination",
                label="URI, FQDN or IP address",
                placeholder="contoso-sql.database.windows.net",
                maxlength="2048",
            ),
            HTML('<h2 class="az-section-title">Probe settings</h2>'),
            _radios("protocol", "protocol", "Protocol"),
            _text("destination_port", "destination-port", "Destination port", "443 (TCP only)"),
        )

    def clean(self):
        data = super().clean()
        if data.get("source_type") == "vm" and not data.get("nic"):
            self.add_error("nic", "Choose a virtual machine. [NW-40]")
        if data.get("source_type") == "subnet" and not data.get("subnet"):
            self.add_error("subnet", "Choose a subnet.")
        if data.get("source_type") == "pod" and not data.get("pod") and "pod" not in self.errors:
            self.add_error("pod", "Choose a pod.")
        port = data.get("destination_port")
        if data.get("destination_type") == "vm":
            if not data.get("destination_nic"):
                self.add_error("destination_nic", "Choose a virtual machine. [NW-40]")
        elif data.get("destination_type") == "manual":
            host, uri_port = self._host(data.get("destination", ""))
            if host:
                data["host"] = host
                if port is None and uri_port is not None:
                    port = data["destination_port"] = uri_port
        if data.get("protocol") == "Tcp" and port is None and "destination_port" not in self.errors:
            self.add_error("destination_port", "Enter a port from 0 to 65535.")
        return data

    def _host(self, text: str) -> tuple[str, int | None]:
        """NW-40: a URI, an FQDN or an IPv4 address; the host to trace, and a URI's port."""
        if not text:
            self.add_error("destination", "Enter a URI, an FQDN or an IPv4 address.")
            return "", None
        match = URI.match(text)
        host, port = (match["host"], match["port"]) if match else (text, None)
        if port is not None and not 0 <= int(port) <= 65535:
            self.add_error("destination", "The URI's port must be from 0 to 65535.")
            return "", None
        if not HOST.match(host):
            self.add_error("destination", f"'{text}' isn't a URI, an FQDN or an IPv4 address.")
            return "", None
        return host.rstrip("."), int(port) if port is not None else None
