"""Forms of the NAT gateway and public IP blades: the two create wizards and
the panes that associate a subnet or a public IP. Field shape only; Azure's
rules are in services.nat."""

from __future__ import annotations

from django import forms

from networking.forms.associate import AssociateForm
from networking.forms.fields import SandboxChoice
from networking.models import PublicIPAddress, Subnet, VirtualNetwork
from networking.services import nat as services
from portal.errors import AzureRuleError
from portal.forms import MAX_ROWS, REVIEW, CreateWizard, Problem
from portal.inputs import parse_pk
from portal.layout import RERENDER_WIZARD, AzField, helper, wizard_name, wizard_region


def _pks(values: list) -> list[int] | None:
    """Posted primary keys; None when one isn't a number."""
    pks = [parse_pk(v) for v in values if isinstance(v, str) and v.strip()][:MAX_ROWS]
    return None if None in pks else pks


class NatGatewayWizard(CreateWizard):
    """Portal "Create network address translation (NAT) gateway": Basics
    (name, region, availability zone, TCP idle timeout), Outbound IP (public
    IPs of the region, or "Create a new public IP address"), Subnet (a
    virtual network and its subnets), Review + create."""

    kind = "natgateway"
    title = "Create network address translation (NAT) gateway"
    product = "Microsoft.NatGateway"
    tabs = (("basics", "Basics"), ("outboundip", "Outbound IP"), ("subnet", "Subnet"), (REVIEW, "Review + create"))
    field_tabs = {
        "public_ips": "outboundip",
        "new_public_ip_name": "outboundip",
        "new_public_ip_sku": "outboundip",
        "new_public_ip_allocation": "outboundip",
        "vnet": "subnet",
        "subnets": "subnet",
    }
    name_kind = "nat_gateway"

    idle_timeout = forms.CharField(max_length=12, required=False, initial="4", label="TCP idle timeout (minutes)")
    # A choice outside ZONES is the service's refusal (NAT-05), not the form's.
    zone = forms.CharField(
        max_length=2, required=False, initial="", label="Availability zone", widget=forms.Select(choices=services.ZONES)
    )
    new_public_ip = forms.CharField(max_length=200, required=False)
    new_public_ip_name = forms.CharField(max_length=200, required=False)
    vnet = forms.CharField(max_length=20, required=False)

    def __init__(self, sandbox, data=None, *, resource_group: str = ""):
        super().__init__(sandbox, data)
        if resource_group:
            self.initial["resource_group"] = resource_group
        self.new_pip_open = False
        region = self.value("region")
        self.region_public_ips = list(
            PublicIPAddress.objects.filter(sandbox=sandbox, location=region)
            .select_related("nat_gateway")
            .order_by("name")
        )
        self.vnets = list(
            VirtualNetwork.objects.arm().filter(sandbox=sandbox, location=region).select_related("resource_group")
        )
        self.fields["vnet"].widget = forms.Select(
            choices=lambda: [("", "None"), *((str(v.pk), f"{v.name} ({v.resource_group.name})") for v in self.vnets)]
        )

    @property
    def helper(self):
        """Basics > Instance details; the Outbound IP and Subnets check box lists are the page's own."""
        return helper(
            wizard_name(label="NAT gateway name"),
            wizard_region(),
            AzField("zone", id="zone"),
            AzField(
                "idle_timeout",
                id="idle-timeout",
                star=True,
                help="4 to 120 minutes.",
                rule="NAT-09",
                inputmode="numeric",
            ),
            rows=True,
        )

    @property
    def subnet_helper(self):
        """Subnet > Virtual network: choosing one redraws the wizard with its subnets."""
        return helper(
            AzField(
                "vnet",
                id="vnet",
                label="Virtual network",
                **{**RERENDER_WIZARD, "hx-include": "closest form"},
            ),
            rows=True,
        )

    # --- what was posted ---------------------------------------------------------

    def _list(self, name: str) -> list[int] | None:
        return _pks(self.data.getlist(name)) if self.is_bound else []

    @property
    def chosen_public_ips(self) -> list[PublicIPAddress]:
        wanted = set(self._list("public_ips") or ())
        return [p for p in self.region_public_ips if p.pk in wanted]

    @property
    def chosen_vnet(self) -> VirtualNetwork | None:
        return next((v for v in self.vnets if str(v.pk) == self.value("vnet")), None)

    @property
    def subnet_choices(self) -> list[Subnet]:
        vnet = self.chosen_vnet
        return list(vnet.subnets.select_related("vnet", "nat_gateway").order_by("name")) if vnet else []

    @property
    def chosen_subnets(self) -> list[Subnet]:
        wanted = set(self._list("subnets") or ())
        return [s for s in self.subnet_choices if s.pk in wanted]

    @property
    def chosen_public_ip_pks(self) -> set[int]:
        return {p.pk for p in self.chosen_public_ips}

    @property
    def chosen_subnet_pks(self) -> set[int]:
        return {s.pk for s in self.chosen_subnets}

    @property
    def zone_choices(self) -> tuple[tuple[str, str], ...]:
        return services.ZONES

    # --- buttons ---------------------------------------------------------------------

    def edit(self, action: str) -> None:
        """ "Create a new public IP address" > OK names the address the create
        will make; the rules check it at once."""
        if action == "new_pip":
            try:
                name = services.check_public_ip(
                    self.sandbox,
                    None,
                    services.PublicIpSpec(self.value("new_public_ip_name"), self.value("region")),
                    prefix="new_public_ip_",
                ).name
            except AzureRuleError as exc:
                self.problems[exc.field or "new_public_ip_name"] = Problem.of(exc)
                self.new_pip_open = True
                return
            data = self.data.copy()
            data["new_public_ip"] = name
            data["new_public_ip_name"] = ""
            self.data = data
        elif action == "remove_new_pip":
            data = self.data.copy()
            data["new_public_ip"] = ""
            self.data = data
        else:
            super().edit(action)

    # --- checks and create -----------------------------------------------------------

    def _spec(self) -> services.NatGatewaySpec:
        return services.NatGatewaySpec(
            name=self.value("name"),
            location=self.value("region"),
            idle_timeout=self.value("idle_timeout"),
            zone=self.value("zone"),
            public_ips=tuple(self.chosen_public_ips),
            new_public_ip=self.value("new_public_ip").strip(),
            subnets=tuple(self.chosen_subnets),
        )

    def check_rules(self, problems, attempt) -> None:
        if self._list("public_ips") is None or len(self.chosen_public_ips) != len(set(self._list("public_ips"))):
            problems["public_ips"] = Problem("Select public IP addresses from the list.")
        if self.value("vnet") and self.chosen_vnet is None:
            problems["vnet"] = Problem("Select a virtual network from the list.")
        elif self._list("subnets") is None or len(self.chosen_subnets) != len(set(self._list("subnets"))):
            problems["subnets"] = Problem("Select subnets of the chosen virtual network.")
        for exc in services.check_nat_gateway(self.sandbox, self.target_rg, self._spec()):
            key = exc.field or "__all__"
            if key == "new_public_ip_name" or key.startswith("new_public_ip_"):
                key = "new_public_ip_name"
            problems.setdefault(key, Problem.of(exc))

    def create(self, rg):
        return services.create_nat_gateway(rg, self._spec())

    def instance_summary(self):
        zone = dict(services.ZONES).get(self.value("zone"), self.value("zone"))
        return [
            ("NAT gateway name", self.value("name")),
            ("Region", self.region_label),
            ("Availability zone", zone),
            ("TCP idle timeout (minutes)", self.value("idle_timeout")),
        ]

    def extra_summary(self):
        addresses = [f"{p.name} ({p.address_label})" for p in self.chosen_public_ips]
        if self.value("new_public_ip"):
            addresses.append(f"(new) {self.value('new_public_ip')}")
        vnet = self.chosen_vnet
        return [
            ("Outbound IP", [("Public IP addresses", ", ".join(addresses) or "None")]),
            (
                "Subnet",
                [
                    ("Virtual network", vnet.name if vnet else "None"),
                    ("Subnets", ", ".join(s.name for s in self.chosen_subnets) or "None"),
                ],
            ),
        ]


class PublicIpWizard(CreateWizard):
    """Portal "Create public IP address": IP version, SKU (Basic only in the
    Classic era, PIP-01), IP address assignment (PIP-02), name, region."""

    kind = "publicip"
    title = "Create public IP address"
    product = "Microsoft.PublicIpAddress"
    tabs = (("basics", "Basics"), (REVIEW, "Review + create"))
    name_kind = "public_ip"

    ip_version = forms.ChoiceField(
        choices=[("IPv4", "IPv4")], initial="IPv4", required=False, label="IP version", widget=forms.RadioSelect
    )
    # Free text: a SKU or assignment the era doesn't offer is the service's
    # refusal (PIP-01, PIP-02), shown with its rule.
    sku = forms.CharField(max_length=12, required=False, initial="Standard", label="SKU", widget=forms.RadioSelect)
    allocation = forms.CharField(
        max_length=12,
        required=False,
        initial="Static",
        label="IP address assignment",
        widget=forms.RadioSelect(choices=[(a, a) for a in services.ALLOCATIONS]),
    )

    def __init__(self, sandbox, data=None, *, resource_group: str = ""):
        super().__init__(sandbox, data)
        if resource_group:
            self.initial["resource_group"] = resource_group
        self.fields["sku"].widget.choices = [(sku, sku) for sku in services.skus_for(sandbox)]

    @property
    def helper(self):
        return helper(
            wizard_region(),
            wizard_name(),
            AzField("ip_version", id="ip-version"),
            AzField("sku", id="sku", star=True),
            AzField(
                "allocation", id="allocation", star=True, help="A Standard address is always Static.", rule="PIP-02"
            ),
            rows=True,
        )

    def _spec(self) -> services.PublicIpSpec:
        return services.PublicIpSpec(
            self.value("name"), self.value("region"), self.value("sku"), self.value("allocation")
        )

    def check_rules(self, problems, attempt) -> None:
        attempt("name", services.check_public_ip, self.sandbox, self.target_rg, self._spec())

    def create(self, rg):
        return services.create_public_ip(rg, self._spec())

    def instance_summary(self):
        return [
            ("Name", self.value("name")),
            ("Region", self.region_label),
            ("IP version", "IPv4"),
            ("SKU", self.value("sku")),
            ("IP address assignment", self.value("allocation")),
        ]


def public_ip_option(pip: PublicIPAddress) -> str:
    """A public IP address as the NAT gateway's lists show it."""
    text = f"{pip.name} ({pip.address_label}, {pip.sku})"
    return f"{text} - used by {pip.nat_gateway.name}" if pip.nat_gateway else text


class AddPublicIpForm(AssociateForm):
    """Outbound IP > "Add": one public IP address of the sandbox."""

    title = "Add public IP address"
    target = "public_ip"

    def __init__(self, sandbox, data=None) -> None:
        super().__init__(data)
        self.fields["public_ip"] = SandboxChoice(
            PublicIPAddress.objects.filter(sandbox=sandbox).select_related("nat_gateway").order_by("name"),
            message="Select a public IP address.",
            empty_label="Choose a public IP address",
            label="Public IP address",
            option=public_ip_option,
        )

    @property
    def helper(self):
        return helper(
            AzField(
                "public_ip",
                id="public-ip-select",
                star=True,
                help="A NAT gateway takes Standard, static IPv4 addresses of its own region, at most 16.",
                rule="NAT-04, NAT-05",
            )
        )
