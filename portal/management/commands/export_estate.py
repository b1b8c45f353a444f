"""Write a sandbox's estate as an ARM template (a subscription deployment
of its resource groups and their resources), the file import_estate reads.

    python manage.py export_estate --sandbox <key> -o estate.json
"""

import json

from django.core.management.base import BaseCommand, CommandError

from portal.arm.export import export_sandbox
from portal.management.sandboxes import sandbox_by_key


class Command(BaseCommand):
    help = "Export a sandbox's estate as an ARM template."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--sandbox", required=True, help="The sandbox key (its UUID, shown in Portal settings).")
        parser.add_argument("-o", "--output", help="The file to write (default: standard output).")

    def handle(self, *args, **options) -> None:
        sandbox = sandbox_by_key(options["sandbox"])
        text = json.dumps(export_sandbox(sandbox), indent=2) + "\n"
        if not options["output"]:
            self.stdout.write(text, ending="")
            return
        try:
            with open(options["output"], "w", encoding="utf-8") as file:
                file.write(text)
        except OSError as exc:
            raise CommandError(f"Can't write {options['output']}: {exc.strerror}.") from None
        self.stderr.write(f"Wrote {options['output']}.")
