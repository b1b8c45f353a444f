"""Forms of the virtual network blades: the "Add subnet" pane, and the
drafts of the Address space and DNS servers pages. They check shape only;
Azure's rules are in networking.services.vnets."""

from dataclasses import dataclass, field

from crispy_forms.layout import HTML
from django import forms

from networking.models import DELEGATION_CHOICES, NetworkSecurityGroup, RouteTable, VirtualNetwork
from networking.services.vnets import GATEWAY_SUBNET, MAX_DNS_SERVERS, SERVICE_ENDPOINTS
from portal.forms import Problem
from portal.layout import AzField, helper

MAX_ROWS = 50  # rows of an editable list; more are dropped, never an error page
MAX_TEXT = 100  # longer than any CIDR or address


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

    def __init__(self, vnet: VirtualNetwork, *args, gateway: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.vnet = vnet
        self.gateway = gateway
        in_region = {"sandbox_id": vnet.sandbox_id, "location": vnet.location}
        self.fields["nsg"].queryset = NetworkSecurityGroup.objects.filter(**in_region).order_by("name")
        self.fields["route_table"].queryset = RouteTable.objects.filter(**in_region).order_by("name")
        self.fields["private_endpoint_network_policies"].choices = list(
            vnet.sandbox.rules.private_endpoint_policy_choices
        )

    @property
    def helper(self):
        """The pane's fields (portal-ui §3.3); their help names the VNet's
        free ranges and the era's rules, so it lives in the pane template."""
        pane = "networking/subnet_pane.html#"
        return helper(
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
            AzField("private_endpoint_network_policies", id="subnet-pe-policies", help_template=pane + "policies-help"),
        )

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
        }


def _rows(values: list[str]) -> list[str]:
    return [v if isinstance(v, str) else "" for v in values][:MAX_ROWS]


@dataclass
class ListDraft:
    """An editable list as the page holds it before Save: the rows, and the
    problem of each row (``<prefix>_<i>``) or of the whole list (``<prefix>``)."""

    rows: list[str]
    problems: dict[str, Problem] = field(default_factory=dict)

    @classmethod
    def from_post(cls, data, name: str, prefix: str) -> "ListDraft":
        """The posted rows; "remove" drops one. A row too long to be an
        address is kept but flagged, never echoed back whole."""
        rows = _rows(data.getlist(name))
        remove = data.get("remove", "")
        if remove.isdigit():
            rows = [r for i, r in enumerate(rows) if str(i) != remove]
        draft = cls(rows=[r.strip() for r in rows])
        for i, row in enumerate(draft.rows):
            if len(row) > MAX_TEXT:
                draft.rows[i] = row[:MAX_TEXT]
                draft.problems[f"{prefix}_{i}"] = Problem("The value is too long to be valid.")
        return draft

    def rows_with_problems(self, prefix: str) -> list[dict]:
        return [
            {"index": i, "value": v, "problem": self.problems.get(f"{prefix}_{i}")} for i, v in enumerate(self.rows)
        ]


def dns_mode(data) -> str:
    """ "default" (Default (Azure-provided)) or "custom"; anything else reads as default."""
    return "custom" if data.get("dns_mode") == "custom" else "default"


__all__ = ["MAX_DNS_SERVERS", "ListDraft", "SubnetForm", "dns_mode"]
