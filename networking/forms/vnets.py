"""Forms of the virtual network blades: the "Create virtual network" wizard,
the "Add subnet" pane, and the drafts of the Address space and DNS servers
pages. They check shape; Azure's rules are in networking.services.vnets."""

from dataclasses import dataclass, field
from itertools import zip_longest

from crispy_forms.layout import HTML
from django import forms

from networking.engine import addressing
from networking.engine.topology import has_default_outbound
from networking.models import DELEGATION_CHOICES, NetworkSecurityGroup, RouteTable, VirtualNetwork
from networking.services import vnets as services
from networking.services.vnets import GATEWAY_SUBNET, MAX_DNS_SERVERS, SERVICE_ENDPOINTS
from portal.errors import rule_error
from portal.forms import MAX_ROWS as WIZARD_ROWS
from portal.forms import REVIEW, CreateWizard, Problem
from portal.layout import RERENDER_PANE, AzField, helper, wizard_name, wizard_region
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
    field_tabs = {"address_space": "ipaddresses", "subnet_name": "ipaddresses", "subnet_prefix": "ipaddresses"}
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
        if self.is_bound:
            self.address_space = [p.strip() for p in data.getlist("address_space") if p.strip()][:WIZARD_ROWS]
            rows = zip_longest(data.getlist("subnet_name"), data.getlist("subnet_prefix"), fillvalue="")
            self.subnets = [(n.strip(), p.strip()) for n, p in rows if n.strip() or p.strip()][:WIZARD_ROWS]
        else:
            self.address_space = [self.DEFAULT_SPACE]
            self.subnets = [self.DEFAULT_SUBNET]

    def edit(self, action: str) -> None:
        super().edit(action)
        if action == "add_subnet" and len(self.subnets) < WIZARD_ROWS:
            self.subnets.append((f"subnet{len(self.subnets) + 1}", self._suggest_subnet()))
        elif action.startswith("remove_subnet:"):
            self.subnets = [row for i, row in enumerate(self.subnets) if f"remove_subnet:{i}" != action]
        elif action.startswith("remove_space:"):
            self.address_space = [p for i, p in enumerate(self.address_space) if f"remove_space:{i}" != action]

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
        for i, prefix in enumerate(self.address_space):
            attempt(f"address_space_{i}", services.validate_address_space, [prefix], field=f"address_space_{i}")
        space = None
        if not any(f.startswith("address_space") for f in problems):
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
        return [
            {"index": i, "prefix": p, "problem": self.problems.get(f"address_space_{i}")}
            for i, p in enumerate(self.address_space)
        ]

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
        security = [("BastionHost", "Disabled"), ("DDoS Protection Standard", "Disabled"), ("Firewall", "Disabled")]
        return [("IP addresses", rows), ("Security", security)]
