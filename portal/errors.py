"""The one error type services raise when Azure would refuse something.

Each refusal carries the ERR text ID and the rule IDs behind it
(``shared/reference/azure-rules.md`` §16), a message in Azure's style, and the
form field it belongs on, so a view can put it next to the right input.
"""

from collections.abc import Mapping
from contextvars import ContextVar
from string import Formatter

# The refusals made during the request at hand (portal/refusals.py watches a
# write request's; None elsewhere, where nothing is kept).
made: ContextVar[list | None] = ContextVar("vnetlab_refusals", default=None)

# Azure-style messages, keyed by ERR ID (azure-rules.md §16). Placeholders are
# filled by :func:`refuse`.
ERR_TEXT = {
    "ERR-01": "Subnet '{subnet}' isn't empty. Virtual network integration requires an unused subnet.",
    "ERR-02": (
        "Virtual network '{vnet}' is in {vnet_region}, but the app is in {app_region}. "
        "Pick a virtual network in the app's region."
    ),
    "ERR-03": "The {tier} tier doesn't support virtual network integration. Scale '{plan}' to one of: {tiers}.",
    "ERR-04": (
        "Apps in an App Service Environment already run inside a virtual network; "
        "integration isn't available."
    ),
    "ERR-05": "Subnet '{subnet}' (/{n}) is too small. The minimum is /28, or /27 for a subnet created here.",
    "ERR-06": "Subnet '{subnet}' is already used by plan '{other}'. Choose another subnet.",
    "ERR-07": (
        "Subnet '{subnet}' is used by plan '{other}'. Sharing requires /26 or larger "
        "and plans in the same subscription."
    ),
    "ERR-08": "Plan '{plan}' already has {max} virtual network integration(s), the maximum.",
    "ERR-09": "App '{app}' is already integrated with '{vnet}/{subnet}'. Disconnect it first.",
    "ERR-10": (
        "Subnet '{subnet}' is delegated to '{service}'. It must be undelegated or "
        "delegated to 'Microsoft.Web/serverFarms'."
    ),
    "ERR-11": "Subnet '{subnet}' is delegated to '{service}' and can't hold private endpoints.",
    "ERR-13": "Virtual network '{vnet}' has an IPv6 address space, which integration doesn't support.",
    "ERR-14": "Subnet '{subnet}' can't be resized or deleted while '{resource}' uses it.",
    "ERR-15": (
        "Virtual network '{vnet}' can't be deleted while app '{app}' is integrated with it. "
        "Disconnect the app first."
    ),
    "ERR-18": (
        "Gateway-required integration unavailable: {reason} (Windows apps only; route-based "
        "SSTP gateway; no ExpressRoute/coexistence; RFC 1918 pool)."
    ),
    "ERR-19": "Plan '{plan}' already uses 5 virtual networks through gateway-required integration.",
    "ERR-20": "Address prefix '{cidr}' is reserved ({reason}) and can't be used.",
    "ERR-21": "Subnet '{cidr}' overlaps '{other}' or lies outside the address space of '{vnet}'.",
    "ERR-22": "'{vnetA}' and '{vnetB}' can't be peered: their address spaces overlap.",
    "ERR-23": "Prefix /{n} is invalid. IPv4 subnets must be /{largest}–/29; IPv6 subnets exactly /64.",
    "ERR-24": "Only one peering of '{vnet}' can use remote gateways.",
    "ERR-25": "Priority {p} is invalid. Use 100–4096.",
    "ERR-26": "Rule '{other}' already uses priority {p} for {direction} traffic.",
    "ERR-27": "Security rule '{name}' is invalid: {reason} (name rules; one service tag or ASG per rule).",
    "ERR-28": "Default rule '{name}' can't be deleted. Override it with a lower priority number.",
    "ERR-29": "Route '{route}' has an invalid next hop: {reason}.",
    "ERR-30": "Route table '{rt}' is full (400 routes; at most 25 with service tags).",
    "ERR-31": "'{vnet}' already has a link to '{zone}', or already has a registration zone.",
    "ERR-47": "'{setting}' must be {min}–{max} (at most 5 DNS servers).",
}


class AzureRuleError(Exception):
    """Azure refuses the request.

    ``rule_ids`` are the catalogue rules that decide it (``ASVI-20``...),
    ``err_id`` the message ID (``ERR-01``) when the refusal has one, and
    ``field`` the form field the message belongs on (``None`` for the form).
    """

    def __init__(self, message: str, *, rule_ids: tuple[str, ...], err_id: str = "", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.rule_ids = tuple(rule_ids)
        self.err_id = err_id
        self.field = field
        seen = made.get()
        if seen is not None and len(seen) < 100:
            seen.append(self)

    @property
    def learn_more(self) -> str:
        ids = ([self.err_id] if self.err_id else []) + list(self.rule_ids)
        return "Learn more: " + ", ".join(ids)

    def __str__(self) -> str:
        return f"{self.message} ({self.learn_more})"


def add_texts(texts: Mapping[str, str]) -> None:
    """Add an app's §16 texts to :data:`ERR_TEXT` (from its ``AppConfig.ready``),
    so its refusals go through :func:`refuse` like the rest. The frame
    can't import the app's pure engine that keeps them (AKS's, ERR-32 to
    ERR-46); an ID already listed must keep its text."""
    for err_id, text in texts.items():
        if ERR_TEXT.setdefault(err_id, text) != text:
            raise ValueError(f"{err_id} has two texts")


def refuse(err_id: str, *rule_ids: str, field: str | None = None, **values) -> AzureRuleError:
    """Build the refusal for ``err_id`` with its placeholders filled."""
    template = ERR_TEXT[err_id]
    missing = {name for _, name, _, _ in Formatter().parse(template) if name} - values.keys()
    if missing:
        raise KeyError(f"{err_id} needs {sorted(missing)}")
    return AzureRuleError(template.format(**values), rule_ids=rule_ids, err_id=err_id, field=field)


def rule_error(message: str, *rule_ids: str, field: str | None = None) -> AzureRuleError:
    """A refusal whose text is not in the §16 table (naming rules, app settings...)."""
    return AzureRuleError(message, rule_ids=rule_ids, field=field)
