"""Trace an app's outbound connection from the shell, for scripts and
instructors: the same engine as the portal's troubleshooter.

    python manage.py trace --sandbox <key> --app contoso-web --to contoso-sql.database.windows.net --port 1433 --json
"""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from appservice.models import WebApp
from networking import snapshot
from networking.engine.trace import trace_app
from portal.models import Sandbox


class Command(BaseCommand):
    help = "Show where an App Service app's outbound packet goes, step by step, with the Azure rule behind each step."

    def add_arguments(self, parser):
        parser.add_argument("--sandbox", required=True, help="The sandbox key (its UUID).")
        parser.add_argument("--app", required=True, help="The web app's name.")
        parser.add_argument("--to", required=True, dest="destination", help="A host name or an IPv4 address.")
        parser.add_argument("--port", type=int, default=443)
        parser.add_argument("--protocol", default="Tcp", choices=["Tcp", "Udp"])
        parser.add_argument("--json", action="store_true", help="Print the trace as JSON.")

    def handle(self, *args, **options):
        try:
            sandbox = Sandbox.objects.get(key=options["sandbox"])
        except (Sandbox.DoesNotExist, ValidationError):
            raise CommandError(f"No sandbox {options['sandbox']!r}.") from None
        app = WebApp.objects.select_related("sandbox").filter(sandbox=sandbox, name__iexact=options["app"]).first()
        if app is None:
            raise CommandError(f"No app {options['app']!r} in that sandbox.")
        if not 0 <= options["port"] <= 65535:
            raise CommandError("The port must be 0-65535.")
        trace = trace_app(
            snapshot.build(sandbox),
            snapshot.app_source(app),
            options["destination"],
            options["port"],
            options["protocol"],
        )
        if options["json"]:
            self.stdout.write(json.dumps(trace.as_dict(), indent=2))
            return
        self.stdout.write(f"{trace.source} -> {trace.destination}:{trace.port}/{trace.protocol}: {trace.verdict}")
        for number, step in enumerate(trace.steps, 1):
            rules = f" [{', '.join(step.rule_ids)}]" if step.rule_ids else ""
            self.stdout.write(f"  {number}. {step.name}: {step.outcome}. {step.detail}{rules}")
        if trace.fix:
            self.stdout.write(f"Fix: {trace.fix}")
