"""Forms of the virtual network blades: the "Create virtual network" wizard,
the "Add subnet" pane, and the drafts of the Address space and DNS servers
pages. They check shape; Azure's rules are in networking.services.vnets."""

from dataclasses import dataclass, field
from ipaddress import IPv4Network
from itertools import zip_longest

from crispy_forms.layout import HTML
from django import forms

from networking.engine import addressing
from networking.engine.topology import has_default_outbound
from networking.models import DELEGATION_CHOICES, NetworkSecurityGroup, RouteTable, VirtualNetwork
from networking.services import vnets as services
from networking.services.vnets import GATEWAY_SUBNET, MAX_DNS_SERVERS, SERVICE_ENDPOINTS
from portal.errors import AzureRuleError, rule_error
from portal.forms import MAX_ROWS as WIZARD_ROWS
from portal.forms import REVIEW, CreateWizard, Problem
from portal.inputs import parse_int
from portal.layout import RERENDER_PANE, RERENDER_WIZARD, AzField, helper, wizard_name, wizard_region
from portal.naming import validate_name

MAX_ROWS = 50  # rows of an editable list; more are dropped, never an error page
MAX_TEXT = 100  # longer than any CIDR or address


SUBNET_PURPOSES = [("", "Default"), ("1", "Virtual Network Gateway")]
# SUBNET-21 in Current: privateEndpointNetworkPolicies as its two checkboxes (NSGs, route tables).
POLICY_BOXES = {
    "Disabled": (False, False),
    "NetworkSecurityGroupEnabled": (True, False),
    "RouteTableEnabled": (False, True),
    "Enabled": (True, True),
}
POLICY_OF_BOXES = {boxes: policy for policy, boxes in POLICY_BOXES.items()}


class SubnetForm(forms.Form):
    """The "Add subnet" pane (portal-ui §3.3), also its edit form.

    NSG and route table choices are the sandbox's ones in the VNet's region;
    anything else posted is "not one of the available choices"."""

    subnet_name = forms.CharField(required=False, max_length=200, label="Name")
    subnet_prefix = forms.CharField(required=False, max_length=MAX_TEXT, label="Subnet address range")
    nat_gateway = forms.ChoiceField(required=False, choices=[("", "None")], label="NAT gateway")
    nsg = forms.ModelChoiceField(
        required=False, queryset=NetworkSecurityGroup.objects.none(), empty_label="None", label="Network security group"
    )
    route_table = forms.ModelChoiceField(
        required=False, queryset=RouteTable.objects.none(), empty_label="None", label="Route table"
    )
    service_endpoints = forms.MultipleChoiceField(
        required=False,
        choices=[(s, s) for s in SERVICE_ENDPOINTS],
        label="Services",
        widget=forms.CheckboxSelectMultiple,
    )
    delegation = forms.ChoiceField(required=False, choices=DELEGATION_CHOICES, label="Delegate subnet to a service")
    private_endpoint_network_policies = forms.ChoiceField(required=False, label="Network policy for private endpoints")

    def __init__(self, vnet: VirtualNetwork, *args, gateway: bool = False, purpose: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.vnet = vnet
        self.gateway = gateway
        if purpose:
            # portal-ui §3.3 [newer]: the pane's "Subnet purpose", posted as "+ Gateway subnet"'s gateway=1.
            self.fields["gateway"] = forms.ChoiceField(
                required=False, choices=SUBNET_PURPOSES, initial="1" if gateway else "", label="Subnet purpose"
            )
        in_region = {"sandbox_id": vnet.sandbox_id, "location": vnet.location}
        self.fields["nsg"].queryset = NetworkSecurityGroup.objects.filter(**in_region).order_by("name")
        self.fields["route_table"].queryset = RouteTable.objects.filter(**in_region).order_by("name")
        self.fields["private_endpoint_network_policies"].choices = list(
            vnet.sandbox.rules.private_endpoint_policy_choices
        )
        if vnet.sandbox.rules.private_subnet_option:
            # DOA-03: checked is defaultOutboundAccess false; unset, the era's default (Current: private).
            self.fields["private_subnet"] = forms.BooleanField(
                required=False, label="Enable private subnet (no default outbound access)"
            )
            outbound = self.initial.get("default_outbound_access")
            self.initial["private_subnet"] = not has_default_outbound(vnet.sandbox.era, outbound)
        self.policy_boxes = vnet.sandbox.rules.pe_policy_checkboxes
        if self.policy_boxes:
            self.fields["pe_policy_nsg"] = forms.BooleanField(required=False, label="Network security groups")
            self.fields["pe_policy_rt"] = forms.BooleanField(required=False, label="Route tables")
            policy = self.initial.get("private_endpoint_network_policies") or "Disabled"
            self.initial["pe_policy_nsg"], self.initial["pe_policy_rt"] = POLICY_BOXES.get(policy, (False, False))

    @property
    def helper(self):
        """The pane's fields (portal-ui §3.3); their help names the VNet's
        free ranges and the era's rules, so it lives in the pane template."""
        pane = "networking/subnet_pane.html#"
        purpose = [AzField("gateway", id="subnet-purpose", **RERENDER_PANE)] if "gateway" in self.fields else []
        return helper(
            *purpose,
            AzField(
                "subnet_name",
                id="subnet-name",
                star=True,
                readonly=self.gateway or "subnet",
                help="A virtual network gateway needs a subnet named GatewaySubnet." if self.gateway else "",
            ),
            AzField(
                "subnet_prefix",
                id="subnet-prefix",
                star=True,
                placeholder="e.g. 10.0.4.0/24",
                help_template=pane + "prefix-help",
            ),
            *self._private_subnet_fields(pane + "private-subnet-help"),
            AzField("nat_gateway", id="nat-gateway"),
            AzField("nsg", id="subnet-nsg", help_template=pane + "nsg-help"),
            AzField("route_table", id="subnet-route-table", help_template=pane + "route-table-help"),
            HTML('<h3 class="az-section-title">SERVICE ENDPOINTS</h3>'),
            AzField(
                "service_endpoints",
                id="service-endpoints",
                option_prefix="se",
                legend_template=pane + "endpoint-count",
                help_template=pane + "endpoints-help",
            ),
            HTML('<h3 class="az-section-title">SUBNET DELEGATION</h3>'),
            AzField("delegation", id="subnet-delegation", help_template=pane + "delegation-help"),
            HTML('<h3 class="az-section-title">NETWORK POLICY FOR PRIVATE ENDPOINTS</h3>'),
            *self._policy_fields(pane + "policies-help"),
        )

    def _private_subnet_fields(self, help_template: str) -> list:
        """Current's "Enable private subnet" checkbox (DOA-03); the hidden
        field tells the post that it was drawn (an unchecked box posts nothing)."""
        if "private_subnet" not in self.fields:
            return []
        return [
            HTML('<input type="hidden" name="private_subnet_box" value="1">'),
            AzField("private_subnet", id="subnet-private", help_template=help_template),
        ]

    def _policy_fields(self, help_template: str) -> list:
        """SUBNET-21: the dropdown (Classic), or Current's two checkboxes; the
        hidden field tells the post that the checkboxes were drawn."""
        if not self.policy_boxes:
            return [AzField("private_endpoint_network_policies", id="subnet-pe-policies", help_template=help_template)]
        return [
            HTML('<input type="hidden" name="pe_policy_boxes" value="1">'),
            AzField("pe_policy_nsg", id="subnet-pe-policy-nsg"),
            AzField("pe_policy_rt", id="subnet-pe-policy-rt", help_template=help_template),
        ]

    def clean(self) -> dict:
        data = super().clean()
        if self.policy_boxes and self.data.get("pe_policy_boxes"):
            boxes = (bool(data.get("pe_policy_nsg")), bool(data.get("pe_policy_rt")))
            data["private_endpoint_network_policies"] = POLICY_OF_BOXES[boxes]
        return data

    def clean_subnet_name(self) -> str:
        # "+ Gateway subnet" fixes the name (portal-ui §3.3).
        return GATEWAY_SUBNET if self.gateway else self.cleaned_data["subnet_name"]

    def clean_private_endpoint_network_policies(self) -> str:
        return self.cleaned_data["private_endpoint_network_policies"] or "Disabled"

    def problems(self) -> dict[str, Problem]:
        return {name: Problem(str(errors[0])) for name, errors in self.errors.items()}

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "nsg": data["nsg"],
            "route_table": data["route_table"],
            "service_endpoints": data["service_endpoints"],
            "delegation": data["delegation"],
            "private_endpoint_network_policies": data["private_endpoint_network_policies"],
            "default_outbound_access": self._default_outbound_access(),
        }

    def _default_outbound_access(self) -> bool | None:
        """DOA-03: False for a private subnet, True without; None when the
        pane had no checkbox (Classic), which leaves the subnet's setting."""
        if "private_subnet" not in self.fields or not self.data.get("private_subnet_box"):
            return None
        return not self.cleaned_data["private_subnet"]


def _rows(values: list[str]) -> list[str]:
    return [v if isinstance(v, str) else "" for v in values][:MAX_ROWS]


@dataclass
class ListDraft:
    """An editable list as the page holds it before Save: the rows, and the
    problem of each row (``<prefix>_<i>``) or of the whole list (``<prefix>``)."""

    rows: list[str]
    problems: dict[str, Problem] = field(default_factory=dict)

    def rows_with_problems(self, prefix: str) -> list[dict]:
        return [
            {"index": i, "value": v, "problem": self.problems.get(f"{prefix}_{i}")} for i, v in enumerate(self.rows)
        ]


class RowsField(forms.Field):
    """An editable list's rows: one name posted once per row."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value) -> list[str]:
        return _rows(list(value or []))


class ListEditForm(forms.Form):
    """A request of an editable list page (Address space, DNS servers): the
    rows (the field named ``rows_field``), the row a trash button removes,
    and the action (``save``, or a change of the draft only)."""

    rows_field = ""
    # Any text at all (a CharField would refuse a NUL): only "save" and a row's index mean something.
    action = forms.Field(required=False)
    remove = forms.Field(required=False)

    @property
    def saving(self) -> bool:
        return self.cleaned_data.get("action") == "save"

    def draft(self) -> ListDraft:
        """The posted rows; "remove" drops one. A row too long to be an
        address is kept but flagged, never echoed back whole."""
        rows = self.cleaned_data.get(self.rows_field) or []
        remove = self.cleaned_data.get("remove") or ""
        if remove.isdigit():
            rows = [r for i, r in enumerate(rows) if str(i) != remove]
        draft = ListDraft(rows=[r.strip() for r in rows])
        for i, row in enumerate(draft.rows):
            if len(row) > MAX_TEXT:
                draft.rows[i] = row[:MAX_TEXT]
                draft.problems[f"{self.rows_field}_{i}"] = Problem("The value is too long to be valid.")
        return draft


class AddressSpaceForm(ListEditForm):
    """Address space (VNET-03): the ranges, each an ``address_space`` row."""

    rows_field = "address_space"
    address_space = RowsField()


DNS_MODES = [("default", "Default (Azure-provided)"), ("custom", "Custom")]


class DnsServersForm(ListEditForm):
    """DNS servers (VNET-07): Default (Azure-provided) or Custom, and the
    custom list. A mode other than "custom" reads as the default."""

    rows_field = "dns_server"
    dns_mode = forms.ChoiceField(choices=DNS_MODES, initial="default", label="DNS servers", widget=forms.RadioSelect)
    dns_server = RowsField()

    def __init__(self, data=None, **kwargs) -> None:
        if data is not None:
            data = data.copy()
            data["dns_mode"] = "custom" if data.get("dns_mode") == "custom" else "default"
        super().__init__(data, **kwargs)

    @property
    def helper(self):
        """The mode; changing it re-renders the section with the draft."""
        return helper(
            AzField(
                "dns_mode",
                id="dns-mode",
                option_prefix="dns",
                **{
                    "hx-post": "{{ urls.dns }}",
                    "hx-trigger": "change",
                    "hx-target": "#dns-servers",
                    "hx-swap": "outerHTML",
                    "hx-include": "closest form",
                },
            )
        )

    @property
    def mode(self) -> str:
        return self["dns_mode"].value()


__all__ = ["MAX_DNS_SERVERS", "AddressSpaceForm", "DnsServersForm", "ListDraft", "SubnetForm"]


# portal-ui §3.1 [newer]: the address space editor's sizes ("/16 (65,536 addresses)").
SPACE_SIZES = range(8, addressing.SMALLEST_SUBNET_PREFIX + 1)

# portal-ui §3.1 [newer]: Security's sections: field, (box label, heading, text, element id).
SECURITY_SERVICES = {
    "enable_bastion": (
        "Enable Azure Bastion",
        "Azure Bastion",
        "Azure Bastion is a paid service that provides secure RDP and SSH connectivity to your virtual machines over TLS.",
        "enable-bastion",
    ),
    "enable_firewall": (
        "Enable Azure Firewall",
        "Azure Firewall",
        "Azure Firewall is a managed, cloud-based network security service that protects your virtual network resources.",
        "enable-firewall",
    ),
    "enable_ddos": (
        "Enable Azure DDoS Network Protection",
        "Azure DDoS Network Protection",
        "Azure DDoS Network Protection, combined with application design best practices, defends against DDoS attacks.",
        "enable-ddos",
    ),
}


def size_label(prefix: int) -> str:
    """A size as the newer editor lists it: "/16 (65,536 addresses)"."""
    return f"/{prefix} ({2 ** (32 - prefix):,} addresses)"


def _range(network) -> str:
    return f"{network.network_address} - {network.broadcast_address}" if network is not None else ""


def _home(network, spaces: list) -> int | None:
    """The space a subnet is listed under: the one holding it, else one it
    overlaps, else the first (its refusal shows there); None without a space."""
    if not spaces:
        return None
    if network is not None:
        for test in ("subnet_of", "overlaps"):
            for i, space in enumerate(spaces):
                if space is not None and space.version == network.version and getattr(network, test)(space):
                    return i
    return 0 if spaces[0] is not None else None



class VirtualNetworkWizard(CreateWizard):
    """Portal "Create virtual network" (portal-ui §3): Basics, IP Addresses,
    Security, Review + create."""

    kind = "virtualnetwork"
    title = "Create virtual network"
    product = "Microsoft.VirtualNetwork"
    wizard_template = "networking/create_virtualnetwork.html"
    tabs = (
        ("basics", "Basics"),
        ("ipaddresses", "IP Addresses"),
        ("security", "Security"),
        (REVIEW, "Review + create"),
    )
    field_tabs = {
        "address_space": "ipaddresses",
        "subnet_name": "ipaddresses",
        "subnet_prefix": "ipaddresses",
        # The Current era's address space editor and subnet editor.
        "space_start": "ipaddresses",
        **{f"editor_{name}": "ipaddresses" for name in ("purpose", "name", "start", "size")},
    }
    name_kind = "vnet"

    DEFAULT_SPACE = "10.0.0.0/16"
    DEFAULT_SUBNET = ("default", "10.0.0.0/24")

    @property
    def helper(self):
        """Basics; the address space and subnet grids are rows of their own."""
        return helper(wizard_name(), wizard_region(), rows=True)

    # portal-ui §3.1 [newer]: Security comes before "IP addresses".
    SECURITY_FIRST_TABS = (
        ("basics", "Basics"),
        ("security", "Security"),
        ("ipaddresses", "IP addresses"),
        (REVIEW, "Review + create"),
    )

    def __init__(self, sandbox, data=None):
        if sandbox.rules.vnet_security_tab_first:
            self.tabs = self.SECURITY_FIRST_TABS
        super().__init__(sandbox, data)
        # portal-ui §3.1 [newer]: spaces as "Starting address" + size, the subnet editor.
        self.space_editor = sandbox.rules.vnet_space_editor
        self.space_field = "space_start" if self.space_editor else "address_space"
        self.editor_problems: dict[str, Problem] = {}
        if self.space_editor:
            self._add_editor_fields()
        if self.is_bound:
            if self.space_editor:
                spaces = zip_longest(data.getlist("space_start"), data.getlist("space_size"), fillvalue="")
                self.address_space = [f"{a.strip()}/{z.strip()}" for a, z in spaces if a.strip()][:WIZARD_ROWS]
            else:
                self.address_space = [p.strip() for p in data.getlist("address_space") if p.strip()][:WIZARD_ROWS]
            rows = zip_longest(data.getlist("subnet_name"), data.getlist("subnet_prefix"), fillvalue="")
            self.subnets = [(n.strip(), p.strip()) for n, p in rows if n.strip() or p.strip()][:WIZARD_ROWS]
            if self.editing is not None and self.editor_gateway:
                # The gateway's purpose shows the name it fixes.
                self.data = self.data.copy()
                self.data["editor_name"] = GATEWAY_SUBNET
        else:
            self.address_space = [self.DEFAULT_SPACE]
            self.subnets = [self.DEFAULT_SUBNET]

    def _add_editor_fields(self) -> None:
        """The subnet editor's fields and the Security tab's checkboxes (Current).
        The editor is a draft: its text is judged when "Add"/"Save" is pressed,
        never by Review + create, so nothing here refuses a value itself."""
        self.fields["editor_purpose"] = forms.CharField(
            required=False, label="Subnet purpose", widget=forms.Select(choices=SUBNET_PURPOSES)
        )
        self.fields["editor_name"] = forms.CharField(required=False, label="Name")
        self.fields["editor_start"] = forms.CharField(required=False, label="Starting address")
        self.fields["editor_size"] = forms.CharField(
            required=False, label="Subnet size", widget=forms.Select(choices=self.subnet_size_choices)
        )
        # Services VNet Lab doesn't simulate: drawn as Azure draws them, never on.
        for name in SECURITY_SERVICES:
            self.fields[name] = forms.BooleanField(required=False, disabled=True, label=SECURITY_SERVICES[name][0])

    @property
    def subnet_size_choices(self) -> list[tuple[str, str]]:
        """SUBNET-03: the era's largest subnet to /29."""
        largest = self.sandbox.rules.largest_subnet_prefix
        return [(str(n), size_label(n)) for n in range(largest, addressing.SMALLEST_SUBNET_PREFIX + 1)]

    def step(self, action: str, goto: str = ""):
        created = super().step(action, goto)
        # The subnet editor's refusal outlives a re-check of the reviewed wizard.
        self.problems.update(self.editor_problems)
        return created

    def edit(self, action: str) -> None:
        super().edit(action)
        if self.space_editor:
            self._edit_spaces(action)
        elif action == "add_subnet" and len(self.subnets) < WIZARD_ROWS:
            self.subnets.append((f"subnet{len(self.subnets) + 1}", self._suggest_subnet()))
        elif action.startswith("remove_subnet:"):
            self.subnets = [row for i, row in enumerate(self.subnets) if f"remove_subnet:{i}" != action]
        elif action.startswith("remove_space:"):
            self.address_space = [p for i, p in enumerate(self.address_space) if f"remove_space:{i}" != action]

    # --- the Current era's address space editor and subnet editor ---------

    def _edit_spaces(self, action: str) -> None:
        command, _, arg = action.partition(":")
        index = parse_int(arg)
        if command == "add_space" and len(self.address_space) < WIZARD_ROWS:
            self._set_spaces([*self.address_space, self._suggest_space()])
        elif command == "remove_space" and index is not None and index < len(self.address_space):
            # Deleting an address space deletes the subnets listed under it.
            dropped = {row["index"] for row in self.space_rows[index]["subnets"]}
            self.subnets = [row for i, row in enumerate(self.subnets) if i not in dropped]
            self._set_spaces([p for i, p in enumerate(self.address_space) if i != index])
        elif command == "remove_subnet" and index is not None:
            self.subnets = [row for i, row in enumerate(self.subnets) if i != index]
        elif command == "add_subnet":
            self._open_editor("new", *self._suggest_in_space(index or 0))
        elif command == "edit_subnet" and index is not None and index < len(self.subnets):
            name, prefix = self.subnets[index]
            start, _, size = prefix.partition("/")
            self._open_editor(str(index), name, start, size, purpose="1" if name == GATEWAY_SUBNET else "")
        elif command == "save_subnet" and self.editing is not None:
            self._save_subnet()
        elif command == "cancel_subnet":
            self._open_editor("", "", "", "")

    def _set_spaces(self, prefixes: list[str]) -> None:
        """Redraw the spaces from ``prefixes`` (the form's data holds them as start and size)."""
        self.address_space = prefixes
        data = self.data.copy()
        parts = [p.partition("/") for p in prefixes]
        data.setlist("space_start", [start for start, _, _ in parts])
        data.setlist("space_size", [size for _, _, size in parts])
        self.data = data

    def _open_editor(self, editing: str, name: str, start: str, size: str, purpose: str = "") -> None:
        """Open the subnet editor on ``editing`` ("new" or a row's index) with its
        fields filled, or close it (``editing`` "")."""
        data = self.data.copy()
        values = {"subnet_editor": editing, "editor_purpose": purpose, "editor_name": name}
        values |= {"editor_start": start, "editor_size": size or "24"}
        for key, value in values.items():
            data[key] = value
        self.data = data

    @property
    def editing(self) -> str | None:
        """The subnet editor's state: None (closed), "new", or the index of the row it edits."""
        if not self.space_editor or not self.is_bound:
            return None
        value = self.data.get("subnet_editor", "")
        value = value if isinstance(value, str) else ""
        if value == "new" or (parse_int(value, hi=len(self.subnets) - 1) is not None):
            return value
        return None

    @property
    def editor_gateway(self) -> bool:
        """"Subnet purpose" Virtual Network Gateway fixes the name (portal-ui §3.3 [newer])."""
        return self.value("editor_purpose") == "1"

    def _save_subnet(self) -> None:
        """The subnet editor's "Add" / "Save": the Classic grid's rules (NAMING-03,
        SUBNET-03, SUBNET-05), each refusal on the editor's field."""
        problems: dict[str, Problem] = {}
        index = None if self.editing == "new" else int(self.editing)
        others = [row for i, row in enumerate(self.subnets) if i != index]
        name = GATEWAY_SUBNET if self.editor_gateway else self.value("editor_name").strip()
        size = self.value("editor_size").strip()
        prefix = ""
        try:
            name = validate_name("subnet", name, field="editor_name")
            if any(n.lower() == name.lower() for n, _ in others):
                raise rule_error(
                    f"A subnet named '{name}' already exists in this virtual network.", "NAMING-03", field="editor_name"
                )
        except AzureRuleError as exc:
            problems["editor_name"] = Problem.of(exc)
        if size not in dict(self.subnet_size_choices):
            problems["editor_size"] = Problem("Select a subnet size.")
        else:
            try:
                prefix = services.validate_subnet_prefix(
                    self.value("name").strip() or "the virtual network",
                    [str(n) for n in self._parsed(self.address_space) if n],
                    [(n, str(c)) for (n, _), c in zip(others, self._parsed(p for _, p in others), strict=True) if c],
                    f"{self.value('editor_start').strip()}/{size}",
                    largest_prefix=self.sandbox.rules.largest_subnet_prefix,
                    field="editor_start",
                )
            except AzureRuleError as exc:
                problems["editor_start"] = Problem.of(exc)
        self.editor_problems = problems
        if problems:
            return
        if index is None:
            self.subnets = [*self.subnets, (name, prefix)][:WIZARD_ROWS]
        else:
            self.subnets[index] = (name, prefix)
        self._open_editor("", "", "", "")

    @staticmethod
    def _parsed(prefixes) -> list[IPv4Network | None]:
        parsed = []
        for text in prefixes:
            try:
                parsed.append(addressing.parse_cidr(text))
            except addressing.AddressError:
                parsed.append(None)
        return parsed

    def _suggest_space(self) -> str:
        """The next /16 of 10.0.0.0/8 clear of the spaces, as "Add an IP address space" pre-fills it."""
        taken = [n for n in self._parsed(self.address_space) if n]
        for candidate in IPv4Network("10.0.0.0/8").subnets(new_prefix=16):
            if not any(n.version == 4 and n.overlaps(candidate) for n in taken):
                return str(candidate)
        return "/16"

    def _suggest_in_space(self, index: int) -> tuple[str, str, str]:
        """The editor's pre-filled name, starting address and size: the next free /24 of the space."""
        name = f"subnet-{len(self.subnets) + 1}"
        spaces = self._parsed(self.address_space)
        space = spaces[index] if index < len(spaces) else None
        if space is None or space.version != 4:
            return name, "", "24"
        used = [str(n) for n in self._parsed(p for _, p in self.subnets) if n]
        block = addressing.suggest_subnet([str(space)], used, max(24, space.prefixlen))
        return name, str((block or space).network_address), str(block.prefixlen if block else 24)

    def _orphan_indexes(self) -> set[int]:
        placed = {r["index"] for row in self.space_rows for r in row["subnets"]}
        return {i for i in range(len(self.subnets)) if i not in placed}

    @property
    def subnet_editor_helper(self):
        """The subnet editor (portal-ui §3.1 [newer]): purpose, name, start, size."""
        return helper(
            AzField("editor_purpose", id="subnet-purpose", **RERENDER_WIZARD),
            AzField(
                "editor_name",
                id="subnet-name",
                star=True,
                readonly=self.editor_gateway,
                help="A virtual network gateway needs a subnet named GatewaySubnet." if self.editor_gateway else "",
            ),
            AzField("editor_start", id="subnet-start", star=True, placeholder="e.g. 10.0.1.0"),
            AzField(
                "editor_size",
                id="subnet-size",
                star=True,
                help=f"From /{self.sandbox.rules.largest_subnet_prefix} to /29; Azure reserves 5 addresses in every subnet.",
                rule="SUBNET-01, SUBNET-03",
            ),
        )

    @property
    def security_helper(self):
        """Current's Security tab: each service's section and its "Enable ..." box."""
        parts = []
        for name, (_, heading, text, element_id) in SECURITY_SERVICES.items():
            parts += [
                HTML(f'<h2 class="az-wizard-section">{heading}</h2><p class="az-field-help">{text}</p>'),
                AzField(name, id=element_id, balloon=f"VNet Lab doesn't simulate {heading}.", disabled=True),
            ]
        return helper(*parts)

    def _suggest_subnet(self) -> str:
        """The next free /24 of the address space, as the "Add subnet" pane pre-fills it."""
        try:
            space = [str(addressing.parse_cidr(p)) for p in self.address_space]
            used = [str(addressing.parse_cidr(p)) for _, p in self.subnets]
            block = addressing.suggest_subnet(space, used, 24)
        except (addressing.AddressError, ValueError, TypeError):
            return ""
        return str(block) if block else ""

    def check_rules(self, problems, attempt) -> None:
        name = attempt("name", validate_name, "vnet", self.value("name"))
        if (
            name
            and self.target_rg
            and VirtualNetwork.objects.filter(resource_group=self.target_rg, name__iexact=name).exists()
        ):
            problems["name"] = Problem.of(
                rule_error(
                    f"A virtual network named '{name}' already exists in resource group '{self.target_rg.name}'.",
                    "NAMING-02",
                )
            )
        if "region" not in problems:
            attempt("region", services.check_vnet_limit, self.subscription_obj, self.value("region"))
        # Each range on its own row first (VNET-02), then the list together (overlaps).
        row_field = self.space_field
        for i, prefix in enumerate(self.address_space):
            attempt(f"{row_field}_{i}", services.validate_address_space, [prefix], field=f"{row_field}_{i}")
        space = None
        if not any(f.startswith(row_field) for f in problems):
            space = attempt("address_space", services.validate_address_space, self.address_space)
        seen: list[str] = []
        accepted: list[tuple[str, str]] = []
        largest = self.sandbox.rules.largest_subnet_prefix
        for i, (sub_name, prefix) in enumerate(self.subnets):
            sub = attempt(f"subnet_name_{i}", validate_name, "subnet", sub_name, field=f"subnet_name_{i}")
            if sub and sub.lower() in seen:
                problems[f"subnet_name_{i}"] = Problem.of(
                    rule_error(f"A subnet named '{sub}' is listed twice.", "NAMING-03")
                )
            if sub:
                seen.append(sub.lower())
            if space is None:
                # Without a valid address space only the prefix itself can be judged.
                attempt(f"subnet_prefix_{i}", services.parse_prefix, prefix, f"subnet_prefix_{i}")
                continue
            cidr = attempt(
                f"subnet_prefix_{i}",
                services.validate_subnet_prefix,
                name or "the virtual network",
                space,
                accepted,
                prefix,
                largest_prefix=largest,
                field=f"subnet_prefix_{i}",
            )
            if cidr:
                accepted.append((sub or f"subnet {i + 1}", cidr))

    @property
    def space_warning(self) -> str:
        """VNET-01: ranges outside RFC 1918 / RFC 6598 are allowed, with a warning."""
        outside = []
        for text in self.address_space:
            try:
                network = addressing.parse_cidr(text)
            except addressing.AddressError:
                continue
            private = (*addressing.RFC1918, addressing.RFC6598)
            if network.version == 4 and not any(network.subnet_of(block) for block in private):
                outside.append(str(network))
        return ", ".join(outside)

    @property
    def subnet_rows(self) -> list[dict]:
        return [
            {
                "index": i,
                "name": n,
                "prefix": p,
                "name_problem": self.problems.get(f"subnet_name_{i}"),
                "prefix_problem": self.problems.get(f"subnet_prefix_{i}"),
            }
            for i, (n, p) in enumerate(self.subnets)
        ]

    @property
    def space_rows(self) -> list[dict]:
        """Each address space; with the editor, its start, size and the subnets under it."""
        spaces = self._parsed(self.address_space)
        rows = [
            {
                "index": i,
                "prefix": p,
                "start": p.partition("/")[0],
                "size": p.partition("/")[2],
                "size_choices": self._space_size_choices(p.partition("/")[2]),
                "range": _range(spaces[i]),
                "problem": self.problems.get(f"{self.space_field}_{i}"),
                "subnets": [],
            }
            for i, p in enumerate(self.address_space)
        ]
        if not self.space_editor:
            return rows
        for row, network in zip(self.subnet_rows, self._parsed(p for _, p in self.subnets), strict=True):
            home = _home(network, spaces)
            if home is not None:
                row.update(range=_range(network), size=size_label(network.prefixlen) if network else "")
                rows[home]["subnets"].append(row)
        return rows

    @property
    def orphan_subnet_rows(self) -> list[dict]:
        """Subnets under no address space (every space was refused)."""
        orphans = self._orphan_indexes()
        return [row for row in self.subnet_rows if row["index"] in orphans]

    @staticmethod
    def _space_size_choices(size: str) -> list[tuple[str, str]]:
        choices = [(str(n), size_label(n)) for n in SPACE_SIZES]
        if size and size not in dict(choices):
            choices.insert(0, (size, f"/{size}"))
        return choices

    def create(self, rg):
        return services.create_vnet(
            rg,
            name=self.cleaned_data["name"],
            location=self.cleaned_data["region"],
            address_space=self.address_space,
            subnets=self.subnets,
        )

    def extra_summary(self):
        rows = [("Address space", ", ".join(self.address_space) or "None")]
        rows += [(f"Subnet '{n}'", p) for n, p in self.subnets] or [("Subnets", "None")]
        if self.space_editor:
            security = [(heading, "Disabled") for _, heading, _, _ in SECURITY_SERVICES.values()]
        else:
            security = [("BastionHost", "Disabled"), ("DDoS Protection Standard", "Disabled"), ("Firewall", "Disabled")]
        return [("IP addresses", rows), ("Security", security)]
