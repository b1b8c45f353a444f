"""Network security rule data and parsing (pure: no Django).

What an NSG is made of, as Azure defines it: the six default rules (NSG-10,
names as ARM spells them, NSG-11), the service tags a rule may name
(NSG-23, NSG-30 to NSG-35), and the shapes of priorities (NSG-02), ports
(NSG-07), addresses (NSG-04) and names (NSG-01). The portal's services use it
to refuse bad input; the connectivity engine (issue #4) uses it to evaluate
rules. Every refusal is a :class:`RuleProblem` carrying the rule ID, so the
caller can turn it into its own error type.
"""

import re
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

ANY = "*"
INBOUND, OUTBOUND = "Inbound", "Outbound"
DIRECTIONS = (INBOUND, OUTBOUND)

PRIORITY_MIN, PRIORITY_MAX = 100, 4096  # NSG-02
PORT_MIN, PORT_MAX = 0, 65535  # NSG-07
NAME_MAX = 80  # NSG-01
DESCRIPTION_MAX = 140  # portal-ui §4
MAX_RULES_PER_NSG = 1000  # LIMIT-15
MAX_PREFIXES_PER_SIDE = 4000  # LIMIT-16
MAX_NSGS_PER_REGION = 5000  # LIMIT-14

# NSG-06: the protocols a rule can have; the portal offers only the first four.
PORTAL_PROTOCOLS = ("*", "Tcp", "Udp", "Icmp")
ARM_ONLY_PROTOCOLS = ("Esp", "Ah")
PROTOCOL_LABELS = {"*": "Any", "Tcp": "TCP", "Udp": "UDP", "Icmp": "ICMP", "Esp": "ESP", "Ah": "AH"}


class RuleProblem(ValueError):
    """The text is not what Azure accepts; ``rule_id`` says which rule."""

    def __init__(self, message: str, rule_id: str) -> None:
        super().__init__(message)
        self.message = message
        self.rule_id = rule_id


@dataclass(frozen=True)
class DefaultRule:
    """One of the six rules every NSG has and nobody can remove (NSG-10)."""

    name: str
    direction: str
    priority: int
    source: str
    destination: str
    access: str
    protocol: str = ANY
    source_ports: str = "0-65535"
    destination_ports: str = "0-65535"

    is_default = True

    @property
    def description(self) -> str:
        return {
            "AllowVnetInBound": "Allow inbound traffic from all VMs in VNET",
            "AllowAzureLoadBalancerInBound": "Allow inbound traffic from azure load balancer",
            "DenyAllInBound": "Deny all inbound traffic",
            "AllowVnetOutBound": "Allow outbound traffic from all VMs to all VMs in VNET",
            "AllowInternetOutBound": "Allow outbound traffic from all VMs to Internet",
            "DenyAllOutBound": "Deny all outbound traffic",
        }[self.name]


# NSG-10 / NSG-11: exact names, priorities and casing as ARM returns them.
DEFAULT_RULES = (
    DefaultRule("AllowVnetInBound", INBOUND, 65000, "VirtualNetwork", "VirtualNetwork", "Allow"),
    DefaultRule("AllowAzureLoadBalancerInBound", INBOUND, 65001, "AzureLoadBalancer", "0.0.0.0/0", "Allow"),
    DefaultRule("DenyAllInBound", INBOUND, 65500, "0.0.0.0/0", "0.0.0.0/0", "Deny"),
    DefaultRule("AllowVnetOutBound", OUTBOUND, 65000, "VirtualNetwork", "VirtualNetwork", "Allow"),
    DefaultRule("AllowInternetOutBound", OUTBOUND, 65001, "0.0.0.0/0", "Internet", "Allow"),
    DefaultRule("DenyAllOutBound", OUTBOUND, 65500, "0.0.0.0/0", "0.0.0.0/0", "Deny"),
)
DEFAULT_RULE_NAMES = frozenset(r.name for r in DEFAULT_RULES)


def default_rules(direction: str) -> tuple[DefaultRule, ...]:
    return tuple(r for r in DEFAULT_RULES if r.direction == direction)


def default_rule(name: str) -> DefaultRule | None:
    return next((r for r in DEFAULT_RULES if r.name == name), None)


# Service tags a rule may use, canonical spelling. NSG-30..NSG-33 and NSG-34's
# tags; NSG-23's platform tags.
SERVICE_TAGS = (
    "VirtualNetwork",  # NSG-30
    "Internet",  # NSG-31
    "AzureLoadBalancer",  # NSG-32
    "AzureCloud",  # NSG-33
    "Storage",  # NSG-34
    "Sql",
    "AppService",
    "AzureKeyVault",
    "AzureCosmosDB",
    "EventHub",
    "ServiceBus",
    "AzureContainerRegistry",
    "AppServiceManagement",
    "GatewayManager",
    "AzureFrontDoor.Backend",
    "AzureFrontDoor.Frontend",
    "AzureFrontDoor.FirstParty",
    "AzurePlatformDNS",  # NSG-23
    "AzurePlatformIMDS",
    "AzurePlatformLKM",
)
# NSG-33 / NSG-34: tags with regional variants (Storage.EastUS).
REGIONAL_TAGS = (
    "AzureCloud",
    "Storage",
    "Sql",
    "AppService",
    "AzureKeyVault",
    "AzureCosmosDB",
    "EventHub",
    "ServiceBus",
    "AzureContainerRegistry",
)
# NSG-35: the classic spellings of three tags.
CLASSIC_TAG_SPELLINGS = {
    "AZURE_LOADBALANCER": "AzureLoadBalancer",
    "INTERNET": "Internet",
    "VIRTUAL_NETWORK": "VirtualNetwork",
}
# Regions for regional tags: the portal's region names without spaces.
TAG_REGIONS = (
    "EastUS",
    "EastUS2",
    "WestUS",
    "WestUS2",
    "CentralUS",
    "NorthEurope",
    "WestEurope",
    "UKSouth",
    "SoutheastAsia",
    "AustraliaEast",
)
_TAGS_BY_KEY = {t.lower(): t for t in SERVICE_TAGS}
_TAGS_BY_KEY.update({k.lower(): k for k in CLASSIC_TAG_SPELLINGS})
_REGIONAL_BY_KEY = {t.lower(): t for t in REGIONAL_TAGS}
_REGIONS_BY_KEY = {r.lower(): r for r in TAG_REGIONS}


def canonical_tag(text: str) -> str | None:
    """The tag's canonical spelling, or None when Azure doesn't know it."""
    key = (text or "").strip().lower()
    if key in _TAGS_BY_KEY:
        return _TAGS_BY_KEY[key]
    base, dot, region = key.partition(".")
    if dot and base in _REGIONAL_BY_KEY and region in _REGIONS_BY_KEY:
        return f"{_REGIONAL_BY_KEY[base]}.{_REGIONS_BY_KEY[region]}"
    return None


# --- shapes ------------------------------------------------------------------------

_NAME = re.compile(r"\w(?:[\w.-]*\w)?", re.ASCII)  # NSG-01


def name_problem(name: str) -> str | None:
    """NSG-01: why a rule name is refused, or None."""
    if not name:
        return "a name is required"
    if len(name) > NAME_MAX:
        return f"the name can be at most {NAME_MAX} characters"
    if not _NAME.fullmatch(name):
        return (
            "the name must start with a letter, digit or underscore, end with a letter, digit or underscore, "
            "and contain only letters, digits, underscores, periods and hyphens"
        )
    return None


def parse_priority(text: str | int | None) -> int:
    """NSG-02: an integer from 100 to 4096."""
    value = str(text if text is not None else "").strip()
    if not re.fullmatch(r"[0-9]{1,6}", value) or not PRIORITY_MIN <= int(value) <= PRIORITY_MAX:
        raise RuleProblem(f"Priority {value[:12] or '(empty)'} is invalid. Use 100–4096.", "NSG-02")
    return int(value)


def parse_port_ranges(text: str) -> list[str]:
    """NSG-07: ``*``, or a comma list of single ports and ranges ``a-b`` (a ≤ b), 0-65535."""
    value = (text or "").strip()
    if not value:
        raise RuleProblem("Enter a port, a range (1000-2000), a comma-separated list, or *.", "NSG-07")
    if value == ANY:
        return [ANY]
    result: list[str] = []
    for item in (part.strip() for part in value.split(",")):
        match = re.fullmatch(r"([0-9]{1,5})(?: *- *([0-9]{1,5}))?", item)
        if not match:
            shown = item[:20] or "(empty)"
            raise RuleProblem(
                f"'{shown}' is not a valid port or port range. Use a single port (80), a range (1000-2000), "
                "a comma-separated list (80,443) or *.",
                "NSG-07",
            )
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) is not None else low
        if not (PORT_MIN <= low <= PORT_MAX and PORT_MIN <= high <= PORT_MAX):
            raise RuleProblem(f"Port '{item}' is out of range. Ports are 0-65535.", "NSG-07")
        if low > high:
            raise RuleProblem(f"Port range '{item}' is invalid: the start must not be greater than the end.", "NSG-07")
        result.append(str(low) if low == high else f"{low}-{high}")
    return result


Address = IPv4Address | IPv6Address | IPv4Network | IPv6Network


def parse_address(text: str) -> Address:
    """One IP address or CIDR block; host bits set (10.0.1.5/24) are refused."""
    value = text.strip()
    try:
        if "/" in value:
            return ip_network(value, strict=True)
        return ip_address(value)
    except ValueError:
        pass
    try:
        meant = ip_network(value, strict=False)
    except ValueError:
        shown = value[:40] or "(empty)"
        raise RuleProblem(f"'{shown}' is not a valid IP address or CIDR range.", "NSG-04") from None
    raise RuleProblem(f"'{value}' is not a valid CIDR range: its host bits are set. Did you mean '{meant}'?", "NSG-04")


def parse_address_prefixes(text: str) -> list[str]:
    """NSG-04: a comma list of IPs and CIDR ranges (no service tags), at most 4,000 (LIMIT-16)."""
    items = [part.strip() for part in (text or "").split(",")]
    if not any(items):
        raise RuleProblem("Enter at least one IP address or CIDR range.", "NSG-04")
    if len(items) > MAX_PREFIXES_PER_SIDE:
        raise RuleProblem(
            f"{len(items)} addresses is too many: a rule's source or destination takes at most 4,000.", "LIMIT-16"
        )
    result = []
    for item in items:
        if canonical_tag(item):
            raise RuleProblem(
                f"'{item}' is a service tag. Choose 'Service Tag' as the source or destination; "
                "a rule takes one service tag, on its own.",
                "NSG-04",
            )
        result.append(str(parse_address(item)))
    return result


def parse_service_tag(text: str) -> str:
    """NSG-04: exactly one service tag Azure knows (NSG-30 to NSG-35)."""
    value = (text or "").strip()
    if "," in value:
        raise RuleProblem("A rule can use only one service tag for its source or destination.", "NSG-04")
    tag = canonical_tag(value)
    if tag is None:
        raise RuleProblem(f"'{value[:40]}' is not a service tag Azure knows.", "NSG-04")
    return CLASSIC_TAG_SPELLINGS.get(tag, tag)


# portal-ui §4: "Service" presets fill the destination port and protocol.
SERVICES = {
    "Custom": None,
    "HTTP": ("80", "Tcp"),
    "HTTPS": ("443", "Tcp"),
    "RDP": ("3389", "Tcp"),
    "SSH": ("22", "Tcp"),
    "MS SQL": ("1433", "Tcp"),
}


def suggested_name(service: str, ports: str, direction: str) -> str:
    """The pane's pre-filled name: ``Port_8080`` for a custom port, the service's name otherwise."""
    if service in SERVICES and service != "Custom":
        base = service
    else:
        base = "Port_" + ("Any" if ports.strip() in ("", ANY) else ports)
    cleaned = re.sub(r"[^\w.-]+", "_", base, flags=re.ASCII).strip(".-") or "Rule"
    return cleaned[:NAME_MAX]


def next_priority(used: list[int]) -> int:
    """100 for the first custom rule, then the highest + 10 (portal-ui §4), else the first free number."""
    if not used:
        return PRIORITY_MIN
    candidate = max(used) + 10
    if candidate <= PRIORITY_MAX:
        return candidate
    taken = set(used)
    return next((p for p in range(PRIORITY_MIN, PRIORITY_MAX + 1) if p not in taken), PRIORITY_MAX)


def display_prefixes(prefixes: list[str]) -> str:
    """How the rule grid shows a source or destination."""
    if not prefixes or list(prefixes) == [ANY] or list(prefixes) == ["0.0.0.0/0"]:
        return "Any"
    return ", ".join(prefixes)


def display_ports(ports: list[str]) -> str:
    if not ports or list(ports) == [ANY] or list(ports) == ["0-65535"]:
        return "Any"
    return ", ".join(ports)
