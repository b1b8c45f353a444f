"""What an app's settings mean for its outbound traffic and DNS.

Pure functions over plain values, so the VNet Integration page, the
connectivity engine (issue #4) and tests read the same answer.
"""

from dataclasses import dataclass, field

from networking.engine.addressing import AZURE_DNS

ROUTE_ALL_SETTING = "WEBSITE_VNET_ROUTE_ALL"
DNS_SETTING = "WEBSITE_DNS_SERVER"
ALT_DNS_SETTING = "WEBSITE_DNS_ALT_SERVER"


@dataclass(frozen=True)
class OutboundConfig:
    integrated: bool
    regional: bool
    route_all: bool
    route_all_source: str
    route_all_rules: tuple[str, ...]
    dns_servers: tuple[str, ...]
    dns_source: str
    dns_rules: tuple[str, ...]
    private_zones: bool
    private_zones_reason: str
    private_zones_rules: tuple[str, ...]
    notes: list[str] = field(default_factory=list)

    @property
    def uses_azure_dns(self) -> bool:
        return self.dns_servers[:1] == (str(AZURE_DNS),)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true")


def outbound_config(
    *,
    settings: dict[str, str],
    route_all_property: bool | None,
    integrated: bool,
    regional: bool,
    vnet_dns_servers: list[str],
    private_zones_need_app_settings: bool,
    # How the page names the site property: Route All (Classic) or Outbound internet traffic (Current).
    property_name: str = "the vnetRouteAllEnabled site property (Route All)",
) -> OutboundConfig:
    """Decide routing (SEED-17, ASRT-01, ASRT-02, ASRT-05, ASRT-13) and DNS
    (SEED-24, ASDNS-01, ASDNS-04, ASDNS-06) for an app."""
    upper = {k.upper(): v for k, v in settings.items()}

    if route_all_property is not None:
        route_all = route_all_property
        route_source = f"{property_name}, which wins over the app setting"
        route_rules = ("ASRT-06", "ASRT-13")
    elif ROUTE_ALL_SETTING in upper:
        route_all = _truthy(upper[ROUTE_ALL_SETTING])
        route_source = f"the app setting {ROUTE_ALL_SETTING} = {upper[ROUTE_ALL_SETTING]}"
        route_rules = ("SEED-17", "ASRT-05")
    else:
        route_all = False
        route_source = "the default (no route-all setting)"
        route_rules = ("SEED-17", "ASRT-01")

    explicit = [s for s in upper.get(DNS_SETTING, "").split(",") if s]
    if explicit:
        servers = explicit
        dns_source = f"the app setting {DNS_SETTING}"
        dns_rules = ("ASDNS-04", "ASDNS-05")
    elif integrated and vnet_dns_servers:
        servers = list(vnet_dns_servers)
        dns_source = "the integrated virtual network's custom DNS servers"
        dns_rules = ("SEED-24", "ASDNS-01") if regional else ("ASGW-06", "ASDNS-01")
    else:
        servers = [str(AZURE_DNS)]
        dns_source = "Azure DNS (the default)" if not integrated else "the virtual network's default: Azure DNS"
        dns_rules = ("ASDNS-01",) if regional or not integrated else ("ASGW-06", "ASDNS-01")
    alt = upper.get(ALT_DNS_SETTING, "").strip()
    if alt:
        servers.append(alt)
        dns_rules = dns_rules + ("ASDNS-06",)

    zones, zones_reason, zones_rules = _private_zones(
        integrated=integrated,
        regional=regional,
        route_all=route_all,
        explicit=explicit,
        servers=servers,
        need_settings=private_zones_need_app_settings,
    )
    return OutboundConfig(
        integrated=integrated,
        regional=regional,
        route_all=route_all and integrated and regional,
        route_all_source=route_source,
        route_all_rules=route_rules,
        dns_servers=tuple(servers),
        dns_source=dns_source,
        dns_rules=dns_rules,
        private_zones=zones,
        private_zones_reason=zones_reason,
        private_zones_rules=zones_rules,
    )


def _gateway_private_zones(explicit: list[str]) -> tuple[bool, str, tuple[str, ...]]:
    """ASGW-06: gateway-required integration takes the virtual network's DNS
    servers, unless WEBSITE_DNS_SERVER names others (ASDNS-04), which the
    "DNS servers used" line then lists. Either way the queries don't come
    from inside the virtual network, so its linked private zones don't
    answer (the connectivity engine resolves the same way)."""
    if explicit:
        return (
            False,
            f"The app setting {DNS_SETTING} replaces the virtual network's DNS servers that gateway-required "
            "integration would use, and its queries don't come from inside the virtual network, so the private "
            "DNS zones linked to it don't answer.",
            ("ASGW-06", "ASDNS-04"),
        )
    return (
        False,
        "Gateway-required integration uses the virtual network's DNS servers, but its queries don't come from "
        "inside the virtual network, so the private DNS zones linked to it don't answer.",
        ("ASGW-06",),
    )


def _private_zones(*, integrated, regional, route_all, explicit, servers, need_settings):
    azure = str(AZURE_DNS)
    if not integrated:
        return False, "The app isn't integrated with a virtual network, so it resolves names publicly.", ("ASDNS-01",)
    if not regional:
        return _gateway_private_zones(explicit)
    if need_settings:
        if explicit[:1] == [azure] and route_all:
            return (
                True,
                f"{DNS_SETTING} = {azure} and route-all are both set, so the app queries the private DNS zones linked to the virtual network.",
                ("SEED-24",),
            )
        missing = []
        if explicit[:1] != [azure]:
            missing.append(f"{DNS_SETTING} = {azure}")
        if not route_all:
            missing.append(f"{ROUTE_ALL_SETTING} = 1")
        return (
            False,
            "an integrated app uses them only with " + " and ".join(missing) + ".",
            ("SEED-24",),
        )
    if servers[:1] == [azure]:
        return (
            True,
            "The app uses Azure DNS, which answers from the private DNS zones linked to the virtual network.",
            ("ASDNS-01", "PEDNS-16"),
        )
    return (
        False,
        "The app uses custom DNS servers; they must forward to Azure DNS (168.63.129.16) for private zones to resolve.",
        ("ASDNS-13", "PEDNS-17"),
    )
