"""Forms of the route table blades: the create wizard and the "Add route"
pane. Field shape only; Azure's rules are the service's."""

from __future__ import annotations

from crispy_forms.layout import HTML
from django import forms

from networking.engine.rules import SERVICE_TAGS
from networking.models import Route
from networking.services import routes as services
from portal.forms import REVIEW, CreateWizard, Problem
from portal.layout import RERENDER_PANE, AzField, helper, wizard_name, wizard_region

YES_NO = [("Yes", "Yes"), ("No", "No")]


class RouteTableWizard(CreateWizard):
    """Portal "Create route table" (portal-ui §5) with "Propagate gateway routes" (ROUTE-26)."""

    kind = "routetable"
    title = "Create route table"
    product = "Microsoft.RouteTable"
    tabs = (("basics", "Basics"), (REVIEW, "Review + create"))
    name_kind = "route_table"

    propagate = forms.ChoiceField(
        choices=YES_NO, initial="Yes", label="Propagate gateway routes", widget=forms.RadioSelect
    )

    @property
    def helper(self):
        return helper(wizard_region(), wizard_name(), AzField("propagate", id="propagate"), rows=True)

    def check_rules(self, problems, attempt) -> None:
        name = attempt("name", services.validate_route_table_name, self.value("name"))
        if name:
            attempt("name", services.check_route_table_name_free, self.target_rg, name)
        if "region" not in problems:
            attempt("name", services.check_route_table_limit, self.sandbox, self.value("region"))

    def create(self, rg):
        return services.create_route_table(
            rg,
            name=self.cleaned_data["name"],
            location=self.cleaned_data["region"],
            propagate=self.cleaned_data["propagate"] == "Yes",
        )

    def instance_summary(self):
        return [
            ("Region", self.region_label),
            ("Name", self.value("name")),
            ("Propagate gateway routes", self.value("propagate")),
        ]


NEXT_HOP_CHOICES = Route.NEXT_HOP_TYPES
DESTINATION_KINDS = [("IPAddresses", "IP Addresses"), ("ServiceTag", "Service Tag")]


class RouteForm(forms.Form):
    """The "Add route" pane (2021): next hop type stays free text so that an
    unknown or system-only hop gets ERR-29 (ROUTE-21, ROUTE-22)."""

    name = forms.CharField(required=False, max_length=200, label="Route name")
    address_prefix = forms.CharField(required=False, max_length=200, label="Address prefix")
    next_hop_type = forms.CharField(
        required=False,
        max_length=40,
        initial="VirtualNetworkGateway",
        label="Next hop type",
        widget=forms.Select(choices=NEXT_HOP_CHOICES),
    )
    next_hop_ip = forms.CharField(required=False, max_length=100, label="Next hop address")
    # portal-ui §5 [newer]: what "Address prefix" holds, asked first.
    destination_kind = forms.ChoiceField(
        required=False, choices=DESTINATION_KINDS, initial="IPAddresses", label="Address prefix destination"
    )

    def __init__(self, *args, ip_refused: bool = False, destination_kind: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A refused address stays on the pane even after the hop type changed, so its message shows.
        self.ip_refused = ip_refused
        self.asks_destination_kind = destination_kind
        if destination_kind and self["destination_kind"].value() == "ServiceTag":
            self.fields["address_prefix"].label = "Destination Service Tag"
            self.fields["address_prefix"].widget = forms.Select(choices=[(tag, tag) for tag in SERVICE_TAGS])
        elif destination_kind:
            self.fields["address_prefix"].label = "Destination IP addresses/CIDR ranges"

    @property
    def prefix_help(self) -> str:
        if not self.asks_destination_kind:
            return "A CIDR block (10.1.0.0/16), or a service tag such as Storage (at most 25 service-tag routes)."
        if self["destination_kind"].value() == "ServiceTag":
            return "At most 25 service-tag routes per route table."
        return "A CIDR block, such as 10.1.0.0/16."

    @property
    def helper(self):
        """The pane's fields (portal-ui §5): "Next hop address" only for a
        virtual appliance (ROUTE-21); changing the hop type re-renders it."""
        hop = self["next_hop_type"].value()
        fields: list = [AzField("name", id="route-name", star=True, readonly="route")]
        if self.asks_destination_kind:
            fields.append(AzField("destination_kind", id="destination-kind", **RERENDER_PANE))
        fields += [
            AzField(
                "address_prefix",
                id="address-prefix",
                star=True,
                placeholder="0.0.0.0/0",
                help=self.prefix_help,
                rule="ROUTE-23",
            ),
            AzField(
                "next_hop_type",
                id="next-hop-type",
                star=True,
                **RERENDER_PANE,
            ),
        ]
        if hop == "VirtualAppliance" or self.ip_refused:
            fields.append(
                AzField(
                    "next_hop_ip",
                    id="next-hop-ip",
                    star=hop == "VirtualAppliance",
                    placeholder="10.0.1.4",
                    help="The private IP of the appliance: a network interface with IP forwarding on,"
                    " or an internal load balancer's front end.",
                    rule="ROUTE-21",
                )
            )
        if hop == "VirtualNetworkGateway":
            fields.append(
                HTML(
                    '<p class="az-field-help" id="gateway-hop-note">The gateway must be a VPN gateway:'
                    " a route can't target an ExpressRoute gateway."
                    ' <span class="az-rule">ROUTE-21, ROUTE-27</span></p>'
                )
            )
        return helper(*fields)

    def problems(self) -> dict[str, Problem]:
        return {field: Problem(str(messages[0])) for field, messages in self.errors.items()}


def initial_values(data=None, route=None) -> dict[str, str]:
    values = {name: str(field.initial or "") for name, field in RouteForm.base_fields.items()}
    if route is not None:
        values.update(
            name=route.name,
            address_prefix=route.address_prefix,
            next_hop_type=route.next_hop_type,
            next_hop_ip=route.next_hop_ip or "",
            destination_kind="IPAddresses" if "/" in route.address_prefix else "ServiceTag",
        )
    if data is not None:
        values.update({k: v for k, v in data.items() if k in values and isinstance(v, str)})
    if route is not None:
        values["name"] = route.name
    return values


class PropagationForm(forms.Form):
    """Configuration: "Propagate gateway routes" Yes/No (ROUTE-26)."""

    propagate = forms.ChoiceField(
        choices=YES_NO,
        label="Propagate gateway routes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose Yes or No.", "invalid_choice": "Choose Yes or No."},
    )
    use_required_attribute = False

    @classmethod
    def of(cls, table) -> PropagationForm:
        """The form showing the table's saved choice."""
        return cls(initial={"propagate": "No" if table.disable_bgp_route_propagation else "Yes"})

    @property
    def helper(self):
        return helper(
            AzField(
                "propagate",
                id="propagate",
                help="No keeps routes the virtual network gateway learns (BGP and the local network gateway's"
                " prefixes) off the associated subnets. Never choose No for a table on the GatewaySubnet.",
                rule="ROUTE-26",
            )
        )
