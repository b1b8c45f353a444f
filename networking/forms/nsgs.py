"""Forms of the network security group blades: the create wizard and the
"Add inbound/outbound security rule" pane. They check field shape only;
Azure's rules are the service's (networking.services.nsgs)."""

from django import forms

from networking.engine import rules as nsg_rules
from networking.services import nsgs as services
from portal.forms import REVIEW, CreateWizard, Problem
from portal.layout import RERENDER_PANE, AzField, helper, wizard_name, wizard_region


class NetworkSecurityGroupWizard(CreateWizard):
    """Portal "Create network security group" (portal-ui §4): Basics, Review + create."""

    kind = "networksecuritygroup"
    title = "Create network security group"
    product = "Microsoft.NetworkSecurityGroup"
    tabs = (("basics", "Basics"), (REVIEW, "Review + create"))
    name_kind = "nsg"

    @property
    def helper(self):
        return helper(wizard_name(), wizard_region(), rows=True)

    def check_rules(self, problems, attempt) -> None:
        name = attempt("name", services.validate_nsg_name, self.value("name"))
        if name:
            attempt("name", services.check_nsg_name_free, self.target_rg, name)
        if "region" not in problems:
            attempt("name", services.check_nsg_limit, self.sandbox, self.value("region"))

    def create(self, rg):
        return services.create_nsg(rg, name=self.cleaned_data["name"], location=self.cleaned_data["region"])


SOURCE_CHOICES = list(services.SOURCE_KINDS)
SERVICE_CHOICES = [(s, s) for s in nsg_rules.SERVICES]
PROTOCOL_CHOICES = [(p, nsg_rules.PROTOCOL_LABELS[p]) for p in nsg_rules.PORTAL_PROTOCOLS]
ACTION_CHOICES = [("Allow", "Allow"), ("Deny", "Deny")]
TAG_CHOICES = [(tag, tag) for tag in nsg_rules.SERVICE_TAGS]


# MYIP-01: what the learner is told about the address "My IP address" fills in.
MY_IP_BALLOON = (
    "VNet Lab never reads your real public IP address. Each sandbox has its own simulated one, "
    "taken from the documentation range 203.0.113.0/24; it stays the same every time you come back."
)


def _tag_field(label: str) -> forms.CharField:
    """A side's service tag, picked from the list but checked as text: a
    hand-edited tag gets NSG-04's message, not "not a valid choice"."""
    return forms.CharField(
        required=False, max_length=80, initial="VirtualNetwork", label=label, widget=forms.Select(choices=TAG_CHOICES)
    )


def _kind_field(label: str) -> forms.CharField:
    """Source or Destination, picked from the list but checked as text: a kind
    the era doesn't offer ("My IP address" in Classic, or as a destination)
    gets the service's NSG-04/MYIP-01 message, not "not a valid choice"."""
    return forms.CharField(max_length=80, initial="Any", label=label, widget=forms.Select(choices=SOURCE_CHOICES))


class SecurityRuleForm(forms.Form):
    """The pane's fields, in the portal's order. Protocol is free text here so
    that ESP/AH get NSG-06's explanation instead of "not a valid choice"."""

    source = _kind_field("Source")
    source_ips = forms.CharField(required=False, max_length=100_000, label="Source IP addresses/CIDR ranges")
    source_tag = _tag_field("Source service tag")
    source_ports = forms.CharField(required=False, max_length=2_000, initial="*", label="Source port ranges")
    destination = _kind_field("Destination")
    destination_ips = forms.CharField(required=False, max_length=100_000, label="Destination IP addresses/CIDR ranges")
    destination_tag = _tag_field("Destination service tag")
    service = forms.ChoiceField(choices=SERVICE_CHOICES, initial="Custom", label="Service")
    destination_ports = forms.CharField(
        required=False, max_length=2_000, initial="8080", label="Destination port ranges"
    )
    protocol = forms.CharField(
        required=False, max_length=8, initial="*", label="Protocol", widget=forms.RadioSelect(choices=PROTOCOL_CHOICES)
    )
    access = forms.ChoiceField(choices=ACTION_CHOICES, initial="Allow", label="Action", widget=forms.RadioSelect)
    priority = forms.CharField(required=False, max_length=12, label="Priority")
    name = forms.CharField(required=False, max_length=200, label="Name")
    description = forms.CharField(
        required=False,
        max_length=nsg_rules.DESCRIPTION_MAX,
        label="Description",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, icmp_label: str = "ICMP", my_ip: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.my_ip = my_ip
        # portal-ui §4 [newer], MYIP-01: "My IP address" (after "IP Addresses", as
        # the newer portal lists it) fills the box with the sandbox's address.
        if my_ip:
            self.fields["source"].widget.choices = [*SOURCE_CHOICES[:2], services.MY_IP_KIND, *SOURCE_CHOICES[2:]]
            if self.is_bound and self.data.get("source") == services.MY_IP:
                self.data = self.data.copy()
                self.data["source_ips"] = my_ip
        # portal-ui §4: the era's name for ICMP ("ICMPv4" in the newer portal).
        self.fields["protocol"].widget.choices = [
            (value, icmp_label if value == "Icmp" else label) for value, label in PROTOCOL_CHOICES
        ]

    @property
    def helper(self):
        """The pane's fields (portal-ui §4), bound to what it shows: the
        address or tag box follows the chosen Source and Destination; a
        preset Service fixes the port and the protocol."""

        def side(kind: str, placeholder: str) -> list[AzField]:
            chosen = self[kind].value()
            shown = [AzField(kind, id=kind, **RERENDER_PANE)]
            if chosen == "IPAddresses":
                shown.append(AzField(f"{kind}_ips", id=f"{kind}-ips", star=True, placeholder=placeholder))
            elif chosen == services.MY_IP and self.my_ip:
                shown.append(AzField(f"{kind}_ips", id=f"{kind}-ips", star=True, readonly=True, balloon=MY_IP_BALLOON))
            elif chosen == "ServiceTag":
                shown.append(AzField(f"{kind}_tag", id=f"{kind}-tag", star=True))
            return shown

        return helper(
            *side("source", "10.0.0.0/24, 198.51.100.7"),
            AzField("source_ports", id="source-ports", star=True),
            *side("destination", "10.0.1.0/24"),
            AzField("service", id="service", **RERENDER_PANE),
            AzField(
                "destination_ports",
                id="destination-ports",
                star=True,
                readonly="preset",
                help="A port (80), a range (1000-2000), a comma-separated list (80,443) or * for any; 0-65535.",
                rule="NSG-07",
            ),
            # Ids by value: ICMP's stays "protocol-icmp" when the era calls it ICMPv4.
            AzField("protocol", id="protocol", readonly="preset", option_ids={"*": "any", "Icmp": "icmp"}),
            AzField("access", id="access"),
            AzField(
                "priority",
                id="priority",
                star=True,
                inputmode="numeric",
                help_template="networking/nsg_rule_pane.html#priority-help",
            ),
            AzField("name", id="name", star=True, readonly="rule"),
            AzField("description", id="description"),
        )

    def problems(self) -> dict[str, Problem]:
        return {field: Problem(str(messages[0])) for field, messages in self.errors.items()}


def initial_values(used_priorities: list[int], data=None, rule=None) -> dict[str, str]:
    """What the pane shows: a saved rule, else the portal's defaults (priority
    100 then +10, a pre-filled name), overlaid with what the learner changed."""
    values = {name: str(field.initial or "") for name, field in SecurityRuleForm.base_fields.items()}
    if rule is not None:
        values.update(rule_values(rule))
    else:
        values["priority"] = str(nsg_rules.next_priority(used_priorities))
    if data is not None:
        values.update({k: v for k, v in data.items() if k in values and isinstance(v, str)})
    if rule is None:
        suggested = nsg_rules.suggested_name(values["service"], values["destination_ports"], "")
        # Re-suggest the name while the learner hasn't typed their own.
        if data is None or not data.get("name") or data.get("name") == data.get("suggested_name"):
            values["name"] = suggested
        values["suggested_name"] = suggested
    preset = nsg_rules.SERVICES.get(values["service"])
    if preset:
        values["destination_ports"], values["protocol"] = preset
    return values


def _side_values(prefixes: list[str]) -> tuple[str, str, str]:
    if list(prefixes) == [nsg_rules.ANY]:
        return "Any", "", "VirtualNetwork"
    if len(prefixes) == 1 and nsg_rules.canonical_tag(prefixes[0]):
        return "ServiceTag", "", prefixes[0]
    return "IPAddresses", ", ".join(prefixes), "VirtualNetwork"


def rule_values(rule) -> dict[str, str]:
    source, source_ips, source_tag = _side_values(rule.source_address_prefixes)
    destination, destination_ips, destination_tag = _side_values(rule.destination_address_prefixes)
    ports = ",".join(rule.destination_port_ranges)
    service = next(
        (s for s, preset in nsg_rules.SERVICES.items() if preset and preset == (ports, rule.protocol)), "Custom"
    )
    return {
        "source": source,
        "source_ips": source_ips,
        "source_tag": source_tag,
        "source_ports": ",".join(rule.source_port_ranges),
        "destination": destination,
        "destination_ips": destination_ips,
        "destination_tag": destination_tag,
        "service": service,
        "destination_ports": ports,
        "protocol": rule.protocol,
        "access": rule.access,
        "priority": str(rule.priority),
        "name": rule.name,
        "description": rule.description,
    }


class RuleGridForm(forms.Form):
    """The rules grids' query: "Hide default rules" (``hide_default=1``)."""

    hide_default = forms.CharField(required=False, max_length=1)

    @property
    def hidden(self) -> bool:
        return self.is_valid() and self.cleaned_data["hide_default"] == "1"
