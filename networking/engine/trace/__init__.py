"""Where does an outbound packet go? (pure: no Django)

Four sources. An App Service app (trace_app) follows azure-rules.md §15:
resolve the name, decide whether the packet enters the VNet, apply the
integration subnet's outbound NSG, pick a route, deliver (or drop) and say
which source address the destination sees. A VM's NIC (trace_nic) and a
subnet (trace_subnet: a VM at the subnet's first usable address with no NIC
NSG) are always inside their VNet, so they skip the entry decision: name
resolution with the VNet's DNS, the outbound NSGs (NIC then subnet, NSG-21),
the subnet's effective routes, delivery. An AKS pod (trace_pod) goes out
through its node's NIC: the node's NSGs and subnet routes, from the pod's
address or, after SNAT, the node's (azure-rules.md §12).

Each step records the rules behind it; a blocked trace names the step and a
fix. ``hops`` is the same path as a diagram draws it: Source, Subnet,
Network security group(s), Route, Next hop, Node (a kubenet node on the
way to its pod), Destination, only those the packet met, the last one
"blocked" when the packet stops there.

The package follows the data flow: :mod:`.result` (what a trace answers),
:mod:`.steps` (name resolution, outbound NSGs, route: shared by every
source), :mod:`.delivery` (where the next hop takes the packet), and one
walk per source: :mod:`.app`, :mod:`.vm`, :mod:`.pod`.
"""

from networking.engine.topology import DEFAULT_OUTBOUND_ACCESS
from networking.engine.trace.app import STAND_IN_P2S_POOL, trace_app
from networking.engine.trace.delivery import DEFAULT_OUTBOUND_IP, NEXT_HOP_LABELS
from networking.engine.trace.pod import trace_pod
from networking.engine.trace.result import (
    BLOCKED,
    DESTINATION,
    DESTINATION_STEP,
    FORWARDED,
    HOP_BLOCKED,
    HOP_INFO,
    HOP_KINDS,
    HOP_OK,
    NEXT_HOP,
    NO_ANSWER,
    NODE,
    NSG,
    REACHABLE,
    ROUTE,
    SOURCE,
    SUBNET,
    Hop,
    Step,
    Trace,
)
from networking.engine.trace.steps import (
    EPHEMERAL_PORT,
    PLATFORM_ADDRESSES,
    RFC1918,
    TAG_RULES,
    resolver_for,
    resolver_for_vnet,
)
from networking.engine.trace.vm import first_usable_address, trace_nic, trace_subnet

__all__ = [
    "BLOCKED",
    "DEFAULT_OUTBOUND_ACCESS",
    "DEFAULT_OUTBOUND_IP",
    "DESTINATION",
    "DESTINATION_STEP",
    "EPHEMERAL_PORT",
    "FORWARDED",
    "HOP_BLOCKED",
    "HOP_INFO",
    "HOP_KINDS",
    "HOP_OK",
    "NEXT_HOP",
    "NEXT_HOP_LABELS",
    "NO_ANSWER",
    "NODE",
    "NSG",
    "PLATFORM_ADDRESSES",
    "REACHABLE",
    "RFC1918",
    "ROUTE",
    "SOURCE",
    "STAND_IN_P2S_POOL",
    "SUBNET",
    "TAG_RULES",
    "Hop",
    "Step",
    "Trace",
    "first_usable_address",
    "resolver_for",
    "resolver_for_vnet",
    "trace_app",
    "trace_nic",
    "trace_pod",
    "trace_subnet",
]
