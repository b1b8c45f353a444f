"""Name resolution as an app or a VM in a VNet sees it (pure: no Django).

Public DNS is a small table of names the lab knows (PaaS hosts, web apps),
with Azure's privatelink CNAME inserted for a resource that has a private
endpoint (PEDNS-10). Azure DNS (168.63.129.16) answers from the private zones
linked to the asking VNet (PEDNS-16, PEDNS-20): an A record gives the private
address (PEDNS-11), a linked zone without the record answers NXDOMAIN
(PEDNS-13) unless the link falls back to public resolution (PEDNS-14,
Current). Custom DNS servers answer public names only unless they forward to
Azure DNS (ASDNS-02, PEDNS-17).
"""

from __future__ import annotations

from dataclasses import dataclass, field

AZURE_DNS = "168.63.129.16"


@dataclass(frozen=True)
class Zone:
    """A private zone as seen through one VNet link."""

    name: str
    records: dict[str, tuple[str, tuple[str, ...]]]  # relative name -> (type, values)
    fallback_to_internet: bool = False  # PEDNS-14 NxDomainRedirect


@dataclass(frozen=True)
class Resolver:
    """Who answers, for one client."""

    servers: tuple[str, ...]
    linked_zones: tuple[Zone, ...] = ()
    # Whether private zones are consulted at all (SEED-24 for a Classic-era app).
    private_zones: bool = True
    # Custom servers known to forward to Azure DNS from inside the VNet (PEDNS-17).
    forwarders: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Step:
    text: str
    rule_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    name: str
    addresses: tuple[str, ...]
    chain: tuple[str, ...]  # CNAMEs followed, in order
    nxdomain: bool = False
    private: bool = False  # answered from a private zone
    steps: tuple[Step, ...] = field(default_factory=tuple)

    @property
    def address(self) -> str | None:
        return self.addresses[0] if self.addresses else None


def _zone_for(name: str, zones: tuple[Zone, ...]) -> tuple[Zone, str] | None:
    """The longest linked zone that contains ``name``, and the relative name."""
    best = None
    for zone in zones:
        inside = name == zone.name or name.endswith("." + zone.name)
        if inside and (best is None or len(zone.name) > len(best.name)):
            best = zone
    if best is None:
        return None
    relative = "@" if name == best.name else name[: -len(best.name) - 1]
    return best, relative


def resolve(name: str, resolver: Resolver, public: dict[str, tuple[str, str]], max_hops: int = 8) -> Answer:
    """Resolve ``name``. ``public`` maps a host name to ("CNAME", target) or
    ("A", address): the internet's view."""
    name = name.strip().rstrip(".").lower()
    steps: list[Step] = []
    chain: list[str] = []
    uses_azure = bool(resolver.servers) and (
        resolver.servers[0] == AZURE_DNS or resolver.servers[0] in resolver.forwarders
    )
    if resolver.servers and resolver.servers[0] == AZURE_DNS:
        steps.append(Step(f"The query goes to Azure DNS ({AZURE_DNS}).", ("ASDNS-01", "PEDNS-16")))
    elif resolver.servers and uses_azure:
        steps.append(Step(f"The query goes to {resolver.servers[0]}, which forwards to Azure DNS.", ("PEDNS-17",)))
    elif resolver.servers:
        steps.append(
            Step(
                f"The query goes to the custom DNS server {resolver.servers[0]}: it answers public names, "
                "but private DNS zones only if it forwards to 168.63.129.16.",
                ("ASDNS-02", "PEDNS-17"),
            )
        )
    consult_private = uses_azure and resolver.private_zones
    if uses_azure and not resolver.private_zones:
        steps.append(
            Step(
                "This app doesn't consult private DNS zones (it needs WEBSITE_DNS_SERVER and route-all).", ("SEED-24",)
            )
        )
    current = name
    private_answer = False
    for _ in range(max_hops):
        if consult_private:
            found = _zone_for(current, resolver.linked_zones)
            if found is not None:
                zone, relative = found
                record = zone.records.get(relative)
                if record is None:
                    if zone.fallback_to_internet:
                        steps.append(
                            Step(
                                f"'{zone.name}' has no record for '{relative}'; the link falls back to public resolution.",
                                ("PEDNS-14",),
                            )
                        )
                    else:
                        steps.append(
                            Step(
                                f"'{current}' is in the linked private zone '{zone.name}', which has no record for it: NXDOMAIN.",
                                ("PEDNS-13",),
                            )
                        )
                        return Answer(name, (), tuple(chain), nxdomain=True, steps=tuple(steps))
                else:
                    kind, values = record
                    if kind == "CNAME":
                        chain.append(values[0])
                        steps.append(Step(f"'{current}' is a CNAME for '{values[0]}' in '{zone.name}'.", ("PEDNS-11",)))
                        current = values[0].rstrip(".").lower()
                        continue
                    steps.append(
                        Step(f"'{current}' is A {', '.join(values)} in the private zone '{zone.name}'.", ("PEDNS-11",))
                    )
                    return Answer(name, values, tuple(chain), private=True, steps=tuple(steps))
        entry = public.get(current)
        if entry is None:
            steps.append(Step(f"No public DNS record exists for '{current}': NXDOMAIN.", ()))
            return Answer(name, (), tuple(chain), nxdomain=True, private=private_answer, steps=tuple(steps))
        kind, value = entry
        if kind == "CNAME":
            chain.append(value)
            rule = ("PEDNS-10",) if ".privatelink." in value else ()
            steps.append(Step(f"Public DNS: '{current}' is a CNAME for '{value}'.", rule))
            current = value
            continue
        rules = ("PEDNS-12",) if any(".privatelink." in c for c in chain) else ()
        steps.append(Step(f"Public DNS: '{current}' is A {value} (a public address).", rules))
        return Answer(name, (value,), tuple(chain), steps=tuple(steps))
    steps.append(Step("Too many CNAMEs: the resolution gives up.", ()))
    return Answer(name, (), tuple(chain), nxdomain=True, steps=tuple(steps))
