"""Trace an outbound connection from the shell, for scripts and instructors:
the same engine as the portal's troubleshooters. The source is a VM (its
first NIC), a NIC, a subnet (a VM at its first usable address), or what a
higher app registers as a trace source (networking/snapshot.py
TraceSource): an App Service app, or an AKS pod named CLUSTER/NODE/IP (a
kubenet or Overlay node's pods take .4 onwards of its /24, an Azure CNI
node's pods the subnet addresses reserved for it; the Connection
troubleshoot picker lists them).

    python manage.py trace --sandbox <key> --app contoso-web --to contoso-sql.database.windows.net --port 1433 --json
    python manage.py trace --sandbox <key> --vm contoso-vm01 --to 10.0.2.4 --protocol Icmp
    python manage.py trace --sandbox <key> --subnet contoso-vnet/vm-subnet --to www.contoso.com
    python manage.py trace --sandbox <key> --pod lab-aks/aks-agentpool-12345678-vmss000000/10.244.0.4 --to 10.244.1.4
"""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from networking import snapshot
from networking.engine.trace import NO_ANSWER
from portal.models import Sandbox


class Command(BaseCommand):
    help = (
        "Show where an outbound packet goes, step by step, with the Azure rule behind each step. The source is an "
        "app, a VM, a NIC, a subnet (VNET/SUBNET) or an AKS pod (CLUSTER/NODE/IP)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sandbox", required=True, help="The sandbox key (its UUID).")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--vm", help="A virtual machine's name (traced from its first NIC).")
        source.add_argument("--nic", help="A network interface's name.")
        source.add_argument("--subnet", metavar="VNET/SUBNET", help="A subnet (a VM at its first usable address).")
        for registered in snapshot.trace_sources():
            source.add_argument(f"--{registered.option}", metavar=registered.metavar, help=registered.help)
        parser.add_argument("--to", required=True, dest="destination", help="A host name or an IPv4 address.")
        parser.add_argument("--port", type=int, default=443, help="Ignored for ICMP.")
        parser.add_argument("--protocol", default="Tcp", choices=["Tcp", "Udp", "Icmp"])
        parser.add_argument("--json", action="store_true", help="Print the trace as JSON.")

    def handle(self, *args, **options):
        try:
            sandbox = Sandbox.objects.get(key=options["sandbox"])
        except (Sandbox.DoesNotExist, ValidationError):
            raise CommandError(f"No sandbox {options['sandbox']!r}.") from None
        if not 0 <= options["port"] <= 65535:
            raise CommandError("The port must be 0-65535.")
        trace = self._trace(sandbox, options)
        if options["json"]:
            self.stdout.write(json.dumps(trace.as_dict(), indent=2))
            return
        where = "ICMP" if trace.is_icmp else f"{trace.port}/{trace.protocol}"
        self.stdout.write(f"{trace.source} -> {trace.destination}:{where}: {trace.verdict}")
        for number, step in enumerate(trace.steps, 1):
            rules = f" [{', '.join(step.rule_ids)}]" if step.rule_ids else ""
            self.stdout.write(f"  {number}. {step.name}: {step.outcome}. {step.detail}{rules}")
        # The hop where the packet stops: blocked, or (NO_ANSWER) reached with nobody there.
        stop = " (no answer)" if trace.verdict == NO_ANSWER else " (blocked)"
        self.stdout.write(
            "Path: " + " -> ".join(f"{h.label}{stop if h.state == 'blocked' else ''}" for h in trace.hops)
        )
        if trace.fix:
            self.stdout.write(f"Fix: {trace.fix}")

    def _trace(self, sandbox, options):
        kinds = (*snapshot.SOURCE_KINDS, *(t.option for t in snapshot.trace_sources()))
        kind = next(k for k in kinds if options.get(k))
        try:
            return snapshot.trace_from(
                sandbox, kind, options[kind], options["destination"], options["port"], options["protocol"]
            )
        except LookupError as error:
            raise CommandError(str(error)) from None
