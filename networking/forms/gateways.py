"""Forms of the gateway family: the "Create virtual network gateway",
"Create local network gateway" and "Create ExpressRoute circuit" wizards
(portal.forms.CreateWizard), and the panes and pages of their blades.
Field shape only; Azure's rules are in services.gateways."""

from itertools import zip_longest

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML
from django import forms
from django.forms.boundfield import BoundField
from django.utils.choices import CallableChoiceIterator

from networking.engine import addressing
from networking.models import ExpressRouteCircuit, LocalNetworkGateway, Subnet, VirtualNetwork, VirtualNetworkGateway
from networking.services import gateways as services
from portal.forms import MAX_ROWS, REVIEW, CreateWizard
from portal.inputs import parse_int, parse_pk
from portal.layout import RERENDER_PANE, AzField, helper, wizard_name, wizard_region

ENABLED = [("Enabled", "Enabled"), ("Disabled", "Disabled")]

# A control of the gateway wizard whose change re-draws the wizard (the
# region, the gateway type and the virtual network change what it offers).
REDRAW_WIZARD = {
    "hx-post": "{{ request.path }}",
    "hx-trigger": "change",
    "hx-target": "#create-wizard",
    "hx-swap": "outerHTML",
    "hx-vals": '{"action": "stay"}',
}


class _ShownOrDefault(BoundField):
    """A control left empty, or out of the post (its row was hidden), shows
    the form's default for it again (``form.shown_default``)."""

    def value(self):
        return super().value() or self.form.shown_default(self.name)


class _NeverShown(BoundField):
    """A secret (the shared key) is never written back into the page."""

    def value(self) -> str:
        return ""


def _radios(choices: list[tuple[str, str]], initial: str, label: str) -> forms.ChoiceField:
    """A radio row of the gateway wizard; shown again with its default
    when its row was hidden (VPN type of an ExpressRoute gateway)."""
    return forms.ChoiceField(
        choices=choices, initial=initial, label=label, widget=forms.RadioSelect, bound_field_class=_ShownOrDefault
    )


def _select(choices) -> forms.Select:
    """A list whose options come from the sandbox, read when it is drawn.
    The field stays text: an unknown value is the service's refusal."""
    return forms.Select(choices=CallableChoiceIterator(choices))


def _int_or_none(text: str) -> int | None:
    return parse_int(text)


def _rows(data, name: str) -> list[str]:
    return [p.strip() for p in data.getlist(name) if isinstance(p, str) and p.strip()][:MAX_ROWS]


class GatewayWizard(CreateWizard):
    kind = "virtualnetworkgateway"
    title = "Create virtual network gateway"
    product = "Microsoft.VirtualNetworkGateway"
    tabs = (("basics", "Basics"), (REVIEW, "Review + create"))
    name_kind = "gateway"

    gateway_type = _radios([("Vpn", "VPN"), ("ExpressRoute", "ExpressRoute")], "Vpn", "Gateway type")
    vpn_type = _radios([("RouteBased", "Route-based"), ("PolicyBased", "Policy-based")], "RouteBased", "VPN type")
    sku = forms.CharField(max_length=20, required=False, initial="VpnGw1", label="SKU", widget=forms.Select)
    generation = forms.ChoiceField(
        choices=[("Generation1", "Generation1"), ("Generation2", "Generation2")], initial="Generation1"
    )
    vnet = forms.CharField(max_length=20, required=False, label="Virtual network", widget=forms.Select)
    gateway_subnet_prefix = forms.CharField(
        max_length=60, required=False, label="Gateway subnet address range", bound_field_class=_ShownOrDefault
    )
    public_ip_name = forms.CharField(max_length=200, required=False, label="Public IP address name")
    active_active = _radios(ENABLED, "Disabled", "Enable active-active mode")
    bgp = _radios(ENABLED, "Disabled", "Configure BGP")
    bgp_asn = forms.CharField(max_length=20, required=False, initial="65515", label="Autonomous system number (ASN)")
    # Current only (Ruleset.gateway_standard_public_ip, portal-ui §6 [newer]).
    availability_zone = forms.CharField(
        max_length=20,
        required=False,
        initial=services.ZONE_REDUNDANT,
        label="Availability zone",
        widget=forms.Select(choices=[(zone, zone) for zone in services.AVAILABILITY_ZONES]),
        bound_field_class=_ShownOrDefault,
    )
    second_public_ip_name = forms.CharField(max_length=200, required=False, label="Second Public IP address name")

    def __init__(self, sandbox, data=None, *, resource_group: str = ""):
        super().__init__(sandbox, data)
        if resource_group:
            self.initial["resource_group"] = resource_group
        self.vnets = list(
            VirtualNetwork.objects.filter(sandbox=sandbox, is_classic=False, location=self.value("region"))
            .select_related("resource_group")
            .order_by("name")
        )
        with_subnet = set(
            Subnet.objects.filter(vnet__in=self.vnets, name__iexact=services.GATEWAY_SUBNET).values_list(
                "vnet_id", flat=True
            )
        )
        self.vnets_with_gateway_subnet = with_subnet
        self.fields["sku"].widget.choices = [(sku, sku) for sku in self.sku_choices]
        self.fields["vnet"].widget.choices = [("", "Select a virtual network")] + [
            (str(v.pk), f"{v.name} ({v.resource_group.name})") for v in self.vnets
        ]

    def shown_default(self, name: str) -> str:
        """What an empty control shows: the suggested GatewaySubnet range,
        else the field's default (a radio row hidden and shown again)."""
        if name == "gateway_subnet_prefix":
            return self.suggested_gateway_subnet
        return self.fields[name].initial

    @property
    def helper(self) -> FormHelper:
        """Basics > Instance details and Public IP address (portal-ui §6):
        "VPN type" only for a VPN gateway, "Gateway subnet address range"
        only for a virtual network without a GatewaySubnet."""
        fields: list = [
            wizard_name(),
            wizard_region(**REDRAW_WIZARD),
            AzField("gateway_type", id="gateway-type", star=True, option_ids={"ExpressRoute": "er"}, **REDRAW_WIZARD),
        ]
        if self.value("gateway_type") != "ExpressRoute":
            fields.append(
                AzField(
                    "vpn_type", id="vpn-type", star=True, option_ids={"RouteBased": "route", "PolicyBased": "policy"}
                )
            )
        standard_ip = self.sandbox.rules.gateway_standard_public_ip
        # Current: the SKU says whether "Availability zone" shows (VPNGW-02).
        fields += [
            AzField("sku", id="sku", star=True, **(REDRAW_WIZARD if standard_ip else {})),
            AzField("generation", id="generation"),
            AzField(
                "vnet",
                id="vnet",
                star=True,
                help_template="networking/gateway_create.html#vnet-help",
                **REDRAW_WIZARD,
            ),
        ]
        if self.needs_gateway_subnet:
            fields.append(
                AzField(
                    "gateway_subnet_prefix",
                    id="gateway-subnet-prefix",
                    star=True,
                    help_template="networking/gateway_create.html#gateway-subnet-help",
                )
            )
        elif self.chosen_vnet:
            fields.append(HTML('{% include "networking/gateway_create.html#gateway-subnet" %}'))
        fields += [
            HTML('{% include "networking/gateway_create.html#public-ip-mode" %}'),
            AzField("public_ip_name", id="public-ip-name", star=True),
        ]
        if standard_ip:
            fields += self._standard_public_ip_fields()
        else:
            fields.append(AzField("active_active", id="active-active"))
        fields += [
            AzField("bgp", id="bgp"),
            AzField("bgp_asn", id="bgp-asn", help="Used when BGP is enabled; Azure's default is 65515."),
        ]
        return helper(*fields, rows=True)

    def _standard_public_ip_fields(self) -> list:
        """Current (portal-ui §6 [newer]): "Public IP address SKU" Standard and
        "Assignment" Static, read-only (VPNGW-03, PIP-02); "Availability zone"
        for an AZ SKU (VPNGW-02); active-active's "Second Public IP address
        name" once it is Enabled (VPNGW-01)."""
        fields: list = [HTML('{% include "networking/gateway_create.html#public-ip-sku" %}')]
        if self.offers_zones:
            fields.append(
                AzField(
                    "availability_zone",
                    id="availability-zone",
                    help="Zone-redundant spreads the gateway's instances over the region's zones.",
                    rule="VPNGW-02",
                )
            )
        fields.append(AzField("active_active", id="active-active", **REDRAW_WIZARD))
        if self.value("active_active") == "Enabled":
            fields += [
                HTML('{% include "networking/gateway_create.html#second-public-ip" %}'),
                AzField("second_public_ip_name", id="second-public-ip-name", star=True),
            ]
        return fields

    @property
    def offers_zones(self) -> bool:
        return self.sandbox.rules.gateway_standard_public_ip and services.is_az_sku(self.value("sku"))

    @property
    def sku_choices(self) -> tuple[str, ...]:
        skus = services.SKUS_BY_TYPE.get(self.value("gateway_type"), services.VPN_SKUS)
        return tuple(sku for sku in skus if sku not in self.sandbox.rules.gateway_skus_not_offered)

    @property
    def chosen_vnet(self) -> VirtualNetwork | None:
        value = self.value("vnet")
        return next((v for v in self.vnets if str(v.pk) == value), None)

    @property
    def needs_gateway_subnet(self) -> bool:
        vnet = self.chosen_vnet
        return vnet is not None and vnet.pk not in self.vnets_with_gateway_subnet

    @property
    def suggested_gateway_subnet(self) -> str:
        vnet = self.chosen_vnet
        if vnet is None:
            return ""
        used = list(Subnet.objects.filter(vnet=vnet).values_list("address_prefix", flat=True))
        try:
            block = addressing.suggest_subnet(vnet.ipv4_space, used, services.SUGGESTED_GATEWAY_SUBNET_PREFIX)
        except (ValueError, TypeError):
            return ""
        return str(block) if block else ""

    def spec(self) -> services.GatewaySpec:
        return services.GatewaySpec(
            name=self.value("name"),
            location=self.value("region"),
            vnet=self.chosen_vnet,
            gateway_type=self.value("gateway_type"),
            vpn_type=self.value("vpn_type"),
            sku=self.value("sku"),
            generation=self.value("generation"),
            gateway_subnet_prefix=self.value("gateway_subnet_prefix"),
            public_ip_name=self.value("public_ip_name"),
            active_active=self.value("active_active") == "Enabled",
            bgp_enabled=self.value("bgp") == "Enabled",
            bgp_asn=_int_or_none(self.value("bgp_asn")),
            **self._standard_public_ip_spec(),
        )

    def _standard_public_ip_spec(self) -> dict:
        if not self.sandbox.rules.gateway_standard_public_ip:
            return {}
        active_active = self.value("active_active") == "Enabled"
        return {
            "public_ip_sku": "Standard",
            "availability_zone": (self.value("availability_zone") or services.ZONE_REDUNDANT)
            if self.offers_zones
            else "",
            "second_public_ip_name": self.value("second_public_ip_name") if active_active else "",
        }

    def check_rules(self, problems, attempt) -> None:
        if any(f in problems for f in ("gateway_type", "vpn_type", "generation", "active_active", "bgp")):
            return
        # The public IP rules first, so a wrong second name shows on its own field.
        attempt("second_public_ip_name", services.check_gateway_public_ips, self.spec())
        attempt("name", services.check_gateway, self.spec())
        attempt("name", services.check_name_free, VirtualNetworkGateway, self.target_rg, self.value("name").strip())
        if "bgp_enabled" in problems:
            # The service's "bgp_enabled" is this page's "Configure BGP" row.
            problems["bgp"] = problems.pop("bgp_enabled")

    def create(self, rg):
        return services.create_gateway(rg, self.spec())

    def instance_summary(self):
        vnet = self.chosen_vnet
        rows = [
            ("Name", self.value("name")),
            ("Region", self.region_label),
            ("Gateway type", dict(self.fields["gateway_type"].choices).get(self.value("gateway_type"), "")),
            ("SKU", self.value("sku")),
            ("Generation", self.value("generation")),
            ("Virtual network", vnet.name if vnet else ""),
        ]
        if self.value("gateway_type") == "Vpn":
            rows.insert(3, ("VPN type", dict(self.fields["vpn_type"].choices).get(self.value("vpn_type"), "")))
        if self.needs_gateway_subnet:
            rows.append(("Gateway subnet address range", self.value("gateway_subnet_prefix")))
        else:
            rows.append(("Subnet", services.GATEWAY_SUBNET))
        return rows

    def extra_summary(self):
        rows = [("Public IP address", f"(new) {self.value('public_ip_name')}")]
        spec = self._standard_public_ip_spec()
        if spec:
            rows += [("Public IP address SKU", spec["public_ip_sku"]), ("Assignment", "Static")]
            if spec["availability_zone"]:
                rows.append(("Availability zone", spec["availability_zone"]))
        rows.append(("Enable active-active mode", self.value("active_active")))
        if spec.get("second_public_ip_name"):
            rows.append(("Second Public IP address name", f"(new) {spec['second_public_ip_name']}"))
        rows.append(("Configure BGP", self.value("bgp")))
        if self.value("bgp") == "Enabled":
            rows.append(("Autonomous system number (ASN)", self.value("bgp_asn")))
        return [("Public IP address", rows)]


class _LocalGatewayFields(forms.Form):
    """A local network gateway's settings, the same in its create wizard
    and on its Configuration page; the address space between them is an
    editable grid the page draws (``prefixes``)."""

    ip_address = forms.CharField(max_length=60, required=False, label="IP address")
    bgp = forms.BooleanField(required=False, label="Configure BGP settings")
    bgp_asn = forms.CharField(max_length=20, required=False, label="Autonomous system number (ASN)")
    bgp_peer_ip = forms.CharField(max_length=60, required=False, label="BGP peer IP address")

    @property
    def address_helper(self) -> FormHelper:
        return helper(
            AzField(
                "ip_address",
                id="ip-address",
                star=True,
                placeholder="e.g. 203.0.113.10",
                help="The public IP address of your on-premises VPN device.",
            )
        )

    @property
    def bgp_helper(self) -> FormHelper:
        return helper(
            AzField("bgp", id="bgp"),
            AzField("bgp_asn", id="bgp-asn"),
            AzField("bgp_peer_ip", id="bgp-peer-ip", help='Used only with "Configure BGP settings".'),
        )


class LocalGatewayWizard(_LocalGatewayFields, CreateWizard):
    kind = "localnetworkgateway"
    title = "Create local network gateway"
    product = "Microsoft.LocalNetworkGateway"
    tabs = (("basics", "Basics"), (REVIEW, "Review + create"))
    name_kind = "local_gateway"

    def __init__(self, sandbox, data=None, *, resource_group: str = ""):
        super().__init__(sandbox, data)
        if resource_group:
            self.initial["resource_group"] = resource_group
        self.prefixes = _rows(data, "address_prefix") if self.is_bound else []

    @property
    def helper(self) -> FormHelper:
        """Basics > Instance details: name and region; the settings below
        them are drawn by ``address_helper`` and ``bgp_helper``."""
        return helper(wizard_name(), wizard_region(), rows=True)

    def spec(self) -> services.LocalGatewaySpec:
        return local_spec(self.value, self.prefixes, self.is_bound and bool(self.data.get("bgp")))

    def check_rules(self, problems, attempt) -> None:
        name = attempt("name", services.validate_resource_name, "local_gateway", self.value("name"))
        if name:
            attempt("name", services.check_name_free, LocalNetworkGateway, self.target_rg, name)
        attempt("ip_address", services._check_local_settings, self.spec())

    def create(self, rg):
        return services.create_local_gateway(
            rg, name=self.value("name"), location=self.value("region"), spec=self.spec()
        )

    def instance_summary(self):
        spec = self.spec()
        rows = [
            ("Name", self.value("name")),
            ("Region", self.region_label),
            ("IP address", spec.ip_address),
            ("Address space", ", ".join(spec.address_prefixes) or "None"),
            ("Configure BGP settings", "Yes" if spec.bgp_enabled else "No"),
        ]
        if spec.bgp_enabled:
            rows += [
                ("Autonomous system number (ASN)", self.value("bgp_asn")),
                ("BGP peer IP address", spec.bgp_peer_ip),
            ]
        return rows


def local_spec(value, prefixes, bgp: bool) -> services.LocalGatewaySpec:
    return services.LocalGatewaySpec(
        ip_address=value("ip_address"),
        address_prefixes=tuple(prefixes),
        bgp_enabled=bgp,
        bgp_asn=_int_or_none(value("bgp_asn")),
        bgp_peer_ip=value("bgp_peer_ip"),
    )


class CircuitWizard(CreateWizard):
    kind = "expressroutecircuit"
    title = "Create ExpressRoute circuit"
    product = "Microsoft.ExpressRouteCircuit"
    tabs = (("basics", "Basics"), (REVIEW, "Review + create"))
    name_kind = "circuit"

    provider = forms.ChoiceField(choices=[(p, p) for p in services.PROVIDERS], initial="Equinix")
    peering_location = forms.ChoiceField(choices=[(p, p) for p in services.PEERING_LOCATIONS], initial="Washington DC")
    bandwidth = forms.ChoiceField(
        choices=[(str(b), f"{b} Mbps" if b < 1000 else f"{b // 1000} Gbps") for b in services.BANDWIDTHS],
        initial="1000",
    )

    def __init__(self, sandbox, data=None, *, resource_group: str = ""):
        super().__init__(sandbox, data)
        if resource_group:
            self.initial["resource_group"] = resource_group
        self.prefixes = _rows(data, "advertised_prefix") if self.is_bound else []

    @property
    def helper(self):
        return helper(
            wizard_name(),
            wizard_region(),
            AzField("provider", id="provider", star=True),
            AzField("peering_location", id="peering-location", star=True),
            AzField("bandwidth", id="bandwidth", star=True),
            rows=True,
        )

    def spec(self) -> services.CircuitSpec:
        return services.CircuitSpec(
            provider=self.value("provider"),
            peering_location=self.value("peering_location"),
            bandwidth_mbps=_int_or_none(self.value("bandwidth")) or 0,
            advertised_prefixes=tuple(self.prefixes),
        )

    def check_rules(self, problems, attempt) -> None:
        name = attempt("name", services.validate_resource_name, "circuit", self.value("name"))
        if name:
            attempt("name", services.check_name_free, ExpressRouteCircuit, self.target_rg, name)
        if not any(f in problems for f in ("provider", "peering_location", "bandwidth")):
            attempt("advertised_prefixes", services._check_circuit, self.spec())

    def create(self, rg):
        return services.create_circuit(rg, name=self.value("name"), location=self.value("region"), spec=self.spec())

    def instance_summary(self):
        return [
            ("Name", self.value("name")),
            ("Region", self.region_label),
            ("Provider", self.value("provider")),
            ("Peering location", self.value("peering_location")),
            ("Bandwidth", dict(self.fields["bandwidth"].choices).get(self.value("bandwidth"), "")),
            ("Advertised on-premises prefixes", ", ".join(self.prefixes) or "None"),
        ]


# --- Blade pages and panes -------------------------------------------------------------------


class PointToSiteForm(forms.Form):
    address_pool = forms.CharField(max_length=60, required=False, label="Address pool")
    tunnel_type = forms.ChoiceField(
        choices=[(k, label) for k, (label, _) in services.TUNNEL_TYPES.items()], required=False, label="Tunnel type"
    )
    auth_type = forms.ChoiceField(
        choices=list(services.AUTH_TYPES.items()), required=False, label="Authentication type"
    )

    @staticmethod
    def configuring(query) -> bool:
        """ "Configure now" asked for the form (``configure=1``)."""
        return query.get("configure") == "1"

    def __init__(self, data=None, *, gateway: VirtualNetworkGateway) -> None:
        tunnel = next(
            (k for k, (_, protocols) in services.TUNNEL_TYPES.items() if protocols == gateway.p2s_tunnel_types), "SSTP"
        )
        initial = {"address_pool": gateway.p2s_address_pool, "tunnel_type": tunnel, "auth_type": "certificate"}
        super().__init__(data, initial=initial)
        self.gateway = gateway

    @property
    def helper(self) -> FormHelper:
        """Address pool, then the tunnel and authentication types, which the
        Basic SKU doesn't offer (SSTP with certificates only)."""
        fields: list = [
            AzField(
                "address_pool",
                id="address-pool",
                star=True,
                placeholder="e.g. 172.16.201.0/24",
                help_template="networking/gateway_p2s.html#pool-help",
            )
        ]
        if self.gateway.sku == "Basic":
            fields.append(HTML('{% include "networking/gateway_p2s.html#basic-sku-note" %}'))
        else:
            fields += [AzField("tunnel_type", id="tunnel-type"), AzField("auth_type", id="auth-type")]
        return helper(*fields)

    def certificates(self) -> tuple[tuple[str, str], ...]:
        rows = zip_longest(self.data.getlist("cert_name"), self.data.getlist("cert_data"), fillvalue="")
        return tuple((n, d) for n, d in rows if isinstance(n, str) and isinstance(d, str) and (n.strip() or d.strip()))[
            :50
        ]

    def p2s(self) -> services.PointToSite:
        data = self.cleaned_data
        return services.PointToSite(
            address_pool=data.get("address_pool", ""),
            tunnel_type=data.get("tunnel_type") or "SSTP",
            auth_type=data.get("auth_type") or "certificate",
            root_certificates=self.certificates(),
        )


class SkuForm(forms.Form):
    """Configuration: the SKU, within the gateway's type. The list stays
    text: an SKU of another type is the service's refusal."""

    sku = forms.CharField(max_length=20, label="SKU", widget=forms.Select)

    def __init__(self, data=None, *, gateway: VirtualNetworkGateway) -> None:
        super().__init__(data, initial={"sku": gateway.sku})
        self.fields["sku"].widget.choices = [(sku, sku) for sku in services.SKUS_BY_TYPE[gateway.gateway_type]]

    @property
    def helper(self) -> FormHelper:
        return helper(AzField("sku", id="sku", help_template="networking/gateway_configuration.html#sku-help"))


class LocalGatewayConfigForm(_LocalGatewayFields):
    """Configuration of a local network gateway: its settings as saved, or
    as posted when the save was refused."""

    def __init__(self, data=None, *, local: LocalNetworkGateway) -> None:
        initial = {
            "ip_address": local.gateway_ip_address,
            "bgp": bool(local.bgp_asn),
            "bgp_asn": local.bgp_asn or "",
            "bgp_peer_ip": local.bgp_peering_address or "",
        }
        super().__init__(data, initial=initial)
        if self.is_bound:
            self.prefixes = [p for p in self.data.getlist("address_prefix") if p.strip()][:200]
        else:
            self.prefixes = list(local.address_prefixes)

    def spec(self) -> services.LocalGatewaySpec:
        data = self.cleaned_data
        return local_spec(lambda n: data.get(n) or "", _rows(self.data, "address_prefix"), bool(data.get("bgp")))


def _pick(model, sandbox, raw: str):
    """The sandbox's resource whose key was posted; None for anything else."""
    pk = parse_pk(raw)
    return None if pk is None else model.objects.filter(sandbox=sandbox, pk=pk).first()


class ConnectionForm(forms.Form):
    """Connections > "+ Add": site-to-site (IPsec) with a local network
    gateway and a shared key, or ExpressRoute with a circuit. The lists
    hold the sandbox's own local gateways and circuits."""

    name = forms.CharField(max_length=200, required=False, label="Name")
    connection_type = forms.ChoiceField(
        choices=[("IPsec", "Site-to-site (IPsec)"), ("ExpressRoute", "ExpressRoute")],
        label="Connection type",
        bound_field_class=_ShownOrDefault,
    )
    local_gateway = forms.CharField(max_length=20, required=False, label="Local network gateway")
    circuit = forms.CharField(max_length=20, required=False, label="Circuit")
    shared_key = forms.CharField(
        max_length=300, required=False, strip=False, label="Shared key (PSK)", bound_field_class=_NeverShown
    )
    enable_bgp = forms.BooleanField(required=False, label="Enable BGP")

    @classmethod
    def redrawn(cls, query, **kwargs) -> "ConnectionForm":
        """The pane a GET draws: re-rendered for the connection type the
        query names, or a fresh one."""
        return cls(query if "connection_type" in query else None, **kwargs)

    def __init__(self, data=None, *, gateway: VirtualNetworkGateway, sandbox) -> None:
        super().__init__(data)
        self.gateway = gateway
        self.sandbox = sandbox
        self.fields["local_gateway"].widget = _select(self._local_gateway_choices)
        self.fields["circuit"].widget = _select(self._circuit_choices)

    def _local_gateway_choices(self) -> list[tuple[str, str]]:
        rows = LocalNetworkGateway.objects.filter(sandbox=self.sandbox).order_by("name")
        return [("", "Choose a local network gateway")] + [
            (str(lng.pk), f"{lng.name} ({lng.gateway_ip_address})") for lng in rows
        ]

    def _circuit_choices(self) -> list[tuple[str, str]]:
        rows = ExpressRouteCircuit.objects.filter(sandbox=self.sandbox).order_by("name")
        return [("", "Select an ExpressRoute circuit")] + [
            (str(c.pk), f"{c.name} ({c.service_provider}, {c.peering_location})") for c in rows
        ]

    def shown_default(self, name: str) -> str:
        """The connection type an empty post shows: the gateway's own."""
        return "ExpressRoute" if self.gateway.gateway_type == "ExpressRoute" else "IPsec"

    @property
    def chosen_type(self) -> str:
        return self["connection_type"].value()

    @property
    def helper(self) -> FormHelper:
        """Name and type; then a circuit (ExpressRoute, always BGP), or a
        local network gateway, the shared key and "Enable BGP" (IPsec).
        Changing the type re-draws the pane."""
        fields: list = [
            AzField("name", id="connection-name", star=True, autocomplete="off"),
            AzField(
                "connection_type",
                id="connection-type",
                star=True,
                help_template="networking/connection_add.html#type-help",
                **RERENDER_PANE,
            ),
        ]
        if self.chosen_type == "ExpressRoute":
            fields += [
                AzField(
                    "circuit", id="circuit", star=True, help_template="networking/connection_add.html#circuit-help"
                ),
                HTML('{% include "networking/connection_add.html#er-bgp" %}'),
            ]
        else:
            fields += [
                AzField(
                    "local_gateway",
                    id="local-gateway",
                    star=True,
                    help_template="networking/connection_add.html#local-help",
                ),
                AzField("shared_key", id="shared-key", star=True, autocomplete="off"),
                AzField(
                    "enable_bgp",
                    id="enable-bgp",
                    help="BGP needs the local network gateway's ASN and BGP peer IP address;"
                    " its learned routes reach every subnet.",
                    rule="ROUTE-07",
                ),
            ]
        return helper(*fields)

    def spec(self) -> services.ConnectionSpec:
        data = self.cleaned_data
        return services.ConnectionSpec(
            name=data["name"],
            connection_type=data["connection_type"],
            local_gateway=_pick(LocalNetworkGateway, self.sandbox, data["local_gateway"]),
            circuit=_pick(ExpressRouteCircuit, self.sandbox, data["circuit"]),
            shared_key=data["shared_key"],
            enable_bgp=data["enable_bgp"],
        )
