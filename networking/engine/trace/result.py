"""What a trace answers: its steps, the hops a diagram draws, the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

REACHABLE, BLOCKED, FORWARDED = "Reachable", "Blocked", "Forwarded"
# The network delivers the packet, but no resource holds the address: nothing
# answers. Distinct from Blocked, where a rule or a route stops the packet;
# decided by the DESTINATION_STEP step (ROUTE-01, NW-41).
NO_ANSWER = "No answer"
DESTINATION_STEP = "Destination"

# Hop kinds, in the order a packet meets them, and their states. "Node" is
# the AKS node a kubenet packet passes through to reach a pod (AKS-05).
SOURCE, SUBNET, NSG, ROUTE, NEXT_HOP, NODE, DESTINATION = (
    "Source",
    "Subnet",
    "Network security group",
    "Route",
    "Next hop",
    "Node",
    "Destination",
)

HOP_KINDS = (SOURCE, SUBNET, NSG, ROUTE, NEXT_HOP, NODE, DESTINATION)

HOP_OK, HOP_BLOCKED, HOP_INFO = "ok", "blocked", "info"


@dataclass(frozen=True)
class Step:
    name: str
    outcome: str
    detail: str
    rule_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hop:
    """One box of the path diagram: ``kind`` is one of HOP_KINDS, ``label``
    a short name, ``state`` "ok", "blocked" or "info"."""

    kind: str
    label: str
    detail: str
    state: str = HOP_OK


@dataclass
class Trace:
    source: str
    destination: str
    port: int
    protocol: str
    steps: list[Step] = field(default_factory=list)
    verdict: str = REACHABLE
    deciding_step: str = ""
    fix: str = ""
    source_ip: str = ""
    destination_ip: str = ""
    hops: list[Hop] = field(default_factory=list)

    def add(self, name: str, outcome: str, detail: str, *rule_ids: str) -> None:
        self.steps.append(Step(name, outcome, detail, tuple(rule_ids)))

    def hop(self, kind: str, label: str, detail: str = "", state: str = HOP_OK) -> None:
        self.hops.append(Hop(kind, label, detail, state))

    def block(
        self, name: str, detail: str, fix: str, *rule_ids: str, hop: str | None = None, label: str | None = None
    ) -> Trace:
        """Stop the trace at step ``name``. The packet stops at a hop: a new
        one when ``label`` is given, else the last hop met (of kind ``hop``,
        if it is that kind), which turns "blocked"."""
        self.add(name, BLOCKED, detail, *rule_ids)
        self.verdict, self.deciding_step, self.fix = BLOCKED, name, fix
        self._stop(hop, label, detail)
        return self

    def _stop(self, kind: str | None, label: str | None, detail: str) -> None:
        last = self.hops[-1] if self.hops else None
        if label is None and last is not None and kind in (None, last.kind):
            self.hops[-1] = replace(last, detail=detail, state=HOP_BLOCKED)
        else:
            self.hops.append(Hop(kind or DESTINATION, label or "", detail, HOP_BLOCKED))

    @property
    def rule_ids(self) -> tuple[str, ...]:
        seen: list[str] = []
        for step in self.steps:
            seen.extend(i for i in step.rule_ids if i not in seen)
        return tuple(seen)

    @property
    def is_icmp(self) -> bool:
        return self.protocol.lower() == "icmp"

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "destination": self.destination,
            "port": self.port,
            "protocol": self.protocol,
            "verdict": self.verdict,
            "decidingStep": self.deciding_step,
            "fix": self.fix,
            "sourceIp": self.source_ip,
            "destinationIp": self.destination_ip,
            "steps": [
                {"step": s.name, "outcome": s.outcome, "detail": s.detail, "rules": list(s.rule_ids)}
                for s in self.steps
            ],
            "hops": [{"kind": h.kind, "label": h.label, "detail": h.detail, "state": h.state} for h in self.hops],
        }


def new_trace(source: str, destination: str, port: int, protocol: str) -> Trace:
    # ICMP has no ports (NSG-10 lists it under protocol Any; rules' port
    # conditions don't apply): the trace records port 0.
    return Trace(
        source=source, destination=destination, port=0 if protocol.lower() == "icmp" else port, protocol=protocol
    )
