"""Forms of the gateway family: the "Create virtual network gateway",
"Create local network gateway" and "Create ExpressRoute circuit" wizards
(portal.forms.CreateWizard), and the panes and pages of their blades.
Field shape only; Azure's rules are in services.gateways."""

from itertools import zip_longest

from django import forms

from networking.engine import addressing
from networking.models import ExpressRouteCircuit, LocalNetworkGateway, Subnet, VirtualNetwork, VirtualNetworkGateway
from networking.services import gateways as services
from portal.forms import MAX_ROWS, REVIEW, CreateWizard
from portal.layout import AzField, helper, wizard_name, wizard_region

ENABLED = [("Enabled", "Enabled"), ("Disabled", "Disabled")]


def _int_or_none(text: str) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 12 else None


def _rows(data, name: str) -> list[str]:
    return [p.strip() for p in data.getlist(name) if isinstance(p, str) and p.strip()][:MAX_ROWS]


class GatewayWizard(CreateWizard):
    kind = "virtualnetworkgateway"
    title = "Create virtual network gateway"
    product = "Microsoft.VirtualNetworkGateway"
    tabs = (("basics", "Basics"), (REVIEW, "Review + create"))
    name_kind = "gateway"

    gateway_type = forms.ChoiceField(choices=[("Vpn", "VPN"), ("ExpressRoute", "ExpressRoute")], initial="Vpn")
    vpn_type = forms.ChoiceField(
        choices=[("RouteBased", "Route-based"), ("PolicyBased", "Policy-based")], initial="RouteBased"
    )
    sku = forms.CharField(max_length=20, required=False, initial="VpnGw1")
    generation = forms.ChoiceField(
        choices=[("Generation1", "Generation1"), ("Generation2", "Generation2")], initial="Generation1"
    )
    vnet = forms.CharField(max_length=20, required=False)
    gateway_subnet_prefix = forms.CharField(max_length=60, required=False)
    public_ip_name = forms.CharField(max_length=200, required=False)
    active_active = forms.ChoiceField(choices=ENABLED, initial="Disabled")
    bgp = forms.ChoiceField(choices=ENABLED, initial="Disabled")
    bgp_asn = forms.CharField(max_length=20, required=False, initial="65515")

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

    @property
    def sku_choices(self) -> tuple[str, ...]:
        return services.SKUS_BY_TYPE.get(self.value("gateway_type"), services.VPN_SKUS)

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
        )

    def check_rules(self, problems, attempt) -> None:
        if any(f in problems for f in ("gateway_type", "vpn_type", "generation", "active_active", "bgp")):
            return
        attempt("name", services.check_gateway, self.spec())
        attempt("name", services.check_name_free, VirtualNetworkGateway, self.target_rg, self.value("name").strip())

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
        rows = [
            ("Public IP address", f"(new) {self.value('public_ip_name')}"),
            ("Enable active-active mode", self.value("active_active")),
            ("Configure BGP", self.value("bgp")),
        ]
        if self.value("bgp") == "Enabled":
            rows.append(("Autonomous system number (ASN)", self.value("bgp_asn")))
        return [("Public IP address", rows)]


class LocalGatewayWizard(CreateWizard):
    kind = "localnetworkgateway"
    title = "Create local network gateway"
    product = "Microsoft.LocalNetworkGateway"
    tabs = (("basics", "Basics"), (REVIEW, "Review + create"))
    name_kind = "local_gateway"

    ip_address = forms.CharField(max_length=60, required=False)
    bgp = forms.BooleanField(required=False)
    bgp_asn = forms.CharField(max_length=20, required=False)
    bgp_peer_ip = forms.CharField(max_length=60, required=False)

    def __init__(self, sandbox, data=None, *, resource_group: str = ""):
        super().__init__(sandbox, data)
        if resource_group:
            self.initial["resource_group"] = resource_group
        self.prefixes = _rows(data, "address_prefix") if self.is_bound else []

    def spec(self) -> services.LocalGatewaySpec:
        return local_spec(self.value, self.prefixes, self.is_bound and bool(self.data.get("bgp")))

    @property
    def field_values(self) -> dict:
        return {
            "ip_address": self.value("ip_address"),
            "prefixes": self.prefixes,
            "bgp": self.is_bound and bool(self.data.get("bgp")),
            "bgp_asn": self.value("bgp_asn"),
            "bgp_peer_ip": self.value("bgp_peer_ip"),
        }

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
    sku = forms.CharField(max_length=20, label="SKU")


class LocalGatewayConfigForm(forms.Form):
    ip_address = forms.CharField(max_length=60, required=False, label="IP address")
    bgp = forms.BooleanField(required=False, label="Configure BGP settings")
    bgp_asn = forms.CharField(max_length=20, required=False, label="Autonomous system number (ASN)")
    bgp_peer_ip = forms.CharField(max_length=60, required=False, label="BGP peer IP address")

    def spec(self) -> services.LocalGatewaySpec:
        data = self.cleaned_data
        return local_spec(lambda n: data.get(n) or "", _rows(self.data, "address_prefix"), bool(data.get("bgp")))

    def posted_values(self) -> dict:
        """The fields as posted, shown again with the refusal."""
        data = self.data
        return {
            "ip_address": data.get("ip_address", ""),
            "prefixes": [p for p in data.getlist("address_prefix") if p.strip()][:200],
            "bgp": bool(data.get("bgp")),
            "bgp_asn": data.get("bgp_asn", ""),
            "bgp_peer_ip": data.get("bgp_peer_ip", ""),
        }


class ConnectionForm(forms.Form):
    name = forms.CharField(max_length=200, required=False, label="Name")
    connection_type = forms.ChoiceField(
        choices=[("IPsec", "Site-to-site (IPsec)"), ("ExpressRoute", "ExpressRoute")], label="Connection type"
    )
    local_gateway = forms.CharField(max_length=20, required=False, label="Local network gateway")
    circuit = forms.CharField(max_length=20, required=False, label="Circuit")
    shared_key = forms.CharField(max_length=300, required=False, strip=False, label="Shared key (PSK)")
    enable_bgp = forms.BooleanField(required=False, label="Enable BGP")
