"""The App Service console (Kudu-like): the two network tools App Service
offers, ``nameresolver`` and ``tcpping``, answered from the connectivity
engine as the real tools print (ASGW-20)."""

from dataclasses import replace

from appservice import snapshot as app_snapshot
from appservice.models import WebApp
from networking import snapshot
from networking.engine import dns
from networking.engine.trace import REACHABLE, resolver_for, trace_app

CONSOLE_HELP = (
    "Commands: nameresolver <host> [dns server]   tcpping <host>:<port>   help\n"
    "They run from the app's worker, as Kudu's do (ASGW-20); nslookup isn't "
    "available because it doesn't use the VNet's DNS."
)


def run_console_command(sandbox, app: WebApp, command: str) -> str:
    """Answer ``nameresolver`` and ``tcpping`` the way the tools print, from
    the engine's resolution and trace."""
    words = command.split()
    verb = words[0].lower() if words else ""
    if verb in ("help", "?"):
        return CONSOLE_HELP
    if verb == "nameresolver":
        if len(words) < 2:
            return "Usage: nameresolver <host> [dns server]"
        topology = snapshot.current(sandbox)
        source = app_snapshot.app_source(app)
        if len(words) > 2:
            source = replace(source, dns_servers=(words[2],))
        resolver = resolver_for(topology, source)
        answer = dns.resolve(words[1], resolver, topology.public_dns())
        lines = [f"Server: {resolver.servers[0]}", ""]
        if answer.nxdomain:
            lines.append(f"*** Can't find {words[1]}: Non-existent domain")
        else:
            lines.append(f"Name: {answer.chain[-1] if answer.chain else answer.name}")
            lines.append(f"Addresses: {', '.join(answer.addresses)}")
            if answer.chain:
                lines.append("Aliases: " + ", ".join((answer.name, *answer.chain[:-1])))
        return "\n".join(lines)
    if verb == "tcpping":
        target = words[1] if len(words) > 1 else ""
        host, _, port_text = target.rpartition(":")
        if not host or not port_text.isdecimal() or not 0 < int(port_text) <= 65535:
            return "Usage: tcpping <host>:<port>"
        trace = trace_app(snapshot.current(sandbox), app_snapshot.app_source(app), host, int(port_text))
        if trace.verdict == REACHABLE:
            attempts = [f"Connected to {target}: time<1ms"] * 4
            return "\n".join(attempts) + "\n\nComplete: 4/4 successful attempts (100%)."
        attempts = [f"Connection attempt failed: {trace.steps[-1].detail}"] * 4
        summary = f"Complete: 0/4 successful attempts (0%). {trace.verdict} at {trace.deciding_step}."
        return "\n".join(attempts) + f"\n\n{summary}\nFix: {trace.fix or 'see the Network troubleshooter'}"
    return f"'{verb}' is not recognized.\n" + CONSOLE_HELP
